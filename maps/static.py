"""Static maps for print (the PDF répertoire): vector PDF or SVG drawn with plain matplotlib.

The outlines are the shipped GeoJSON (repertoire/data/world/), so print needs no geopandas and no tiles.
Both functions take partnerships as the registry's dicts and return the file's bytes:

    pdf = country_map(registry.matching({"country": "JP"}), "JP")
    svg = france_map(registry.matching({"country": "JP"}), fmt="svg")

Outputs are reproducible (no creation date inside), so a cache keyed on the registry's
version can keep them.
"""
from __future__ import annotations

import io
import math
import re
from contextvars import ContextVar
from functools import lru_cache
from collections import Counter
from typing import Iterable

import matplotlib

matplotlib.use("Agg")  # no display: print maps are made on servers
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402

from repertoire.collector import collector_paused  # noqa: E402
from repertoire.places import Countries  # noqa: E402

from .assets import outline  # noqa: E402
from .links import has_coordinates  # noqa: E402
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
    # Type 3 fonts: embedding TrueType (42) subset DejaVu with fontTools, most of a small map's time
    with plt.rc_context({"svg.hashsalt": "repertoire", "pdf.fonttype": 3, "pdf.compression": 3, "svg.fonttype": "path"}):
        fig.savefig(buffer, format=fmt, metadata=metadata, dpi=200)
    plt.close(fig)
    return buffer.getvalue()


NBSP = "\u00A0"
LABEL_PT = 7.5  # printed at about 1:1 in the books: names at 7 pt at least
AGGREGATE = 60  # above this many links, flows between French régions and partner regions
# Kinds told apart in grayscale too: a line style and a marker shape each (colours as on the web map).
# The maps' words in an English book (repertoire pdf --lang en); French otherwise.
ENGLISH = {"lien": "link", "liens": "links", "Outre-mer": "Overseas", "Premiers contacts": "First contacts",
           "Collectivité française": "French local authority", "partenariat": "partnership",
           "partenariats": "partnerships", "partenariats, par région": "partnerships, by region",
           "Région française (taille : nombre de liens)": "French region (size: number of links)",
           "Région partenaire (taille : nombre de liens)": "Partner region (size: number of links)"}
# The language of the map being drawn (a context variable: threads of a server draw apart).
LANG: ContextVar[str] = ContextVar("print_map_lang", default="fr")


def _t(text: str) -> str:
    return ENGLISH.get(text, text) if LANG.get() == "en" else text


FEW_FRENCH = 9  # a map of links with no more French collectivités than this names them (a compact book's map)
KIND_STYLES = {"jumelage": ("-", "o"), "cooperation": ("--", "s"), "amitie": (":", "^"),
               "intention": ("-.", "D"), "contact": ((0, (1, 2.5)), "v"), "": ("-", "o")}


def _number(n: int) -> str:
    """`1 298`: French digit grouping with a space that does not break."""
    return f"{n:,}".replace(",", NBSP)


def _text_width(text: str, size: float) -> float:
    """A name's width in points as the map's font sets it, from its letters' advances (a guess
    from its length was 15 % off either way: « Compiègne » came nearer Honfleur's dot than the
    room kept for it)."""
    return size * sum(_advance(char) for char in text)


