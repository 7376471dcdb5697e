"""Template helpers: labels of codes in the page's language, and links that keep a search."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import get_locale

from index import labels
from repertoire import fields
from repertoire.model import status_code


def lang() -> str:
    return str(get_locale() or "fr")


def label(facet: str, value: str) -> str:
    """A facet value's label in the page's language."""
    return labels.value_label(facet, value, lang()) if value else ""


def search_url(params, **changes) -> str:
    """The results page of `params` with some arguments changed (page, sort, filters)."""
    return url_for("pages.search", **params.args(**changes))


def template_helpers() -> dict:
    return {"label": label, "facet_title": lambda f: labels.facet_title(f, lang()),
            "lang": lang(), "search_url": search_url, "country_name": lambda c: labels.country_name(c, lang()),
            "region_name": labels.region_name, "departement_name": labels.departement_name,
            "current_url_with": current_url_with, "status_code": status_code,
            "field_label": lambda name: fields.label(name, lang())}


def current_url_with(**changes) -> str:
    """This page's address with some query arguments changed (the language switch)."""
    args = request.args.to_dict(flat=False) | {k: [str(v)] for k, v in changes.items()}
    return request.path + "?" + urlencode(args, doseq=True)
