"""Names of a placed partner as a French reader writes them, and in its own script.

`repertoire/data/placenames.csv.gz` (built by `scripts/reference/build_placenames.py` from GeoNames alternate names
with their language tags) gives, by GeoNames id, the usual French name of a foreign place
(Munich, Varsovie, Le Caire) and its name in its country's script when a source ties that
name to that very place (Тверь, صور), else nothing: better absent than wrong.

A survey's spelling gives way to the French name, and gets a native name beside it, only
when it is a name of that place as written (`München`, `Tangier`): a name placed after
setting words aside ("Forchheim (Kreis)", "Neath Port Talbot County Borough", "Dongcheng
District") names something else than the town it was placed on, and keeps its own spelling
alone.
"""
from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafiles import DATA
from .gazetteer import ADMIN_WORDS
from .text import fold as _fold

PLACENAMES = DATA / "placenames.csv.gz"
_BRACKET = re.compile(r"\s*\(([^()]*)\)")


# Names repeat across a registry (and an index build asks for every partnership's names).
fold = lru_cache(maxsize=200_000)(_fold)


@dataclass(frozen=True)
class PlaceNames:
    """What the reference knows of one place's names."""

    name: str  # GeoNames main name
    local: str | None  # the name in the country's language, when it is not the main name
    french: str | None
    native: str | None
    native_source: str | None  # the language tag of the native name, or `agree`
    keys: str  # the place's names, folded, |-joined

    def is_named(self, written: str) -> bool:
        """Whether a survey's spelling is one of this place's names as written (folded)."""
        key = fold(written)
        return key in self.keys.split("|") or key in {fold(n) for n in (self.name, self.local, self.french) if n}

    def reads_as(self, written: str) -> bool:
        """Whether the native name is the written name in another script: the written name is
        the place's main, local or French name (or a spelling variant: Karmiel, Karmi'el),
        or the native name's letters transliterated
        (unidecode: Москва → Moskva, Երևան → Erevan) read almost as it. Han characters
        transliterate to Chinese readings, so a Japanese place qualifies by its main name."""
        from rapidfuzz import fuzz

        def squeeze(text: str) -> str:  # "Karmi'el" and Karmiel, "Rosh Ha'Ayin" and Rosh HaAyin: one spelling
            return "".join(fold(text).split())

        key = squeeze(written)
        own = {squeeze(n) for n in (self.name, self.local, self.french) if n}
        if key in own or any(fuzz.ratio(key, n) >= 85 for n in own):  # Hydra for Ýdra
            return True
        return bool(self.native) and fuzz.ratio(key, squeeze(self.native)) >= 80


