"""Web maps as data: what a map page needs, built from partnerships, drawn by one small script.

A view is a plain dict (JSON-ready), rendered by `templates/map.html` in the app or by
`standalone_html()` into one self-contained file. The page script
(static/maps/repertoire-map.js) draws links as great-circle arcs coloured by kind or theme,
clusters the places, builds popups with textContent (survey text stays text), and writes the
same content as a table beside the map.

    view = country_view(registry.partnerships("partner_country = ?", ["JP"]), "JP")
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from repertoire.model import KINDS, THEMES
from repertoire.places import Countries

from .assets import outline
from .links import LINK_COLUMNS, counts, has_coordinates, link_rows, vocabulary

# Colour-blind-safe qualitative colours (Okabe–Ito, then Tol's muted) for kinds and themes.
KIND_COLOURS = {"jumelage": "#0072B2", "cooperation": "#D55E00", "amitie": "#009E73",
                "intention": "#CC79A7", "contact": "#7f7f7f", "": "#999999"}
_THEME_PALETTE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
                  "#882255", "#AA4499", "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00",
                  "#CC79A7", "#555555"]
THEME_COLOURS = dict(zip(THEMES, _THEME_PALETTE)) | {"": "#999999"}
# Sequential blues for choropleths (ColorBrewer Blues, 6 classes).
CHOROPLETH_COLOURS = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]

UI_FR = {
    "links": "Liens", "places": "Collectivités et partenaires", "outlines": "Contours des pays (hors ligne)",
    "osm": "OpenStreetMap (en ligne)", "legend": "Légende", "colour_by": "Couleur selon",
    "kind": "type", "theme": "thème", "none": "non précisé", "french": "Collectivité française",
    "partner": "Partenaire", "country": "Pays", "type": "Type", "kind_year": "Type, année", "since": "Depuis", "themes": "Thèmes",
    "status": "Statut", "details": "Fiche du partenariat", "more": "… et {n} autres liens",
    "links_here": "{n} lien(s)", "area": "Territoire", "count": "Partenariats",
    "list_caption": "Les liens de la carte, en texte", "show_more": "Afficher les {n} liens suivants", "area_caption": "Partenariats par territoire",
    "missing": "{n} partenariat(s) sans coordonnées ne figurent pas sur la carte (ils sont dans la liste).",
    "map_label": "Carte des liens. La même information figure dans le tableau qui suit.",
}


def links_view(partnerships: Iterable[dict], title: str, *, color_by: str = "kind",
               background: str = "monde", highlight: list[str] | None = None,
               detail_url: str = "/partenariats/", locale: str = "fr") -> dict:
    """A map of links, one arc per partnership, from a list of the registry's partnership dicts."""
    partnerships = list(partnerships)
    rows, missing = link_rows(partnerships)
    countries = Countries()
    unplaced = [[p.get(c) for c in LINK_COLUMNS] for p in partnerships if p.get("partner_lat") is None
                or p.get("french_lat") is None]
    return {
        "mode": "links",
        "title": title,
        "count": len(partnerships),
        "background": background,
        "highlight": highlight or [],
        "columns": list(LINK_COLUMNS),
        "rows": rows,
        "unplaced": unplaced,
        "missing": missing,
        "color_by": color_by if color_by in ("kind", "theme") else "kind",
        "colours": {"kind": KIND_COLOURS, "theme": THEME_COLOURS},
        "labels": vocabulary(locale, countries, (p["partner_country"] for p in partnerships)),
        "order": {"kinds": list(KINDS), "themes": list(THEMES)},  # JSON objects may come sorted
        "detail_url": detail_url,
        "ui": UI_FR,
    }


def world_view(partnerships: Iterable[dict], title: str = "Carte des partenariats", **options) -> dict:
    """Every given link on the world map (the whole registry, or a search's result set)."""
    return links_view(partnerships, title, **options)


def country_view(partnerships: Iterable[dict], country_code: str, **options) -> dict:
    """Every link with one partner country, framed on both ends (France and the country)."""
    code = country_code.upper()
    chosen = [p for p in partnerships if p["partner_country"] == code]
    name = Countries().name(code)
    view = links_view(chosen, f"Partenariats avec : {name}", background="monde-50m",
                      highlight=[code, "FR"], **options)
    view["bounds"] = frame(chosen)
    return view


def frame(partnerships: list[dict]) -> list[list[float]] | None:
    """[[south, west], [north, east]] of both ends, French ones in metropolitan France only
    (one link from overseas should not shrink the map of a country's links to a corner)."""
    metropole = [p for p in partnerships if has_coordinates(p) and -5.5 <= p["french_lon"] <= 9.8
                 and 41.2 <= p["french_lat"] <= 51.3]
    chosen = metropole or [p for p in partnerships if has_coordinates(p)]
    if not chosen:
        return None
    lats = [p[k] for p in chosen for k in ("french_lat", "partner_lat")]
    lons = [p[k] for p in chosen for k in ("french_lon", "partner_lon")]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def collectivite_view(partnerships: Iterable[dict], french_id: str, **options) -> dict:
    """Every link of one French collectivité."""
    chosen = [p for p in partnerships if p["french_id"] == french_id]
    name = chosen[0]["french_name"] if chosen else french_id
    return links_view(chosen, f"Partenariats de {name}", background="monde-50m", **options)


def breaks(values: list[int], classes: int = len(CHOROPLETH_COLOURS)) -> list[int]:
    """Upper bounds of classes by quantiles of the values, distinct and increasing.

    >>> breaks([1, 1, 2, 3, 5, 8, 13, 40, 300], 3)
    [2, 8, 300]
    """
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return []
    bounds = [ordered[min(len(ordered) - 1, int(len(ordered) * k / classes))] for k in range(1, classes)]
    return sorted(set(bounds) | {ordered[-1]})


def choropleth_view(partnerships: Iterable[dict], level: str, *, area_url: str = "",
                    locale: str = "fr") -> dict:
    """Partnerships per partner country (`pays`), per French région (`regions`) or département."""
    values: Counter = counts(partnerships, level)
    bounds = breaks(list(values.values()))
    colours = CHOROPLETH_COLOURS[-len(bounds):] if bounds else []
    classes, low = [], 1
    for high, colour in zip(bounds, colours):
        classes.append({"from": low, "to": high, "colour": colour})
        low = high + 1
    countries = Countries()
    if level == "pays":
        names = {code: countries.name(code, locale) for code in values}
        key, title = "iso", "Partenariats par pays partenaire"
    else:
        names = {f["properties"]["code"]: f["properties"]["nom"] for f in outline(level)["features"]}
        key = "code"
        title = "Partenariats par région française" if level == "regions" else "Partenariats par département français"
    table = sorted(([code, names.get(code, code), n] for code, n in values.items()),
                   key=lambda row: (-row[2], row[1]))
    return {
        "mode": "choropleth",
        "title": title,
        "level": level,
        "background": "monde",
        "areas": level if level != "pays" else "",
        "key": key,
        "values": dict(values),
        "names": names,
        "classes": classes,
        "table": table,
        "area_url": area_url,
        "ui": UI_FR,
    }


def kinds_present(view: dict) -> list[str]:
    """The kinds drawn in a links view, in vocabulary order (for a static legend, tests)."""
    index = LINK_COLUMNS.index("kind")
    seen = {row[index] for row in view.get("rows", [])}
    return [k for k in KINDS if k in seen]