@lru_cache(maxsize=4096)
def _advance(char: str) -> float:
    """A letter's advance at 1 pt in the labels' font (kerning aside: a few hundredths)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    return text_to_path.get_text_width_height_descent(char, FontProperties(size=100), ismath=False)[0] / 100


def _clear_line(x: float, y: float, tx: float, ty: float, centres, boxes: list, scale: float) -> bool:
    """Whether a leader from a dot (x, y) to its name at (tx, ty) passes clear of the other dots
    (4 pt) and of the names already written."""
    import numpy as np

    t = np.linspace(0.15, 1.0, 24)
    px, py = x + (tx - x) * t, y + (ty - y) * t
    room = 4 * scale
    # only the dots in the segment's box matter (the map of France has a thousand); `centres`
    # is an n × 2 array, empty ones included
    others = centres[(centres[:, 0] > min(x, tx) - room) & (centres[:, 0] < max(x, tx) + room) &
                     (centres[:, 1] > min(y, ty) - room) & (centres[:, 1] < max(y, ty) + room)]
    others = others[np.hypot(others[:, 0] - x, others[:, 1] - y) > 3 * scale]
    if (np.hypot(px[:, None] - others[None, :, 0], py[:, None] - others[None, :, 1]) < room).any():
        return False
    return not any(((px > b[0]) & (px < b[2]) & (py > b[1]) & (py < b[3])).any() for b in boxes)


def _labels(ax, places: list[tuple[float, float, str]], size: float = LABEL_PT,
            dots: list[tuple[float, float, float]] = (), dry: bool = False) -> int:
    """Name places, most important first, each at the first of twelve spots around its dot
    where it overlaps no name already written and no dot (`dots`: lon, lat, radius in points),
    and lies nearer its own dot than any other (a name beside another town's dot reads as that
    town's: « Vaux-sur-Aure » over Le Mont-Saint-Michel); else at one of sixteen spots further
    off, tied to its dot by a thin line that passes clear of the other dots and names (Japan's
    zoom: 15 of 17 partners named, 11 without); a name with no such spot is left out.
    Returns the number of names written."""
    import numpy as np

    fig = ax.figure
    scale = fig.dpi / 72  # points → pixels
    px = ax.transData.transform
    boxes: list[tuple[float, float, float, float]] = []  # the names written
    centres = px(np.array([(lon, lat) for lon, lat, _ in dots], dtype=float).reshape(-1, 2))
    radii = np.array([max(radius, 1.5) * scale for _, _, radius in dots], dtype=float)
    dot_boxes = np.column_stack([centres[:, 0] - radii, centres[:, 1] - radii, centres[:, 0] + radii,
                                 centres[:, 1] + radii]) if len(dots) else np.zeros((0, 4))

    def nearest_is_own(box, x: float, y: float) -> bool:
        own = math.hypot(max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3]))
        # not its own dot, nor one drawn over it (Bayeux and Vaux-sur-Aure, 3 km apart)
        others = centres[np.hypot(centres[:, 0] - x, centres[:, 1] - y) > 3 * scale]
        if not len(others):
            return True
        dx = np.maximum(np.maximum(box[0] - others[:, 0], 0), others[:, 0] - box[2])
        dy = np.maximum(np.maximum(box[1] - others[:, 1], 0), others[:, 1] - box[3])
        return bool(np.all(np.hypot(dx, dy) > own))
    x0, y0, x1, y1 = ax.bbox.extents
    # The spots, in the order tried: twelve beside the dot, then sixteen further off (from `far`
    # on), tied to it by a line. The same for every name.
    gap = 3 * scale
    far = 7 * gap
    spots = ((gap, gap * 0.3, "left", "bottom"), (-gap, gap * 0.3, "right", "bottom"),
             (gap, -gap * 0.3, "left", "top"), (-gap, -gap * 0.3, "right", "top"),
             (0, gap * 1.3, "center", "bottom"), (0, -gap * 1.3, "center", "top"),
             (gap * 2, 0, "left", "center"), (-gap * 2, 0, "right", "center"),
             (gap * 2, gap * 2.5, "left", "bottom"), (-gap * 2, gap * 2.5, "right", "bottom"),
             (gap * 2, -gap * 2.5, "left", "top"), (-gap * 2, -gap * 2.5, "right", "top"),
             *(spot for d in (far, far * 1.8) for spot in (
                 (d, 0, "left", "center"), (-d, 0, "right", "center"), (0, d, "center", "bottom"),
                 (0, -d, "center", "top"), (d * 0.7, d * 0.7, "left", "bottom"), (-d * 0.7, d * 0.7, "right", "bottom"),
                 (d * 0.7, -d * 0.7, "left", "top"), (-d * 0.7, -d * 0.7, "right", "top"))))
    written = 0
    for lon, lat, text in places:
        text = re.sub(r"(?<=\w)'(?=\w|[\s,.;:!?)»]|$)", "’", text)  # one apostrophe, as in the book (Xi’an, Perm’)
        x, y = px((lon, lat))
        w, h = (_text_width(text, size) + size * 0.2) * scale, size * 1.15 * scale  # with its box's padding
        for dx, dy, ha, va in spots:
            left = x + dx - (w if ha == "right" else w / 2 if ha == "center" else 0)
            bottom = y + dy - (h if va == "top" else h / 2 if va == "center" else 0)
            box = (left, bottom, left + w, bottom + h)
            if box[0] < x0 or box[2] > x1 or box[1] < y0 or box[3] > y1:
                continue
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
                continue
            if ((box[0] < dot_boxes[:, 2]) & (dot_boxes[:, 0] < box[2]) & (box[1] < dot_boxes[:, 3]) &
                    (dot_boxes[:, 1] < box[3])).any():
                continue
            leader = abs(dx) >= far * 0.7 or abs(dy) >= far * 0.7
            if leader and not _clear_line(x, y, x + dx, y + dy, centres, boxes, scale):
                continue
            if not leader and not nearest_is_own(box, x, y):
                continue
            boxes.append(box)
            written += 1
            if dry:  # only counting the names that would fit
                break
            ax.__dict__.setdefault("label_boxes", []).append(box)  # the legend keeps off them
            ax.annotate(text, (lon, lat), xytext=(dx / scale, dy / scale), textcoords="offset points",
                        fontsize=size, color="#222", ha=ha, va=va, zorder=5,
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
            if leader:  # a plain line (an annotation's arrow patch costs a tenth of a map)
                to_data = ax.transData.inverted().transform
                ax.plot(*zip(to_data((x + dx * 0.1, y + dy * 0.1)), to_data((x + dx, y + dy))),
                        color="#555", linewidth=0.4, zorder=4.5, scalex=False, scaley=False)
            break
    return written


def _arc_parts(geometry) -> list[list[tuple[float, float]]]:
    """The drawn parts of a link's arc (a MultiLineString when it crosses 180°)."""
    if geometry is None or geometry.is_empty:
        return []
    parts = geometry.geoms if geometry.geom_type == "MultiLineString" else [geometry]
    return [list(part.coords) for part in parts]


def _region_points() -> dict[str, tuple[float, float, str]]:
    """French région code → (lon, lat, name), from the reference data."""
    import csv

    from repertoire.datafiles import DATA
    with open(DATA / "regions.csv", encoding="utf-8") as f:
        return {r["code"]: (float(r["lon"]), float(r["lat"]), r["nom"]) for r in csv.DictReader(f) if r["lat"]}


def _frame_extent(ax) -> tuple[float, float, float, float]:
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return x0, x1, y0, y1


def _inside(extent, lon: float, lat: float) -> bool:
    x0, x1, y0, y1 = extent
    return x0 <= lon <= x1 and y0 <= lat <= y1


def _insets(fig, ax, overseas: dict[str, list[dict]], code: str) -> None:
    """One small framed map per overseas territory whose collectivités lie outside the frame,
    along the bottom right: their dots, the territory's name and its number of links."""
    names = {k: v[2] for k, v in _region_points().items()}
    for i, (region, rows) in enumerate(sorted(overseas.items())):
        width, height = 0.16, 0.17
        right = ax.get_position().x1  # the main map's right edge (a zoom may take the figure's right)
        box = (right - 0.01 - (i + 1) * (width + 0.01), 0.02, width, height)
        inset = fig.add_axes(box)
        inset.set_facecolor(SEA)
        inset.set_xticks([])
        inset.set_yticks([])
        lons = [p["french_lon"] for p in rows]
        lats = [p["french_lat"] for p in rows]
        pad = 0.6
        inset.set_xlim(min(lons) - pad, max(lons) + pad)
        inset.set_ylim(min(lats) - pad, max(lats) + pad)
        inset.set_aspect(1 / max(0.2, math.cos(math.radians(sum(lats) / len(lats)))), adjustable="datalim")
        _outlines(inset, "monde-50m", highlight={"FR"})
        inset.scatter(lons, lats, s=10, c=FRENCH_DOT, marker="o", linewidths=0.3, edgecolors="white", zorder=3)
        n = len(rows)
        inset.set_title(f"{names.get(region, _t('Outre-mer'))}\n{_number(n)}{NBSP}{_t('liens' if n > 1 else 'lien')}",
                        fontsize=LABEL_PT, pad=2, linespacing=1.0)


@collector_paused()  # a map's objects come in a burst (repertoire/collector.py)
def country_map(partnerships: Iterable[dict], country_code: str, fmt: str = "pdf", *,
                width_mm: float = 170, height_mm: float = 110, labels: int = 60, lang: str = "fr") -> bytes:
    """The links of French collectivités with one partner country, both ends framed, as vector bytes.

    Drawn from the GeoDataFrame of the partnerships (repertoire/geodata.py). Up to AGGREGATE
    links, one arc per link, its kind told by colour, line style and marker shape; beyond,
    flows between French régions and partner regions, their width growing with the number of
    links, and partner regions as dots sized by count. Partner places (or regions) are named
    at 7.5 pt where a name fits without covering a dot. Overseas collectivités outside the
    frame are shown in insets. `fmt` is "pdf" (default), "svg" or "png".
    """
    from repertoire.geodata import geodataframe

    LANG.set(lang)  # legends in the book's language (`lang="en"`: English)
    code = country_code.upper()
    chosen = [p for p in partnerships if p.get("partner_country") == code and has_coordinates(p)]
    fig, ax = _figure(width_mm, height_mm)
    if not chosen:
        ax.text(0.5, 0.5, f"Aucun lien localisé avec : {Countries().name(code)}", transform=ax.transAxes,
                ha="center", va="center", fontsize=9)
        _frame(ax, [-10, 40], [30, 60], width_mm, height_mm)
        _outlines(ax, "monde-50m", highlight={code, "FR"})
        return _save(fig, fmt)
    frame = geodataframe(chosen)
    # Frame on metropolitan France and the partner country: one link from La Réunion should
    # not shrink the map of 1,000 Franco-German twinnings to a corner (it gets an inset).
    home = [p for p in chosen if _in_metropole(p)]
    framed = home or chosen
    lons = [p["french_lon"] for p in framed] + [p["partner_lon"] for p in chosen]
    lats = [p["french_lat"] for p in framed] + [p["partner_lat"] for p in chosen]
    _frame(ax, lons, lats, width_mm, height_mm)
    ax.framing = (lons, lats, width_mm, height_mm)  # a zoom may ask for the map again, narrower
    extent = _frame_extent(ax)
    wide = extent[1] - extent[0] > 60  # 1:50m detail is lost on a continent-wide map
    _outlines(ax, "monde" if wide else "monde-50m", highlight={code, "FR"})
    shown = [inside for inside in (_inside(extent, p["french_lon"], p["french_lat"]) for p in chosen)]
    overseas: dict[str, list[dict]] = {}
    for p, seen in zip(chosen, shown):
        if not seen:
            overseas.setdefault(p.get("region") or "", []).append(p)
    frame = frame[shown]
    drawn = [p for p, seen in zip(chosen, shown) if seen]
    if len(drawn) > AGGREGATE:
        _flows(ax, drawn, labels)
    else:
        _links(ax, frame, drawn, labels, corner_taken=bool(overseas))
    if overseas:
        _insets(fig, ax, overseas, code)
    return _save(fig, fmt)


def _links(ax, frame, drawn: list[dict], labels: int, corner_taken: bool = False) -> None:
    """One arc per link; kinds by colour, line style and partner marker; partners named."""
    from matplotlib.lines import Line2D

    from repertoire.model import KINDS
    kinds = Counter(p.get("kind") or "" for p in drawn)
    for kind in sorted(kinds, key=lambda k: -kinds[k]):
        rows = frame[frame["kind"].fillna("") == kind] if "kind" in frame else frame
        lines = [part for geometry in rows.geometry for part in _arc_parts(geometry)]
        style, _ = KIND_STYLES.get(kind, KIND_STYLES[""])
        ax.add_collection(LineCollection(lines, colors=KIND_COLOURS.get(kind, KIND_COLOURS[""]), linewidths=0.8,
                                         linestyles=[style], alpha=0.85, zorder=2))
    french = {(p["french_lon"], p["french_lat"]) for p in drawn}
    ax.scatter(*zip(*french), s=9, c=FRENCH_DOT, marker="o", linewidths=0.3, edgecolors="white", zorder=3)
    partners: dict[tuple[float, float], dict] = {}
    for p in drawn:
        partners.setdefault((p["partner_lon"], p["partner_lat"]), p)
    for kind in kinds:
        points = [xy for xy, p in partners.items() if (p.get("kind") or "") == kind]
        if points:
            ax.scatter(*zip(*points), s=16, c=PARTNER_DOT, marker=KIND_STYLES.get(kind, KIND_STYLES[""])[1],
                       linewidths=0.3, edgecolors="white", zorder=4)
    count = Counter((p["partner_lon"], p["partner_lat"]) for p in drawn)
    dots = [(x, y, 2.5) for x, y in partners] + [(x, y, 2) for x, y in french]
    places = sorted(((x, y, _partner_name(p)) for (x, y), p in partners.items()),
                    key=lambda t: (-count[(t[0], t[1])], t[2]))[:labels]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    xs, ys = [x for x, _ in partners], [y for _, y in partners]
    magnifies = max(xs) - min(xs) < 0.3 * (x1 - x0) and max(ys) - min(ys) < 0.3 * (y1 - y0)  # a zoom ×3 or more
    if magnifies and len(partners) > 3 and _labels(ax, places, dots=dots, dry=True) < len(places):
        # too close to be named at this scale (Japan seen from France): a zoom on the partners
        _zoom(ax, frame, partners, places, dots, drawn, corner_taken)
    else:
        _labels(ax, places, dots=dots)
    if len(french) <= FEW_FRENCH:  # a small book's only map: its French ends named too (Grenoble – Le Caire)
        names = {(p["french_lon"], p["french_lat"]): p.get("french_name") or "" for p in drawn}
        _labels(ax, sorted((x, y, name) for (x, y), name in names.items() if name), dots=dots)
    handles = [Line2D([], [], color=KIND_COLOURS.get(k, KIND_COLOURS[""]), linewidth=1.2,
                      linestyle=KIND_STYLES.get(k, KIND_STYLES[""])[0], marker=KIND_STYLES.get(k, KIND_STYLES[""])[1],
                      markersize=4, markerfacecolor=PARTNER_DOT, markeredgewidth=0,
                      label=f"{KINDS[k][LANG.get() == 'en']} "
                            f"({_number(n)})".replace("'", "’"))
               for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]) if k in KINDS]
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=3.5, color=FRENCH_DOT,
                          label=_t("Collectivité française")))
    _legend(ax, handles, [(x, y) for x, y, _ in dots], fontsize=LABEL_PT - 0.5, frameon=True, framealpha=0.9,
            borderpad=0.5, handlelength=3)


