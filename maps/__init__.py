"""Maps of French–partner links: web maps (folium.Map objects, offline) and static maps for print.

Imports only repertoire/; app.py composes maps with search (index/ finds ids, maps draw them).
"""
from .assets import outline, outline_text
from .folium_map import make_map, map_of_view, page_parts
from .filters import FILTER_PARAMS, filter_values, select_options
from .links import LINK_COLUMNS, MAP_COLUMNS, counts, great_circle, link_rows
from .web import choropleth_view, collectivite_view, country_view, links_view, world_view

__all__ = [
    "FILTER_PARAMS", "LINK_COLUMNS", "MAP_COLUMNS", "choropleth_view", "collectivite_view", "counts",
    "country_view", "filter_values", "great_circle", "link_rows", "links_view", "make_map",
    "map_of_view", "outline", "outline_text", "page_parts", "select_options", "world_view",
]
