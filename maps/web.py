"""Web maps as data: what a map page needs, built from partnerships, drawn by one small script.

A view is a plain dict (JSON-ready), rendered by `templates/map.html` in the app or by
`standalone_html()` into one self-contained file. The page script
(static/maps/repertoire-map.js) draws links as great-circle arcs coloured by kind or theme,
clusters the places, builds popups with textContent (survey text stays text), and writes the
same content as a table beside the map.

    view = country_view(registry.matching({"country": "JP"}), "JP")

Every string a page shows comes from here, in French, through `translations` (a
`gettext.NullTranslations`, or Flask-Babel's `get_translations()` from app.py), so that
`pybabel extract` finds them and maps/ needs no Flask.
"""
from __future__ import annotations

from collections import Counter
from gettext import NullTranslations
from typing import Iterable

from repertoire.model import KINDS, THEMES

from .assets import outline
from .links import LINK_COLUMNS, counts, country_names, has_coordinates, link_rows, vocabulary

# Colour-blind-safe qualitative colours (Okabe–Ito, then Tol's muted) for kinds and themes.
KIND_COLOURS = {"jumelage": "#0072B2", "cooperation": "#D55E00", "amitie": "#009E73",
                "intention": "#CC79A7", "contact": "#7f7f7f", "": "#999999"}
_THEME_PALETTE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677",
                  "#882255", "#AA4499", "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#D55E00",
                  "#CC79A7", "#555555"]
THEME_COLOURS = dict(zip(THEMES, _THEME_PALETTE)) | {"": "#999999"}
# Sequential blues for choropleths (ColorBrewer Blues, 6 classes).
CHOROPLETH_COLOURS = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]

FRENCH = NullTranslations()  # the source language: messages as written


def ui_strings(translations: NullTranslations = FRENCH, mode: str = "links") -> dict:
    """The texts of a map page and its script; a [singular, plural] pair where a count varies."""
    _, ngettext = translations.gettext, translations.ngettext
    return {
        "links": _("Liens"), "places": _("Collectivités et partenaires"),
        "outlines": _("Contours des pays (hors ligne)"), "osm": _("OpenStreetMap (en ligne)"),
        "legend_kind": _("Couleur selon le type"), "legend_theme": _("Couleur selon le thème (le premier cité)"),
        "none": _("non précisé"), "french": _("Collectivité française"), "partner": _("Partenaire"),
        "type": _("Type"), "kind_year": _("Type, année"), "since": _("Depuis"), "themes": _("Thèmes"),
        "partnership": _("Partenariat"),
        "status": _("Statut"), "details": _("Fiche du partenariat"),
        "more": [ngettext("… et {n} autre lien", "… et {n} autres liens", 1),
                 ngettext("… et {n} autre lien", "… et {n} autres liens", 2)],
        "links_here": [ngettext("{n} lien", "{n} liens", 1), ngettext("{n} lien", "{n} liens", 2)],
        "show_more": [ngettext("Afficher le lien suivant ({shown} sur {total})",
                               "Afficher les {n} liens suivants ({shown} sur {total})", 1),
                      ngettext("Afficher le lien suivant ({shown} sur {total})",
                               "Afficher les {n} liens suivants ({shown} sur {total})", 2)],
        "list_caption": _("Les liens de la carte, en texte"),
        "area": _("Territoire"), "count": _("Partenariats"), "area_caption": _("Partenariats par territoire"),
        "area_count": _("{name} : {n}"), "overseas": _("Outre-mer"),
        "map_label": (_("Carte des liens ; le tableau qui l'accompagne donne la même information.") if mode == "links"
                      else _("Carte des partenariats par territoire ; le tableau qui l'accompagne donne les mêmes nombres.")),
    }


def links_view(partnerships: Iterable[dict], title: str, *, color_by: str = "kind",
               background: str = "monde", highlight: list[str] | None = None,
               detail_url: str = "/partenariats/", locale: str = "fr",
               translations: NullTranslations = FRENCH) -> dict:
    """A map of links, one arc per partnership, from a list of the registry's partnership dicts.

    `locale` names kinds, themes and countries; `translations` gives the page's texts.
    """
    partnerships = list(partnerships)
    rows, missing = link_rows(partnerships)
    countries = country_names()
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
        "ui": ui_strings(translations, "links"),
    }


def world_view(partnerships: Iterable[dict], title: str | None = None, **options) -> dict:
    """Every given link on the world map (the whole registry, or a search's result set)."""
    _ = options.get("translations", FRENCH).gettext
    return links_view(partnerships, title or _("Carte des partenariats"), **options)


def country_view(partnerships: Iterable[dict], country_code: str, **options) -> dict:
    """Every link with one partner country, framed on both ends (France and the country)."""
    code = country_code.upper()
    chosen = [p for p in partnerships if p["partner_country"] == code]
    name = country_names().name(code, options.get("locale", "fr"))
    _ = options.get("translations", FRENCH).gettext
    view = links_view(chosen, _("Partenariats avec : %(name)s") % {"name": name}, background="monde-50m",
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
    _ = options.get("translations", FRENCH).gettext
    return links_view(chosen, _("Partenariats de %(name)s") % {"name": name}, background="monde-50m", **options)


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
                    locale: str = "fr", translations: NullTranslations = FRENCH) -> dict:
    """Partnerships per partner country (`pays`), per French région (`regions`) or département.

    The DROM are areas like the others (repertoire/data/world/README.md); the page shows them in insets.
    """
    _ = translations.gettext
    values: Counter = counts(partnerships, level)
    bounds = breaks(list(values.values()))
    colours = CHOROPLETH_COLOURS[-len(bounds):] if bounds else []
    classes, low = [], 1
    for high, colour in zip(bounds, colours):
        classes.append({"from": low, "to": high, "colour": colour})
        low = high + 1
    countries = country_names()
    if level == "pays":
        names = {code: countries.name(code, locale) for code in values}
        key, title = "iso", _("Partenariats par pays partenaire")
    else:
        names = {f["properties"]["code"]: f["properties"]["nom"] for f in outline(level)["features"]}
        key = "code"
        title = _("Partenariats par région française") if level == "regions" else _("Partenariats par département français")
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
        "ui": ui_strings(translations, "choropleth"),
    }
