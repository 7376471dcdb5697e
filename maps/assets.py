"""The files a map page loads, all shipped with the app: vendored Leaflet, its plugin, our script,
and the outlines drawn as background. Never a CDN (DESIGN.md: folium's defaults load 16 files
from CDNs and an offline page stays blank).
"""
from __future__ import annotations

import base64
import gzip
import json
import re
from functools import lru_cache
from pathlib import Path

from repertoire.datafiles import DATA

BROWSER = Path(__file__).resolve().parent / "browser"  # served by the app at /static/maps/
WORLD = DATA / "world"

# Under maps/browser/, in load order, by the names folium gives the CDN links they replace
# (maps/folium_map.py links them from the app, or inlines them in a file).
LEAFLET_JS = [("leaflet", "vendor/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "vendor/leaflet/leaflet.css")]
CLUSTER_JS = [("markerclusterjs", "vendor/leaflet.markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [("markerclustercss", "vendor/leaflet.markercluster/MarkerCluster.css"),
               ("markerclusterdefaultcss", "vendor/leaflet.markercluster/MarkerCluster.Default.css")]
LAYER_JS = [("repertoire_arcs", "repertoire-arcs.js"), ("repertoire_map", "repertoire-map.js")]
LAYER_CSS = [("repertoire_map_css", "repertoire-map.css")]
CSS: tuple[str, ...] = tuple(path for _, path in LEAFLET_CSS + CLUSTER_CSS + LAYER_CSS)
JS: tuple[str, ...] = tuple(path for _, path in LEAFLET_JS + CLUSTER_JS + LAYER_JS)

# Background outlines by name: the web map uses 1:110m, a country map the finer 1:50m.
OUTLINES: dict[str, str] = {
    "monde": "countries-110m.geojson",
    "monde-50m": "countries-50m.geojson",
    "regions": "france-regions.geojson",
    "departements": "france-departements.geojson",
}


def outline_path(name: str) -> Path:
    """The GeoJSON file of a background (KeyError for an unknown name)."""
    return WORLD / OUTLINES[name]


@lru_cache(maxsize=8)
def outline(name: str) -> dict:
    """A background as parsed GeoJSON (cached: the files do not change while the app runs)."""
    return json.loads(outline_path(name).read_text(encoding="utf-8"))


def _data_uri(match: re.Match, base: Path) -> str:
    target = (base / match.group(1)).resolve()
    if not target.is_file():
        return match.group(0)
    mime = "image/svg+xml" if target.suffix == ".svg" else f"image/{target.suffix[1:]}"
    return f'url("data:{mime};base64,{base64.b64encode(target.read_bytes()).decode()}")'


@lru_cache(maxsize=1)
def inline_css() -> str:
    """Every stylesheet as one text, its images (Leaflet's layers icon…) made data: URIs."""
    parts = []
    for path in CSS:
        file = BROWSER / path
        text = file.read_text(encoding="utf-8")
        text = re.sub(r'url\(["\']?(?!data:)([^"\')]+)["\']?\)', lambda m: _data_uri(m, file.parent), text)
        parts.append(f"/* {path} */\n{text}")
    return "\n".join(parts)


@lru_cache(maxsize=1)
def inline_js() -> str:
    """Every script as one text, for a self-contained file (none contains `</script`)."""
    return "\n;\n".join(f"/* {path} */\n" + (BROWSER / path).read_text(encoding="utf-8") for path in JS)


@lru_cache(maxsize=8)
def outline_text(name: str) -> str:
    """A background's GeoJSON text, safe to put inside a <script type="application/json">."""
    return outline_path(name).read_text(encoding="utf-8").replace("<", "\\u003c")


@lru_cache(maxsize=8)
def outline_gzip(name: str) -> bytes:
    """A background's file gzipped once (the 1:50m world: 0.66 MB, 0.2 MB compressed)."""
    return gzip.compress(outline_path(name).read_bytes(), compresslevel=9, mtime=0)
