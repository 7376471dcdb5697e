"""Build the shipped map outlines from the raw geodata, once (see README.md beside this file).

    .venv/bin/pip install shapely        # build-time only, not a runtime dependency
    .venv/bin/python scripts/reference/build_world.py [RAW_GEO_DIR]

Writes `countries-110m.geojson` (web background), `countries-50m.geojson` (country maps,
print) and `france-regions.geojson`, `france-departements.geojson` (choropleths), the latter
two with the overseas régions/départements (DROM) taken from Natural Earth's France.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pycountry
from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

HERE = Path(__file__).resolve().parents[2] / "repertoire" / "data" / "world"  # where the outlines are shipped
RAW = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/raw/geo")
ATLAS = RAW / "natural-earth-world-atlas-2.0.2"
FRANCE = RAW / "gregoiredavid__france-geojson"

# world-atlas features without an ISO 3166-1 numeric id (disputed or partly recognised).
NAMED = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs, delta-decoded and de-quantized to lon/lat."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list, indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict, arcs: list) -> list[list[list[tuple[float, float]]]]:
    if geometry["type"] == "Polygon":
        return [[ring(arcs, r) for r in geometry["arcs"]]]
    if geometry["type"] == "MultiPolygon":
        return [[ring(arcs, r) for r in poly] for poly in geometry["arcs"]]
    return []


def crosses_antimeridian(rings: list) -> bool:
    return any(abs(a[0] - b[0]) > 180 for r in rings for a, b in zip(r, r[1:]))


def split_antimeridian(rings: list):
    """A polygon whose ring jumps from 180° to -180° (Russia, Fiji) stripes a Leaflet map:
    unwrap it to 0–360°, cut at 180° and shift the eastern piece back (DESIGN.md)."""
    unwrapped = [[(lon + 360 if lon < 0 else lon, lat) for lon, lat in r] for r in rings]
    poly = make_valid(shape({"type": "Polygon", "coordinates": unwrapped}))
    west = poly.intersection(box(0, -90, 180, 90))
    east = poly.intersection(box(180, -90, 360, 90))
    from shapely.affinity import translate
    return unary_union([west, translate(east, xoff=-360)])


def iso2(feature: dict) -> str:
    if feature.get("id") and (country := pycountry.countries.get(numeric=feature["id"])):
        return country.alpha_2
    return NAMED.get(feature["properties"]["name"], "")


def rounded(geometry: dict, digits: int) -> dict:
    def walk(value):
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], (int, float)):
            return [round(value[0], digits), round(value[1], digits)]
        return [walk(v) for v in value]
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def only_polygons(geom):
    """make_valid can return a GeometryCollection with stray lines: keep the areas."""
    if geom.geom_type == "GeometryCollection":
        return unary_union([g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
    return geom


def build_countries(source: Path, target: Path, digits: int, tolerance: float) -> dict:
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    features, report = [], {"invalid_fixed": [], "split": []}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["properties"]["name"] == "Antarctica":
            continue  # a ring around the pole, not a crossing: no partners there, and it fills the map
        parts = []
        for rings in polygons(geometry, arcs):
            if crosses_antimeridian(rings):
                parts.append(split_antimeridian(rings))
                report["split"].append(geometry["properties"]["name"])
            else:
                parts.append(shape({"type": "Polygon", "coordinates": rings}))
        if not parts:
            continue
        geom = unary_union([p if p.is_valid else make_valid(p) for p in parts])
        if not all(p.is_valid for p in parts):
            report["invalid_fixed"].append(geometry["properties"]["name"])
        geom = only_polygons(make_valid(geom.simplify(tolerance, preserve_topology=True)))
        features.append({"type": "Feature",
                         "properties": {"iso": iso2(geometry), "name": geometry["properties"]["name"]},
                         "geometry": rounded(mapping(geom), digits)})
    write(target, features)
    report["split"] = sorted(set(report["split"]))
    return report


# The DROM, missing from gregoiredavid's simplified files: (région, département, name, box).
OVERSEAS = [
    ("01", "971", "Guadeloupe", (-61.9, 15.8, -60.9, 16.6)),
    ("02", "972", "Martinique", (-61.3, 14.3, -60.7, 14.95)),
    ("03", "973", "Guyane", (-54.7, 2.0, -51.5, 5.9)),
    ("04", "974", "La Réunion", (55.1, -21.5, 55.9, -20.8)),
    ("06", "976", "Mayotte", (44.9, -13.1, 45.4, -12.5)),
]


def overseas_geometries(source: Path) -> dict[str, dict]:
    """Name → MultiPolygon of each DROM: the parts of Natural Earth's France (1:50m) in its box."""
    topology = json.loads(source.read_text())
    arcs = decode_arcs(topology)
    france = next(g for g in topology["objects"]["countries"]["geometries"] if g["properties"]["name"] == "France")
    parts = polygons(france, arcs)
    found = {}
    for _, _, name, (west, south, east, north) in OVERSEAS:
        inside = [rings for rings in parts
                  if all(west <= lon <= east and south <= lat <= north for lon, lat in rings[0])]
        found[name] = {"type": "MultiPolygon", "coordinates": inside}
    return found


def build_france(source: Path, target: Path, digits: int, overseas: dict[str, dict], level: int) -> None:
    """gregoiredavid's metropolitan areas, then the DROM (`level` 0: région codes, 1: département)."""
    data = json.loads(source.read_text())
    features = [{"type": "Feature",
                 "properties": {"code": f["properties"]["code"], "nom": f["properties"]["nom"]},
                 "geometry": rounded(f["geometry"], digits)} for f in data["features"]]
    for entry in OVERSEAS:
        name = entry[2]
        features.append({"type": "Feature", "properties": {"code": entry[level], "nom": name, "outre_mer": True},
                         "geometry": rounded(overseas[name], digits)})
    write(target, features)


def write(target: Path, features: list[dict]) -> None:
    text = json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False, separators=(",", ":"))
    target.write_text(text, encoding="utf-8")
    print(f"{target.name}: {len(features)} features, {len(text) // 1024} KB")


if __name__ == "__main__":
    print(build_countries(ATLAS / "countries-110m.json", HERE / "countries-110m.geojson", 2, 0))
    print(build_countries(ATLAS / "countries-50m.json", HERE / "countries-50m.geojson", 3, 0.03))
    drom = overseas_geometries(ATLAS / "countries-50m.json")
    build_france(FRANCE / "regions-version-simplifiee.geojson", HERE / "france-regions.geojson", 4, drom, 0)
    build_france(FRANCE / "departements-version-simplifiee.geojson", HERE / "france-departements.geojson", 4, drom, 1)
