"""Partnerships as map data: compact link rows for the web map, GeoJSON arcs, counts per area.

Each link is one row of plain values, sent once to the page and drawn there by one small
script (static/maps/repertoire-map.js): 10k links as 10k Python map objects cost 3× the
size and seconds to render (DESIGN.md, web maps).
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Iterable

from repertoire.geodata import area_counts, geodataframe, great_circle  # noqa: F401  (re-exported)
from repertoire.geodata import placed as has_coordinates
from repertoire.model import KINDS, STATUS_LABELS, THEMES, status_code
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
    """Labels the page needs: kinds, statuses, themes and the names of the given countries."""
    i = 0 if locale == "fr" else 1
    countries = countries or country_names()
    return {
        "kinds": {code: labels[i] for code, labels in KINDS.items()},
        "statuses": {code: labels[i] for code, labels in STATUS_LABELS.items()},
        "themes": {code: labels[i] for code, labels in THEMES.items()},
        "countries": {code: countries.name(code, locale) for code in sorted(set(codes)) if code},
    }


def links_geojson(partnerships: Iterable[dict], locale: str = "fr") -> dict:
    """A FeatureCollection of great-circle LineStrings, one per drawable partnership (API, exports)."""
    names = country_names()
    features = []
    for p in partnerships:
        if not has_coordinates(p):
            continue
        features.append({
            "type": "Feature",
            "id": p["id"],
            "geometry": {"type": "LineString", "coordinates": [
                list(pt) for pt in great_circle(p["french_lon"], p["french_lat"], p["partner_lon"], p["partner_lat"])]},
            "properties": {
                "id": p["id"], "french_id": p["french_id"], "french_name": p["french_name"],
                "partner_name": p["partner_name"], "partner_country": p["partner_country"],
                "partner_country_name": names.name(p["partner_country"], locale),
                "kind": p.get("kind"), "status": status_code(p.get("status")), "since": p.get("since"),
                "themes": [t for t in (p.get("themes") or "").split(";") if t],
            },
        })
    return {"type": "FeatureCollection", "features": features}


def counts(partnerships: Iterable[dict], level: str) -> Counter:
    """Partnerships per partner country (`pays`), French région (`regions`) or département
    (`departements`), aggregated with geopandas (repertoire/geodata.py area_counts)."""
    areas = area_counts(geodataframe(partnerships, geometry="partner_point", links=False), level)
    key = areas.columns[0]
    return Counter(dict(zip(areas[key], areas["partnerships"].astype(int))))
