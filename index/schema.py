"""The Whoosh schema, and how a registry partnership becomes an index document."""
from __future__ import annotations

import pickle
from functools import lru_cache

from whoosh import columns
from whoosh.fields import COLUMN, TEXT, Schema
from whoosh.system import pack_uint

from repertoire.model import KINDS, THEMES
from repertoire.placenames import other_names

from . import analysis

# Facets and sort keys are columns only (no postings): read once per index generation into
# numpy arrays, they give counts and filters without a query (index/facets.py).
FACET_COLUMNS = ("country", "kind", "status", "region", "departement", "ftype", "french", "themes")


def _column() -> COLUMN:
    return COLUMN(columns.RefBytesColumn())


class AnalysedText(TEXT):
    """A TEXT field that also takes a document's text as its list of terms (`analysis.analyze`).

    Whoosh would turn the list into Token objects one term at a time, a fifth of the build:
    the postings (term, frequency, weight, positions) are made from the list directly, as
    `formats.Positions.word_values` makes them.
    """

    def index(self, value, **kwargs):
        if isinstance(value, str):
            return super().index(value, **kwargs)
        boost = self.format.field_boost
        return [(term.encode("utf-8"), len(p), len(p) * boost, _encode_positions(tuple(p)))
                for term, p in self.term_positions(value).items()]

    @staticmethod
    def term_positions(terms: list[str]) -> dict[str, list[int]]:
        """Each term of a document's term list → its positions (index/segment.py takes these)."""
        positions: dict[str, list[int]] = {}
        for position, term in enumerate(terms):
            found = positions.get(term)
            if found is None:
                positions[term] = [position]
            else:
                found.append(position)
        return positions

    @staticmethod
    def encode_positions(positions: list[int]) -> bytes:
        """`formats.Positions.encode` of a term's positions in a document (cached)."""
        if len(positions) == 1 and positions[0] < len(_ONE_POSITION):
            return _ONE_POSITION[positions[0]]  # four postings in five
        return _encode_positions(tuple(positions))


@lru_cache(maxsize=100_000)
def _encode_positions(positions: tuple[int, ...]) -> bytes:
    """`formats.Positions.encode`: the count, then the pickled gaps (the same few repeat)."""
    gaps = [positions[0]] + [b - a for a, b in zip(positions, positions[1:])]
    return pack_uint(len(gaps)) + pickle.dumps(gaps, 2)


_ONE_POSITION = [_encode_positions((position,)) for position in range(1024)]


SCHEMA = Schema(
    # A column only: searches read ids from it (index/facets.py) and updates find the
    # documents they replace by it (index/build.py). As an ID field, its 100k one-posting
    # terms were a sixth of the build.
    id=COLUMN(columns.VarBytesColumn()),
    text=AnalysedText(analyzer=analysis.french, phrase=True),
    year=COLUMN(columns.NumericColumn("H")),
    sortname=COLUMN(columns.VarBytesColumn()),
    # The folded words of each name (French side, partner, its other names and scripts),
    # names apart by `|`: searches tell a name match and a whole-name match from a mention.
    names=COLUMN(columns.VarBytesColumn()),
    # The partner's GeoNames place: its names in every language (München, Aachen, Warszawa)
    # find it, through the gazetteer's table rather than as terms of each document.
    place=_column(),
    **{name: _column() for name in FACET_COLUMNS},
)


@lru_cache(maxsize=1_000)
def _country_names(countries, code: str) -> str:
    return f"{countries.name(code, 'fr')} {countries.name(code, 'en')}" if code else ""


@lru_cache(maxsize=100_000)
def _sort_key(name: str) -> str:
    return analysis.fold_accents(name.lower())


def text_parts(p: dict, countries) -> tuple[list[str], list[str], list[str], list[str]]:
    """The text of a partnership in parts: (names, places, labels, its own text).

    Names, places (partner region, country in French and English) and labels (themes,
    kind) repeat across the registry; keywords, description and projects are its own. The
    unstemmed words of names and places make the vocabulary (typos, suggestions: query.py).
    """
    names = ([p["french_name"]] if p.get("french_name") else []) + list(_partner_names(
        p.get("partner_name"), p.get("partner_native"), p.get("partner_key"), p.get("partner_geonameid")))
    places = [p.get("partner_region") or "", _country_names(countries, p.get("partner_country") or "")]
    labels = _label_texts(p.get("themes") or "", p.get("kind") or "")
    return names, places, labels, _own_texts(p)


