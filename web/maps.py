"""The map pages (`/carte…`): web maps of links and choropleths, the assets they load.

The search index finds ids, maps/ draws them (a folium.Map, maps/folium_map.py) and this
module puts them in the site's pages: `/carte` takes the query parameters of /recherche;
without an index yet, the registry's own filters apply (Registry.matching, through the Python
API). Pages extend the site's layout and speak the request's language (maps/web.py
ui_strings). app.py registers the blueprint; the `repertoire map` command (web/cli.py) uses the same
functions for a self-contained file.
"""
from __future__ import annotations

import gzip

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, get_translations, gettext

import index
import maps
from repertoire.api import Repertoire
from repertoire.geodata import AREAS

from . import budget
from .throttle import heavy


def get_api() -> Repertoire:
    """The Python API over this request's registry and the app's search index."""
    if "api" not in g:
        g.api = Repertoire(current_app.instance_path, registry=current_app.extensions["registry"](),
                           index=current_app.extensions["search_index"])
    return g.api


def get_registry():
    return get_api().registry


# The files a map page loads (maps/browser/: vendored Leaflet, our scripts) at /static/maps/.
maps_blueprint = Blueprint("maps", __name__, static_folder=str(maps.assets.BROWSER), static_url_path="/static/maps")
MAP_LEVELS = ("pays", "regions", "departements")


def map_partnerships(params: "index.SearchParams") -> tuple[list[dict], str]:
    """Every partnership a search matches (all pages, by name), and a note for the page."""
    params.sort, params.per_page, params.page = "name", index.search.MAX_PER_PAGE, 1
    ids: list[str] = []
    limit, columns = current_app.config["MAP_LIMIT"], list(maps.MAP_COLUMNS)
    try:
        while True:
            result = get_api().index.search(params)
            ids += [hit["id"] for hit in result.hits]
            if len(ids) >= limit:  # a map of every link at 390,000 took 46 s and showed a blot
                return get_api().by_ids(ids[:limit], columns), limit_note(limit, result.total)
            if params.page >= result.pages:
                return get_api().by_ids(ids, columns), ""
            budget.check()
            params.page += 1
    except index.IndexMissing:
        note = gettext("Index de recherche absent : recherche simple sur les noms (SQL LIKE).")
        filters = {k: v for k, v in params.filters.items() if v}
        chosen = get_api().records(params.q, columns=columns, limit=limit + 1, **filters)
        if len(chosen) > limit:
            total = len(get_api().records(params.q, columns=["id"], **filters))
            chosen, note = chosen[:limit], note + " " + limit_note(limit, total)
        return chosen, note


def limit_note(shown: int, total: int) -> str:
    return gettext("Carte des %(shown)s premiers partenariats sur %(total)s : affinez la recherche "
                   "(pays, thème, région) pour les voir tous.", shown=f"{shown:,}".replace(",", "\u202f"),
                   total=f"{total:,}".replace(",", "\u202f"))


def map_language() -> dict:
    """The `locale` and `translations` that maps/ views take, for this request."""
    return {"locale": str(get_locale() or "fr"), "translations": get_translations()}


def render_map(view: dict, inline: bool = False, filters: dict | None = None, note: str = "") -> str:
    """A map page (web/templates/map.html) around the folium.Map of a view (maps/folium_map.py);
    `inline` puts assets and outlines in the file."""
    if inline:
        folium_map = maps.map_of_view(view)
    else:
        urls = {name: url_for("maps.map_outline", name=name) for name in maps.assets.OUTLINES}
        folium_map = maps.map_of_view(view, asset_url=url_for("maps.static", filename=""), outline_urls=urls)
    preload = [url_for("maps.map_outline", name=name) for name in (view["background"], view.get("areas")) if name] \
        if not inline else []
    return render_template("map.html", view=view, inline=inline, parts=maps.page_parts(folium_map),
                           preload=preload, filters=filters, note=note)


