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

K1, B = 1.2, 0.75
MAX_EXPANSION = 64
CACHE_TERMS = 20_000


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

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Docnums and BM25 weights of one term of the `text` field (cached)."""
        if term in self.cache:
            self.cache.move_to_end(term)
            return self.cache[term]
        ids, tfs = [], []
        for leaf, offset in self.reader.leaf_readers():
            if ("text", term) not in leaf:
                continue
            m = leaf.postings("text", term)
            while not m._atend:  # whole blocks at a time (W3LeafMatcher internals)
                m._read_ids()
                m._read_weights()
                ids.append(np.asarray(m._ids, dtype=np.int64)[: m._blocklength] + offset)
                tfs.append(np.asarray(m._weights, dtype=np.float32)[: m._blocklength])
                m._next_block()
        docs = np.concatenate(ids) if ids else np.empty(0, np.int64)
        tf = np.concatenate(tfs) if tfs else np.empty(0, np.float32)
        df = len(docs)
        idf = np.log(1 + (self.documents - df + 0.5) / (df + 0.5))
        weights = (idf * tf * (K1 + 1) / (tf + self.norm[docs])).astype(np.float32)
        self.cache[term] = (docs, weights)
        if len(self.cache) > CACHE_TERMS:
            self.cache.popitem(last=False)
        return docs, weights

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
        part = np.argpartition(-s, k - 1)[:k] if k < len(docs) else np.arange(len(docs))
        order = part[np.lexsort((docs[part], -s[part]))]
        return [(int(docs[i]), round(float(s[i]), 3)) for i in order[offset:offset + limit]]
