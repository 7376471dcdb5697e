"""Répertoire core: surveys → registry; no Flask, Whoosh or Folium here."""
from .countries import Countries
from .ingest import References, ingest_files
from .model import FRENCH_TYPES, KINDS, STATUSES, THEMES, FileReport, Reject
from .places import FrenchPlaces, UnresolvedPlace
from .registry import Registry

__all__ = ["Countries", "FRENCH_TYPES", "FileReport", "FrenchPlaces", "KINDS", "References",
           "Registry", "Reject", "STATUSES", "THEMES", "UnresolvedPlace", "ingest_files"]
