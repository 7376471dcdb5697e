"""Building the index from the registry: full rebuilds aside then swapped, or in-place updates.

The index folder holds generations (`gen-…/`) and a `CURRENT` file naming the live one. A
rebuild writes a new generation, then replaces `CURRENT` atomically (os.replace), so a
running app answers from the old generation until its next search opens the new one.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from repertoire.places import Countries
from repertoire.registry import Registry

from .query import VOCABULARY, Vocabulary
from .schema import SCHEMA, document

STATE = "state.json"
# Below this many documents a second process costs more than it saves.
PARALLEL_FROM = 20_000
# Postings a writer keeps in memory before sorting them into a file.
LIMIT_MB = 256


@dataclass
class BuildReport:
    """What a build or an update did."""

    documents: int
    seconds: float
    generation: str
    full: bool


def current_generation(index_dir: Path | str) -> Path | None:
    """The live generation folder, or None when no index was built."""
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.exists():
        return None
    path = Path(index_dir) / pointer.read_text().strip()
    return path if path.exists() else None


def build_index(registry: Registry, index_dir: Path | str, procs: int | None = None,
                countries: Countries | None = None) -> BuildReport:
    """Rebuild the whole index aside, then swap it in.

    >>> build_index(Registry("instance/registry.sqlite3"), "instance/index").documents
    2610
    """
    start = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = index_dir / name
    target.mkdir()
    countries = countries or Countries()
    rows = registry.partnerships(order="id")
    procs = procs or (2 if len(rows) >= PARALLEL_FROM else 1)
    ix = whoosh_index.create_in(target, SCHEMA)
    try:
        vocabulary = _write_documents(ix, rows, countries, procs)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    Vocabulary(dict(vocabulary)).save(target)
    _write_state(target, registry, rows)
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(name)
    os.replace(tmp, index_dir / "CURRENT")
    _remove_old_generations(index_dir, keep={name})
    return BuildReport(len(rows), time.perf_counter() - start, name, True)


def _write_documents(ix, rows: list[dict], countries: Countries, procs: int) -> Counter:
    """Index `rows` in `procs` contiguous shares, one segment each; the words of their names.

    Whoosh's own MpWriter has the parent build every document and pickle them to its
    processes in batches of 100, so the parent was the bottleneck. Here each forked process
    takes its share of the rows from memory and the parent indexes the last share itself;
    the segments are committed in order, so docnums follow the ids on every build (and
    tied scores rank the same).
    """
    shares = [rows[len(rows) * i // procs:len(rows) * (i + 1) // procs] for i in range(procs)]
    shares = [share for share in shares if share] or [[]]
    context = multiprocessing.get_context("fork")
    workers = []
    for share in shares[:-1]:
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_write_segment, args=(ix, share, countries, sending), daemon=True)
        process.start()
        sending.close()
        workers.append((process, receiving))
    writer = ix.writer(limitmb=LIMIT_MB)
    vocabulary: Counter = Counter()
    segments = []
    try:
        _add_documents(writer, shares[-1], countries, vocabulary)
        for process, receiving in workers:
            try:
                outcome = receiving.recv()
            except EOFError:
                outcome = f"ended with code {process.exitcode} before sending its segment"
            process.join()
            if isinstance(outcome, str):
                raise RuntimeError(f"an indexing process failed: {outcome}")
            segments.append(outcome[0])
            vocabulary.update(outcome[1])
    except BaseException:
        writer.cancel()
        for process, _ in workers:
            process.kill()
            process.join()
        raise
    # A merge policy that adds the other processes' segments before the writer's own.
    writer.commit(mergetype=lambda _, existing: existing + segments)
    return vocabulary


def _write_segment(ix, rows: list[dict], countries: Countries, connection) -> None:
    """In a forked process: index `rows` into a new segment; send back it and the words."""
    try:
        writer = SegmentWriter(ix, _lk=False, limitmb=LIMIT_MB)
        vocabulary: Counter = Counter()
        _add_documents(writer, rows, countries, vocabulary)
        # Finished here, committed by the parent: as whoosh/multiproc.py's SubWriterTask does
        # with multisegment=True.
        connection.send((writer._finalize_segment(), vocabulary))
    except Exception as error:
        connection.send(f"{type(error).__name__}: {error}")
    connection.close()


def _add_documents(writer, rows: list[dict], countries: Countries, vocabulary: Counter) -> None:
    for p in rows:
        fields, words = document(p, countries)
        writer.add_document(**fields)
        vocabulary.update(words)


def update_index(registry: Registry, index_dir: Path | str,
                 countries: Countries | None = None) -> BuildReport:
    """Bring the index up to date with the registry: only what changed since the last build."""
    start = time.perf_counter()
    generation = current_generation(index_dir)
    if generation is None or not (generation / VOCABULARY).exists():  # none, or of the schema before
        return build_index(registry, index_dir, countries=countries)
    state = json.loads((generation / STATE).read_text())
    if state.get("version") == registry.version():
        return BuildReport(0, time.perf_counter() - start, generation.name, False)
    changed = registry.partnerships("updated_at > ? OR updated_at IS NULL", (state.get("updated", ""),), order="id")
    countries = countries or Countries()
    ix = whoosh_index.open_dir(generation)
    writer = ix.writer()
    # Words only add up, as they did in a Whoosh field until segments merged: a replaced
    # document's words stay known until the next full build.
    vocabulary = Counter(Vocabulary.load(generation).frequency)
    # The replaced documents are deleted in one pass over the id column, then the new
    # versions added (what Whoosh's update_document advises for batches).
    ids = {p["id"].encode() for p in changed}
    with writer.reader() as reader:
        for docnum, pid in enumerate(reader.column_reader("id")):
            if pid in ids:
                writer.delete_document(docnum)
    _add_documents(writer, changed, countries, vocabulary)
    # Saved before the commit: a search that sees the new documents sees their words.
    Vocabulary(dict(vocabulary)).save(generation)
    writer.commit()
    _write_state(generation, registry, changed, previous=state.get("updated", ""))
    return BuildReport(len(changed), time.perf_counter() - start, generation.name, False)


def _write_state(generation: Path, registry: Registry, rows: list[dict], previous: str = "") -> None:
    updated = max([previous] + [p.get("updated_at") or "" for p in rows])
    state = {"version": registry.version(), "updated": updated}
    (generation / STATE).write_text(json.dumps(state))


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    """Keep the live generation and the one before (a running app may still read it)."""
    generations = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in [p for p in generations if p.name not in keep][:-1]:
        shutil.rmtree(old, ignore_errors=True)
