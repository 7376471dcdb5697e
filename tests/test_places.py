"""French collectivités in every form people write them; countries in any language."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from repertoire.places import Ambiguous, UnresolvedPlace, fold_place

DATA = Path(__file__).parent.parent / "repertoire" / "data"


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


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
    # a title word that begins a real name is part of it
    ("Ville-d'Avray", "92", "commune:92077"),
    ("VILLE-LA-GRAND (74)", None, "commune:74305"),
    ("Ville de Ville-d'Avray", None, "commune:92077"),
    ("Mairie de Ville-di-Pietrabugno", None, "commune:2B353"),
    ("Commune de Falaise - 14", None, "commune:14258"),
    ("NANCY 54", None, "commune:54395"),
    ("Chailland (Département de la Mayenne)", None, "commune:53048"),
    ("CD 54", None, "departement:54"),
    # overseas collectivités: their code is the département of their communes
    ("Arue", "987", "commune:98712"),
    ("Arue (987)", None, "commune:98712"),
    ("Saint-Martin 978", None, "commune:97801"),
    ("Saint-Martin", "978", "commune:97801"),
    ("Saint-Pierre", "975", "commune:97502"),
    ("Saint-Barthélemy", "977", "commune:97701"),
    ("Nouméa", None, "commune:98818"),
    ("Polynésie française", None, "departement:987"),
    ("Nouvelle-Calédonie", None, "departement:988"),
    ("Wallis-et-Futuna", None, "departement:986"),
    ("Collectivité de Saint-Martin", None, "departement:978"),
    ("Saint-Pierre-et-Miquelon", None, "departement:975"),
])
def test_should_resolve_french_collectivite(places, written, departement, expected):
    assert places.resolve(written, departement).french_id == expected


@pytest.mark.parametrize("written", ["Polynésie française", "Collectivité de Saint-Martin", "Wallis-et-Futuna"])
def test_an_overseas_collectivity_is_named_as_what_it_is(places, written):
    found = places.resolve(written)
    assert found.french_id.startswith("departement:9") and found.type == "com"


def test_should_use_the_insee_code_when_the_row_gives_one(places):
    assert places.resolve("Isle", None, "87075").french_id == "commune:87075"
    assert places.resolve(None, None, "1053").french_id == "commune:01053"  # leading zero lost


def test_should_use_the_type_column(places):
    assert places.resolve("Essonne", None, None, "Département").french_id == "departement:91"
    assert places.resolve("Bretagne", None, None, "Région").french_id == "region:53"
    assert places.resolve("Saint-Barthélemy", None, None, "Collectivité d'outre-mer").french_id == "departement:977"
    # "communes" inside the type does not make an intercommunalité a commune
    assert places.resolve("de Blaye", None, None, "Communauté de communes").french_id == "epci:200023794"


def test_should_refuse_a_homonym_and_name_its_candidates(places):
    with pytest.raises(UnresolvedPlace) as error:
        places.resolve("Saint-Denis")
    assert "93066" in str(error.value) and "97411" in str(error.value)


def test_should_settle_a_homonym_by_a_known_twinning(places):
    assert places.resolve("Passy", partner=("DE", "pfullingen", "1986")).french_id == "commune:74208"


def test_should_prefer_an_exact_name_of_any_level_to_a_near_commune(places):
    # `Drôme` is one letter from the commune of Drom (01): the département is meant
    assert places.resolve("Drôme").french_id == "departement:26"
    assert places.resolve("Normandie").french_id == "region:28"


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


@pytest.mark.parametrize("written, code", [
    # official names in the survey languages, the lands an official name joins, constituent countries
    ("Bundesrepublik Deutschland", "DE"), ("República Federal de Alemania", "DE"), ("Great Britain", "GB"),
    ("Irlande du Nord", "GB"), ("Scotland", "GB"), ("Wales", "GB"), ("Herzegovina", "BA"), ("Tobago", "TT"),
    ("Vereinigtes Königreich", "GB"), ("Stati Uniti", "US"), ("Países Bajos", "NL"),
    # initials of a name or an official name, in the survey languages
    ("BRD", "DE"), ("RDC", "CD"), ("RFA", "DE"), ("EAU", "AE"), ("UAE", "AE"), ("RSA", "ZA"), ("EUA", "US"),
    # an official name's last words alone are no country: `… Republic of Korea` gives no `Korea`
    ("Korea", None), ("the United States", None),
])
def test_should_find_countries_by_official_names_and_their_parts(references, written, code):
    assert references.countries.code(written) == code


@pytest.mark.parametrize("cell, code", [
    ("CD 66 - Pyrénées-Orientales", "66"), ("54 - Meurthe-et-Moselle", "54"), ("Drôme (26)", "26"),
    ("Conseil départemental du Nord", "59"), ("2A - Corse-du-Sud", "2A"), ("976 Mayotte", "976"),
    ("Département de la Loire", "42"), ("Nord - 62", None),  # a code and a name that disagree: none
])
def test_a_departement_cell_may_hold_a_code_a_name_and_a_title(places, cell, code):
    assert places.departement_code(cell) == code


def test_should_place_partners_by_alternate_names_and_typos(references):
    gazetteer = references.gazetteer
    assert gazetteer.place("Erevan", "AM").name == "Yerevan"
    assert gazetteer.place("Kanazwa", "JP").name == "Kanazawa"
    assert gazetteer.place("Gmina Lwówek Śląski", "PL").name == "Lwówek Śląski"
    assert gazetteer.place("Nowhere-im-Nirgendwo", "DE") is None


# --- the whole official geography ------------------------------------------------------

@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    rows = load("communes.csv.gz")
    return rows[rows["type"] == "commune"]


def homonyms_within_a_departement(communes: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Communes that share a name in one département, once a qualifier in brackets is dropped.

    In the current COG no two communes share their full name in one département, but
    Bors (Canton de Charente-Sud) and Bors (Canton de Tude-et-Lavalette) are both in 16:
    written `Bors`, only their INSEE code tells them apart.
    """
    groups = defaultdict(list)
    for code, name, dep in zip(communes["code"], communes["nom"], communes["departement"]):
        groups[(fold_place(re.sub(r"\s*\(.*\)$", "", name)), dep)].append(code)
    return {key: codes for key, codes in groups.items() if len(codes) > 1}


