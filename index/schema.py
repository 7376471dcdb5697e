"""The Whoosh schema, and how a registry partnership becomes an index document."""
from __future__ import annotations

from whoosh import columns
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema

from repertoire.model import KINDS, THEMES

from . import analysis

# Facets and sort keys are columns only (no postings): read once per index generation into
# numpy arrays, they give counts and filters without a query (index/facets.py).
FACET_COLUMNS = ("country", "kind", "status", "region", "departement", "ftype", "french", "themes")


def _column() -> COLUMN:
    return COLUMN(columns.RefBytesColumn())


SCHEMA = Schema(
    id=ID(stored=True, unique=True, sortable=True),
    text=TEXT(analyzer=analysis.french, phrase=True),
    # Unstemmed, folded names: only its lexicon is read, for fuzzy terms and "did you
    # mean" (DESIGN.md); not scorable, so it costs little to build.
    words=KEYWORD(analyzer=analysis.folded, scorable=False),
    year=COLUMN(columns.NumericColumn("H")),
    sortname=COLUMN(columns.VarBytesColumn()),
    **{name: _column() for name in FACET_COLUMNS},
)


def document(p: dict, countries) -> dict:
    """The index document of one partnership; `countries` gives names in French and English.

    Names go into the text twice: a name match outranks a mention in a description.
    """
    names = " ".join(filter(None, (p.get("french_name"), p.get("partner_name"), p.get("partner_native"),
                                   analysis.romanized(p.get("partner_native")),
                                   analysis.romanized(p.get("partner_name")))))
    code = p.get("partner_country") or ""
    themes = [t for t in (p.get("themes") or "").split(";") if t]
    country_names = f"{countries.name(code, 'fr')} {countries.name(code, 'en')}" if code else ""
    names_and_countries = f"{names} {p.get('partner_region') or ''} {country_names}"
    labels = "\n".join(filter(None, (
        names_and_countries, " ".join(" ".join(THEMES[t]) for t in themes if t in THEMES),
        " ".join(KINDS.get(p.get("kind") or "", ("", ""))), (p.get("keywords") or "").replace(";", " "))))
    text = "\n".join(filter(None, (names, labels, p.get("description"), p.get("projects"))))
    facets = {"country": code, "kind": p.get("kind"), "status": p.get("status"),
              "region": p.get("region"), "departement": p.get("departement"),
              "ftype": p.get("french_type"), "french": p.get("french_id"), "themes": ";".join(themes)}
    sortname = analysis.fold_accents(f"{p.get('french_name') or ''} {p.get('partner_name') or ''}".lower())
    return {
        "id": p["id"], "text": text, "words": names_and_countries,
        "year": int(p["since"]) if p.get("since") else 0, "sortname": sortname.encode(),
        **{name: (value or "").encode() for name, value in facets.items()},
    }
