"""Matching and BM25 ranking over numpy arrays built from Whoosh's postings.

Whoosh iterates postings one document at a time in Python: a word in most documents
(`jumelage`) costs hundreds of milliseconds at 100k documents once facets need every
match. Here each term's postings are read once per index generation, block by block,
into arrays (docnums, BM25 weights); a query is then evaluated as dense boolean and
score vectors, and facets count the match vector directly. Phrases and anything unusual
still go through Whoosh's own matchers.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from whoosh import query as Q
from whoosh.matching import FilterMatcher

K1, B = 1.2, 0.75
MAX_EXPANSION = 64
CACHE_TERMS = 20_000


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
        for leaf, offset in self.reader.leaf_readers():
            if ("text", term) not in leaf:
                continue
            m = _unfiltered(leaf.postings("text", term))
            while not m._atend:
                m._read_ids()
                m._read_values()
                for docnum, value in zip(m._ids[: m._blocklength], m._values[: m._blocklength]):
                    base = (docnum + offset) << 20
                    keys.extend(base | p for p in fmt.decode_positions(value))
                m._next_block()
        array = np.array(sorted(keys), dtype=np.int64)
        self.position_cache[term] = array
        if len(self.position_cache) > CACHE_TERMS // 10:
            self.position_cache.popitem(last=False)
        return array

    def phrase(self, words: list[str]) -> np.ndarray:
        """Documents where the words stand side by side, in order (vectorised position check)."""
        keys = self.positions(words[0])
        for i, word in enumerate(words[1:], 1):
            if not len(keys):
                break
            keys = keys[np.isin(keys + i, self.positions(word), assume_unique=False)]
        return np.unique(keys >> 20)

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
            terms = [t.decode() if isinstance(t, bytes) else t for _, t in zip(range(MAX_EXPANSION), q._btexts(self.reader))]
            return self._eval(Q.Or([Q.Term("text", t, boost=q.boost) for t in terms]))
        if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
            return self._empty()
        if isinstance(q, Q.Phrase) and q.fieldname == "text" and q.slop == 1:
            mask, score = self._empty()
            mask[self.phrase(list(q.words))] = True
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
