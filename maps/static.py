"""Static maps for print (the PDF répertoire): vector PDF or SVG drawn with plain matplotlib.

The outlines are the shipped GeoJSON (repertoire/data/world/), so print needs no geopandas and no tiles.
Both functions take partnerships as the registry's dicts and return the file's bytes:

    pdf = country_map(registry.partnerships("partner_country = ?", ["JP"]), "JP")
    svg = france_map(registry.partnerships("partner_country = ?", ["JP"]), fmt="svg")

Outputs are reproducible (no creation date inside), so a cache keyed on the registry's
version can keep them.
"""
from __future__ import annotations

import io
import math
from collections import Counter
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # no display: print maps are made on servers
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402

from repertoire.places import Countries  # noqa: E402

from .assets import outline  # noqa: E402
from .links import great_circle, has_coordinates  # noqa: E402
from .web import KIND_COLOURS  # noqa: E402

FORMATS = ("pdf", "svg", "png")
LAND, LAND_HIGHLIGHT, BORDER, SEA = "#f2efe9", "#e3d5b3", "#8c8c8c", "#e6eff5"
FRENCH_DOT, PARTNER_DOT = "#1b2a6b", "#8b1a1a"
# Metropolitan France and Corsica; overseas collectivités are counted, not drawn, on france_map.
METROPOLE = (-5.5, 41.2, 9.8, 51.3)
MM = 1 / 25.4


def _in_metropole(p: dict) -> bool:
    west, south, east, north = METROPOLE
    return west <= p["french_lon"] <= east and south <= p["french_lat"] <= north


def _rings(geometry: dict) -> list[list]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def _visible(ring: list, extent: tuple[float, float, float, float]) -> bool:
    xs, ys = [pt[0] for pt in ring], [pt[1] for pt in ring]
    west, east, south, north = extent
    return min(xs) <= east and max(xs) >= west and min(ys) <= north and max(ys) >= south


def _outlines(ax, name: str, key: str = "iso", highlight: Iterable[str] = (), linewidth: float = 0.3) -> None:
    """Draw the outlines seen in the axes' frame (call after _frame: off-frame shapes would
    still be written into a PDF or SVG and weigh on it)."""
    highlight = set(highlight)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    pad_x, pad_y = (x1 - x0) * 0.5, (y1 - y0) * 0.5
    extent = (x0 - pad_x, x1 + pad_x, y0 - pad_y, y1 + pad_y)
    plain, marked = [], []
    for feature in outline(name)["features"]:
        target = marked if feature["properties"].get(key) in highlight else plain
        target.extend(r for r in _rings(feature["geometry"]) if _visible(r, extent))
    for rings, colour in ((plain, LAND), (marked, LAND_HIGHLIGHT)):
        if rings:
            ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors=BORDER, linewidths=linewidth))


def _figure(width_mm: float, height_mm: float):
    fig = plt.figure(figsize=(width_mm * MM, height_mm * MM))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor(SEA)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.4)
    return fig, ax


def _frame(ax, lons: list[float], lats: list[float], width_mm: float, height_mm: float, margin: float = 0.08) -> None:
    """Frame the points, equirectangular with the aspect of their mean latitude, filling the page box."""
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    aspect = 1 / max(0.2, math.cos(math.radians((south + north) / 2)))
    dx, dy = max(east - west, 1.0), max(north - south, 1.0)
    dx, dy = dx * (1 + 2 * margin), dy * (1 + 2 * margin)
    box_ratio = height_mm / width_mm  # height/width of the page box, in map units with aspect
    if dy * aspect / dx < box_ratio:
        dy = dx * box_ratio / aspect
    else:
        dx = dy * aspect / box_ratio
    cx, cy = (west + east) / 2, (south + north) / 2
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(max(-89.0, cy - dy / 2), min(89.0, cy + dy / 2))
    ax.set_aspect(aspect, adjustable="datalim")


