"""Matching and BM25 ranking over numpy arrays built from Whoosh's postings.

Whoosh iterates postings one document at a time in Python: a word in most documents
(`jumelage`) costs hundreds of milliseconds at 100k documents once facets need every
match. Here each term's postings are read once per index generation, block by block,
into arrays (docnums, BM25 weights); a query is then evaluated as dense boolean and
score vectors, and facets count the match vector directly. Phrases and anything unusual
still go through Whoosh's own matchers.
"""
from __future__ import annotations

import fnmatch
import re
from collections import OrderedDict

import numpy as np
from whoosh import query as Q
from whoosh.matching import FilterMatcher

K1, B = 1.2, 0.75
MAX_EXPANSION = 64
CACHE_TERMS = 20_000
# Cost bounds of a query (issue 11): a phrase's slop and words, and the index terms a
# wildcard may look at (a leading `*` walks the lexicon).
MAX_SLOP = 20
MAX_PHRASE_WORDS = 8
MAX_SCANNED_TERMS = 2_000


def _counted(terms, pattern):
    """The terms matching a wildcard's pattern among the first MAX_SCANNED_TERMS given."""
    for n, term in enumerate(terms):
        if n >= MAX_SCANNED_TERMS:
            return
        text = term.decode() if isinstance(term, bytes) else term
        if pattern.match(text):
            yield text