def map_filters(values: dict[str, str]) -> dict:
    """The filter form of `/carte`: current values and the drop-down lists."""
    language = map_language()
    regions = {f["properties"]["code"]: f["properties"]["nom"] for f in maps.outline("regions")["features"]}
    codes = get_registry().countries()
    countries = maps.links.vocabulary(language["locale"], codes=codes)["countries"]
    return {"values": values, "selects": maps.select_options(regions, countries, **language),
            "search_url": "/recherche?" + request.query_string.decode() if values else ""}


@maps_blueprint.after_request
def compress_map(response):
    """Gzip map pages: 10k links are 1.5 MB of HTML, 0.4 MB once gzipped.

    Level 1: 13 ms for 1.5 MB (0.39 MB out), where level 5 takes 45 ms for 0.32 MB.
    """
    if (response.status_code != 200 or response.direct_passthrough or "Content-Encoding" in response.headers
            or "gzip" not in request.headers.get("Accept-Encoding", "")
            or response.content_length is None or response.content_length < 20_000):
        return response
    response.set_data(gzip.compress(response.get_data(), compresslevel=1, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


@maps_blueprint.route("/carte")
@heavy  # one at a time per worker (web/throttle.py)
def map_search():
    """The map of a search: the same query parameters as /recherche."""
    chosen, note = map_partnerships(index.SearchParams.from_args(request.args))
    view = maps.world_view(chosen, color_by=request.args.get("couleur", "kind"), **map_language())
    return render_map(view, filters=map_filters(maps.filter_values(request.args)), note=note)


@maps_blueprint.route("/carte/pays/<code>")
@heavy  # one at a time per worker (web/throttle.py)
def map_country(code: str):
    """Every link with one partner country (the first MAP_LIMIT by name, with a note, beyond)."""
    limit = current_app.config["MAP_LIMIT"]
    chosen = get_api().records(columns=list(maps.MAP_COLUMNS), country=code.upper(), limit=limit + 1)
    if not chosen:
        abort(404)
    note = ""
    if len(chosen) > limit:  # Germany at 390,000: 188,000 links, a 15 MB page
        chosen, note = chosen[:limit], limit_note(limit, get_api().registry.count_by("country")[code.upper()])
    return render_map(maps.country_view(chosen, code, color_by=request.args.get("couleur", "kind"), **map_language()),
                      note=note)


@maps_blueprint.route("/pays/<code>/carte")
def map_country_alias(code: str):
    """The address the country page links to (templates/country.html)."""
    query = request.query_string.decode()
    return redirect(url_for("maps.map_country", code=code.upper()) + (f"?{query}" if query else ""))


@maps_blueprint.route("/carte/collectivite/<path:french_id>")
@heavy  # one at a time per worker (web/throttle.py)
def map_collectivite(french_id: str):
    """Every link of one French collectivité (french_id such as `commune:54395`)."""
    chosen = get_api().records(columns=list(maps.MAP_COLUMNS), french_id=french_id)
    if not chosen:
        abort(404)
    return render_map(maps.collectivite_view(chosen, french_id, color_by=request.args.get("couleur", "kind"),
                                             **map_language()))


@maps_blueprint.route("/carte/repartition/<level>")
@heavy  # one at a time per worker (web/throttle.py)
def map_choropleth(level: str):
    """Partnerships per partner country, French région or département."""
    if level not in MAP_LEVELS:
        abort(404)
    area_url = "/carte/pays/" if level == "pays" else ""
    field = AREAS[level][0]  # counting needs that one field, not every link's ends (7 s at 390,000)
    return render_map(maps.choropleth_view(get_api().records(columns=[field]), level, area_url=area_url,
                                           **map_language()))


@maps_blueprint.route("/carte/contours/<name>.geojson")
def map_outline(name: str):
    """A shipped background (country or French outlines), cached by the browser."""
    if name not in maps.assets.OUTLINES:
        abort(404)
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return send_file(maps.assets.outline_path(name), mimetype="application/geo+json", max_age=86400)
    response = Response(maps.assets.outline_gzip(name), mimetype="application/geo+json",
                        headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    response.cache_control.max_age = 86400
    response.cache_control.public = True
    return response
