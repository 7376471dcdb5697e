"""Build repertoire/data/districts.csv.gz: districts of large cities that the GeoNames extracts lack.

Why: GeoNames files a city's wards and districts as administrative divisions (ADM2, ADM3) or
as sections of a place (PPLX) with no population, so the extracts of places of 500+
inhabitants (gazetteer.csv.gz, gazetteer-villages.csv.gz) have none of Seoul's gu, of
Tokyo's special wards but two, of Guangzhou's districts. A survey naming its partner
« Jongno-gu », « Minato-ku » or « Tianhe » without its city left it unplaced.

Source: the cities of the `countrystatecity-countries` 2.0.1 package (the dr5hn
countries-states-cities database, ODbL 1.0; build-time only, as for admin-areas.csv.gz),
which lists such wards and districts among its "cities", with a point, but does not say
which are districts. A city district here is an entry that

* is not already a gazetteer place (a place of the same folded name, or of that name without
  its district word, within 30 km: Shinjuku for Shinjuku-ku);
* is not a town of its parent city's first-level division at a wrong point (the source
  puts El Bruc, 40 km away, at the point of Barcelona);
* does not name a municipality or an area of its own (`-shi`, `-si`, `-gun`, County,
  Regierungsbezirk, Region…);
* does not share its point with another entry of its country (the source's stand-in point
  for entries it could not place: Catalan villages at the point of Barcelona);
* and lies inside a large city: within 20 km of a city of 100,000+ inhabitants when its
  name says it is a part of a city (`-gu`, `-ku`, `Qu`, District, Bezirk…: the words of
  repertoire/districts.py), within 15 km of a city of 500,000+ otherwise.

Its parent city is the largest gazetteer place of 50,000+ inhabitants within 30 km (what
repertoire/gazetteer.py calls a district's host). French entries are left out.

    python scripts/reference/build_districts.py      # after build_reference.py
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]  # scripts/reference/ → the checkout
sys.path.insert(0, str(ROOT))

from repertoire.datafiles import DATA  # noqa: E402
from repertoire.districts import part_of_city  # noqa: E402
from repertoire.gazetteer import DISTRICT_CITY, NEAR_KM, km  # noqa: E402
from repertoire.text import fold  # noqa: E402
from scripts.reference.build_reference import GAZETTEER_DECIMALS, write_csv  # noqa: E402

OUTPUT = DATA / "districts.csv.gz"
# Words of a name that make it a municipality or an area of its own, not a part of a city (folded).
OWN_ENTITY = re.compile(r"\b(shi|si|gun|county|shire|regierungsbezirk|region|province|prefecture|oblast|"
                        r"powiat|landkreis|kreis|municipality|council|borough of|city and county|city of|"
                        r"community development block|tehsil|taluk|urban okrug|gorod)\b")
# How far from a city's point its districts reach: (smallest city, km for a city of that size);
# a larger city reaches further, as the square root of its size (its radius), up to NEAR_KM.
NAMED_REACH = (100_000, 20)  # a name that says it is a part of a city
BARE_REACH = (500_000, 15)  # any other name


def source_entries() -> pd.DataFrame:
    """Every city of the package: country, name, point."""
    import countrystatecity_countries  # build-time only: .venv/bin/pip install countrystatecity-countries==2.0.1

    root = Path(countrystatecity_countries.__file__).parent / "data" / "by-country"
    rows = [(c["country_code"], c["name"], float(c["latitude"]), float(c["longitude"]))
            for path in sorted(root.glob("*/states/*/cities.json"))
            for c in json.loads(path.read_text(encoding="utf-8")) if c.get("latitude") and c.get("longitude")]
    return pd.DataFrame(rows, columns=["country", "name", "lat", "lon"]).drop_duplicates()


def gazetteer_places() -> pd.DataFrame:
    read = dict(dtype={"admin1": str, "names": str, "country": str}, keep_default_na=False)
    places = pd.concat([pd.read_csv(DATA / "gazetteer.csv.gz", **read),
                        pd.read_csv(DATA / "gazetteer-villages.csv.gz", **read)], ignore_index=True)
    places["population"] = pd.to_numeric(places["population"], errors="coerce").fillna(0)
    return places


def districts_of(country: str, entries: pd.DataFrame, places: pd.DataFrame, keep_known: bool = False) -> list[dict]:
    """The entries of one country that are districts of one of its large cities (`keep_known`:
    those the gazetteer already has too, as tests/bench_districts.py checks them)."""
    lat, lon = places["lat"].to_numpy(float), places["lon"].to_numpy(float)
    population = places["population"].to_numpy(float)
    index: dict[str, list[int]] = {}
    for position, names in enumerate(places["names"]):
        for name in names.split("|"):
            index.setdefault(fold(name), []).append(position)
    hosts = np.flatnonzero(population >= DISTRICT_CITY)
    entries = entries.assign(lat=entries["lat"].round(GAZETTEER_DECIMALS), lon=entries["lon"].round(GAZETTEER_DECIMALS))
    shared = Counter(zip(entries["lat"], entries["lon"]))  # distances below on the points as shipped
    found = []
    for entry in entries.itertuples(index=False):
        key = fold(entry.name)
        if not key or OWN_ENTITY.search(key) or shared[(entry.lat, entry.lon)] > 1:
            continue
        same = index.get(key, [])
        bare = part_of_city(key)
        known = same + index.get(bare, []) if bare else same  # Shinjuku-ku: the gazetteer's Shinjuku
        if known and not keep_known and (km(entry.lat, entry.lon, lat[known], lon[known]) <= NEAR_KM).any():
            continue
        distance = km(entry.lat, entry.lon, lat[hosts], lon[hosts])
        near = hosts[distance <= NEAR_KM]
        if not len(near):
            continue
        parent = near[np.argmax(population[near])]
        if any(places["admin1"].iat[p] == places["admin1"].iat[parent] and
               km(entry.lat, entry.lon, lat[p], lon[p]) > NEAR_KM for p in same):
            continue  # a town of its parent's region, at a wrong point (El Bruc at Barcelona's)
        size, reach = NAMED_REACH if bare else BARE_REACH
        reaches = np.minimum(NEAR_KM, reach * np.sqrt(population[hosts] / size))  # Jimei: 22 km from Xiamen
        if not ((distance <= reaches) & (population[hosts] >= size)).any():
            continue
        found.append({"country": country, "name": entry.name, "city": int(places["geonameid"].iat[parent]),
                      "city_name": places["name"].iat[parent], "admin1": places["admin1"].iat[parent],
                      "lat": entry.lat, "lon": entry.lon})
    return found


def build() -> pd.DataFrame:
    entries, places = source_entries(), gazetteer_places()
    by_country = {code: group.reset_index(drop=True) for code, group in places.groupby("country")}
    rows = [row for country, group in entries.groupby("country") if country != "FR" and country in by_country
            for row in districts_of(country, group, by_country[country])]
    return pd.DataFrame(rows).sort_values(["country", "city_name", "name", "lat"]).reset_index(drop=True)


if __name__ == "__main__":
    table = build()
    print(table["country"].value_counts().head(15).to_string())
    write_csv(table, OUTPUT)