def _legend(ax, handles, points: list[tuple[float, float]], **style) -> None:
    """The legend in the first corner, upper left first, where it hides no dot, no name and no
    inset (Grenoble, the one French end of the Egyptian map, was under it); else where it hides
    the fewest. Laid out once: the other corners are its box moved."""
    import numpy as np
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    at = ax.transData.transform(np.array(points, dtype=float).reshape(-1, 2))
    names = [Bbox.from_extents(*box) for box in getattr(ax, "label_boxes", ())]
    insets = [other.get_window_extent(renderer) for other in ax.figure.axes if other is not ax]
    frame = ax.get_window_extent(renderer)
    first = ax.legend(handles=handles, loc="upper left", **style).get_window_extent(renderer)
    pad_x, pad_y, w, h = first.x0 - frame.x0, frame.y1 - first.y1, first.width, first.height
    best = None
    for corner in ("upper left", "upper right", "lower left", "lower right"):
        x0 = frame.x0 + pad_x if "left" in corner else frame.x1 - pad_x - w
        y0 = frame.y1 - pad_y - h if "upper" in corner else frame.y0 + pad_y
        box = Bbox.from_bounds(x0, y0, w, h)
        hidden = int(np.sum((at[:, 0] >= box.x0) & (at[:, 0] <= box.x1) & (at[:, 1] >= box.y0) & (at[:, 1] <= box.y1)))
        hidden += sum(box.overlaps(other) for other in names + insets)
        if best is None or hidden < best[0]:
            best = (hidden, corner)
        if not hidden:
            break
    if best[1] != "upper left":
        ax.legend(handles=handles, loc=best[1], **style)


