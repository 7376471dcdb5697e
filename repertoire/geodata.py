"""Partnerships as a geopandas GeoDataFrame: the one spatial model of the registry.

The people who extend this work in notebooks and QGIS; a GeoDataFrame in EPSG:4326 is what
both read. One row per partnership, with its registry fields and three geometries:

* `link`: the great-circle arc between the two ends (a LineString; a MultiLineString split at
  the antimeridian when the arc crosses it, so that QGIS draws it the short way round);
* `french_point` and `partner_point`: the two ends.

A partnership without both ends placed keeps its row with empty geometries (nothing is lost;
coordinates are absent rather than wrong). The exports (`repertoire export --format gpkg|geojson`),
the choropleths' counts, the print maps and the notebook API read partnerships through here.

    frame = geodataframe(registry.partnerships(), geometry="partner_point")
    frame.to_file("partenariats.gpkg", layer="partenaires")
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from .datafiles import DATA

CRS = "EPSG:4326"
GEOMETRIES: tuple[str, ...] = ("link", "french_point", "partner_point")
# Areas of the choropleths: the column a partnership is counted by, and the shipped outlines.
AREAS: dict[str, tuple[str, str, Path]] = {
    "pays": ("partner_country", "iso", DATA / "world" / "countries-50m.geojson"),
    "regions": ("region", "code", DATA / "world" / "france-regions.geojson"),
    "departements": ("departement", "code", DATA / "world" / "france-departements.geojson"),
}
# GeoPackage layers of `repertoire export --format gpkg`: (layer, geometry column), French names
# since staff read them in QGIS's layer panel.
GPKG_LAYERS: tuple[tuple[str, str], ...] = (("liens", "link"), ("collectivites", "french_point"),
                                             ("partenaires", "partner_point"))


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float, steps: int | None = None) -> list[tuple[float, float]]:
    """Points (lon, lat) along the great circle between two places, longitudes kept continuous
    (one point per 3° of arc, 1 to 48 segments; a line over 180° does not cross the whole map).

    >>> great_circle(0, 0, 90, 0, steps=2)
    [(0.0, 0.0), (45.0, 0.0), (90.0, 0.0)]
    """
    p1, l1, p2, l2 = map(math.radians, (lat1, lon1, lat2, lon2))
    d = 2 * math.asin(math.sqrt(math.sin((p2 - p1) / 2) ** 2
                                + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2))
    if steps is None:
        steps = max(1, min(48, int(math.degrees(d) / 3)))
    if d < 1e-9:
        return [(float(lon1), float(lat1)), (float(lon2), float(lat2))]
    points: list[tuple[float, float]] = []
    for k in range(steps + 1):
        f = k / steps
        a, b = math.sin((1 - f) * d) / math.sin(d), math.sin(f * d) / math.sin(d)
        x = a * math.cos(p1) * math.cos(l1) + b * math.cos(p2) * math.cos(l2)
        y = a * math.cos(p1) * math.sin(l1) + b * math.cos(p2) * math.sin(l2)
        z = a * math.sin(p1) + b * math.sin(p2)
        lon = math.degrees(math.atan2(y, x))
        if points:
            lon += 360 * round((points[-1][0] - lon) / 360)
        points.append((round(lon, 4), round(math.degrees(math.atan2(z, math.hypot(x, y))), 4)))
    return points


def placed(p: dict) -> bool:
    """Both ends have coordinates (a link is drawn only then)."""
    return None not in (p.get("french_lat"), p.get("french_lon"), p.get("partner_lat"), p.get("partner_lon"))


def link_geometry(p: dict) -> shapely.LineString | shapely.MultiLineString | None:
    """The arc of one partnership in valid EPSG:4326 (longitudes within ±180°), or None."""
    if not placed(p):
        return None
    points = great_circle(float(p["french_lon"]), float(p["french_lat"]), float(p["partner_lon"]), float(p["partner_lat"]))
    parts, current = [], [points[0]]
    for (lon0, lat0), (lon1, lat1) in zip(points, points[1:]):
        for edge in (180.0, -180.0):  # the arc leaves the ±180° band: cut it there, carry on shifted
            if (lon0 - edge) * (lon1 - edge) < 0:
                lat = lat0 + (lat1 - lat0) * (edge - lon0) / (lon1 - lon0)
                current.append((edge, lat))
                parts.append(current)
                current = [(-edge, lat)]
        current.append((lon1, lat1))
    parts.append(current)
    shifted = [[(lon - 360 * round(lon / 360) if abs(lon) > 180 else lon, lat) for lon, lat in part] for part in parts]
    lines = [part for part in shifted if len(part) >= 2]
    return shapely.LineString(lines[0]) if len(lines) == 1 else shapely.MultiLineString(lines)


def geodataframe(partnerships: Iterable[dict], geometry: str = "link", links: bool = True) -> gpd.GeoDataFrame:
    """Partnerships (the registry's dicts, any fields) as a GeoDataFrame in EPSG:4326, one row
    each in the given order, with the geometries `link`, `french_point` and `partner_point`;
    `geometry` names the active one. `links=False` leaves the arcs empty (counting areas
    needs no arcs, and 10k arcs take a good part of a second).

    >>> geodataframe([{"id": "p-1", "french_lat": 48.69, "french_lon": 6.18,
    ...                "partner_lat": 49.0, "partner_lon": 8.4}]).geometry.iloc[0].geom_type
    'LineString'
    """
    if geometry not in GEOMETRIES:
        raise ValueError(f"geometry must be one of {', '.join(GEOMETRIES)}, not {geometry!r}")
    rows = list(partnerships)
    table = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=["id"])
    arcs = [link_geometry(p) for p in rows] if links else [None] * len(rows)
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(arcs, crs=CRS,
                                                           index=table.index), crs=CRS)
    frame = frame.rename_geometry("link")
    for side in ("french", "partner"):
        lat, lon = (pd.to_numeric(table.get(f"{side}_{axis}", pd.Series(index=table.index, dtype=float)),
                                  errors="coerce") for axis in ("lat", "lon"))
        points = gpd.points_from_xy(lon, lat, crs=CRS)
        frame[f"{side}_point"] = gpd.GeoSeries(points, index=table.index, crs=CRS).where(lat.notna() & lon.notna(), None)
    return frame.set_geometry(geometry)


@lru_cache(maxsize=4)
def area_outlines(level: str) -> gpd.GeoDataFrame:
    """The shipped outlines of a choropleth's areas (countries, French régions, départements)."""
    _, key, path = AREAS[level]
    areas = gpd.read_file(path)
    if areas.crs is None:  # the shipped files are plain GeoJSON, which means WGS 84
        areas = areas.set_crs(CRS)
    return areas


def area_counts(frame: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Partnerships per partner country (`pays`), French région (`regions`) or département
    (`departements`), joined to the areas' outlines: one row per area with `partnerships` ≥ 1;
    an area code with no outline keeps its count with an empty geometry."""
    field, key, _ = AREAS[level]
    if field not in frame.columns or frame.empty:
        return gpd.GeoDataFrame({key: [], "partnerships": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    codes = frame[field].where(frame[field].astype(str).str.len() > 0)
    counts = codes.dropna().astype(str).value_counts().rename("partnerships").rename_axis(key).reset_index()
    outlines = area_outlines(level).drop_duplicates(key)
    joined = counts.merge(outlines, on=key, how="left")
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=CRS)


def write_gpkg(frame: gpd.GeoDataFrame, path: Path | str) -> None:
    """A GeoPackage for QGIS: the links, the French collectivités (one point each, with their
    number of partnerships) and the partners, as three layers of the same file."""
    path = Path(path)
    path.unlink(missing_ok=True)  # a new file, not layers appended to an old one
    attributes = [c for c in frame.columns if c not in GEOMETRIES]
    for layer, column in GPKG_LAYERS:
        part = gpd.GeoDataFrame(frame[attributes], geometry=frame[column], crs=CRS)
        if column == "french_point" and "french_id" in part.columns:
            french = [c for c in ("french_id", "french_name", "french_type", "departement", "region") if c in part.columns]
            counted = part.groupby("french_id", sort=True).size().rename("partnerships")
            part = part.drop_duplicates("french_id").set_index("french_id")[french[1:] + ["geometry"]]
            part = gpd.GeoDataFrame(part.join(counted).reset_index(), geometry="geometry", crs=CRS)
        part.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def to_geojson(frame: gpd.GeoDataFrame, geometry: str = "link") -> str:
    """A GeoJSON FeatureCollection of one geometry (the links by default), the other two left out;
    a partnership without that geometry is a feature with `"geometry": null`."""
    attributes = [c for c in frame.columns if c not in GEOMETRIES]
    part = gpd.GeoDataFrame(frame[attributes], geometry=frame[geometry], crs=CRS)
    return part.to_json(na="null", drop_id=True, ensure_ascii=False)
