"""Build repertoire/data/twinnings.csv.gz: real twinning pairs, French side as official INSEE codes.

Why: a survey row often names a commune that has homonyms (`Vineuil`, `Saint-Denis`) and
no département. The partner named on the same row settles it when a public list records
which of the homonyms is twinned with that partner. The French side of each public pair
is resolved by name, then by the commune nearest to the coordinates the list gives.

Sources (see repertoire/data/README.md): Wikidata P190 pairs (rogorido/sistercities, CC0) and the
German partnership list (muenchdo/TwinTowns, MIT).

    python scripts/reference/build_twinnings.py [RAW_FOLDER]
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]  # scripts/reference/ → the checkout
sys.path.insert(0, str(ROOT))

from repertoire.places import Countries, FrenchPlaces, fold_place  # noqa: E402
from repertoire.text import fold  # noqa: E402

MAX_KM = 25


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def french_code(places: FrenchPlaces, name: str, lat: float, lon: float) -> str | None:
    """The commune of that name nearest to the given point, within MAX_KM."""
    text, _ = places._split_hint(name)
    entries = places.commune_names.get(fold_place(text), [])
    best = None
    for code in {e[0] for e in entries}:
        row = places.communes.loc[code]
        if row["lat"] == "":
            continue
        km = distance_km(lat, lon, float(row["lat"]), float(row["lon"]))
        if km <= MAX_KM and (best is None or km < best[0]):
            best = (km, code)
    return best[1] if best else None


def pairs_from_twintowns(raw: Path, places: FrenchPlaces) -> list[dict]:
    table = pd.read_csv(raw / "partnerships/muenchdo__TwinTowns/TwinTowns_clean.csv", dtype=str)
    table = table[table["country"] == "France"].dropna(subset=["partner_latitude", "partner_longitude"])
    pairs = []
    for row in table.itertuples(index=False):
        code = french_code(places, row.partnergemeinde.replace("`", "'"), float(row.partner_latitude), float(row.partner_longitude))
        if code:
            pairs.append({"insee": code, "country": "DE", "partner_key": fold(row.municipality.replace(" (Kreis)", "")),
                          "partner_name": row.municipality, "partner_lat": row.latitude, "partner_lon": row.longitude,
                          "since": row.seit, "source": "TwinTowns"})
    return pairs


def pairs_from_wikidata(raw: Path, places: FrenchPlaces, countries: Countries) -> list[dict]:
    table = pd.read_csv(raw / "partnerships/rogorido__sistercities/sistercities.tsv", sep="\t", dtype=str)
    pairs = []
    for row in table.itertuples(index=False):
        sides = [(row.origincityLabel, row.origincountry, row.originlat, row.originlong),
                 (row.sistercityLabel, row.destination_countryLabel, row.destinationlat, row.destinationlong)]
        for (name, country, lat, lon), other in ((sides[0], sides[1]), (sides[1], sides[0])):
            if country != "France" or other[1] == "France" or not isinstance(lat, str):
                continue
            code = french_code(places, name, float(lat), float(lon))
            partner_country = countries.code(other[1])
            if code and partner_country:
                pairs.append({"insee": code, "country": partner_country, "partner_key": fold(other[0]),
                              "partner_name": other[0], "partner_lat": other[2], "partner_lon": other[3],
                              "since": None, "source": "Wikidata"})
    return pairs


def main(raw: Path) -> None:
    places, countries = FrenchPlaces(), Countries()
    pairs = pd.DataFrame(pairs_from_twintowns(raw, places) + pairs_from_wikidata(raw, places, countries))
    pairs = pairs.drop_duplicates(subset=["insee", "country", "partner_key"]).sort_values(["insee", "country", "partner_key"])
    out = ROOT / "repertoire" / "data" / "twinnings.csv.gz"
    pairs.to_csv(out, index=False, compression={"method": "gzip", "compresslevel": 9, "mtime": 0})
    print(f"{len(pairs)} pairs → {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "raw")
