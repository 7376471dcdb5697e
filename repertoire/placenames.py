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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .datafiles import DATA
from .text import fold as _fold

PLACENAMES = DATA / "placenames.csv.gz"


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


@lru_cache(maxsize=1)
def _table(path: Path = PLACENAMES) -> dict[int, PlaceNames]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        at = {column: i for i, column in enumerate(next(rows))}
        gid, name, local, french, native, source, keys = (at[c] for c in (
            "geonameid", "name", "local", "french", "native", "native_source", "keys"))
        return {int(r[gid]): PlaceNames(r[name], r[local] or None, r[french] or None, r[native] or None,
                                        r[source] or None, r[keys]) for r in rows}


def names_of(geonameid: int | None) -> PlaceNames | None:
    """The names the reference holds for a GeoNames place, or None."""
    return _table().get(int(geonameid)) if geonameid else None


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

    With `written` (the survey's spelling), None when it is not one of the place's names:
    "Dongcheng District", placed on Nanchuan for want of a better place, does not get
    南川区 printed beside it.

    >>> native_name(480060, "Tver")
    'Тверь'
    """
    names = names_of(geonameid)
    if names is None or (written is not None and not names.is_named(written)):
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
def _region_names() -> dict[tuple[str, str], str]:
    """(country, folded name) → French name of first-level divisions, from ISO 3166-2
    (pycountry) and its French translation: Bayern → Bavière, Wien → Vienne. The other names
    the gazetteer's areas give a division with its ISO code (data/admin-areas.csv.gz: Bavaria,
    Lower Saxony, 愛知) lead to the same French name."""
    import gettext

    import pycountry

    french = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    local = {s.code: s.name for s in pycountry.subdivisions if s.parent_code is None}
    top = {code: french.gettext(name) for code, name in local.items()}
    names = {(code[:2], fold(local[code])): name for code, name in top.items()}
    with gzip.open(DATA / "admin-areas.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["iso"]
            if code not in top:
                continue
            # untranslated, the ISO name is French only where the gazetteer's main name agrees
            # (Aichi, Casablanca-Settat); not "Al Qahirah" for Cairo, "Irkutskaya oblast'" for Irkutsk
            if fold(top[code]) == fold(local[code]) != fold(row["name"]):
                continue
            for alias in row["names"].split("|"):
                names.setdefault((row["country"], fold(alias)), top[code])
    return names


def french_region(country: str, region: str | None) -> str | None:
    """A gazetteer's region as a French book prints it, or None when ISO does not name it so:
    GeoNames names some regions in English (Bavaria, Vienna), and those stay out of a French
    page rather than be printed wrong."""
    return _region_names().get((country, fold(region))) if region else None
