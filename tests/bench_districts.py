"""How city districts are placed (issue 12: Korean gu, Tokyo's wards, Chinese districts).

    .venv/bin/python tests/bench_districts.py [--admin2 PATH/admin2Codes.txt]

Two lists, each placed by name alone, with its city as the row's region, and written
`City – District`; a district counts when placed within 30 km of its true point:

* ``source``: every district of six countries (KR, JP, CN, DE, PL, GB) in the list
  districts.csv.gz is built from (countrystatecity-countries, build-time only), by the
  build's rules but whether or not the gazetteer already had the place, with the source's
  point;
* ``geonames``: a list the build never reads: GeoNames' second-level divisions
  (admin2Codes.txt) that are wards of a city that is its own first-level division — the gu
  of Seoul and of the six Korean metropolitan cities, the special wards of Tokyo — whose
  true point is taken as their city's (within 30 km of it).

Run it with the code of main and of a branch (PYTHONPATH) to compare.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: `PYTHONPATH=main` measures main's gazetteer

from repertoire.gazetteer import Gazetteer, km  # noqa: E402
from scripts.reference import build_districts as build  # noqa: E402

COUNTRIES = ("KR", "JP", "CN", "DE", "PL", "GB")
# GeoNames first-level divisions that are a city: (country, admin1) → the city's name
CITY_DIVISIONS = {("KR", "11"): "Seoul", ("KR", "26"): "Busan", ("KR", "27"): "Daegu", ("KR", "28"): "Incheon",
                  ("KR", "29"): "Gwangju", ("KR", "30"): "Daejeon", ("KR", "31"): "Ulsan", ("JP", "40"): "Tokyo"}


def source_list() -> pd.DataFrame:
    """The source's districts of COUNTRIES (the build's rules, the gazetteer's own places kept)."""
    entries, places = build.source_entries(), build.gazetteer_places()
    rows = []
    for country in COUNTRIES:
        known = places[places["country"] == country].reset_index(drop=True)
        group = entries[entries["country"] == country]
        for row in build.districts_of(country, group, known, keep_known=True):
            rows.append({"country": country, "name": row["name"], "city": row["city_name"],
                         "lat": row["lat"], "lon": row["lon"]})
    return pd.DataFrame(rows)


def geonames_list(path: Path) -> pd.DataFrame:
    """Wards of city divisions from GeoNames' admin2Codes.txt, at their city's point."""
    places = build.gazetteer_places()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        code, name = line.split("\t")[:2]
        country, admin1 = code.split(".")[:2]
        city = CITY_DIVISIONS.get((country, admin1))
        if not city or not name.lower().replace(" ", "-").endswith(("-gu", "-ku")):
            continue
        town = places[(places["country"] == country) & (places["name"] == city)].sort_values("population").iloc[-1]
        rows.append({"country": country, "name": name, "city": city, "lat": town["lat"], "lon": town["lon"]})
    return pd.DataFrame(rows)


def score(gazetteer: Gazetteer, cases: pd.DataFrame) -> dict[str, str]:
    out = {}
    for form in ("alone", "region", "dash"):
        near = placed = 0
        for case in cases.itertuples(index=False):
            name, region = {"alone": (case.name, None), "region": (case.name, case.city),
                            "dash": (f"{case.city} – {case.name}", None)}[form]
            found = gazetteer.place(name, case.country, region)
            placed += found is not None
            near += found is not None and km(found.lat, found.lon, case.lat, case.lon) <= 30
        out[form] = f"{near}/{len(cases)} near ({placed} placed)"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin2", type=Path, help="GeoNames admin2Codes.txt (the second list)")
    args = parser.parse_args()
    gazetteer = Gazetteer()
    lists = {"source": source_list()}
    if args.admin2 and args.admin2.exists():
        lists["geonames"] = geonames_list(args.admin2)
    for label, cases in lists.items():
        for country, group in cases.groupby("country"):
            print(label, country, score(gazetteer, group))
        print(label, "all", score(gazetteer, cases))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