def _zoom(ax, frame, partners: dict, places: list, dots: list, drawn: list[dict], corner_taken: bool = False) -> None:
    """An inset zoomed on the partners, where the map is emptiest, each partner named there;
    a frame on the main map shows the zoomed area."""
    from matplotlib.patches import Rectangle

    fig = ax.figure
    xs, ys = [x for x, _ in partners], [y for _, y in partners]
    pad = max(max(xs) - min(xs), max(ys) - min(ys), 1.0) * 0.25
    west, east, south, north = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    # the emptiest of five places for the inset: fewest arc points and dots under it
    points = [pt for geometry in frame.geometry for part in _arc_parts(geometry) for pt in part[::2]]
    points += [(x, y) for x, y, _ in dots]
    to_axes = ax.transAxes.inverted().transform
    located = to_axes(ax.transData.transform(points)) if points else []
    # not the upper left corner: the legend is there
    spots = [(0.02, 0.03), (0.30, 0.03), (0.56, 0.45)] + ([] if corner_taken else [(0.56, 0.03)])
    size = (0.42, 0.5)
    (ax0, ay0), (ax1, ay1) = to_axes(ax.transData.transform([(west, south), (east, north)]))
    free = [s for s in spots if not (s[0] < ax1 and ax0 < s[0] + size[0] and s[1] < ay1 and ay0 < s[1] + size[1])]
    under = {s: sum(1 for x, y in located if s[0] <= x <= s[0] + size[0] and s[1] <= y <= s[1] + size[1])
             for s in spots}
    left, bottom = min(free or spots, key=under.get)  # not over the zoomed area, over as little as can be
    if (left, bottom) not in free or under[(left, bottom)] > 0.02 * len(located):
        # no room inside the map: the map takes the left of the figure, the zoom its right
        lons, lats, width_mm, height_mm = ax.framing
        share = 0.58
        ax.set_position((0, 0, share, 1))
        _frame(ax, lons, lats, width_mm * share, height_mm)
        left, bottom, size = share + 0.01, 0.0, (1 - share - 0.01, 1.0)
    inset = fig.add_axes((left, bottom, *size))
    inset.set_facecolor(SEA)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)
    _frame(inset, [west, east], [south, north], size[0] * fig.get_figwidth() / MM, size[1] * fig.get_figheight() / MM,
           margin=0.02)
    _outlines(inset, "monde-50m", highlight={drawn[0]["partner_country"]})
    for kind in {p.get("kind") or "" for p in partners.values()}:
        pts = [xy for xy, p in partners.items() if (p.get("kind") or "") == kind]
        inset.scatter(*zip(*pts), s=16, c=PARTNER_DOT, marker=KIND_STYLES.get(kind, KIND_STYLES[""])[1],
                      linewidths=0.3, edgecolors="white", zorder=4)
    _labels(inset, places, dots=[(x, y, 2.5) for x, y in partners])
    (x0, x1), (y0, y1) = inset.get_xlim(), inset.get_ylim()
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, linewidth=0.6, edgecolor="#444", zorder=5))


