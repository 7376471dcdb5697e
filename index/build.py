"""Building the index from the registry: full rebuilds aside then swapped, or in-place updates.

The index folder holds generations (`gen-…/`), a `CURRENT` file naming the live one and a
`PREVIOUS` file naming the one before. A rebuild writes a new generation, then replaces
`CURRENT` atomically (os.replace), so a running app answers from the old generation until
its next search opens the new one.

A process killed at any moment (issue 6) leaves the live generation answering as before:
a rebuild never writes into it, and an update writes new segment files that only Whoosh's
table of contents names, written aside and renamed (whoosh/index.py `TOC.write`); the
deletions of an update are kept in that table too. Builds and updates take `LOCK` in turn
(an flock, released by the kernel when its holder dies), and whoever holds it removes what
a killed run left: generations neither live nor previous, temporary tables of contents.
"""
from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from whoosh import index as whoosh_index

from repertoire.collector import collector_paused
from repertoire.locks import is_held
from repertoire.places import Countries
from repertoire.registry import Registry

from . import analysis
from .query import VOCABULARY, Vocabulary
from .schema import SCHEMA, document
from .segment import BulkWriter

STATE = "state.json"
LOCK = "LOCK"
# Documents a forked indexing process adds between two checks that its parent still lives.
ORPHAN_CHECK = 500
# Below this many documents a second process costs more than it saves.
PARALLEL_FROM = 20_000


@dataclass
class BuildReport:
    """What a build or an update did."""

    documents: int
    seconds: float
    generation: str
    full: bool


def current_generation(index_dir: Path | str) -> Path | None:
    """The live generation folder, or None when no index was built."""
    return _generation(Path(index_dir), "CURRENT")


def _generation(index_dir: Path, pointer: str) -> Path | None:
    try:
        name = (index_dir / pointer).read_text().strip()
    except FileNotFoundError:
        return None
    path = index_dir / name
    return path if name and path.is_dir() else None


def build_index(registry: Registry, index_dir: Path | str, procs: int | None = None,
                countries: Countries | None = None) -> BuildReport:
    """Rebuild the whole index aside, then swap it in.

    >>> build_index(Registry("instance/registry.sqlite3"), "instance/index").documents
    2610
    """
    with _locked(Path(index_dir)):
        return _build(registry, Path(index_dir), procs, countries)


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    """One build or update at a time: the others wait. The kernel drops the lock of a killed
    process, and of its forked indexing processes once they have seen it gone."""
    fd = _lock(index_dir)
    try:
        yield
    finally:
        _unlock(fd)


def _lock(index_dir: Path) -> int:
    """Take the index lock (waiting for its holder), clean what a killed run left; the fd."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / LOCK, os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _remove_stale(index_dir)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int) -> None:
    os.close(fd)


def _build(registry: Registry, index_dir: Path, procs: int | None, countries: Countries | None) -> BuildReport:
    start = time.perf_counter()
    target = _new_generation(index_dir)
    countries = countries or Countries()
    # Before the rows, in one snapshot: a write in between is indexed again, never missed.
    version, updated = registry.snapshot()
    ids = registry.ids()
    procs = procs or (2 if len(ids) >= PARALLEL_FROM else 1)
    ix = whoosh_index.create_in(target, SCHEMA)
    try:
        documents, vocabulary = _write_documents(ix, _shares(registry, ids, procs), countries)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    with collector_paused():  # the vocabulary's many strings, in a heap of millions of objects
        _publish(index_dir, target, vocabulary, version, updated)
    return BuildReport(documents, time.perf_counter() - start, target.name, True)


def _new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder beside the live one."""
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = index_dir / name
    target.mkdir()
    return target


def _publish(index_dir: Path, target: Path, vocabulary: Counter, version: str, updated: str) -> None:
    """Make a generation written aside the live one (its documents committed)."""
    Vocabulary(dict(vocabulary)).save(target)
    _write_state(target, version, updated)
    live = current_generation(index_dir)
    if live is not None:
        _write_pointer(index_dir, "PREVIOUS", live.name)
    _write_pointer(index_dir, "CURRENT", target.name)
    _remove_stale(index_dir)


def _write_pointer(index_dir: Path, pointer: str, name: str) -> None:
    tmp = index_dir / f"{pointer}.tmp"
    tmp.write_text(name)
    os.replace(tmp, index_dir / pointer)


