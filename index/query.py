"""From what a person types to a Whoosh query: field filters, French operators, typos.

Any input gives a query or a readable message: the text is cut to a sane length, field
filters (`pays:Japon`, `theme:eau`, `annee:1990-1999`) are taken out first, ET/OU/SAUF
become AND/OR/NOT, and whatever the parser still refuses is searched as plain words.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as Q
from whoosh.fields import KEYWORD, Schema
from whoosh.qparser import (GroupPlugin, OperatorsPlugin, PhrasePlugin, PlusMinusPlugin,
                            QueryParser, WhitespacePlugin, WildcardPlugin)

from repertoire.model import FRENCH_TYPES, KINDS, STATUSES, THEMES
from repertoire.places import fold_place
from repertoire.text import fold

from . import analysis, labels
from .understand import Understanding, understand

MAX_CHARS = 300
MAX_WORDS = 32

FIELD_ALIASES = {
    "pays": "country", "country": "country", "groupe": "group", "group": "group",
    "theme": "theme", "thematique": "theme", "type": "kind", "kind": "kind", "lien": "kind",
    "statut": "status", "status": "status", "region": "region", "departement": "departement",
    "dept": "departement", "collectivite": "ftype", "decennie": "decade", "decade": "decade",
    "annee": "year", "year": "year", "depuis": "year", "id": "id", "code": "french",
}
FIELD_FILTER = re.compile(r"(?<![\w:])([^\W\d_]+):(\"[^\"]*\"|[^\s\"()]+)")
FRENCH_OPERATORS = ((re.compile(r"(?<=\s)ET(?=\s)"), "AND"), (re.compile(r"(?<=\s)OU(?=\s)"), "OR"),
                    (re.compile(r"(^|(?<=[\s(]))SAUF(?=\s)"), "NOT"))
# What makes a query more than words: quotes, wildcards, groups, boosts, +/- and operators.
SYNTAX = re.compile(r"[\"*?()^~]|(?:^|\s)[+-]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
OPERATOR_WORDS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
YEARS = re.compile(r"^(\d{4})(?:\s*(?:-|\.\.|à|to)\s*(\d{4}))?$")


@dataclass
class ParsedQuery:
    """A parsed query: the Whoosh query (None for none), filters found in the text, messages."""

    query: Q.Query | None
    filters: dict[str, list[str]] = field(default_factory=dict)
    years: tuple[int, int] | None = None
    corrections: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    # A plain query (no operator, phrase or wildcard): its concepts and words, scored by
    # index/scoring.py instead of `query`.
    understanding: Understanding | None = None


# The parser's default field: folded, unstemmed words (the index schema has no such field;
# `_convert` turns each word into terms of `text`).
PARSE_SCHEMA = Schema(words=KEYWORD(analyzer=analysis.folded, scorable=False))
VOCABULARY = "vocabulary.json"


def _parser() -> QueryParser:
    plugins = [WhitespacePlugin(), PlusMinusPlugin(), GroupPlugin(), PhrasePlugin(), WildcardPlugin(),
               OperatorsPlugin()]
    return QueryParser("words", PARSE_SCHEMA, plugins=plugins)


class Vocabulary:
    """The unstemmed words of names and countries, for forgiving typos and suggesting spellings.

    Kept beside the index (`vocabulary.json`, word → number of documents) rather than as a
    Whoosh field: its postings were a fifth of all postings written, for a list of words.
    """

    def __init__(self, frequency: dict[str, int]):
        self.frequency = frequency
        self.by_length: dict[int, list[str]] = {}
        for word in self.frequency:
            self.by_length.setdefault(len(word), []).append(word)

    @classmethod
    def load(cls, generation: Path, reader=None) -> "Vocabulary":
        """The vocabulary of an index generation (from its `words` field if built before the file)."""
        path = Path(generation) / VOCABULARY
        if path.exists():
            return cls(json.loads(path.read_text(encoding="utf-8")))
        if reader is not None and "words" in reader.schema:
            return cls({(t.decode() if isinstance(t, bytes) else t): info.doc_frequency()
                        for t, info in reader.iter_field("words")})
        return cls({})

    def save(self, generation: Path) -> None:
        """Write the vocabulary into a generation, atomically (a search may be reading it)."""
        tmp = Path(generation) / (VOCABULARY + ".tmp")
        # In Whoosh's lexicon order, so that equally near words come in the same order.
        tmp.write_text(json.dumps(dict(sorted(self.frequency.items())), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, Path(generation) / VOCABULARY)

    def near(self, word: str) -> list[str]:
        """Known words one typo away (five letters or more), two for long words (nine or more)."""
        if len(word) < 5 or word.isdigit():
            return []
        maxdist = 2 if len(word) >= 9 else 1
        choices = [w for n in range(len(word) - maxdist, len(word) + maxdist + 1) for w in self.by_length.get(n, ())]
        found = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=maxdist, limit=8)
        found.sort(key=lambda f: (f[1], -self.frequency[f[0]]))
        return [w for w, _, _ in found]


class QueryBuilder:
    """Turns text into a ParsedQuery against one index generation."""

    def __init__(self, reader, vocabulary: Vocabulary):
        self.parser = _parser()
        self.reader = reader
        self.vocabulary = vocabulary

    def parse(self, text: str, plain: bool = False) -> ParsedQuery:
        """The query of a text; `plain`: every word searched as text, none read as a field."""
        parsed = ParsedQuery(None)
        text = (text or "").replace("\x00", " ").strip()
        if len(text) > MAX_CHARS:
            text = text[:MAX_CHARS]
            parsed.messages.append("truncated")
        text = self._take_filters(text, parsed)
        for pattern, operator in FRENCH_OPERATORS:
            text = pattern.sub(operator, text)
        if len(text.split()) > MAX_WORDS:
            text = " ".join(text.split()[:MAX_WORDS])
            parsed.messages.append("truncated")
        if not text.strip():
            return parsed
        if not SYNTAX.search(text):
            return self._plain(text, parsed, plain)
        try:
            raw = self.parser.parse(text)
        except Exception:  # the parser's own errors on odd input (`NOT NOT a`): the words alone
            parsed.messages.append("simplified")
            words = [w for w in analysis.TOKEN.findall(text) if w not in OPERATOR_WORDS]
            return self._plain(" ".join(words), parsed, plain)
        raw = raw.normalize()
        if raw is Q.NullQuery or isinstance(raw, type(Q.NullQuery)):
            parsed.messages.append("no_words")
            return parsed
        parsed.query = self._convert(raw, parsed)
        return parsed

    # --- steps ---------------------------------------------------------------------

    def _plain(self, text: str, parsed: ParsedQuery, plain: bool) -> ParsedQuery:
        """Words only: concepts and words (index/understand.py), scored by index/scoring.py."""
        understanding = understand(text) if not plain else Understanding([], analysis.TOKEN.findall(text))
        if understanding.concepts or any(analysis.normalize(w, False) for w in understanding.words):
            parsed.understanding = understanding
        else:
            parsed.messages.append("no_words")
        return parsed

    def _take_filters(self, text: str, parsed: ParsedQuery) -> str:
        """`pays:Japon theme:eau jumelage` → filters {country: [JP], theme: [eau]}, text `jumelage`."""
        def take(match: re.Match) -> str:
            name = FIELD_ALIASES.get(fold(match.group(1)).replace(" ", ""))
            value = match.group(2).strip('"')
            if not name:
                return match.group(0)
            if name == "year":
                if m := YEARS.match(value):
                    parsed.years = (int(m.group(1)), int(m.group(2) or m.group(1)))
                    return " "
                parsed.messages.append("bad_year")
                return " "
            parsed.filters.setdefault(name, []).append(filter_value(name, value))
            return " "
        return FIELD_FILTER.sub(take, text)

    def _convert(self, q: Q.Query, parsed: ParsedQuery) -> Q.Query:
        if isinstance(q, Q.Term):
            return self._word(q.text, parsed, q.boost)
        if isinstance(q, Q.Phrase):
            return Q.Phrase("text", [analysis.stem(w) if not analysis.CJK.search(w) else w for w in q.words],
                            slop=q.slop, boost=q.boost)
        if isinstance(q, (Q.Prefix, Q.Wildcard)):
            if q.text.strip("*?") == "":
                return Q.Every()
            return type(q)("text", q.text)
        if isinstance(q, Q.Every):
            return Q.Every()
        return q.apply(lambda sub: self._convert(sub, parsed))

    def _word(self, word: str, parsed: ParsedQuery, boost: float = 1.0) -> Q.Query:
        """A word: its stem; if the index has neither, the known words a typo away."""
        if analysis.CJK.search(word):
            return Q.Term("text", word, boost=boost)
        stemmed = analysis.stem(word)
        exact = Q.Term("text", stemmed, boost=boost)
        if ("text", stemmed) in self.reader or word in self.vocabulary.frequency:
            return exact
        near = self.vocabulary.near(word)
        if not near:
            return exact
        parsed.corrections[word] = near[0]
        stems = dict.fromkeys(analysis.stem(w) for w in near)
        return Q.Or([exact] + [Q.Term("text", s, boost=boost * 0.8) for s in stems])


def filter_value(name: str, value: str) -> str:
    """A filter value as written (`Japon`, `Bretagne`, `35`, `Eau`) → its code, else as given."""
    folded = fold(value)
    if name == "country":
        return labels.countries().code(value) or value.upper()
    if name == "departement":
        return labels.french_places().departement_code(value) or value.upper()
    if name == "region":
        places = labels.french_places()
        return places.region_names.get(fold_place(value)) or value
    vocabularies = {"theme": THEMES, "kind": KINDS, "status": STATUSES, "ftype": FRENCH_TYPES}
    if name in vocabularies:
        for code, pair in vocabularies[name].items():
            if folded in (fold(code), fold(pair[0]), fold(pair[1])) or fold(pair[0]).startswith(folded + " "):
                return code
    if name == "group":
        for group in labels.countries().groups:
            if fold(group) == folded:
                return group
    return value


def suggestion(text: str, corrections: dict[str, str]) -> str | None:
    """The query text with each corrected word replaced: `Kanazwa` → `kanazawa`."""
    if not corrections:
        return None

    def replace(match: re.Match) -> str:
        terms = analysis.normalize(match.group(0), False)
        return corrections.get(terms[0], match.group(0)) if len(terms) == 1 else match.group(0)
    return re.sub(analysis.TOKEN_PATTERN, replace, text)
