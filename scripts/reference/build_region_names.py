"""Build repertoire/data/region-names.csv: the French and English names of first-level divisions.

Why: ISO 3166-2's French translations (pycountry, from Debian iso-codes) are kept by few
hands and print « Turinge » for Thüringen, « Rhénanie du Nord-Westfalie » for
Nordrhein-Westfalen. The titles of the French and English Wikipedia articles on each
division, as the `iso3166-2-db` npm package (esosedi/3166, MIT) gathers them with each
division's GeoNames admin1 code, are the names French and English readers use
(Thuringe, Rhénanie-du-Nord-Westphalie, Bavière, Pouilles).

That package's links are of one date: Morocco's regions of 1997 are still tied to the
admin1 codes GeoNames gave the regions of 2015. A row is kept only when two sources agree
that it is the same division: the package's GeoNames name must read as the name
`data/admin1.csv` gives that (country, admin1), and its English or French name as one of
the names the reference holds for it (`admin1.csv`; the English, native and ISO names of
`data/admin-areas.csv.gz`) — set apart type words (Prefecture, Province, Region…). Divisions without an agreeing row get no French name:
the application then prints the official ISO name (repertoire/placenames.py); a division
with no ISO entry either (Puerto Rico's municipios, Hong Kong's districts) gets its name when
the package's English title agrees with GeoNames' and it is a bare proper name (`proper_name`).

Usage (from the repository root)::

    npm pack iso3166-2-db@2.3.11 && tar xzf iso3166-2-db-2.3.11.tgz
    python scripts/reference/build_region_names.py package/data/iso3166-2.json
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from repertoire.placenames import official_name, same_division as agree  # noqa: E402
from repertoire.text import fold  # noqa: E402

OUT = ROOT / "repertoire" / "data" / "region-names.csv"
ADMIN1 = ROOT / "repertoire" / "data" / "admin1.csv"
AREAS = ROOT / "repertoire" / "data" / "admin-areas.csv.gz"
_DISAMBIGUATION = re.compile(r"\s*\([^()]*\)$")  # "Georgia (U.S. state)", "Limburg (Belgium)"
def title(name: str) -> str:
    """A Wikipedia title as a name: without its disambiguation bracket."""
    return _DISAMBIGUATION.sub("", name or "").strip()


# English words of a division's type or position: a name holding one is English, not the
# name on the ground ("South Province" for New Caledonia's Province Sud)
_ENGLISH_WORDS = re.compile(r"\b(province|governorate|district|region|island|islands|atoll|parish|municipality|"
                            r"county|state|territory|division|area|city|town|village|north|south|east|west|"
                            r"northern|southern|eastern|western|central|upper|lower|capital|of|the|and)\b")


def proper_name(geonames_name: str, english_title: str) -> str | None:
    """A division that has neither an agreeing French title nor an ISO 3166-2 entry (Puerto
    Rico's municipios, Hong Kong's districts, Jersey's parishes, Latvia's former
    municipalities): its name when two sources agree on it and it is a bare proper name, the
    same in French and English — GeoNames' name (Bayamón), or the English title without its
    type word where GeoNames gives another form (Latvian genitives: Rucavas → Rucava)."""
    from repertoire.gazetteer import ADMIN_WORDS

    if not english_title or not agree(english_title, geonames_name):
        return None
    bare = " ".join(w for w in english_title.split() if not ADMIN_WORDS.fullmatch(fold(w)))
    name = geonames_name if fold(bare) == fold(geonames_name) else bare
    return name if name and not _ENGLISH_WORDS.search(fold(name)) and not _ENGLISH_WORDS.search(fold(geonames_name)) \
        else None


def build(source: Path) -> list[dict]:
    import gettext
    import gzip

    import pycountry

    with ADMIN1.open(encoding="utf-8", newline="") as handle:
        admin1_rows = list(csv.DictReader(handle))
    geonames = {(r["country"], r["admin1"]): r["name"] for r in admin1_rows}
    known_names = {(r["country"], r["admin1"]): {r["name"], r["asciiname"]} for r in admin1_rows}
    subdivisions = [s for s in pycountry.subdivisions if s.parent_code is None]
    translated = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    iso_names = {s.code: {s.name, official_name(s.name), translated.gettext(s.name)} for s in subdivisions}
    guessed: dict[tuple[str, str], list[str]] = {}
    with gzip.open(AREAS, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):  # the gazetteer areas' English and native names
            if row["iso"] in iso_names:
                iso_names[row["iso"]].update(row["names"].split("|"))
                guessed.setdefault((row["country"], row["admin1"]), []).append(row["iso"])
    # each division's ISO entry: the one whose names read as GeoNames' name (the areas' own
    # admin1 codes are guessed from nearby places and go wrong where GeoNames recoded a
    # country: Hà Nội is not An Giang)
    iso_of: dict[tuple[str, str], str] = {}
    exactly: dict[tuple[str, str], bool] = {}
    for (country, admin1), name in geonames.items():
        mine = [s.code for s in subdivisions if s.country_code == country]
        exact = [code for code in mine if fold(name) in {fold(n) for n in iso_names[code]}]
        found = exact or [code for code in mine if any(agree(n, name) for n in iso_names[code])]
        if len(found) == 1:  # Lower/Upper Austria: exact first
            iso_of[(country, admin1)] = found[0]
            exactly[(country, admin1)] = bool(exact)
    # one ISO entry per division: "Washington, D.C." reads as Washington only for want of better
    claims: dict[str, list[tuple[str, str]]] = {}
    for key, code in iso_of.items():
        claims.setdefault(code, []).append(key)
    for code, keys in claims.items():
        if len(keys) > 1:
            for key in keys:
                if not exactly[key] or sum(exactly[k] for k in keys) > 1:
                    del iso_of[key]
    # GeoNames' transliterations (Şafāqis for Sfax) read as no ISO name: then the area's own
    # guess of its code (from the places near it), when it is the only one and no name took it
    taken = set(iso_of.values())
    for key in geonames.keys() - iso_of.keys():
        if len(guess := guessed.get(key, [])) == 1 and guess[0] not in taken:
            iso_of[key] = guess[0]
    for key, code in iso_of.items():
        known_names[key].update(iso_names[code])
    data = json.loads(source.read_text(encoding="utf-8"))
    rows: dict[tuple[str, str], dict | None] = {}
    english_titles: dict[tuple[str, str], str] = {}
    refused = []
    for country, entry in sorted(data.items()):
        for region in entry.get("regions", []):
            names, admin1 = region.get("names", {}), region.get("admin")
            key = (country, admin1)
            known = geonames.get(key)
            french, english = title(names.get("fr", "")), title(names.get("en", ""))
            if not known or not french:
                continue
            if agree(names.get("geonames", ""), known) and \
                    any(agree(n, k) for n in (english, french) if n for k in known_names[key]):
                # two rows on one admin1 code: keep none rather than guess
                rows[key] = None if key in rows else {"french": french, "english": english or known, "source": "wikipedia"}
            else:
                refused.append((country, admin1, known, english, french))
        for region in entry.get("regions", []):  # for a second check below: the English titles
            names, admin1 = region.get("names", {}), region.get("admin")
            if agree(names.get("geonames", ""), geonames.get((country, admin1), "")):
                english_titles.setdefault((country, admin1), title(names.get("en", "")))
    print(f"{sum(1 for r in rows.values() if r)} Wikipedia names kept, {len(refused)} refused "
          "(sources disagree), e.g.:", file=sys.stderr)
    for r in refused[:: max(1, len(refused) // 25)]:
        print("   ", r, file=sys.stderr)
    out = []
    for key in sorted(geonames):
        row = rows.get(key)
        if row is None and key in iso_of:  # no agreeing French name: the official one
            name = official_name(next(s.name for s in subdivisions if s.code == iso_of[key]))
            row = {"french": name, "english": name, "source": "iso"}
        elif row is None and (name := proper_name(geonames[key], english_titles.get(key, ""))):
            row = {"french": name, "english": name, "source": "geonames"}
        if row:
            aliases = sorted({fold(n) for n in known_names[key]} - {""})
            out.append({"country": key[0], "admin1": key[1], **row, "iso": iso_of.get(key, ""),
                        "aliases": "|".join(aliases)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="data/iso3166-2.json of the iso3166-2-db npm package")
    rows = build(parser.parse_args().source)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["country", "admin1", "iso", "french", "english", "source", "aliases"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} rows", file=sys.stderr)


if __name__ == "__main__":
    main()
