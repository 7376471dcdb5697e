"""Searching: one `search()` gives one `SearchResult`; pages, the API and the CLI serialise it.

Matching and ranking are Whoosh's (BM25F over the stemmed `text` field); which documents
pass the filters, the facet counts and the non-relevance orders come from the numpy
DocTable of the index generation (index/facets.py).
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from markupsafe import Markup, escape
from whoosh import highlight
from whoosh import index as whoosh_index

from repertoire.registry import Registry

from . import analysis, labels, scoring, understand
from .build import current_generation
from .engine import Engine
from .facets import FACET_NAMES, DocTable
from .query import QueryBuilder, Vocabulary, filter_value, suggestion

SORTS = ("relevance", "name", "year", "-year")
FILTER_NAMES = FACET_NAMES + ("french",)
MAX_PER_PAGE = 1000
# Read when a generation opens: the kinds' and themes' words (most queries hold one).
WARM_WORDS = ("jumelage", "cooperation", "culture", "jeunesse", "education", "eau", "sante", "economie",
              "environnement", "agriculture", "saint", "allemagne", "italie", "japon", "maroc")


class IndexMissing(Exception):
    """No index was built yet: `repertoire index` builds it."""


@dataclass
class SearchParams:
    """What a search asks: text, filters (facet → values), years, order and page."""

    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    lang: str = "fr"  # the page's language: the words understood are named in it
    plain: bool = False  # search the words as text, none read as a country, theme…

    @classmethod
    def from_args(cls, args) -> "SearchParams":
        """From a request's query string (a MultiDict) or a plain dict of lists."""
        get_list = args.getlist if hasattr(args, "getlist") else (lambda k: args.get(k) or [])
        filters = {name: [v for v in get_list(name) if v] for name in FILTER_NAMES}
        sort = args.get("sort") or "relevance"
        return cls(q=(args.get("q") or "")[:5000], filters={k: v for k, v in filters.items() if v},
                   sort=sort if sort in SORTS else "relevance",
                   page=_int(args.get("page"), 1, 1, 10**6),
                   per_page=_int(args.get("per_page") or args.get("limit"), 20, 1, MAX_PER_PAGE),
                   plain=(args.get("plain") or "") in ("1", "true", "on", "yes"),
                   lang="en" if args.get("lang") == "en" else "fr")

    def args(self, **changes) -> dict:
        """Query-string arguments of these params, with changes (for links)."""
        values = {"q": self.q, **self.filters, "sort": self.sort, "page": self.page, "per_page": self.per_page,
                  "plain": 1 if self.plain else None} | changes
        defaults = {"q": "", "sort": "relevance", "page": 1, "per_page": 20, "plain": 0}
        return {k: v for k, v in values.items() if v not in (None, "", []) and defaults.get(k) != v}


@dataclass
class SearchResult:
    """One search's answer."""

    params: SearchParams
    total: int
    hits: list[dict]
    facets: dict[str, dict[str, int]]
    filters: dict[str, list[str]]
    suggestion: str | None = None
    messages: list[str] = field(default_factory=list)
    took_ms: float = 0.0
    # What the query was read as: [{facet, value, words}] (`Maroc` → country MA)
    understood: list[dict] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.params.per_page))

    def to_dict(self) -> dict:
        """The JSON form shared by /api/search and `repertoire search --json`."""
        return {
            "query": self.params.q, "total": self.total, "page": self.params.page,
            "per_page": self.params.per_page, "pages": self.pages, "sort": self.params.sort,
            "filters": self.filters, "understood": self.understood, "suggestion": self.suggestion,
            "messages": self.messages,
            "results": [{k: (str(v) if k == "snippet" else v) for k, v in hit.items()} for hit in self.hits],
            "facets": self.facets, "took_ms": round(self.took_ms, 2),
        }


