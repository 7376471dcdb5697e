"""Maps as folium.Map objects: one function for the web pages, `repertoire map` and notebooks.

    m = make_map(registry.matching({"country": "JP"}), country="JP")
    m.save("japon.html")          # or display `m` in Jupyter

folium gives the map, its marker cluster (folium.plugins.MarkerCluster, whose icons count
partnerships, not places) and the page they live in; the links are our own folium element,
`LinkLayer`, which hands the view (maps/web.py: compact rows, labels, colours) to the script
that draws them as great-circle arcs on one canvas (maps/browser/repertoire-arcs.js: 10k
links as 10k folium PolyLines would be 3× the size and seconds to render, DESIGN.md).

Nothing comes from a CDN (DESIGN.md, "Works offline"): folium's default assets are replaced
by the vendored copies, linked from the app (`assets="/static/maps/"`) or put inside the file
(`assets=None`, for a file opened from disk or a notebook).
"""
from __future__ import annotations

import json
from gettext import NullTranslations
from typing import Iterable

import folium
from branca.element import Element, Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template
from jinja2.utils import htmlsafe_json_dumps

from . import assets
from .assets import CLUSTER_CSS, CLUSTER_JS, LAYER_CSS, LAYER_JS, LEAFLET_CSS, LEAFLET_JS
from .web import FRENCH, choropleth_view, collectivite_view, country_view, world_view

# A cluster shows how many partnerships its places take part in — each counted once, though
# both its ends may lie in the cluster — among those of the kinds still ticked in the legend
# (a marker's `shown` rows, kept by repertoire-map.js); sized like markercluster's own icons.
CLUSTER_ICON = """function (cluster) {
    var seen = new Set();
    cluster.getAllChildMarkers().forEach(function (m) {
        (m.options.shown || []).forEach(function (row) { seen.add(row); });
    });
    var n = seen.size, size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    return L.divIcon({html: "<div><span>" + n + "</span></div>",
                      className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)});
}"""


class OfflineMap(folium.Map):
    """A folium.Map whose page part sizes the map's own element only: folium's default header
    also styles `html, body` and any `#map`, which would undo the site's layout around it."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>#{{ this.get_name() }} { position: relative; width: 100%; height: 100%; }</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
                center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }},
                ...{{ this.options|tojavascript }}
            });
        {% endmacro %}
    """)


class Raw(Element):
    """Text put in the page as it is. folium compiles every part an element renders as a Jinja
    template: survey text such as `{{ 7 * 7 }}` would run, and 1.4 MB of links took 0.4 s to
    compile; the data of a map and the inlined assets go through here instead."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class LinkLayer(JSCSSMixin, MacroElement):
    """The view of a map (links or choropleth) drawn by maps/browser/repertoire-map.js on its
    parent map: arcs, places in `cluster`, background outlines, legend, and the list beside
    the map when the page has the element `list_id`."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            RepertoireMap.drawOn({{ this._parent.get_name() }}, {{ this.get_name() }}_view, {
                cluster: {{ this.cluster.get_name() if this.cluster else "null" }},
                outlines: {{ this.get_name() }}_outlines, areas: {{ this.get_name() }}_areas,
                listId: {{ this.list_id|tojson }}, insetsId: {{ this.insets_id|tojson }}
            });
        {% endmacro %}
    """)

    def __init__(self, view: dict, cluster: MarkerCluster | None, outlines: str, areas: str,
                 list_id: str = "map-list-body", insets_id: str = "map-insets"):
        super().__init__()
        self._name = "LinkLayer"
        self.view_json = _script_json(view)
        self.cluster, self.outlines, self.areas = cluster, outlines, areas
        self.list_id, self.insets_id = list_id, insets_id

    def render(self, **kwargs) -> None:
        """The view as a JSON data block of the page (survey text stays data, never script),
        read and the outlines given as plain script before the call that draws them."""
        name = self.get_name()
        self.get_root().html.add_child(
            Raw(f'<script type="application/json" id="{name}-view">{self.view_json}</script>'), name=f"{name}_view")
        data = (f"var {name}_view = JSON.parse(document.getElementById({json.dumps(name + '-view')}).textContent);\n"
                f"var {name}_outlines = {self.outlines};\nvar {name}_areas = {self.areas};")
        self.get_root().script.add_child(Raw(data), name=f"{name}_data")
        super().render(**kwargs)


def _script_json(value: object) -> str:
    """JSON to put inside a <script>: compact, with <, >, & and ' escaped (survey text is data)."""
    return str(htmlsafe_json_dumps(value, dumps=json.dumps, separators=(",", ":")))


