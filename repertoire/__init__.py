"""Répertoire core: surveys → registry; no Flask, Whoosh or Folium here.

`repertoire.open()` (repertoire/api.py) is the Python API over a whole instance — registry,
search, tables, GeoDataFrames, folium maps, books — for notebooks, the CLI and the web app.
"""
from .countries import Countries
from .ingest import References, ingest_files
from .model import FRENCH_TYPES, KINDS, STATUSES, THEMES, FileReport, Reject
from .reasons import Reason
from .places import FrenchPlaces, UnresolvedPlace
from .registry import Registry
from .api import Repertoire, open  # noqa: A004  (repertoire.open, like io.open)

__all__ = ["Countries", "FRENCH_TYPES", "FileReport", "FrenchPlaces", "KINDS", "References",
           "Reason", "Registry", "Reject", "Repertoire", "STATUSES", "THEMES", "UnresolvedPlace", "ingest_files", "open"]
