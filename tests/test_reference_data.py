"""Checks on the reference files shipped in data/ (real data, built by scripts/reference/build_reference.py).

They pin the column contract other code relies on and a few facts a user
would notice at once if the build went wrong.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

DATA_DIR = Path(__file__).parent.parent / "repertoire" / "data"
MAX_FILE_BYTES = 5_000_000

COLUMNS = {
    "communes.csv.gz": ["code", "nom", "type", "current", "departement", "region", "population", "lat", "lon"],
    "departements.csv": ["code", "nom", "region", "chef_lieu", "lat", "lon", "zone"],
    "regions.csv": ["code", "nom", "chef_lieu", "lat", "lon", "zone"],
    "epci.csv": ["siren", "nom", "type", "departement", "region", "members", "population", "lat", "lon"],
    "countries.csv": [
        "code", "alpha3", "numeric", "name_fr", "name_en", "official_fr", "demonym_fr_m",
        "demonym_fr_f", "region", "subregion", "lat", "lon",
    ],
    "gazetteer.csv.gz": ["geonameid", "name", "country", "admin1", "population", "lat", "lon", "names", "native"],
}


def load(name: str) -> pd.DataFrame:
    """Read a shipped file as text: codes keep leading zeros, "NA" stays Namibia."""
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def communes() -> pd.DataFrame:
    return load("communes.csv.gz")


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return load("gazetteer.csv.gz")


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_columns_are_the_contract(name: str) -> None:
    assert list(load(name).columns) == COLUMNS[name]


def test_no_data_file_is_over_5_mb() -> None:
    sizes = {p.name: p.stat().st_size for p in DATA_DIR.rglob("*") if p.is_file()}
    assert sizes and all(size < MAX_FILE_BYTES for size in sizes.values()), sizes


def test_nancy_has_its_point(communes: pd.DataFrame) -> None:
    nancy = communes[(communes["code"] == "54395") & (communes["type"] == "commune")].iloc[0]
    assert nancy["nom"] == "Nancy"
    assert (nancy["departement"], nancy["region"]) == ("54", "44")
    assert float(nancy["lat"]) == pytest.approx(48.69, abs=0.03)
    assert float(nancy["lon"]) == pytest.approx(6.18, abs=0.03)


def test_merged_commune_maps_to_its_commune_of_today(communes: pd.DataFrame) -> None:
    names = communes[communes["type"] == "commune"].set_index("code")["nom"]
    conques = communes[(communes["nom"] == "Conques") & (communes["type"] == "deleguee")].iloc[0]
    assert names[conques["current"]] == "Conques-en-Rouergue"
    annecy_le_vieux = communes[communes["nom"] == "Annecy-le-Vieux"].iloc[0]
    assert names[annecy_le_vieux["current"]] == "Annecy"


def test_chef_lieu_delegated_commune_keeps_both_rows(communes: pd.DataFrame) -> None:
    rows = communes[communes["code"] == "50129"].set_index("type")["nom"]
    assert rows["commune"] == "Cherbourg-en-Cotentin"
    assert rows["deleguee"] == "Cherbourg-Octeville"


def test_arrondissements_belong_to_paris_lyon_marseille(communes: pd.DataFrame) -> None:
    arrondissements = communes[communes["type"] == "arrondissement"]
    assert arrondissements["current"].value_counts().to_dict() == {"75056": 20, "13055": 16, "69123": 9}


def test_every_entry_points_to_a_commune_of_today(communes: pd.DataFrame) -> None:
    today = set(communes.loc[communes["type"] == "commune", "code"])
    assert set(communes["current"]) <= today
    assert communes["type"].value_counts().to_dict() == {
        "commune": 34969, "deleguee": 2105, "associee": 471, "arrondissement": 45,
    }


def test_only_overseas_collectivites_and_a_few_restored_communes_lack_a_point(communes: pd.DataFrame) -> None:
    unplaced = communes[communes["lat"] == ""]
    assert set(unplaced["type"]) == {"commune"}
    outside_com = unplaced[~unplaced["departement"].str.match(r"97[578]|98")]
    assert len(outside_com) <= 10, outside_com


def test_communes_of_the_overseas_collectivites_are_placed_in_their_territory(communes: pd.DataFrame) -> None:
    """GeoNames gives a point to most COM communes; each lies near its territory's chef-lieu."""
    com = communes[(communes["type"] == "commune") & communes["departement"].str.match(r"97[578]|98")]
    placed = com[com["lat"] != ""]
    assert len(placed) >= 40 and set(placed["departement"]) == {"975", "977", "978", "986", "987", "988"}
    seats = load("departements.csv").set_index("code")
    for row in placed.itertuples():
        seat = seats.loc[row.departement]
        # French Polynesia spans about 2,000 km; Saint-Pierre and Wallis are much smaller.
        assert distance_km(float(row.lat), float(row.lon), float(seat["lat"]), float(seat["lon"])) < 2_000, row
    by_name = com.set_index("nom")
    assert float(by_name.loc["Papeete", "lat"]) == pytest.approx(-17.53, abs=0.05)
    assert float(by_name.loc["Nouméa", "lon"]) == pytest.approx(166.45, abs=0.05)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    from math import asin, cos, radians, sin, sqrt
    a = sin(radians(lat2 - lat1) / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * asin(sqrt(a))


def test_regions_are_13_metropolitan_plus_5_overseas_and_the_8_com_apart() -> None:
    regions = load("regions.csv")
    zones = regions.groupby("zone")["code"].apply(set).to_dict()
    assert zones["drom"] == {"01", "02", "03", "04", "06"}
    assert len(zones["metro"]) == 13
    assert zones["com"] == {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert (regions.loc[regions["zone"] != "com", "lat"] != "").all()
    assert regions.set_index("code").loc["44", "nom"] == "Grand Est"


def test_101_departements_placed_at_their_chef_lieu_and_the_8_com_apart() -> None:
    departements = load("departements.csv").set_index("code")
    proper = departements[departements["zone"] != "com"]
    assert len(proper) == 101
    assert {"2A", "2B", "971", "976"} <= set(proper.index)
    assert (proper["lat"] != "").all()
    assert departements.loc["54", "chef_lieu"] == "54395"
    assert float(departements.loc["54", "lat"]) == pytest.approx(48.69, abs=0.03)
    com = departements[departements["zone"] == "com"]
    assert set(com.index) == {"975", "977", "978", "984", "986", "987", "988", "989"}
    assert (com["region"] == com.index).all()  # the COM code stands for département and région
    # TAAF's chef-lieu in etalab is a commune of Saint-Pierre-et-Miquelon, Clipperton has no locality:
    # no point rather than a wrong one
    assert set(com.index[com["lat"] == ""]) == {"984", "989"}


def test_1255_epci_all_placed() -> None:
    epci = load("epci.csv")
    assert len(epci) == 1255
    assert set(epci["type"]) == {"CC", "CA", "CU", "METRO", "MET69"}
    assert (epci["lat"] != "").all() and (epci["departement"] != "").all()
    lyon = epci[epci["type"] == "MET69"].iloc[0]
    assert lyon["departement"] == "69" and int(lyon["members"]) > 50


def test_country_names_and_demonyms() -> None:
    countries = load("countries.csv").set_index("code")
    assert countries.index.is_unique
    japan = countries.loc["JP"]
    assert (japan["name_fr"], japan["demonym_fr_m"], japan["demonym_fr_f"]) == ("Japon", "Japonais", "Japonaise")
    assert japan["alpha3"] == "JPN" and japan["numeric"] == "392"
    assert countries.loc["DE", "name_fr"] == "Allemagne"
    assert countries.loc["NA", "name_en"] == "Namibia"


def test_gazetteer_has_no_french_locality(gazetteer: pd.DataFrame) -> None:
    assert "FR" not in set(gazetteer["country"])
    assert len(gazetteer) > 100_000


def locality(gazetteer: pd.DataFrame, country: str, name: str) -> pd.Series:
    """Return the most populous locality of that name in that country."""
    rows = gazetteer[(gazetteer["country"] == country) & (gazetteer["name"] == name)]
    return rows.loc[rows["population"].astype(int).idxmax()]


def test_yerevan_with_its_armenian_name(gazetteer: pd.DataFrame) -> None:
    yerevan = locality(gazetteer, "AM", "Yerevan")
    assert "Erevan" in yerevan["names"].split("|")  # the French spelling, to match on
    assert yerevan["native"]
    assert all(unicodedata.name(c).startswith("ARMENIAN") for c in yerevan["native"] if c.isalpha())


def test_names_in_their_own_script(gazetteer: pd.DataFrame) -> None:
    assert locality(gazetteer, "JP", "Yokohama")["native"] == "横浜市"
    assert locality(gazetteer, "TN", "Kairouan")["native"] == "القيروان"
    assert locality(gazetteer, "UA", "Kyiv")["native"] == "Київ"
    assert locality(gazetteer, "DE", "Berlin")["native"] == ""


def test_names_start_with_the_main_name(gazetteer: pd.DataFrame) -> None:
    first = gazetteer["names"].str.split("|").str[0]
    assert (first == gazetteer["name"]).all()



def test_an_epci_has_the_population_of_its_member_communes() -> None:
    epci = load("epci.csv")
    assert (epci["population"] != "").all()
    lyon = epci[epci["type"] == "MET69"].iloc[0]
    communes = load("communes.csv.gz").set_index("code")
    assert int(communes.loc["69123", "population"]) < int(lyon["population"])  # Lyon and 57 more communes
    assert 1_300_000 < int(lyon["population"]) < 1_500_000  # INSEE: 1.4 million in the Métropole
