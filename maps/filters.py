"""The filters of a map of search results: the query parameters of `/recherche`, as SQL.

A fallback while `index/` has no search function to give the matching ids: `q` is matched
against names with LIKE (no stemming, no accent folding beyond SQLite's ASCII case folding).
"""
from __future__ import annotations

from gettext import NullTranslations
from typing import Mapping

from repertoire.model import KINDS, STATUS_LABELS, THEMES, UNSPECIFIED

# Query parameters shared with the search page, in form order.
FILTER_PARAMS: tuple[str, ...] = ("q", "country", "theme", "region", "departement", "kind", "status")


def filter_values(args: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters present in a request's arguments, stripped."""
    return {name: (args.get(name) or "").strip() for name in FILTER_PARAMS if (args.get(name) or "").strip()}


def where_clause(values: Mapping[str, str]) -> tuple[str, list]:
    """An SQL condition on the partnerships table for the given filter values.

    >>> where_clause({"country": "jp", "theme": "culture"})
    ("partner_country = ? AND (';' || themes || ';') LIKE ?", ['JP', '%;culture;%'])
    """
    parts, params = [], []
    if q := values.get("q"):
        like = f"%{q}%"
        parts.append("(french_name LIKE ? OR partner_name LIKE ? OR partner_native LIKE ? OR partner_region LIKE ?)")
        params += [like] * 4
    if country := values.get("country"):
        parts.append("partner_country = ?")
        params.append(country.upper())
    if theme := values.get("theme"):
        parts.append("(';' || themes || ';') LIKE ?")
        params.append(f"%;{theme};%")
    if values.get("status") == UNSPECIFIED:
        parts.append("coalesce(status, '') = ''")
    for name in ("region", "departement", "kind", "status"):
        if (value := values.get(name)) and not (name == "status" and value == UNSPECIFIED):
            parts.append(f"{name} = ?")
            params.append(value)
    return " AND ".join(parts), params


def select_options(regions: Mapping[str, str], countries: Mapping[str, str], locale: str = "fr",
                   translations: NullTranslations = NullTranslations()) -> list[tuple[str, str, list]]:
    """The form's drop-down lists: (parameter, label, [(code, text)…]), in the page's language.

    `countries` are already named in that language; régions keep their French names.
    """
    _, i = translations.gettext, 0 if locale == "fr" else 1
    return [
        ("country", _("Pays"), sorted(countries.items(), key=lambda kv: kv[1])),
        ("theme", _("Thème"), [(code, labels[i]) for code, labels in THEMES.items()]),
        ("region", _("Région"), sorted(regions.items(), key=lambda kv: kv[1])),
        ("kind", _("Type"), [(code, labels[i]) for code, labels in KINDS.items()]),
        ("status", _("Statut"), [(code, labels[i]) for code, labels in STATUS_LABELS.items()]),
    ]
