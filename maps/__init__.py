"""Maps of French–partner links: web maps (Leaflet, offline) and static maps for print.

Imports only repertoire/; app.py composes maps with search (index/ finds ids, maps draw them).
"""
from .assets import outline, outline_text, page_assets
from .folium_map import make_map, map_of_view, page_parts
from .filters import FILTER_PARAMS, filter_values, select_options, where_clause
from .links import LINK_COLUMNS, MAP_COLUMNS, counts, great_circle, link_rows, links_by_ids, links_geojson, select_links
from .web import choropleth_view, collectivite_view, country_view, links_view, world_view

__all__ = [
    "FILTER_PARAMS", "LINK_COLUMNS", "MAP_COLUMNS", "choropleth_view", "collectivite_view", "counts",
    "country_view", "filter_values", "great_circle", "link_rows", "links_by_ids", "links_geojson",
    "links_view", "make_map", "map_of_view", "outline", "page_parts", "outline_text", "page_assets", "select_links", "select_options",
    "where_clause", "world_view",
]
