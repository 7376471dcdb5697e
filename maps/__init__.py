"""Maps of French–partner links: web maps (folium.Map objects, offline) and static maps for print.

Imports only repertoire/; app.py composes maps with search (index/ finds ids, maps draw them).
"""
from .assets import outline, outline_text
from .filters import FILTER_PARAMS, filter_values, select_options
from .links import LINK_COLUMNS, MAP_COLUMNS, counts, great_circle, link_rows
from .web import choropleth_view, collectivite_view, country_view, links_view, world_view

__all__ = [
    "FILTER_PARAMS", "LINK_COLUMNS", "MAP_COLUMNS", "choropleth_view", "collectivite_view", "counts",
    "country_view", "filter_values", "great_circle", "link_rows", "links_view", "make_map",
    "map_of_view", "outline", "outline_text", "page_parts", "select_options", "world_view",
]

# The web maps are folium objects: folium (and the requests and jinja it brings) is imported
# when one is first made, not by every command that imports this package (an ingest does
# not draw a map, and paid 0.2 s of its single-core start for the import).
_FOLIUM_MAPS = ("make_map", "map_of_view", "page_parts")


def __getattr__(name: str):
    if name in _FOLIUM_MAPS:
        from . import folium_map
        return getattr(folium_map, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