def _label_texts(themes: str, kind: str) -> list[str]:
    """The labels of a partnership's themes (`;`-separated codes) and of its kind."""
    labels = [" ".join(THEMES[t]) for t in themes.split(";") if t in THEMES]
    labels.append(" ".join(KINDS.get(kind, ("", ""))))
    return labels


def _own_texts(p: dict) -> list[str]:
    """A partnership's own text: its keywords, description and projects."""
    return [(p.get("keywords") or "").replace(";", " "), p.get("description") or "", p.get("projects") or ""]


# What document() takes from each part of a partnership, kept per distinct value: the same
# communes, partners, places and labels come back row after row (100,000 rows: 30,000
# communes, 7,500 partners), and their analysis was half of making a document.

@lru_cache(maxsize=50_000)
def _partner_names(name: str | None, native: str | None, key: str | None, geonameid) -> tuple[str, ...]:
    """The partner's names: as shown, native, both romanized, its others."""
    return tuple(v for v in (name, native, analysis.romanized(native), analysis.romanized(name),
                             *other_names(name, key, geonameid)) if v)


@lru_cache(maxsize=100_000)
def _names_analysed(names: tuple[str, ...]) -> tuple[tuple[str, ...], frozenset[str], tuple[str, ...]]:
    """Names' stemmed terms, their unstemmed words, and each name's unstemmed words joined."""
    folded = [analysis.analyze_value(v, False) for v in names]
    return (tuple(t for v in names for t in analysis.analyze_value(v)), frozenset(w for f in folded for w in f),
            tuple(" ".join(f) for f in folded))


@lru_cache(maxsize=20_000)
def _places_analysed(region: str, country_names: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A partner region's and its country's stemmed terms, and their unstemmed words."""
    return ((*analysis.analyze_value(region), *analysis.analyze_value(country_names)),
            frozenset((*analysis.analyze_value(region, False), *analysis.analyze_value(country_names, False))))


@lru_cache(maxsize=20_000)
def _labels_analysed(themes: str, kind: str) -> tuple[str, ...]:
    """The stemmed terms of the labels of a partnership's themes and kind."""
    return tuple(t for value in _label_texts(themes, kind) for t in analysis.analyze_value(value))


def text(p: dict, countries) -> str:
    """The indexed text of a partnership as one string (`document` gives it as terms)."""
    names, places, labels, own = text_parts(p, countries)
    return "\n".join(filter(None, (*names, *names, *places, *labels, *own)))


def document(p: dict, countries) -> tuple[dict, set[str]]:
    """The index document of one partnership, and the words it adds to the vocabulary.

    `countries` gives country names in French and English. Names go into the text twice: a
    name match outranks a mention in a description. The text goes to Whoosh as its terms,
    analysed once per distinct name, place or label (they repeat across the registry).

    >>> fields, words = document(registry.partnership(pid), Countries())
    """
    french_name = p.get("french_name")
    french_terms, french_words, french_folded = _names_analysed((french_name,) if french_name else ())
    partner_terms, partner_words, partner_folded = _names_analysed(_partner_names(
        p.get("partner_name"), p.get("partner_native"), p.get("partner_key"), p.get("partner_geonameid")))
    place_terms, place_words = _places_analysed(p.get("partner_region") or "",
                                                _country_names(countries, p.get("partner_country") or ""))
    name_terms = french_terms + partner_terms
    terms = [*name_terms, *name_terms, *place_terms, *_labels_analysed(p.get("themes") or "", p.get("kind") or "")]
    for value in _own_texts(p):
        terms.extend(analysis.analyze(value))
    words = set().union(french_words, partner_words, place_words)
    folded_names = "|".join(dict.fromkeys(french_folded + partner_folded))
    themes = ";".join(t for t in (p.get("themes") or "").split(";") if t)
    facets = {"country": p.get("partner_country"), "kind": p.get("kind"), "status": p.get("status"),
              "region": p.get("region"), "departement": p.get("departement"),
              "ftype": p.get("french_type"), "french": p.get("french_id"), "themes": themes}
    # Folded name by name (the same as folding the pair): the names repeat, pairs seldom.
    sortname = f"{_sort_key(p.get('french_name') or '')} {_sort_key(p.get('partner_name') or '')}"
    fields = {
        "id": p["id"].encode(), "text": terms,
        "year": int(p["since"]) if p.get("since") else 0, "sortname": sortname.encode(),
        "names": folded_names.encode(),
        "place": str(p.get("partner_geonameid") or "").encode(),
        **{name: (value or "").encode() for name, value in facets.items()},
    }
    return fields, words
