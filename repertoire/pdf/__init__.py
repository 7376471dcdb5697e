"""PDF typesetting of a country répertoire (ReportLab): `render(partnerships, "JP")`.

The map comes in as an argument (bytes or a ReportLab Drawing): this package never
imports maps/ (app.py composes them).
"""
from .document import Country, Options, RepertoireError, country, render, title
from .fonts import FontError, PACKAGES
from .service import cached_repertoire, country_repertoire

__all__ = ["Country", "Options", "RepertoireError", "FontError", "PACKAGES", "country", "render",
           "title", "country_repertoire", "cached_repertoire"]