def _shares(registry: Registry, ids: list[str], procs: int) -> list[Callable[[], list[dict]]]:
    """`procs` contiguous shares of the partnerships in id order, each read by the process
    that indexes it (a registry file is opened anew there: a connection must not cross a
    fork); an in-memory registry is read here and its rows shared out."""
    bounds = [ids[len(ids) * i // procs:len(ids) * (i + 1) // procs] for i in range(procs)]
    bounds = [(share[0], share[-1]) for share in bounds if share]
    if not bounds:
        return [list]
    if registry.path is None:
        rows = registry.matching(order=("id",))
        shares = [[p for p in rows if first <= p["id"] <= last] for first, last in bounds]
        return [lambda share=share: share for share in shares]
    def reader(first: str, last: str, own: bool) -> Callable[[], list[dict]]:
        def read() -> list[dict]:
            source = registry if own else Registry(registry.path)
            try:
                return source.id_range(first, last)
            finally:
                if not own:
                    source.close()
        return read
    return [reader(first, last, n == len(bounds) - 1) for n, (first, last) in enumerate(bounds)]


def _write_documents(ix, shares: list[Callable[[], list[dict]]], countries: Countries) -> tuple[int, Counter]:
    """Index the shares, one process and segment each; the number of documents, the words
    of their names.

    Whoosh's own MpWriter has the parent build every document and pickle them to its
    processes in batches of 100, so the parent was the bottleneck. Here each forked process
    reads its share of the rows and the parent indexes the last share itself; the segments
    are committed in order, so docnums follow the ids on every build (and tied scores rank
    the same).
    """
    context = multiprocessing.get_context("fork")
    workers = []
    for share in shares[:-1]:
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(target=_write_segment, daemon=True,
                                  args=(ix, share, countries, (receiving, sending), os.getpid()))
        process.start()
        sending.close()
        workers.append((process, receiving))
    writer = BulkWriter(ix)  # commits every segment at the end, holding Whoosh's lock
    own = BulkWriter(ix, _lk=False)
    vocabulary: Counter = Counter()
    segments = []
    try:
        with collector_paused():  # documents: millions of objects, no cycle (repertoire/collector.py)
            _add_documents(own, shares[-1](), countries, vocabulary)
            # Written now, while the other processes write theirs (not after them, at commit).
            last = [own.finish_segment()] if own.docnum else own.discard_segment() or []
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
        if not own.is_closed:
            own.cancel()
        for process, _ in workers:
            process.kill()
            process.join()
        raise
    # A merge policy that adds the other processes' segments, then this one's.
    segments += last
    documents = sum(segment.doc_count_all() for segment in segments)
    writer.commit(mergetype=lambda _, existing: existing + segments)
    return documents, vocabulary


def _write_segment(ix, share: Callable[[], list[dict]], countries: Countries, pipe: tuple, parent: int) -> None:
    """In a forked process: index a share of the rows into a new segment; send back it and
    the words.

    The pipe's receiving end, inherited, is closed first: so that a send to a parent killed
    meanwhile fails (EPIPE) instead of waiting forever on a full pipe, holding the lock.
    """
    receiving, connection = pipe
    receiving.close()
    try:
        writer = BulkWriter(ix, _lk=False)
        vocabulary: Counter = Counter()
        rows = share()
        with collector_paused():
            _add_documents(writer, rows, countries, vocabulary, parent)
            # Finished here, committed by the parent: as whoosh/multiproc.py's SubWriterTask
            # does with multisegment=True.
            segment = writer.finish_segment()
        connection.send((segment, vocabulary))
    except Exception as error:
        try:
            connection.send(f"{type(error).__name__}: {error}")
        except OSError:  # the parent is gone
            pass
    connection.close()


def _add_documents(writer, rows: list[dict], countries: Countries, vocabulary: Counter,
                   parent: int | None = None) -> None:
    for n, p in enumerate(rows):
        fields, words = document(p, countries)
        writer.add_document(**fields)
        vocabulary.update(words)
        # A daemon process outlives a parent killed with SIGKILL (no exit handler runs), and
        # would hold the index lock, inherited, until its share is done.
        if parent is not None and n % ORPHAN_CHECK == 0 and os.getppid() != parent:
            os._exit(1)


def update_index(registry: Registry, index_dir: Path | str,
                 countries: Countries | None = None) -> BuildReport:
    """Bring the index up to date with the registry: only what changed since the last build."""
    with _locked(Path(index_dir)):
        return _update(registry, Path(index_dir), countries)


def _update(registry: Registry, index_dir: Path, countries: Countries | None) -> BuildReport:
    start = time.perf_counter()
    generation = current_generation(index_dir)
    state = _read_state(generation)
    if generation is None or state is None or not (generation / VOCABULARY).exists() or not _same_schema(generation) \
            or state.get("stemmer") != analysis.STEMMER:
        return _build(registry, index_dir, None, countries)  # none, or of a schema or stemmer before
    version = registry.version()
    if state.get("version") == version:
        return BuildReport(0, time.perf_counter() - start, generation.name, False)
    since = state.get("updated", "")
    count = registry.count_changed_since(since)
    if count >= PARALLEL_FROM and 2 * count >= registry.count():
        # A large update (a big survey ingested): a parallel build aside costs no more than
        # adding that many documents here, and leaves no deleted documents behind.
        return _build(registry, index_dir, None, countries)
    changed = registry.changed_since(since)
    live = {pid.encode() for pid in registry.ids()}
    countries = countries or Countries()
    ix = whoosh_index.open_dir(generation)
    writer = BulkWriter(ix)
    # Words only add up, as they did in a Whoosh field until segments merged: a replaced
    # document's words stay known until the next full build.
    vocabulary = Counter(Vocabulary.load(generation).frequency)
    # The replaced documents are deleted in one pass over the id column, then the new
    # versions added (what Whoosh's update_document advises for batches).
    # Merged-away partnerships (`repertoire merge`) are gone from the registry: from here too.
    ids = {p["id"].encode() for p in changed}
    with writer.reader() as reader:
        # An index of no document (built from an empty registry) has no column to read.
        for docnum, pid in enumerate(reader.column_reader("id") if reader.doc_count_all() else ()):
            if pid in ids or pid not in live:
                writer.delete_document(docnum)
    with collector_paused():
        _add_documents(writer, changed, countries, vocabulary)
    # Saved before the commit: a search that sees the new documents sees their words.
    Vocabulary(dict(vocabulary)).save(generation)
    with collector_paused():
        writer.commit()
    _write_state(generation, version, max([state.get("updated", "")] + [p.get("updated_at") or "" for p in changed]))
    return BuildReport(len(changed), time.perf_counter() - start, generation.name, False)


def indexed_version(index_dir: Path | str) -> str | None:
    """The registry version the live generation reflects (its `state.json`); None without one,
    or for one whose terms another stemmer made (the app's catch-up rebuilds it)."""
    state = _read_state(current_generation(index_dir))
    return state.get("version") if state and state.get("stemmer") == analysis.STEMMER else None


def updating(index_dir: Path | str) -> bool:
    """Whether a build or an update holds the index's lock right now."""
    return is_held(Path(index_dir) / LOCK)


def _same_schema(generation: Path) -> bool:
    """Whether a generation has every field documents are now written with (an index built
    before a field was added is rebuilt, not updated)."""
    try:
        return set(SCHEMA.names()) <= set(whoosh_index.open_dir(generation).schema.names())
    except Exception:  # unreadable: rebuilt
        return False


def _read_state(generation: Path | None) -> dict | None:
    """What registry a generation holds; None if unreadable (then a full build makes one)."""
    try:
        return json.loads((generation / STATE).read_text()) if generation else None
    except (OSError, ValueError):
        return None


def _write_state(generation: Path, version: str, updated: str) -> None:
    """What registry a generation holds (its version, its latest stamp), and with what stemmer. Written aside then
    renamed: a process killed while writing leaves the one before."""
    tmp = generation / (STATE + ".tmp")
    tmp.write_text(json.dumps({"version": version, "updated": updated, "stemmer": analysis.STEMMER}))
    os.replace(tmp, generation / STATE)


def _remove_stale(index_dir: Path) -> None:
    """What killed builds and updates left, removed under the lock: generations neither live
    nor the one before (a running app may still read that one); in those two, temporary
    files and Whoosh's temporary tables of contents (`_MAIN_3.toc.1718….`, which its own
    cleaning never matches) and sorting folder (`MAIN.tmp/`). A dead writer's `WRITELOCK`
    needs nothing (an flock), and its segment files that no table names go at the next commit."""
    kept = [g for g in (current_generation(index_dir), _generation(index_dir, "PREVIOUS")) if g]
    for folder in index_dir.glob("gen-*"):
        if folder.name not in {g.name for g in kept}:
            shutil.rmtree(folder, ignore_errors=True)
    for generation in kept:
        for tmp in [*generation.glob("_*.toc.*"), *generation.glob("*.tmp")]:
            if tmp.is_dir():
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                tmp.unlink(missing_ok=True)
