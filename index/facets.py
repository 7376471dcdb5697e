"""Facets: per-document values read once per index generation into numpy arrays.

Whoosh's `groupedby` walks every matching document on every query; at 100k documents that
alone costs tens of milliseconds. Here each facet is an array docnum → value code (or a
docnum × value boolean matrix for several values per document), so counting a result set
is one `bincount` and filtering is one mask.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from repertoire.model import status_code

from .schema import FACET_COLUMNS


@dataclass
class Facet:
    """One facet: its name, its columns' values, and whether a document may hold several."""

    name: str
    values: list[str]
    codes: np.ndarray | None = None      # docnum → index in values (single-valued)
    matrix: np.ndarray | None = None     # docnum × values (multi-valued)

    def count(self, docs: np.ndarray) -> dict[str, int]:
        """Value → number of documents among `docs`, largest first, empty values left out."""
        if self.matrix is not None:
            counts = self.matrix[docs].sum(axis=0)
        else:
            counts = np.bincount(self.codes[docs], minlength=len(self.values))
        order = np.argsort(-counts, kind="stable")
        return {self.values[i]: int(counts[i]) for i in order if counts[i] and self.values[i]}

    def mask(self, wanted: list[str]) -> np.ndarray:
        """Documents holding any of the `wanted` values."""
        idx = [self.values.index(v) for v in wanted if v in self.values]
        if self.matrix is not None:
            return self.matrix[:, idx].any(axis=1) if idx else np.zeros(len(self.matrix), bool)
        return np.isin(self.codes, idx)


# The facets, in display order: name → how its values come from the columns.
FACET_NAMES = ("country", "group", "theme", "kind", "status", "region", "departement", "ftype", "decade")


@dataclass
class DocTable:
    """Everything per document that searches need without reading postings."""

    size: int
    live: np.ndarray
    ids: list[str]
    year: np.ndarray
    name_rank: np.ndarray
    facets: dict[str, Facet] = field(default_factory=dict)
    french: Facet | None = None
    # folded name word → docnums whose names hold it; whole folded name → docnums
    name_words: dict[str, np.ndarray] = field(default_factory=dict)
    full_names: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_reader(cls, reader, groups_of) -> "DocTable":
        """Read the columns of a Whoosh reader; `groups_of(code)` gives a country's groups."""
        size = reader.doc_count_all()
        live = np.zeros(size, bool)
        live[list(reader.all_doc_ids())] = True
        def values(name: str) -> list:
            # an index of no document has no columns at all (Whoosh's EmptyReader raises)
            return list(reader.column_reader(name)) if size else []

        column = {name: [v.decode() for v in values(name)] for name in FACET_COLUMNS}
        ids = [v.decode() if isinstance(v, bytes) else v for v in values("id")]
        year = np.fromiter(values("year"), dtype=np.int32, count=size)
        names = [v.decode() for v in values("sortname")]
        name_rank = np.empty(size, np.int32)
        name_rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(size, dtype=np.int32)
        facets = {}
        for name in ("country", "kind", "region", "departement", "ftype"):
            facets[name] = _single(name, column[name])
        # a partnership without a status is one value of the facet (« Non précisé »), not left out
        facets["status"] = _single("status", [status_code(v) for v in column["status"]])
        facets["theme"] = _multi("theme", [v.split(";") if v else [] for v in column["themes"]])
        facets["group"] = _multi("group", [groups_of(c) if c else [] for c in column["country"]])
        decades = [str(y // 10 * 10) if y else "" for y in year.tolist()]
        facets["decade"] = _single("decade", decades)
        table = cls(size, live, ids, year, name_rank, {n: facets[n] for n in FACET_NAMES})
        table.french = _single("french", column["french"])
        if "names" in reader.schema:  # an index built before the column has no name tiers
            table.name_words, table.full_names = _name_index(values("names"))
        return table

    def select(self, filters: dict[str, list[str]], years: tuple[int, int] | None = None) -> np.ndarray:
        """Boolean mask of live documents passing every filter."""
        mask = self.live.copy()
        for name, wanted in filters.items():
            facet = self.facets.get(name) or (self.french if name == "french" else None)
            if facet is not None and wanted:
                mask &= facet.mask(wanted)
        if years:
            mask &= (self.year >= years[0]) & (self.year <= years[1])
        return mask

    def counts(self, docs: np.ndarray) -> dict[str, dict[str, int]]:
        return {name: facet.count(docs) for name, facet in self.facets.items()}


def _name_index(column) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """From each document's `names` column: word → docnums, whole name → docnums."""
    words: dict[str, list[int]] = {}
    full: dict[str, list[int]] = {}
    for doc, value in enumerate(column):
        seen = set()
        for name in value.decode().split("|"):
            if not name:
                continue
            full.setdefault(name, []).append(doc)
            for word in name.split():
                if word not in seen:
                    seen.add(word)
                    words.setdefault(word, []).append(doc)
    as_array = lambda d: {k: np.unique(np.array(v, np.int64)) for k, v in d.items()}  # noqa: E731
    return as_array(words), as_array(full)


def _single(name: str, values: list[str]) -> Facet:
    labels, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
    return Facet(name, [str(v) for v in labels], codes=codes.astype(np.int32))


def _multi(name: str, values: list[list[str]]) -> Facet:
    labels = sorted({v for vs in values for v in vs})
    position = {v: i for i, v in enumerate(labels)}
    matrix = np.zeros((len(values), len(labels)), bool)
    for doc, vs in enumerate(values):
        for v in vs:
            matrix[doc, position[v]] = True
    return Facet(name, labels, matrix=matrix)