def _partner_name(p: dict) -> str:
    """The partner's name as the book prints it (District de Dongcheng, Haßfurt)."""
    from repertoire.placenames import printed_name

    return printed_name(p.get("partner_name"), p.get("partner_country") or "", p.get("partner_geonameid"), LANG.get())


def _region_name(p: dict) -> str | None:
    """The partner's region as the book names it (Thuringe, not the registry's older
    « Turinge »): spellings of one division make one group."""
    from repertoire.placenames import region_label

    return region_label(p.get("partner_country") or "", p.get("partner_region"), LANG.get())


def _flows(ax, drawn: list[dict], labels: int) -> None:
    """Many links: flows between French régions and partner regions (width by count), partner
    regions as dots sized by count, named."""
    from matplotlib.lines import Line2D

    from repertoire.geodata import great_circle
    regions = _region_points()
    groups: dict[str, list[dict]] = {}
    unknown: list[dict] = []
    for p in drawn:
        if name := _region_name(p):
            groups.setdefault(name, []).append(p)
        else:
            unknown.append(p)
    centre = {k: (sum(p["partner_lon"] for p in v) / len(v), sum(p["partner_lat"] for p in v) / len(v))
              for k, v in groups.items()}
    for p in unknown:  # a partner of no known region joins the nearest region's flow (else a cell of its own)
        near = min(centre, key=lambda k: (centre[k][0] - p["partner_lon"]) ** 2 * 0.5 + (centre[k][1] - p["partner_lat"]) ** 2,
                   default=None)
        if near is None or (centre[near][0] - p["partner_lon"]) ** 2 + (centre[near][1] - p["partner_lat"]) ** 2 > 9:
            near = f"{round(p['partner_lat'] / 2)},{round(p['partner_lon'] / 2)}"
            centre.setdefault(near, (p["partner_lon"], p["partner_lat"]))
        groups.setdefault(near, []).append(p)
    flows = Counter()
    french_at: dict[str, tuple[float, float]] = {}
    for key, rows in groups.items():
        for p in rows:
            region = p.get("region") or ""
            if region not in french_at:
                lon, lat, _ = regions.get(region, (p["french_lon"], p["french_lat"], ""))
                french_at[region] = (lon, lat)
            flows[(region, key)] += 1
    top = max(flows.values())
    width = lambda n: 0.25 + 3.2 * math.sqrt(n / top)  # noqa: E731
    for (region, key), n in sorted(flows.items(), key=lambda kv: kv[1]):
        (x0, y0), (x1, y1) = french_at[region], centre[key]
        arc = great_circle(x0, y0, x1, y1)
        ax.plot(*zip(*arc), color=KIND_COLOURS["jumelage"], linewidth=width(n), alpha=0.55,
                solid_capstyle="round", zorder=2)
    per_region = Counter(p.get("region") or "" for p in drawn)
    ax.scatter([french_at[r][0] for r in per_region], [french_at[r][1] for r in per_region],
               s=[8 + 60 * math.sqrt(n / max(per_region.values())) for n in per_region.values()],
               c=FRENCH_DOT, marker="s", linewidths=0.4, edgecolors="white", zorder=3)
    sizes = {k: 8 + 90 * math.sqrt(len(v) / max(len(g) for g in groups.values())) for k, v in groups.items()}
    ax.scatter([centre[k][0] for k in groups], [centre[k][1] for k in groups], s=[sizes[k] for k in groups],
               c=PARTNER_DOT, marker="o", linewidths=0.4, edgecolors="white", zorder=4, alpha=0.9)
    named = sorted(((centre[k][0], centre[k][1], k) for k in groups if not k[0].isdigit() and "," not in k[:5]),
                   key=lambda t: -len(groups[t[2]]))[:labels]
    dots = [(x, y, math.sqrt(sizes[k]) / 2) for k, (x, y) in centre.items()] + \
           [(x, y, 3) for x, y in french_at.values()]
    _labels(ax, named, dots=dots)
    steps = sorted({1, max(1, round(top / 2)), top})
    handles = [Line2D([], [], color=KIND_COLOURS["jumelage"], linewidth=width(n), alpha=0.55,
                      label=f"{_number(n)} {_t('partenariats' if n > 1 else 'partenariat')}") for n in steps]
    handles += [Line2D([], [], marker="s", linestyle="", markersize=4, color=FRENCH_DOT,
                       label=_t("Région française (taille : nombre de liens)")),
                Line2D([], [], marker="o", linestyle="", markersize=4, color=PARTNER_DOT,
                       label=_t("Région partenaire (taille : nombre de liens)"))]
    ax.legend(handles=handles, loc="upper left", fontsize=LABEL_PT - 0.5, frameon=True, framealpha=0.9,
              borderpad=0.5, title=f"{_number(len(drawn))} {_t('partenariats, par région')}", title_fontsize=LABEL_PT)