def unresolved(places, cases) -> dict:
    """The cases (arguments → expected id) that do not resolve to what they should."""
    wrong = {}
    for args, expected in cases:
        try:
            found = places.resolve(*args).french_id
        except UnresolvedPlace as error:
            found = str(error)
        if found != expected:
            wrong[args] = found
    return wrong


@pytest.mark.parametrize("form", ["name, département", "NAME, département", "name (dd)", "NAME (DD)"])
def test_every_commune_resolves_to_itself_with_its_departement(places, communes, form):
    """All 34,969 communes of today, as make_scale.py writes them and as people do."""
    def args(name: str, dep: str) -> tuple:
        return {"name, département": (name, dep), "NAME, département": (name.upper(), dep),
                "name (dd)": (f"{name} ({dep})",), "NAME (DD)": (f"{name} ({dep})".upper(),)}[form]
    cases = [(args(name, dep), f"commune:{code}")
             for code, name, dep in zip(communes["code"], communes["nom"], communes["departement"])]
    assert len(cases) > 34_000
    assert unresolved(places, cases) == {}


def test_homonyms_within_a_departement_ask_for_the_insee_code(places, communes):
    homonyms = homonyms_within_a_departement(communes)
    assert {name for name, _ in homonyms} >= {"bors", "chateau chinon", "castillon"}
    names = communes.set_index("code")["nom"]
    for (_, dep), codes in homonyms.items():
        short = re.sub(r"\s*\(.*\)$", "", names[codes[0]])
        with pytest.raises(Ambiguous, match="give the INSEE code") as error:
            places.resolve(short, dep)
        assert set(error.value.codes) == set(codes)
        assert all(places.resolve(short, dep, code).french_id == f"commune:{code}" for code in codes)


def test_every_departement_region_and_com_resolves_by_its_name(places, communes):
    departements, regions = load("departements.csv"), load("regions.csv")
    # COM are filed with the départements: one collectivité, one id
    cases = [((name, None, None, "Département"), f"departement:{code}")
             for code, name in zip(departements["code"], departements["nom"])]
    cases += [((name, None, None, "Région"), f"{'departement' if zone == 'com' else 'region'}:{code}")
              for code, name, zone in zip(regions["code"], regions["nom"], regions["zone"])]
    cases += [((f"Conseil départemental {name}",), f"departement:{code}")
              for code, name, zone in zip(departements["code"], departements["nom"], departements["zone"])
              if zone != "com"]
    cases += [((f"Région {name}",), f"region:{code}")
              for code, name, zone in zip(regions["code"], regions["nom"], regions["zone"]) if zone != "com"]
    assert unresolved(places, cases) == {}
    # Bare, a name is a commune's first when a commune bears it (Paris, Saint-Martin, Bretagne),
    # and a département's before a région's (Guadeloupe: both are collectivités of that name)
    commune_names = set(communes["nom"].map(fold_place))
    departement_names = set(departements["nom"].map(fold_place))
    bare = [((name,), f"departement:{code}") for code, name in zip(departements["code"], departements["nom"])]
    bare += [((name,), f"region:{code}") for code, name, zone in zip(regions["code"], regions["nom"], regions["zone"])
             if zone != "com"]
    wrong = unresolved(places, bare)
    assert {args[0] for args in wrong} == {
        args[0] for args, expected in bare if fold_place(args[0]) in commune_names
        or (expected.startswith("region") and fold_place(args[0]) in departement_names)}
    assert all(found.startswith(("commune:", "departement:", "ambiguous collectivité")) for found in wrong.values())


def test_every_epci_resolves_by_its_official_name(places):
    epci = load("epci.csv")
    cases = [((name, dep), f"epci:{siren}") for siren, name, dep in zip(epci["siren"], epci["nom"], epci["departement"])]
    assert unresolved(places, cases) == {}
    # without its département, an EPCI name two EPCI bear is refused with both named
    shared = epci[epci["nom"].duplicated(keep=False)]
    wrong = unresolved(places, [((name,), f"epci:{siren}") for siren, name in zip(epci["siren"], epci["nom"])])
    assert set(wrong) == {(name,) for name in shared["nom"]}
    assert all("give the département" in message for message in wrong.values())