def _save(fig, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    buffer = io.BytesIO()
    metadata = {"pdf": {"CreationDate": None, "Creator": "Répertoire"}, "svg": {"Date": None},
                "png": {}}[fmt]
    with plt.rc_context({"svg.hashsalt": "repertoire", "pdf.fonttype": 42, "svg.fonttype": "path"}):
        fig.savefig(buffer, format=fmt, metadata=metadata, dpi=200)
    plt.close(fig)
    return buffer.getvalue()


def _labels(ax, places: list[tuple[float, float, str]], size: float = 5.5) -> None:
    """Name places, skipping a name that would overlap one already written (greedy, in order)."""
    fig = ax.figure
    fig.canvas.draw_idle()
    taken: list[tuple[float, float, float, float]] = []
    points_per_pixel = 72 / fig.dpi
    for lon, lat, text in places:
        x, y = ax.transData.transform((lon, lat))
        width = len(text) * size * 0.55 / points_per_pixel
        height = size * 1.2 / points_per_pixel
        box = (x + 2, y + 2, x + 2 + width, y + 2 + height)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            continue
        taken.append(box)
        ax.annotate(text, (lon, lat), xytext=(2.5, 2), textcoords="offset points", fontsize=size,
                    color="#222", annotation_clip=True)


def country_map(partnerships: Iterable[dict], country_code: str, fmt: str = "pdf", *,
                width_mm: float = 170, height_mm: float = 110, labels: int = 25) -> bytes:
    """The links of French collectivités with one partner country, both ends framed, as vector bytes.

    `partnerships` are the registry's dicts (others than `country_code` are ignored, as are
    those without coordinates); `fmt` is "pdf" (default), "svg" or "png"; partner places are
    named when there are at most `labels` of them.
    """
    code = country_code.upper()
    chosen = [p for p in partnerships if p.get("partner_country") == code and has_coordinates(p)]
    fig, ax = _figure(width_mm, height_mm)
    if not chosen:
        ax.text(0.5, 0.5, f"Aucun lien localisé avec : {Countries().name(code)}", transform=ax.transAxes,
                ha="center", va="center", fontsize=9)
        _frame(ax, [-10, 40], [30, 60], width_mm, height_mm)
        _outlines(ax, "monde-50m", highlight={code, "FR"})
        return _save(fig, fmt)
    lines, colours, lons, lats = [], [], [], []
    # Frame on metropolitan France and the partner country: one link from La Réunion
    # should not shrink the map of 1,000 Franco-German twinnings to a corner.
    framed = [p for p in chosen if _in_metropole(p)] or chosen
    for p in chosen:
        arc = great_circle(p["french_lon"], p["french_lat"], p["partner_lon"], p["partner_lat"])
        lines.append(arc)
        colours.append(KIND_COLOURS.get(p.get("kind") or "", KIND_COLOURS[""]))
        if p in framed:
            lons += [pt[0] for pt in arc]
            lats += [pt[1] for pt in arc]
    ax.add_collection(LineCollection(lines, colors=colours, linewidths=0.5, alpha=0.75))
    french = {(p["french_lon"], p["french_lat"]) for p in chosen}
    partners = {(p["partner_lon"], p["partner_lat"]): p["partner_name"] for p in chosen}
    ax.scatter(*zip(*french), s=4, c=FRENCH_DOT, linewidths=0, zorder=3)
    ax.scatter(*zip(*partners), s=5, c=PARTNER_DOT, linewidths=0, zorder=3)
    _frame(ax, lons, lats, width_mm, height_mm)
    wide = ax.get_xlim()[1] - ax.get_xlim()[0] > 60  # 1:50m detail is lost on a continent-wide map
    _outlines(ax, "monde" if wide else "monde-50m", highlight={code, "FR"})
    if len(partners) <= labels:
        _labels(ax, [(lon, lat, name) for (lon, lat), name in sorted(partners.items())])
    _legend(ax, Counter(p.get("kind") or "" for p in chosen))
    return _save(fig, fmt)


def _legend(ax, kinds: Counter) -> None:
    from matplotlib.lines import Line2D

    from repertoire.model import KINDS
    handles = [Line2D([], [], color=KIND_COLOURS[k], linewidth=1.2, label=f"{KINDS[k][0]} ({n})")
               for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]) if k in KINDS]
    handles += [Line2D([], [], marker="o", linestyle="", markersize=2.5, color=FRENCH_DOT, label="Collectivité française"),
                Line2D([], [], marker="o", linestyle="", markersize=2.5, color=PARTNER_DOT, label="Partenaire")]
    ax.legend(handles=handles, loc="lower left", fontsize=5.5, frameon=True, framealpha=0.9, borderpad=0.5)


def france_map(partnerships: Iterable[dict], fmt: str = "pdf", *, width_mm: float = 120,
               height_mm: float = 120, labels: int = 30) -> bytes:
    """The French collectivités concerned by the given partnerships, on a map of France, as vector bytes.

    One dot per collectivité, its area growing with its number of links; named when there are
    at most `labels` of them. Overseas collectivités are counted in a note, not drawn.
    """
    per_place: Counter = Counter()
    names: dict[tuple[float, float], str] = {}
    for p in partnerships:
        if p.get("french_lat") is None or p.get("french_lon") is None:
            continue
        key = (p["french_lon"], p["french_lat"])
        per_place[key] += 1
        names[key] = p["french_name"]
    west, south, east, north = METROPOLE
    inside = {k: n for k, n in per_place.items() if west <= k[0] <= east and south <= k[1] <= north}
    fig, ax = _figure(width_mm, height_mm)
    _frame(ax, [west, east], [south, north], width_mm, height_mm, margin=0.02)
    _outlines(ax, "monde-50m")
    _outlines(ax, "departements", key="code", linewidth=0.25)
    if inside:
        points = list(inside)
        ax.scatter([x for x, _ in points], [y for _, y in points], s=[6 + 6 * math.sqrt(inside[k] - 1) for k in points],
                   c=FRENCH_DOT, alpha=0.85, linewidths=0.3, edgecolors="white", zorder=3)
        if len(points) <= labels:
            _labels(ax, [(key[0], key[1], names[key]) for key in sorted(points, key=lambda k: -inside[k])], size=5)
    overseas = len(per_place) - len(inside)
    if overseas:
        ax.text(0.02, 0.02, f"{overseas} collectivité(s) d'outre-mer non représentée(s)", transform=ax.transAxes,
                fontsize=5.5, va="bottom", ha="left", bbox={"facecolor": "white", "alpha": 0.8, "linewidth": 0})
    return _save(fig, fmt)