@collector_paused()
def france_map(partnerships: Iterable[dict], fmt: str = "pdf", *, width_mm: float = 120,
               height_mm: float = 120, labels: int = 30, lang: str = "fr") -> bytes:
    """The French collectivités concerned by the given partnerships, on a map of France, as vector bytes.

    One dot per collectivité, its area growing with its number of links; the largest named
    (at a size that prints at 7 pt or more when the map is set 9 cm high). Overseas
    collectivités in insets.
    """
    LANG.set(lang)
    per_place: Counter = Counter()
    names: dict[tuple[float, float], str] = {}
    rows_at: dict[tuple[float, float], dict] = {}
    for p in partnerships:
        if p.get("french_lat") is None or p.get("french_lon") is None:
            continue
        key = (p["french_lon"], p["french_lat"])
        per_place[key] += 1
        names[key] = p["french_name"]
        rows_at[key] = p
    west, south, east, north = METROPOLE
    inside = {k: n for k, n in per_place.items() if west <= k[0] <= east and south <= k[1] <= north}
    fig, ax = _figure(width_mm, height_mm)
    _frame(ax, [west, east], [south, north], width_mm, height_mm, margin=0.02)
    _outlines(ax, "monde-50m")
    _outlines(ax, "departements", key="code", linewidth=0.25)
    if inside:
        points = list(inside)
        sizes = {k: 6 + 6 * math.sqrt(inside[k] - 1) for k in points}
        ax.scatter([x for x, _ in points], [y for _, y in points], s=[sizes[k] for k in points],
                   c=FRENCH_DOT, alpha=0.85, linewidths=0.3, edgecolors="white", zorder=3)
        ranked = sorted(points, key=lambda k: (-inside[k], names[k]))[:labels]
        _labels(ax, [(k[0], k[1], names[k]) for k in ranked], size=9.5,
                dots=[(k[0], k[1], math.sqrt(sizes[k]) / 2) for k in points])
    overseas: dict[str, list[dict]] = {}
    for key in per_place:
        if key not in inside:
            overseas.setdefault(rows_at[key].get("region") or "", []).append(rows_at[key])
    if overseas:
        _insets(fig, ax, overseas, "FR")
    return _save(fig, fmt)