def _unfiltered(matcher):
    """The segment's own matcher: a segment with deleted documents (after an update) wraps it
    in a FilterMatcher, which has none of the block internals read here. Deleted documents
    are left out by the `live` mask instead."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


class Engine:
    """Evaluates a converted query (index/query.py) over one index generation."""

    def __init__(self, searcher, live: np.ndarray):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.live = live
        self.size = len(live)
        lengths = np.zeros(self.size, np.float32)
        for leaf, offset in self.reader.leaf_readers():
            n = leaf.doc_count_all()
            lengths[offset:offset + n] = [leaf.doc_field_length(d, "text", 0) for d in range(n)]
        average = lengths[live].mean() if live.any() else 1.0
        self.norm = (K1 * (1 - B + B * lengths / max(average, 1.0))).astype(np.float32)
        self.documents = int(live.sum())
        self.cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.position_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.decoded: dict[bytes, tuple[int, ...]] = {}

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnums and BM25 weights of one term of the `text` field (cached)."""
        if term in self.cache:
            self.cache.move_to_end(term)
            return self.cache[term]
        ids, tfs = [], []
        for leaf, offset in self.reader.leaf_readers():
            if ("text", term) not in leaf:
                continue
            m = _unfiltered(leaf.postings("text", term))
            while not m._atend:  # whole blocks at a time (W3LeafMatcher internals)
                m._read_ids()
                m._read_weights()
                ids.append(np.asarray(m._ids, dtype=np.int64)[: m._blocklength] + offset)
                tfs.append(np.asarray(m._weights, dtype=np.float32)[: m._blocklength])
                m._next_block()
        docs = np.concatenate(ids) if ids else np.empty(0, np.int64)
        tf = np.concatenate(tfs) if tfs else np.empty(0, np.float32)
        live = self.live[docs]
        docs, tf = docs[live], tf[live]
        df = len(docs)
        idf = np.log(1 + (self.documents - df + 0.5) / (df + 0.5))
        weights = (idf * tf * (K1 + 1) / (tf + self.norm[docs])).astype(np.float32)
        self.cache[term] = (docs, weights)
        if len(self.cache) > CACHE_TERMS:
            self.cache.popitem(last=False)
        return docs, weights

    def positions(self, term: str) -> np.ndarray:
        """Sorted keys docnum << 20 | position of every occurrence of a term (cached)."""
        if term in self.position_cache:
            self.position_cache.move_to_end(term)
            return self.position_cache[term]
        keys: list[int] = []
        fmt = self.searcher.schema["text"].format
        decoded = self.decoded
        for leaf, offset in self.reader.leaf_readers():
            if ("text", term) not in leaf:
                continue
            m = _unfiltered(leaf.postings("text", term))
            while not m._atend:
                m._read_ids()
                m._read_values()
                for docnum, value in zip(m._ids[: m._blocklength], m._values[: m._blocklength]):
                    base = (docnum + offset) << 20
                    # the same few position lists repeat (a name's words come first)
                    positions = decoded.get(value)
                    if positions is None:
                        positions = decoded[value] = tuple(fmt.decode_positions(value))
                    keys.extend(base | p for p in positions)
                m._next_block()
        array = np.array(sorted(keys), dtype=np.int64)
        self.position_cache[term] = array
        if len(self.position_cache) > CACHE_TERMS // 10:
            self.position_cache.popitem(last=False)
        return array

    def phrase(self, words: list[str], slop: int = 1) -> np.ndarray:
        """Documents where the words stand in order, each at most `slop` places after the one
        before (1: side by side), as Whoosh's Phrase; vectorised, so a large slop costs no more.

        The earliest next occurrence is the one to take: any later one leaves less room."""
        slop = max(1, min(slop, MAX_SLOP))
        docs = None
        for word in dict.fromkeys(words):  # documents holding every word, before any position
            found = self.postings(word)[0]
            docs = found if docs is None else np.intersect1d(docs, found, assume_unique=True)
            if not len(docs):
                return docs
        keys = self._within(self.positions(words[0]), docs)
        for word in words[1:]:
            if not len(keys):
                break
            following = self._within(self.positions(word), docs)
            if not len(following):
                return np.empty(0, np.int64)
            at = np.searchsorted(following, keys + 1)
            inside = at < len(following)
            nxt = following[np.minimum(at, len(following) - 1)]
            ok = inside & (nxt <= keys + slop)
            keys = np.unique(nxt[ok])
        return np.unique(keys >> 20)

    @staticmethod
    def _within(keys: np.ndarray, docs: np.ndarray) -> np.ndarray:
        return keys[np.isin(keys >> 20, docs)]

    def run(self, q: Q.Query) -> tuple[np.ndarray, np.ndarray]:
        """(match mask, scores) of a query, both over every docnum."""
        mask, score = self._eval(q)
        return mask & self.live, score

    def _empty(self):
        return np.zeros(self.size, bool), np.zeros(self.size, np.float32)

    def _eval(self, q: Q.Query):
        if isinstance(q, Q.Term) and q.fieldname == "text":
            mask, score = self._empty()
            docs, weights = self.postings(q.text)
            mask[docs] = True
            score[docs] = weights * q.boost
            return mask, score
        if isinstance(q, Q.And):
            positives = [c for c in q.subqueries if not isinstance(c, Q.Not)]
            negatives = [c.query for c in q.subqueries if isinstance(c, Q.Not)]
            mask, score = self._eval(positives[0]) if positives else (self.live.copy(), np.zeros(self.size, np.float32))
            for child in positives[1:]:
                m, s = self._eval(child)
                mask &= m
                score += s
            for child in negatives:
                mask &= ~self._eval(child)[0]
            return mask, score
        if isinstance(q, Q.Or):
            mask, score = self._empty()
            for child in q.subqueries:
                m, s = self._eval(child)
                mask |= m
                score += s
            return mask, score
        if isinstance(q, Q.Not):
            return ~self._eval(q.query)[0], np.zeros(self.size, np.float32)
        if isinstance(q, Q.AndNot):
            mask, score = self._eval(q.a)
            return mask & ~self._eval(q.b)[0], score
        if isinstance(q, Q.AndMaybe):
            mask, score = self._eval(q.a)
            return mask, score + np.where(mask, self._eval(q.b)[1], 0)
        if isinstance(q, Q.Every):
            return self.live.copy(), np.ones(self.size, np.float32)
        if isinstance(q, (Q.Prefix, Q.Wildcard)):
            return self._eval(Q.Or([Q.Term("text", t, boost=q.boost) for t in self.expand(q)]))
        if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
            return self._empty()
        if isinstance(q, Q.Phrase) and q.fieldname == "text":
            mask, score = self._empty()
            mask[self.phrase(list(q.words)[:MAX_PHRASE_WORDS], q.slop)] = True
            for word in dict.fromkeys(q.words):
                docs, weights = self.postings(word)
                score[docs] += weights * q.boost
            return mask, score * mask
        # Phrases and the rest: Whoosh finds the documents, the words' weights rank them.
        mask, score = self._empty()
        mask[list(self.searcher.docs_for_query(q))] = True
        for field, text in q.iter_all_terms():
            if field == "text":
                docs, weights = self.postings(text)
                score[docs] += weights
        return mask, score * mask

    def expand(self, q: Q.Query) -> list[str]:
        """The index terms of a prefix or wildcard: at most MAX_EXPANSION, found among at most
        MAX_SCANNED_TERMS terms of the lexicon (`*a*` would read all of it)."""
        if isinstance(q, Q.Prefix):
            candidates = self.reader.expand_prefix("text", q.text)
        else:
            prefix = q.text[:min((q.text.find(c) for c in "*?" if c in q.text), default=len(q.text))]
            pattern = re.compile(fnmatch.translate(q.text))
            candidates = _counted(self.reader.expand_prefix("text", prefix), pattern)
        terms = []
        for term in candidates:
            terms.append(term.decode() if isinstance(term, bytes) else term)
            if len(terms) >= MAX_EXPANSION:
                break
        return terms

    def top(self, docs: np.ndarray, score: np.ndarray, offset: int, limit: int) -> list[tuple[int, float]]:
        """The page [offset, offset + limit) of `docs` by descending score (then docnum)."""
        if not len(docs):
            return []
        s = score[docs]
        k = min(len(docs), offset + limit)
        if k < len(docs):  # every document tied with the k-th, so that pages never overlap
            part = np.flatnonzero(s >= s[np.argpartition(-s, k - 1)[k - 1]])
        else:
            part = np.arange(len(docs))
        order = part[np.lexsort((docs[part], -s[part]))]
        return [(int(docs[i]), round(float(s[i]), 3)) for i in order[offset:offset + limit]]
