"""The index pages: every partner country (/pays), every French collectivité with a
partnership (/collectivites), and a big country's partnerships a page at a time.

At 390,000 partnerships there are ~20,000 collectivités and one country holds thousands of
links: lists are cut into pages of a fixed size whose links work without JavaScript, and a
table of contents (régions, letters) leads to the page where each part starts.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Sequence

from unidecode import unidecode

from index import labels
from repertoire.collation import sort_key
from repertoire.registry import Registry

COLLECTIVITES_PER_PAGE = 100
PARTNERSHIPS_PER_PAGE = 50


@dataclass
class Page:
    """One page of a list cut into pages: `number` from 1, `pages` in all."""
    number: int
    pages: int
    start: int  # position of the page's first item in the whole list (from 0)

    @classmethod
    def of(cls, total: int, size: int, asked: int) -> "Page":
        pages = max(1, ceil(total / size))
        number = min(max(1, asked), pages)
        return cls(number, pages, (number - 1) * size)


def initial(name: str) -> str:
    """The letter a name is filed under: `Île-de-France` under I, `Évry` under E, `'s-Hertogenbosch`
    under S; a name with no Latin letter under `#`."""
    for char in unidecode(name or "").upper():
        if "A" <= char <= "Z":
            return char
    return "#"


def continent_of(code: str) -> str:
    """The UN M49 region of a country (`Europe`, `Africa`…), "" when the table has none."""
    table = labels.countries().table
    if code in table.index:
        value = table.loc[code, "region"]
        return value if isinstance(value, str) else ""
    return ""


def countries(registry: Registry, lang: str) -> list[dict]:
    """Every partner country grouped by continent, each with its number of partnerships; the
    continents and the countries in each sorted by the locale's collation."""
    key = sort_key(lang)
    groups: dict[str, list[dict]] = {}
    for code, count in registry.count_by("country").items():
        if code:
            groups.setdefault(continent_of(code), []).append(
                {"code": code, "name": labels.country_name(code, lang), "count": count})
    out = [{"continent": area, "name": labels.continent_name(area, lang) if area else "",
            "countries": sorted(members, key=lambda c: key(c["name"])),
            "total": sum(c["count"] for c in members)} for area, members in groups.items()]
    return sorted(out, key=lambda g: (g["name"] == "", key(g["name"])))


def collectivites(registry: Registry, lang: str, region: str = "", page: int = 1,
                  size: int = COLLECTIVITES_PER_PAGE) -> dict:
    """French collectivités with at least one partnership, sorted by the locale's collation,
    a page at a time, optionally those of one région; with the régions (their counts) and the
    page where each initial letter starts."""
    key = sort_key(lang)
    everyone = registry.collectivite_counts()
    regions: dict[str, int] = {}
    for row in everyone:
        regions[row["region"] or ""] = regions.get(row["region"] or "", 0) + 1
    chosen = [row for row in everyone if not region or (row["region"] or "") == region]
    chosen.sort(key=lambda row: (key(row["french_name"] or row["french_id"]), row["french_id"]))
    at = Page.of(len(chosen), size, page)
    letters: dict[str, int] = {}  # letter → the page where it starts
    for position, row in enumerate(chosen):
        letters.setdefault(initial(row["french_name"] or ""), position // size + 1)
    shown = chosen[at.start:at.start + size]
    for row in shown:
        row["initial"] = initial(row["french_name"] or "")
    region_list = sorted(({"code": code, "name": labels.region_name(code) if code else "", "count": n}
                          for code, n in regions.items()), key=lambda r: (r["name"] == "", key(r["name"])))
    return {"total": len(chosen), "all": len(everyone), "region": region, "page": at,
            "regions": region_list, "letters": letters, "collectivites": shown}


def paged_groups(groups: Sequence[dict], page: int, size: int = PARTNERSHIPS_PER_PAGE) -> tuple[Page, list[dict], list[dict]]:
    """Groups of partnerships (`partnerships` in each) cut into pages of `size` partnerships,
    the groups kept in order: (the page, the groups' slices on it — `continued` when the group
    began on an earlier page, `offset` its first one's
    place in the group —, every group with `count` and the page where it starts)."""
    total = sum(len(g["partnerships"]) for g in groups)
    at = Page.of(total, size, page)
    shown, contents, position = [], [], 0
    for group in groups:
        members = group["partnerships"]
        contents.append(group | {"count": len(members), "page": position // size + 1})
        first, last = max(at.start, position), min(at.start + size, position + len(members))
        if first < last:
            shown.append(group | {"partnerships": members[first - position:last - position],
                                  "continued": first > position, "offset": first - position})
        position += len(members)
    return at, shown, contents
