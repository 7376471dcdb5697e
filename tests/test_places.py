"""French collectivités in every form people write them; countries in any language."""
from __future__ import annotations

import pytest

from repertoire.places import UnresolvedPlace


@pytest.fixture(scope="module")
def places(references):
    return references.places


@pytest.mark.parametrize("written, departement, expected", [
    ("Ville de Nancy", None, "commune:54395"),
    ("NANCY", None, "commune:54395"),
    ("Nancy (54)", None, "commune:54395"),
    ("Mairie de Brest", None, "commune:29019"),
    ("Commune de Falaise (14)", None, "commune:14258"),
    ("Ville du Havre", None, "commune:76351"),
    ("Ville de Le Coteau", "42", "commune:42071"),
    ("Onet-le-Chateau", None, "commune:12176"),
    ("Moelan sur Mer", None, "commune:29150"),
    ("Nyons (Drôme)", None, "commune:26220"),
    ("St Jean de Luz", None, "commune:64483"),
    ("Cherbourg-Octeville", None, "commune:50129"),  # merged in 2016 into Cherbourg-en-Cotentin
    ("Annecy-le-Vieux", None, "commune:74010"),
    ("Château-Chinon (Ville)", None, "commune:58062"),
    ("Conseil départemental de l'Essonne", None, "departement:91"),
    ("Département du Nord", None, "departement:59"),
    ("Région Île-de-France", None, "region:11"),
    ("Conseil régional de Bretagne", None, "region:53"),
    ("Métropole Rouen Normandie", None, "epci:200023414"),
    ("Communauté d'agglomération du Grand Besançon", None, "epci:242500361"),
    ("Communauté urbaine de Dunkerque", None, "epci:245900428"),
    ("Dunkerque", None, "commune:59183"),
    ("Strasbourgg", "67", "commune:67482"),
])
def test_should_resolve_french_collectivite(places, written, departement, expected):
    assert places.resolve(written, departement).french_id == expected


def test_should_use_the_insee_code_when_the_row_gives_one(places):
    assert places.resolve("Isle", None, "87075").french_id == "commune:87075"
    assert places.resolve(None, None, "1053").french_id == "commune:01053"  # leading zero lost


def test_should_use_the_type_column(places):
    assert places.resolve("Essonne", None, None, "Département").french_id == "departement:91"
    assert places.resolve("Bretagne", None, None, "Région").french_id == "region:53"


def test_should_refuse_a_homonym_and_name_its_candidates(places):
    with pytest.raises(UnresolvedPlace) as error:
        places.resolve("Saint-Denis")
    assert "93066" in str(error.value) and "97411" in str(error.value)


def test_should_settle_a_homonym_by_a_known_twinning(places):
    assert places.resolve("Passy", partner=("DE", "pfullingen", "1986")).french_id == "commune:74208"


def test_should_reject_an_unknown_name(places):
    with pytest.raises(UnresolvedPlace, match="unknown"):
        places.resolve("Villeneuve-sur-Nulle-Part", "01")


@pytest.mark.parametrize("written, code", [
    ("Allemagne", "DE"), ("ALLEMAGNE", "DE"), ("Germany", "DE"), ("Royaume-Uni", "GB"),
    ("Cote d'Ivoire", "CI"), ("Côte d’Ivoire", "CI"), ("ETATS-UNIS", "US"), ("Japon", "JP"),
    ("Arménie", "AM"), ("Territoires palestiniens", "PS"), ("Russie", "RU"), ("Tchéquie", "CZ"),
    ("Maroc", "MA"), ("JPN", "JP"), ("Atlantide", None),
])
def test_should_find_country_codes(references, written, code):
    assert references.countries.code(written) == code


def test_should_place_partners_by_alternate_names_and_typos(references):
    gazetteer = references.gazetteer
    assert gazetteer.place("Erevan", "AM").name == "Yerevan"
    assert gazetteer.place("Kanazwa", "JP").name == "Kanazawa"
    assert gazetteer.place("Gmina Lwówek Śląski", "PL").name == "Lwówek Śląski"
    assert gazetteer.place("Nowhere-im-Nirgendwo", "DE") is None