@lru_cache(maxsize=1)
def _lines(path: Path = PLACENAMES) -> tuple[dict[int, str], dict[str, int]]:
    """GeoNames id → its row, unparsed, and the columns: a book asks for a few dozen places,
    and parsing all 28,000 rows was a tenth of a small book's time."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        header, *lines = handle.read().rstrip("\n").split("\n")  # not splitlines: names may hold U+2028
    at = {column: i for i, column in enumerate(next(csv.reader([header])))}
    return {int(line[:line.index(",")]): line for line in lines}, at


@lru_cache(maxsize=20_000)
def _names(geonameid: int) -> PlaceNames | None:
    lines, at = _lines()
    line = lines.get(geonameid)
    if line is None:
        return None
    r = next(csv.reader([line]))
    return PlaceNames(r[at["name"]], r[at["local"]] or None, r[at["french"]] or None, r[at["native"]] or None,
                      r[at["native_source"]] or None, r[at["keys"]])


def names_of(geonameid: int | None) -> PlaceNames | None:
    """The names the reference holds for a GeoNames place, or None."""
    return _names(int(geonameid)) if geonameid else None


def french_name(geonameid: int | None, written: str | None = None) -> str | None:
    """The usual French name of a place, to show instead of the survey's spelling, or None.

    With `written` (the survey's spelling), None when the survey already writes it so
    (folded), or says more ("Landau in der Pfalz" for Landau), or when `written` is not one
    of the place's names as written: the survey then names something else than the town
    it was placed on.

    >>> french_name(756135, "Warszawa")
    'Varsovie'
    """
    names = names_of(geonameid)
    if names is None or not names.french:
        return None
    if written is None:
        return names.french
    if fold(written) == fold(names.french) or not names.is_named(written):
        return None
    if f" {fold(names.french)} " in f" {fold(written)} ":
        return None  # "Landau in der Pfalz", "Bridgend County Borough": more precise as written
    return names.french


def native_name(geonameid: int | None, written: str | None = None) -> str | None:
    """The place's name in its country's script from a source tied to that place, or None.

    With `written` (the survey's spelling), None unless the native name writes that very
    name: the place's main, local or French name, or a spelling its letters transliterate
    to (Moskva for Москва). An alternate name is not enough: "Ichikawa", placed on the
    locality Amaji whose names list Ichikawa, does not get Amaji's 甘地; "Dongcheng
    District", placed on Nanchuan for want of a better place, does not get 南川区.

    >>> native_name(480060, "Tver")
    'Тверь'
    """
    names = names_of(geonameid)
    if names is None or not names.native or (written is not None and not names.reads_as(written)):
        return None
    return names.native


def other_names(partner_name: str | None, partner_key: str | None, geonameid: int | None) -> list[str]:
    """Names a search finds a placed partner by besides the one shown: the survey's spelling
    when the French name is shown instead (folded: the partnership's key, `warsaw` for
    Varsovie) and the place's local, main and French names (`Köln` for a survey that wrote
    Cologne), each once.

    >>> other_names("Varsovie", "warsaw", 756135)
    ['warsaw', 'Warszawa']
    """
    names = names_of(geonameid)
    if names is None:
        return []
    seen = {fold(partner_name or "")}
    # the key is the survey's spelling when the French name took its place (not after a
    # staff rename, which should no longer find the old name)
    shown_french = bool(names.french) and fold(partner_name or "") == fold(names.french)
    found = []
    for name in (partner_key if shown_french else None, names.local, names.name, names.french):
        if name and fold(name) not in seen:
            seen.add(fold(name))
            found.append(name)
    return found


@lru_cache(maxsize=1)
def _region_words() -> dict[str, set[str]]:
    """Country → folded names of its first-level divisions (the gazetteer's areas with an ISO code)."""
    found: dict[str, set[str]] = {}
    with gzip.open(DATA / "admin-areas.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["iso"]:
                found.setdefault(row["country"], set()).update(fold(n) for n in row["names"].split("|"))
    return found


@lru_cache(maxsize=None)
def _country_words(code: str) -> set[str]:
    """The folded names of a country in French and English (babel), and its code."""
    from babel import Locale

    return {fold(Locale(lang).territories.get(code, "")) for lang in ("fr", "en")} - {""} | {code.lower()}


# A register's line for a town in its district: "Haßberge (Kreis) (Haßfurt, Stadt)" is Haßfurt.
_REGISTER_TOWN = re.compile(r"\(([^(),]+), ([^(),]+)\)\s*$")
# English units GeoNames (and surveys copying it) write around a name: a French book names the
# unit in French before the name, or gives the name alone when the unit is the town itself.
_FRENCH_UNITS = (
    (re.compile(r"^London Borough of (.+)$"), "borough londonien de"),
    (re.compile(r"^(.+?) County Borough$"), ""),
    (re.compile(r"^(.+?) (?:Municipality|City|Township)$"), ""),
    (re.compile(r"^(.+?) District$"), "district de"),
    (re.compile(r"^(.+?) Department$"), "département de"),
    (re.compile(r"^(.+?) County$"), "comté de"),
)


def _french_unit(name: str) -> str:
    """`Dongcheng District` → `District de Dongcheng`, `Olhão Municipality` → `Olhão`,
    `Arabkir District` → `District d’Arabkir`."""
    for pattern, unit in _FRENCH_UNITS:
        match = pattern.match(name)
        if match:
            bare = match[1].strip()
            if not unit:
                return bare
            if unit.endswith(" de") and fold(bare)[:1] in set("aeiouy"):
                unit = unit[:-3] + " d’"
                return (unit + bare)[:1].upper() + (unit + bare)[1:]
            return f"{unit[:1].upper()}{unit[1:]} {bare}"
    return name


def printed_name(written: str | None, country: str, geonameid: int | None = None, lang: str = "fr") -> str:
    """A partner's name without the bookkeeping a gazetteer or a list added to it.

    - brackets that only repeat the name and words of status: "Erding (Kreis) (Erding, Stadt)"
      → Erding ("Frankenthal (Pfalz)" keeps its bracket: it tells homonyms apart); a
      register's town in its district, "Haßberge (Kreis) (Haßfurt, Stadt)" → Haßfurt; a status
      alone, "Kastellaun (Verbandsgemeinde)" → Kastellaun;
    - a trailing ", country" or ", region" in any language: "Douma, Lebanon" → Douma,
      "Lilienthal, Lower Saxony" → Lilienthal (the region is printed beside the name);
    - in French, English units in French ("Dongcheng District" → District de Dongcheng) or
      left out where the unit is the town ("Quebec City" → Québec, the place's French name).
    """
    name = (written or "").strip()
    base = _BRACKET.sub("", name).strip()
    if base and base != name:
        own = set(fold(base).split())
        insides = _BRACKET.findall(name)
        town = _REGISTER_TOWN.search(name)
        if all(set(ADMIN_WORDS.sub(" ", fold(inside)).split()) <= own for inside in insides) \
                and any(own & set(fold(inside).split()) for inside in insides):
            name = base
        elif town and not ADMIN_WORDS.sub(" ", fold(town[2])).strip():
            name = town[1].strip()
        elif all(not ADMIN_WORDS.sub(" ", fold(inside)).strip() for inside in insides):
            name = base  # "Kastellaun (Verbandsgemeinde)": a status, not a place
    if ", " in name:
        head, tail = name.rsplit(", ", 1)
        if head and (fold(tail) in _country_words(country) or fold(tail) in _region_words().get(country, ())):
            name = head
    if lang == "fr":
        unit = _french_unit(name)
        if unit != name:
            place = names_of(geonameid)
            bare = ADMIN_WORDS.sub(" ", fold(name))
            name = place.french if place and place.french and fold(place.french) == " ".join(bare.split()) else unit
    return name


REGION_NAMES = DATA / "region-names.csv"
_INVERTED = re.compile(r"^(?P<name>[^,]+), (?P<kind>[^,]+ (?:de|de la|del|di|du|des|do|da|d'|d’))$")


def official_name(iso_name: str) -> str:
    """An ISO 3166-2 name as written in running text: "Madrid, Comunidad de" → "Comunidad de Madrid"."""
    # "Illes Balears [Islas Baleares]", "Brussels Hoofdstedelijk Gewest;Région de Bruxelles-Capitale":
    # the first is the name; "(EH)" is ISO's note on Western Sahara, not part of the name
    iso_name = re.sub(r"\s*(\[[^\]]*\]|\((EH|EH-partial)\))", "", iso_name.split(";")[0]).strip()
    match = _INVERTED.match(iso_name)
    return f"{match['kind']} {match['name']}" if match else iso_name


@lru_cache(maxsize=1)
def _region_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(country, folded name) → (French name, English name) of first-level divisions.

    From `data/region-names.csv` (scripts/reference/build_region_names.py): Wikipedia's
    titles where two sources agree on the division (Thuringe, Rhénanie-du-Nord-Westphalie,
    Pouilles), else the official ISO name (Fès-Meknès): better the name on the ground than
    an invented French one. Any name the reference holds for the division leads to them:
    GeoNames' (Bavaria), ISO's (Bayern) and its French translation (« Turinge », which
    registries built before this table hold), the gazetteer areas' (愛知)."""
    from . import text
    from .diskcache import DiskCache

    cache = DiskCache("region-names", [REGION_NAMES, Path(__file__), Path(text.__file__)])
    kept = cache.get("names")  # folding the 15,000 aliases was 0.04 s of every book
    if kept is not None:
        return {(country, alias): tuple(known) for country, alias, known in kept}
    names: dict[tuple[str, str], tuple[str, str]] = {}
    with REGION_NAMES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            known = (row["french"], row["english"])
            for alias in [row["french"], row["english"], *row["aliases"].split("|")]:
                names.setdefault((row["country"], fold(alias)), known)
    cache.put("names", [(country, alias, known) for (country, alias), known in names.items()])
    return names


_TYPE_WORDS = re.compile(r"\b(autonomous|special|administrative|capital|federal|city|district|territory|"
                         r"governorate|department|canton|county|parish|emirate|community|state|republic|"
                         r"krai|kray|oblys|of|the)\b")


def same_division(a: str, b: str) -> bool:
    """Whether two names read as one division's: spelling variants, a type word more or less
    (`Aomori Prefecture` and `Aomori`, `Zaporizhia Oblast` and `Zaporizhzhya`)."""
    from rapidfuzz import fuzz

    x, y = (" ".join(_TYPE_WORDS.sub(" ", ADMIN_WORDS.sub(" ", fold(n))).split()) for n in (a, b))
    return bool(x and y) and (x == y or fuzz.ratio(x, y) >= 75)


def french_region(country: str, region: str | None) -> str | None:
    """The French name of a country's first-level division written any way the reference
    knows it (Bavaria, Bayern, Bavière → Bavière), or None when it is not one of them."""
    found = _region_names().get((country, fold(region))) if region else None
    return found[0] if found else None


def english_region(country: str, region: str | None) -> str | None:
    """The English name of a first-level division written any known way (Bavière → Bavaria)."""
    found = _region_names().get((country, fold(region))) if region else None
    return found[1] if found else None


def region_label(country: str, written: str | None, lang: str = "fr") -> str | None:
    """A partner's region as printed: its name in `lang` when the reference knows the division
    by the name written (Turinge, Thüringen → Thuringe), else as written; None when empty."""
    written = (written or "").strip()
    if not written:
        return None
    return (english_region if lang == "en" else french_region)(country, written) or written
