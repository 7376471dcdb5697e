"""Partnerships as map data: compact link rows for the web map, labels, counts per area.

Each link is one row of plain values, sent once to the page and drawn there by one small
script (maps/browser/repertoire-map.js, inside a folium map): 10k links as 10k folium
objects cost 3× the size and seconds to render (DESIGN.md, web maps). Arcs as geometries
(exports, print maps, notebooks) are repertoire/geodata.py's.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Iterable

import pandas as pd

from repertoire.geodata import AREAS, area_counts, geodataframe, great_circle  # noqa: F401  (re-exported)
from repertoire.geodata import placed as has_coordinates
from repertoire.model import KINDS, STATUS_LABELS, THEMES, status_code  # noqa: F401  (re-exported)
from repertoire.reference import reference
from repertoire.places import Countries

# The order of values in a link row; the page script reads rows by these positions.
LINK_COLUMNS: tuple[str, ...] = (
    "id", "french_id", "french_name", "partner_name", "partner_country", "kind", "status",
    "since", "themes", "french_lat", "french_lon", "partner_lat", "partner_lon",
)


# What map views read of a partnership: its link row, and the areas of choropleths.
MAP_COLUMNS: tuple[str, ...] = LINK_COLUMNS + ("region", "departement")


@lru_cache(maxsize=1)
def country_names() -> Countries:
    """The country names, read once (building them costs tens of ms, too much per request)."""
    return Countries()


def link_rows(partnerships: Iterable[dict]) -> tuple[list[list], int]:
    """Rows of LINK_COLUMNS for the partnerships that can be drawn, and how many cannot.

    >>> link_rows([{"id": "p-1", "french_lat": 48.69, "french_lon": 6.18, "partner_lat": 49.0,
    ...             "partner_lon": 8.4, "themes": "culture"}])[1]
    0
    """
    rows, missing = [], 0
    for p in partnerships:
        if not has_coordinates(p):
            missing += 1
            continue
        row = [p.get(c) for c in LINK_COLUMNS]
        for i in range(9, 13):  # 4 decimals: about 10 m, enough for a town
            row[i] = round(float(row[i]), 4)
        row[8] = row[8] or ""
        rows.append(row)
    return rows, missing


def vocabulary(locale: str = "fr", countries: Countries | None = None,
               codes: Iterable[str] = ()) -> dict:
    """Labels the page needs: kinds, statuses, themes and the names of the given countries
    (the one reference service, repertoire/reference.py; `countries`, when given, names them)."""
    names = reference()
    return {
        "kinds": dict(names.options("kinds", locale)),
        "statuses": dict(names.options("statuses", locale)),
        "themes": dict(names.options("themes", locale)),
        "countries": {code: countries.name(code, locale) if countries else names.country_name(code, locale)
                      for code in sorted(set(codes)) if code},
    }


def counts(partnerships: Iterable[dict], level: str) -> Counter:
    """Partnerships per partner country (`pays`), French région (`regions`) or département
    (`departements`), aggregated with geopandas (repertoire/geodata.py area_counts). Counting
    reads one field: points for every link were 1 s of the map at 390,000 partnerships."""
    field = AREAS[level][0]
    areas = area_counts(pd.DataFrame.from_records(list(partnerships), columns=[field]), level)
    key = areas.columns[0]
    return Counter(dict(zip(areas[key], areas["partnerships"].astype(int))))
