"""Scoring a plain query (no operators): concepts as weighted filters, words by where they match.

Each part of the query (a concept of index/understand.py, or a word) gives every document a
*level*, and documents rank by the sum of their levels, then by BM25 on the text:

- 3: the concept's field holds the value (partner country MA, theme jeunesse), or the word
  is a word of the document's names;
- 2: the words are in the document's text (a description, a label), stemmed;
- 1: only a near spelling or a longer word matches (a typo, a word cut short). Typos and
  prefixes are tried only when exact matches are few, so they never outrank them.

Every part must match (level ≥ 1); when no document has them all, documents matching the
most parts are shown, with a message. A query that is a whole name (`Saint-Étienne`,
`St Etienne`, `Cologne`) puts the documents of that name first.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repertoire.text import fold

from . import analysis
from .engine import MAX_EXPANSION, Engine
from .facets import DocTable
from .understand import Concept, Understanding

NAME, TEXT, NEAR = 3, 2, 1
TIER = 1000.0  # one level outweighs any BM25 sum
WHOLE_NAME = 10 * TIER
FEW = 3  # below this many exact matches, near spellings and prefixes are tried
MAX_NEAR = 8
MAX_WORDS = 16
MAX_WIDENED = 4


@dataclass
class Scored:
    """What scoring a plain query gives: the match mask, the scores, and what it did."""

    mask: np.ndarray
    score: np.ndarray
    corrections: dict[str, str] = field(default_factory=dict)
    partial: bool = False
    terms: set[str] = field(default_factory=set)


class Part:
    """One part of a query: its level per document and its BM25 per document."""

    def __init__(self, size: int):
        self.level = np.zeros(size, np.int8)
        self.bm25 = np.zeros(size, np.float32)

    def raise_to(self, docs: np.ndarray, level: int) -> None:
        if len(docs):
            self.level[docs] = np.maximum(self.level[docs], level)


def concept_docs(table: DocTable, concept: Concept) -> np.ndarray:
    """The documents whose field holds the concept's value (a continent: any of its countries)."""
    if concept.facet == "continent":
        facet, wanted = "country", list(concept.values)
    else:
        facet, wanted = concept.facet, [concept.value]
    return np.flatnonzero(table.facets[facet].mask(wanted) & table.live)


def score(understanding: Understanding, engine: Engine, table: DocTable, vocabulary, mask: np.ndarray,
          plain: bool = False) -> Scored:
    """Levels and BM25 of every document for a plain query; `mask` holds the hard filters."""
    size = engine.size
    parts: list[Part] = []
    terms: set[str] = set()
    # a word said twice is one part; at most MAX_WORDS parts are scored, MAX_WIDENED widened
    words = list(dict.fromkeys(term for w in understanding.words for term in analysis.normalize(w, False)))[:MAX_WORDS]
    for concept in understanding.concepts:
        part = Part(size)
        stems = [analysis.stem(t) for w in analysis.TOKEN.findall(concept.words) for t in analysis.normalize(w, False)]
        text_mask = np.ones(size, bool) if stems else np.zeros(size, bool)
        for stem in stems:
            docs, weights = engine.postings(stem)
            m = np.zeros(size, bool)
            m[docs] = True
            text_mask &= m
            part.bm25[docs] += weights
            terms.add(stem)
        part.bm25 *= text_mask
        part.level[text_mask] = TEXT
        part.raise_to(concept_docs(table, concept), NAME)
        parts.append(part)
    word_parts = []
    for word in words:
        part = Part(size)
        stem = word if analysis.CJK.search(word) else analysis.stem(word)
        docs, weights = engine.postings(stem)
        part.bm25[docs] = weights
        part.level[docs] = TEXT
        part.raise_to(table.name_words.get(word, np.empty(0, np.int64)), NAME)
        terms.add(stem)
        parts.append(part)
        word_parts.append((word, part, len(docs)))
    result = Scored(np.zeros(size, bool), np.zeros(size, np.float32), terms=terms)
    if not parts:
        return result
    matched = _all(parts) & mask
    if matched.sum() < FEW:
        # the rarest words first: they are the likely typos
        for word, part, exact in sorted(word_parts, key=lambda w: w[2])[:MAX_WIDENED]:
            _widen(word, part, engine, vocabulary, exact, result)
        matched = _all(parts) & mask
    levels = sum(p.level.astype(np.int32) for p in parts)
    if not matched.any() and len(parts) > 1:
        # none has every part: those that have the most of them
        count = sum((p.level > 0).astype(np.int32) for p in parts) * mask
        matched = count == count.max() if count.max() > 0 else np.zeros(size, bool)
        result.partial = bool(matched.any())
    bm25 = np.minimum(sum(p.bm25 for p in parts), TIER - 1)
    result.score = (levels * TIER + bm25).astype(np.float32)
    whole = " ".join(term for w in understanding.words for term in analysis.normalize(w, False))
    everything = " ".join(t for c in understanding.concepts for w in analysis.TOKEN.findall(c.words)
                          for t in analysis.normalize(w, False))
    for key in dict.fromkeys(k for k in (whole, f"{everything} {whole}".strip()) if k):
        docs = table.full_names.get(key)
        if docs is not None:
            result.score[docs] += WHOLE_NAME
            matched[docs] |= mask[docs]
    # the whole text as a name of the partner's place in another language (München, Aachen)
    typed = " ".join(analysis.SAINT if w in analysis.SAINT_FORMS else w for w in fold(" ".join(understanding.words)).split())
    docs = table.docs_of_place_name(typed) if typed else np.empty(0, np.int64)
    if len(docs):
        unnamed = docs[result.score[docs] < WHOLE_NAME]
        result.score[unnamed] += WHOLE_NAME
        matched[docs] |= mask[docs]
    result.mask = matched & engine.live
    result.score *= result.mask
    return result


def _all(parts: list[Part]) -> np.ndarray:
    matched = parts[0].level > 0
    for part in parts[1:]:
        matched &= part.level > 0
    return matched


def _widen(word: str, part: Part, engine: Engine, vocabulary, exact: int, result: Scored) -> bool:
    """Near spellings (one or two typos) and longer words (`kana` → kanazawa), at level 1."""
    if analysis.CJK.search(word) or word.isdigit():
        return False
    found = False
    near = [w for w in vocabulary.near(word) if w != word][:MAX_NEAR]
    if near and not exact and word not in vocabulary.frequency:
        result.corrections[word] = near[0]
    stems = dict.fromkeys(analysis.stem(w) for w in near)
    if len(word) >= 4:
        stems.update(dict.fromkeys(_prefixed(engine, analysis.stem(word))))
    stems.pop(analysis.stem(word), None)
    for stem in stems:
        docs, weights = engine.postings(stem)
        if not len(docs):
            continue
        found = True
        lower = part.level[docs] < NEAR
        part.level[docs[lower]] = NEAR
        part.bm25[docs[lower]] = np.maximum(part.bm25[docs[lower]], weights[lower] * 0.5)
        result.terms.add(stem)
    return found


def _prefixed(engine: Engine, stem: str) -> list[str]:
    """Index terms that start with a stem, at most MAX_EXPANSION of them."""
    out = []
    for term in engine.reader.expand_prefix("text", stem):
        term = term.decode() if isinstance(term, bytes) else term
        if term != stem:
            out.append(term)
        if len(out) >= MAX_EXPANSION:
            break
    return out