def _outline_source(name: str | None, urls: dict[str, str] | None) -> str:
    """A background for the script: its URL in the app, or its GeoJSON text inside the page."""
    if not name:
        return "null"
    if urls is not None:
        return _script_json(urls[name])
    return assets.outline_text(name)


def map_of_view(view: dict, *, asset_url: str | None = None, outline_urls: dict[str, str] | None = None) -> OfflineMap:
    """The folium.Map of a view of maps/web.py.

    `asset_url` is where the app serves maps/browser/ (e.g. "/static/maps/"); None puts every
    script and style inside the page. `outline_urls` maps background names to URLs in the app;
    None puts the outlines inside the page.
    """
    m = OfflineMap(location=[30, 10], zoom_start=2, tiles=None, prefer_canvas=True,
                   minZoom=1, maxZoom=18, zoomSnap=0.25, worldCopyJump=False)
    cluster = None
    if view["mode"] == "links":
        cluster = MarkerCluster(name=view["ui"]["places"], control=False, icon_create_function=CLUSTER_ICON,
                                show_coverage_on_hover=False, max_cluster_radius=35, animate=False,
                                spiderfy_on_max_zoom=True, disable_clustering_at_zoom=11, chunked_loading=True)
        cluster.add_to(m)
    layer = LinkLayer(view, cluster, _outline_source(view["background"], outline_urls),
                      _outline_source(view.get("areas") or None, outline_urls))
    layer.add_to(m)
    _point_assets(m, cluster, layer, asset_url)
    for element in (m, cluster, layer):  # the same page for the same view (folium draws random ids)
        if element is not None:
            element._id = "repertoire"
    m.repertoire_view = view  # the page around the map (title, counts) reads it
    return m


def _point_assets(m: folium.Map, cluster: MarkerCluster | None, layer: LinkLayer, asset_url: str | None) -> None:
    """folium's CDN links replaced by the vendored files: linked from the app, or inlined."""
    parts = [(m, LEAFLET_JS, LEAFLET_CSS), (cluster, CLUSTER_JS, CLUSTER_CSS), (layer, LAYER_JS, LAYER_CSS)]
    for element, js, css in parts:
        if element is None:
            continue
        if asset_url is None:
            element.default_js, element.default_css = [], []
        else:
            element.default_js = [(name, asset_url + path) for name, path in js]
            element.default_css = [(name, asset_url + path) for name, path in css]
    if asset_url is None:
        figure = m.get_root()
        figure.header.add_child(Raw(f"<style>{assets.inline_css()}</style>"), name="repertoire_css")
        figure.header.add_child(Raw(f"<script>{assets.inline_js()}</script>"), name="repertoire_js")


def make_map(partnerships: Iterable[dict], *, country: str | None = None, collectivite: str | None = None,
             level: str | None = None, title: str | None = None, color_by: str = "kind",
             detail_url: str = "/partenariats/", area_url: str = "", locale: str = "fr",
             translations: NullTranslations = FRENCH, asset_url: str | None = None,
             outline_urls: dict[str, str] | None = None) -> OfflineMap:
    """A folium.Map of partnerships (the registry's dicts): every link on the world map, or those
    of one partner `country`, of one French `collectivite` (its french_id), or the numbers per
    area when `level` is `pays`, `regions` or `departements` (a choropleth).

    `color_by` is `kind` or `theme`; `detail_url` prefixes a partnership's id in popups and the
    list ("" for none); `locale` and `translations` give the language of the page.
    """
    language = {"locale": locale, "translations": translations}
    if level:
        view = choropleth_view(partnerships, level, area_url=area_url, **language)
    else:
        options = dict(color_by=color_by, detail_url=detail_url, **language)
        if country:
            view = country_view(partnerships, country, **options)
        elif collectivite:
            view = collectivite_view(partnerships, collectivite, **options)
        else:
            view = world_view(partnerships, title, **options)
    return map_of_view(view, asset_url=asset_url, outline_urls=outline_urls)


def page_parts(m: folium.Map) -> dict[str, str]:
    """The three parts of a map's page, for a template that places them in its own layout:
    `header` (styles and scripts to load), `html` (the map's element), `script` (what draws)."""
    figure: Figure = m.get_root()
    figure.render()  # lets every element put its part in the figure's header, html and script
    return {"header": figure.header.render(), "html": figure.html.render(), "script": figure.script.render()}