class SearchIndex:
    """The live index generation of a folder, reopened when a rebuild or update lands.

    A new generation (or an update of the live one) is opened and warmed aside, in a
    thread, while searches go on answering from the one they have: reading its columns and
    postings takes seconds at 100,000 partnerships, and the first search after an update
    stalled that long. A search waits at most WARM_WAIT for it, then answers from the
    previous one; below WARM_FROM documents (under a second to open) it waits, so that a
    change shows at once."""

    WARM_WAIT = 0.2
    WARM_FROM = 20_000

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self.lock = threading.Lock()
        self._key = None
        self._state = None
        self._warming: threading.Thread | None = None
        self._warmed: tuple | None = None  # (key, state) ready to take over
        self._lexicon: threading.Thread | None = None

    def load_lexicon(self) -> None:
        """Start loading the names queries are read with (countries, places, vocabularies) in a
        thread: seconds to load, paid by a server's first request rather than its first search,
        and never by a command that searches nothing (an ingest: 0.65 s of its start-up)."""
        if self._lexicon is None:
            self._lexicon = threading.Thread(target=understand.lexicon, daemon=True, name="search-lexicon")
            self._lexicon.start()

    def _open(self):
        generation = current_generation(self.index_dir)
        if generation is None:
            raise IndexMissing(str(self.index_dir))
        if self._state and self._key == generation.name and self._state[0].up_to_date():
            return self._state
        if self._state is None:
            self._state, self._key = self._load(generation), generation.name
            return self._state
        if self._warming is None:
            self._warmed = None
            self._warming = threading.Thread(target=self._warm, args=(generation,), daemon=True,
                                             name="search-index-warm")
            self._warming.start()
        self._warming.join(self.WARM_WAIT if self._state[1].size >= self.WARM_FROM else None)
        if not self._warming.is_alive():
            self._warming = None
            if self._warmed is not None:
                self._state[0].close()
                self._key, self._state = self._warmed
                self._warmed = None
        return self._state

    def _warm(self, generation: Path) -> None:
        """Open a generation and read what searches need first (run in a thread)."""
        try:
            self._warmed = (generation.name, self._load(generation))
        except Exception:  # a generation removed meanwhile, or unreadable: the next search retries
            self._warmed = None

    @staticmethod
    def _load(generation: Path) -> tuple:
        searcher = whoosh_index.open_dir(generation).searcher()
        reader = searcher.reader()
        table = DocTable.from_reader(reader, labels.countries().groups_of)
        engine = Engine(searcher, table.live)
        builder = QueryBuilder(reader, Vocabulary.load(generation, reader))
        understand.lexicon()
        for word in WARM_WORDS:  # the postings of the words every visitor types
            engine.postings(analysis.stem(word))
        return searcher, table, builder, engine

    def search(self, params: SearchParams, registry: Registry | None = None) -> SearchResult:
        """Run one search; hits get their registry records when a registry is given."""
        start = time.perf_counter()
        with self.lock:
            searcher, table, builder, engine = self._open()
            parsed = builder.parse(params.q, params.plain)
            filters = {k: [filter_value(k, v) for v in vs] for k, vs in params.filters.items()}
            for name, values in parsed.filters.items():
                filters.setdefault(name, []).extend(values)
            mask = table.select(filters, parsed.years)
            score = None
            terms: set[str] = set()
            corrections = parsed.corrections
            if parsed.understanding is not None:
                scored = scoring.score(parsed.understanding, engine, table, builder.vocabulary, mask)
                docs, score, terms, corrections = np.flatnonzero(scored.mask), scored.score, scored.terms, scored.corrections
                if scored.partial:
                    parsed.messages.append("partial")
            elif parsed.query is None and params.q.strip() and "no_words" in parsed.messages and not parsed.filters:
                docs = np.empty(0, np.int64)
            elif parsed.query is None:
                docs = np.flatnonzero(mask)
            else:
                matched, score = engine.run(parsed.query)
                docs = np.flatnonzero(matched & mask)
            offset = (params.page - 1) * params.per_page
            page = self._page(engine, table, score, docs, params, offset)
            facets = table.counts(docs)
            if parsed.query is not None:
                terms = {t for f, t in parsed.query.iter_all_terms() if f == "text"}
        hits = _hits(page, table, registry, terms)
        corrected = suggestion(params.q, corrections)
        understood = [{"facet": c.facet, "value": c.value, "words": c.words,
                       "label": labels.value_label(c.facet, c.value, params.lang)}
                      for c in (parsed.understanding.concepts if parsed.understanding else [])]
        return SearchResult(params, int(len(docs)), hits, facets, filters, corrected, parsed.messages,
                            (time.perf_counter() - start) * 1000, understood)

    @staticmethod
    def _page(engine: Engine, table: DocTable, score, docs: np.ndarray, params: SearchParams,
              offset: int) -> list[tuple[int, float | None]]:
        if not len(docs) or offset >= len(docs):
            return []
        if score is not None and params.sort == "relevance":
            return engine.top(docs, score, offset, params.per_page)
        if params.sort == "year":
            order = np.lexsort((table.name_rank[docs], np.where(table.year[docs] == 0, 9999, table.year[docs])))
        elif params.sort == "-year":
            order = np.lexsort((table.name_rank[docs], -table.year[docs]))
        else:
            order = np.argsort(table.name_rank[docs], kind="stable")
        return [(int(d), None) for d in docs[order[offset:offset + params.per_page]]]


HIT_FIELDS = ("id", "french_id", "french_name", "french_type", "departement", "region",
              "partner_name", "partner_native", "partner_country", "partner_region",
              "kind", "status", "since", "until")


def _hits(scored, table: DocTable, registry: Registry | None, terms: set[str]) -> list[dict]:
    ids = [table.ids[d] for d, _ in scored]
    records = {p["id"]: p for p in registry.partnerships_by_ids(ids)} if registry else {}
    hits = []
    for (docnum, score), pid in zip(scored, ids):
        record = records.get(pid, {"id": pid})
        hit = {k: record.get(k) for k in HIT_FIELDS}
        hit["themes"] = [t for t in (record.get("themes") or "").split(";") if t]
        hit["score"] = score
        hit["snippet"] = snippet(" ".join(filter(None, (record.get("description"), record.get("projects")))), terms)
        hits.append(hit)
    return hits


_FORMATTER = highlight.HtmlFormatter(tagname="mark", between=" … ")
_FRAGMENTER = highlight.ContextFragmenter(maxchars=220, surround=60)


def snippet(text: str, terms: set[str]) -> Markup:
    """The passages of `text` where the query's words are, marked; escaped HTML."""
    if not text:
        return Markup("")
    if terms:
        marked = highlight.highlight(text, frozenset(terms), analysis.french, _FRAGMENTER, _FORMATTER, top=2)
        if marked:
            return Markup(marked)
    return escape(text if len(text) <= 220 else text[:219].rsplit(" ", 1)[0] + " …")


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value), low), high)
    except (TypeError, ValueError):
        return default
