"""The filters of a map of search results: the query parameters of `/recherche`, and the
drop-down lists of its form. The partnerships they select come from repertoire.open()'s
`records` (search index, or the registry's own filters when there is no index)."""
from __future__ import annotations

from gettext import NullTranslations
from typing import Mapping

from repertoire.model import KINDS, STATUS_LABELS, THEMES, UNSPECIFIED  # noqa: F401  (app.py reads KINDS, THEMES here)
from repertoire.reference import reference
from repertoire.collation import sort_key

# Query parameters shared with the search page, in form order.
FILTER_PARAMS: tuple[str, ...] = ("q", "country", "theme", "region", "departement", "kind", "status")


def filter_values(args: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters present in a request's arguments, stripped."""
    return {name: (args.get(name) or "").strip() for name in FILTER_PARAMS if (args.get(name) or "").strip()}


def select_options(regions: Mapping[str, str], countries: Mapping[str, str], locale: str = "fr",
                   translations: NullTranslations = NullTranslations()) -> list[tuple[str, str, list]]:
    """The form's drop-down lists: (parameter, label, [(code, text)…]), in the page's language.

    `countries` are already named in that language; régions keep their French names.
    """
    _, names = translations.gettext, reference()
    return [
        ("country", _("Pays"), sorted(countries.items(), key=lambda kv: sort_key(locale)(kv[1]))),
        ("theme", _("Thème"), names.options("themes", locale)),
        ("region", _("Région"), sorted(regions.items(), key=lambda kv: sort_key(locale)(kv[1]))),
        ("kind", _("Type"), names.options("kinds", locale)),
        ("status", _("Statut"), names.options("statuses", locale)),
    ]
