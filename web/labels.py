"""Template helpers: labels of codes in the page's language, and links that keep a search."""
from __future__ import annotations

from urllib.parse import quote_plus, urlencode

from datetime import date, datetime

from flask import g, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, lazy_gettext as _l

from index import labels
from repertoire import fields
from repertoire.model import status_code


def lang() -> str:
    return str(get_locale() or "fr")


def label(facet: str, value: str, language: str | None = None) -> str:
    """A facet value's label in the page's language (`language` when the caller has it)."""
    return labels.value_label(facet, value, language or lang()) if value else ""


# What became of a survey row (sources.verdict), in words.
VERDICTS = {"accepted": _l("acceptée"), "merged": _l("fusionnée avec un partenariat connu"),
            "mended": _l("corrigée par l'équipe"), "mended, merged": _l("corrigée puis fusionnée")}
# Who changed a partnership when it was not a survey file (history.source), by its first words.
HISTORY_SOURCES = {"staff": _l("l'équipe"), "repertoire merge": _l("fusion par l'équipe"),
                   "merge rule: same place": _l("fusion automatique (même lieu)"),
                   "vocabulary: one status list": _l("liste des statuts unifiée"),
                   "import undone": _l("import annulé")}
# History fields whose values are codes, and the facet that labels them.
CODED = {"kind": "kind", "status": "status", "themes": "theme", "partner_country": "country", "french_type": "ftype"}


def verdict(code: str | None) -> str:
    return str(VERDICTS.get(code or "", code or ""))


def value_of(field: str, value: str | None) -> str:
    """A history value as a reader reads it: codes labelled, dates by the locale, text as is."""
    if not value:
        return ""
    if field in CODED:
        return ", ".join(label(CODED[field], v) for v in value.split(";") if v)
    return when(value) if field == "since_date" else value


def changed_by(source: str | None) -> str:
    """A history row's source: a survey file's name as is, the app's own sources in words."""
    text = source or ""
    who, _, person = text.partition(": ")
    if text in HISTORY_SOURCES:
        return str(HISTORY_SOURCES[text])
    if who in HISTORY_SOURCES:  # `staff: agent@reseau.fr`
        return f"{HISTORY_SOURCES[who]} ({person})"
    return text


def when(value, length: str = "long", time: bool = False) -> str:
    """An ISO date or timestamp (or a year) written by the page's locale: 17 novembre 1964;
    with `time`, a timestamp's hour too (in UTC, as stored)."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        return text  # a year alone, or a date the survey gave as free text
    if time and isinstance(moment, datetime):
        return format_datetime(moment.replace(tzinfo=None), format=length, rebase=False)
    return format_date(moment.date() if isinstance(moment, datetime) else moment, format=length)


def quoted(text: str) -> str:
    """Someone's words quoted as the page's language quotes: « jumelage », “twinning”."""
    return str(_l("« %(text)s »", text=text))


def search_url(params, **changes) -> str:
    """The results page of `params` with some arguments changed (page, sort, filters).

    The address url_for builds, the route looked up once per request and the query encoded as
    Werkzeug encodes it (werkzeug.urls._urlencode): a results page holds 60 links and more."""
    return _search_base() + _query(params.args(**changes).items())


def facet_links(params, name: str, counts: dict[str, int], language: str) -> list[tuple[str, str | None, int]]:
    """A facet's values on a results page: (label, the page filtered by it too, or None when it
    already is, count), in the order of `counts`. The links are search_url's, their common
    part encoded once per facet rather than once per value."""
    chosen = params.filters.get(name, [])
    args = list(params.args(**{name: chosen + [""], "page": 1}).items())  # "": where the value goes
    at = next(i for i, (key, _) in enumerate(args) if key == name)
    before, after = _encoded(args[:at] + [(name, chosen)]), _encoded(args[at + 1:])
    start = f"{_search_base()}?{before}{'&' if before else ''}{quote_plus(name, safe=URL_SAFE)}="
    end = "&" + after if after else ""
    return [(label(name, value, language),
             None if value in chosen else start + quote_plus(value, safe=URL_SAFE) + end, n)
            for value, n in counts.items()]


# What Werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode).
URL_SAFE = "!$'()*,/:;?@"


def _search_base() -> str:
    """The results page's path (under the site's prefix), built once per request."""
    if "search_url" not in g:
        g.search_url = url_for("pages.search")
    return g.search_url


def _query(args) -> str:
    """`?k=v&k=w…` of (key, value or list of values) pairs, empty for none."""
    query = _encoded(args)
    return "?" + query if query else ""


def _encoded(args) -> str:
    return urlencode([(k, v) for k, vs in args for v in (vs if isinstance(vs, (list, tuple)) else (vs,))
                      if v is not None], safe=URL_SAFE)


def template_helpers() -> dict:
    language = lang()  # one page, one language: looked up once, not per label
    return {"label": lambda facet, value: label(facet, value, language),
            "facet_title": lambda f: labels.facet_title(f, language),
            "facet_links": lambda params, name, counts: facet_links(params, name, counts, language),
            "lang": language, "search_url": search_url, "country_name": lambda c: labels.country_name(c, language),
            "region_name": labels.region_name, "departement_name": labels.departement_name,
            "current_url_with": current_url_with, "status_code": status_code,
            "field_label": lambda name: fields.label(name, language),
            "verdict": verdict, "value_of": value_of, "when": when,
            "changed_by": changed_by, "coded": CODED, "quoted": quoted, "number": number}


def number(value: int) -> str:
    """A count written by the page's locale: 1 594 in French, 1,594 in English."""
    return format_decimal(value)


def current_url_with(**changes) -> str:
    """This page's address with some query arguments changed (the language switch)."""
    args = request.args.to_dict(flat=False) | {k: [str(v)] for k, v in changes.items()}
    return request.path + "?" + urlencode(args, doseq=True)
