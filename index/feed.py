"""An index generation built while a large ingest records its rows, on the other core.

After a large ingest the index is rebuilt aside (build.py): it read the whole registry back
and indexed it once the ingest was over, so the user waited for the two one after the
other (issue 10: 11 s of ingest, then 8 s of index, for 100,000 rows). An ingest is one
process doing one thing at a time; the machine has a second core. Here the rows the ingest
saves are handed, block by block, to a forked process that indexes them into a segment of a
new generation while the ingest goes on.

The registry stays the only truth. What was handed over may not be what was committed (a
file rolled back, a row merged into twice, a partnership merged away), so at the end each
document is kept only if its partnership's `updated_at` is the registry's; the others are
deleted from their segment, and partnerships the feed never saw are read from the registry
and indexed. The result is the full build aside that build.py makes, swapped in the same
way; when the ingest turns out small for its registry, the feed is dropped and the usual
update runs instead.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import threading
import time
from collections import Counter, deque
from pathlib import Path
from typing import Iterable

from whoosh import index as whoosh_index

from repertoire.collector import collector_paused
from repertoire.places import Countries
from repertoire.registry import STORED_FIELDS, Registry, committed_rows

from .build import (PARALLEL_FROM, BuildReport, _add_documents, _lock, _new_generation,
                    _publish, _unlock, _update)
from .schema import SCHEMA
from .segment import BulkWriter

# Partnerships handed over in one message: small enough to share the last ones out evenly.
BATCH = 1_000
# The process writes a segment of this many documents at a time, while the ingest goes on.
SEGMENT_DOCS = 25_000
# The feed starts its process once this many partnerships were saved (the survey reader's
# first block, surveys.FIRST_CHUNK_ROWS), and once they are a quarter of what the registry
# held: an ingest small for its registry is indexed as an update.
START_FROM = 500
# Writing a document into a segment, as a part of indexing it (making, adding and writing
# it): about half (100,000 rows, in the process: 7 s to make and add, 6 s to write).
WRITING = 0.5
# At the end, the feed's generation is used if the ingest saved this many partnerships and
# half the registry; else the usual update (build.py makes the same choice).
LARGE_FROM = PARALLEL_FROM


class IndexFeed:
    """Index partnerships as an ingest saves them; `finish` after the last commit.

    >>> with IndexFeed(registry, "instance/index") as feed:
    ...     ingest_files(registry, files, saved=feed.add)
    ...     report = feed.finish()
    """

    def __init__(self, registry: Registry, index_dir: Path | str, countries: Countries | None = None,
                 start_from: int | None = None, large_from: int | None = None):
        self.registry, self.index_dir = registry, Path(index_dir)
        self.countries = countries
        self.start_from = START_FROM if start_from is None else start_from
        self.large_from = LARGE_FROM if large_from is None else large_from
        self._held = registry.count()
        self._lock_fd: int | None = None
        self._count = 0  # partnerships handed over (a row saved twice counts twice)
        self._pending: list[tuple] = []  # rows not yet in a batch
        # Batches waiting for the process, sent by a thread of their own: a send blocks
        # while the process works, and the ingest must not wait for it.
        self._queue: deque[list[tuple]] = deque()
        self._ready = threading.Condition()
        self._closing = False
        self._sender: threading.Thread | None = None
        self._sent: list[tuple[str, str | None]] = []  # (id, stamp) in the process's docnum order
        self._process = None
        self._connection = None
        self._target: Path | None = None
        self._ix = None

    def __enter__(self) -> "IndexFeed":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.close()

    # ---- while the ingest runs -----------------------------------------------------------

    def add(self, partnerships: Iterable[dict]) -> None:
        """Partnerships just saved (in the ingest's transaction), as the registry stores them."""
        batches = []
        for p in partnerships:
            # Their values as saved: made into what the registry gives back (as_stored) by
            # whoever indexes them, mostly the other process (this core is the busier one).
            self._pending.append(tuple(map(p.get, STORED_FIELDS)))
            self._count += 1
            if len(self._pending) >= BATCH:
                batches.append(self._pending)
                self._pending = []
        with self._ready:
            self._queue.extend(batches)
            self._ready.notify()
        if self._process is None and self._count >= max(self.start_from, self._held // 4):
            self._start()

    def _start(self) -> None:
        """Take the index lock for the rest of the ingest, open a new generation, fork."""
        self.countries = self.countries or Countries()
        self._lock_fd = _lock(self.index_dir)
        self._target = _new_generation(self.index_dir)
        self._ix = whoosh_index.create_in(self._target, SCHEMA)
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=True)
        self._process = context.Process(target=_index_batches, daemon=True,
                                        args=(self._ix, self.countries, (parent_end, child_end), os.getpid(),
                                              self.registry.path))
        self._process.start()
        child_end.close()
        self._connection = parent_end
        self._sender = threading.Thread(target=self._send_batches, name="index-feed", daemon=True)
        self._sender.start()

    def _send_batches(self) -> None:
        """The sending thread: batches in order, then None once `finish` closed the queue."""
        try:
            while True:
                with self._ready:
                    while not self._queue and not self._closing:
                        self._ready.wait()
                    if not self._queue:
                        break
                    batch = self._queue.popleft()
                    self._sent += [(row[ID], row[UPDATED]) for row in batch]
                self._connection.send(batch)
            self._connection.send(None)  # no more: finish the segment
        except (OSError, ValueError):  # the process is gone: finish() finds out at recv
            pass

    # ---- after the last commit -----------------------------------------------------------

    def finish(self) -> BuildReport:
        """Bring the index up to date with the registry: the feed's generation if the ingest
        was large for its registry, else the usual update."""
        start = time.perf_counter()
        if self._process is None or not self._large():
            self.close()
            from .build import update_index
            return update_index(self.registry, self.index_dir, self.countries)
        try:
            with collector_paused():  # its reading of the stamps and its publishing too
                report = self._complete(start)
        except Exception:
            # The feed failed (its process died, a segment could not be written): the usual
            # update, under the lock still held, makes the index the registry's.
            self._drop()
            report = _update(self.registry, self.index_dir, self.countries)
        self.close()
        return report

    def _enough(self, taken: int) -> bool:
        """Whether this process took its share of the batches left at the end (the queue's lock
        held): it still has to write the documents it took, while the process has to index
        and write those left in the queue and to write those it indexed since its last
        segment. Taking all until none is left, this one ended last by a segment's writing
        (0.7 to 2 s of 100,000 rows)."""
        left = sum(map(len, self._queue))
        unwritten = len(self._sent) % SEGMENT_DOCS  # the process writes a segment every SEGMENT_DOCS
        return taken * WRITING >= left + unwritten * WRITING

    def _large(self) -> bool:
        count = self._count
        return count >= self.large_from and 2 * count >= self.registry.count()

    def _complete(self, start: float) -> BuildReport:
        # The batches not sent yet are shared as they go: the sending thread hands the
        # process the oldest, this one indexes the newest, one batch at a time (the process
        # is behind when the ingest ends: indexing costs about as much as ingesting); this
        # one stops once writing what it took will take as long as what the process has
        # left (`_enough`), so both end about together.
        with self._ready:
            if self._pending:
                self._queue.append(self._pending)
                self._pending = []
            self._closing = True
            self._ready.notify()
        version, updated = self.registry.snapshot()
        truth = self.registry.stamps()
        # The partnerships the process indexed first, as the registry held them before this
        # ingest (it sent their ids and stamps as soon as it had read them).
        before = self._connection.recv()
        if isinstance(before, str):
            raise RuntimeError(f"the indexing process failed: {before}")
        writer = BulkWriter(self._ix)  # commits the segments, holding Whoosh's lock
        own_writer = BulkWriter(self._ix, _lk=False)
        vocabulary: Counter = Counter()
        # This process's own rows: of each partnership, the first version taken that is the
        # registry's (a later one with the same stamp is the same).
        own: set[str] = set()
        taken = 0  # rows this process took from the queue
        try:
            with collector_paused():
                while True:
                    with self._ready:
                        if not self._queue or self._enough(taken):
                            # What is left goes to the process, in this order, after what it got.
                            handed = before + self._sent + [(row[ID], row[UPDATED]) for b in self._queue for row in b]
                            break
                        batch = self._queue.pop()
                        taken += len(batch)
                    records = []
                    for row in batch:
                        pid = row[ID]
                        if pid not in own and truth.get(pid, _GONE) == row[UPDATED]:
                            own.add(pid)
                            records.append(dict(zip(STORED_FIELDS, as_stored(row))))
                    _add_documents(own_writer, records, self.countries, vocabulary)
                # The process's documents kept: each partnership's first whose stamp is the
                # registry's and that this process did not index itself.
                kept, wanted = set(own), set()
                for docnum, (pid, stamp) in enumerate(handed):
                    if pid not in kept and truth.get(pid, _GONE) == stamp:
                        kept.add(pid)
                        wanted.add(docnum)
                # Partnerships neither side indexed in the version committed (written meanwhile
                # by another process, or seen by the feed in another version): from the registry.
                missing = [pid for pid in truth if pid not in kept]
                _add_documents(own_writer, self.registry.partnerships_by_ids(missing), self.countries, vocabulary)
                # Written before waiting for the process's last segment, not after it.
                last = [own_writer.finish_segment()] if own_writer.docnum else own_writer.discard_segment() or []
                self._sender.join()
                outcome = self._connection.recv()
                if isinstance(outcome, str):
                    raise RuntimeError(f"the indexing process failed: {outcome}")
                finished, words = outcome
            start_of = 0  # the process's segments hold its documents in the order they were sent
            for segment in finished:
                for docnum in range(segment.doc_count_all()):
                    if start_of + docnum not in wanted:
                        segment.delete_document(docnum)
                start_of += segment.doc_count_all()
            vocabulary.update(words)
            segments = [*finished, *last]
            documents = sum(s.doc_count() for s in segments)
            writer.commit(mergetype=lambda _, existing: existing + segments)
        except BaseException:
            writer.cancel()
            if not own_writer.is_closed:
                own_writer.cancel()
            raise
        self._process.join()
        self._process = None
        name = self._target.name
        _publish(self.index_dir, self._target, vocabulary, version, updated)
        self._target = None
        return BuildReport(documents, time.perf_counter() - start, name, True)

    # ---- ending --------------------------------------------------------------------------

    def _drop(self) -> None:
        """Stop the process and remove its generation, unpublished."""
        with self._ready:
            self._queue.clear()
            self._closing = True
            self._ready.notify()
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._process = None
        if self._sender is not None:
            self._sender.join()
            self._sender = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._target is not None:
            shutil.rmtree(self._target, ignore_errors=True)
            self._target = None

    def close(self) -> None:
        """Whatever happened (an exception in the ingest included): no process, no lock left."""
        self._drop()
        self._pending = []
        if self._lock_fd is not None:
            _unlock(self._lock_fd)
            self._lock_fd = None


ID = STORED_FIELDS.index("id")
UPDATED = STORED_FIELDS.index("updated_at")
_GONE = object()


def stored_row(p: dict) -> tuple:
    """A partnership as the registry gives it back: its stored fields, in order, each with
    the type SQLite's column affinity gives it (an INTEGER column returns 1982 for "1982")."""
    return as_stored(tuple(map(p.get, STORED_FIELDS)))


def as_stored(values: tuple) -> tuple:
    """Values of the stored fields, in order, as the registry gives them back (stored_row)."""
    # Most values already have their column's type: only the others are converted.
    return tuple([value if type(value) in same else convert(value) for value, (same, convert) in zip(values, _RULES)])


def _as_integer(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                return value
            return int(number) if number.is_integer() else number
    return value


def _as_real(value):
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value
    return value


def _as_text(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value) if isinstance(value, int) else repr(value)
    return value


def _affinities() -> dict:
    """Each stored field's conversion, from the registry's own table definition."""
    db = sqlite3.connect(":memory:")
    try:
        from repertoire.registry import SCHEMA as REGISTRY_SCHEMA
        db.executescript(REGISTRY_SCHEMA)
        declared = {}
        for _, name, kind, notnull, default, _ in db.execute("PRAGMA table_info(partnerships)").fetchall():
            # INSERT OR REPLACE puts a NOT NULL column's default in place of a NULL.
            value = db.execute(f"SELECT {default}").fetchone()[0] if notnull and default is not None else None
            declared[name] = ((kind or "").upper(), value)
    finally:
        db.close()
    conversions = {}
    for name in STORED_FIELDS:
        kind, default = declared.get(name, ("", None))
        # SQLite's rules (datatype3.html, 3.1): INT → integer; CHAR, CLOB, TEXT → text;
        # REAL, FLOA, DOUB → real; none or BLOB → as given; otherwise numeric (as integer here).
        if "INT" in kind:
            convert = _as_integer
        elif any(word in kind for word in ("CHAR", "CLOB", "TEXT")):
            convert = _as_text
        elif any(word in kind for word in ("REAL", "FLOA", "DOUB")):
            convert = _as_real
        elif kind == "" or "BLOB" in kind:
            convert = _as_given
        else:
            convert = _as_integer
        same = _UNCHANGED[convert]
        conversions[name] = (same, convert) if default is None else (same - {type(None)}, _or_default(convert, default))
    return conversions


def _as_given(value):
    return value


def _or_default(convert, default):
    return lambda value: default if value is None else convert(value)


# The types a column gives back unchanged (bool is not int here: SQLite returns it as 0 or 1).
_UNCHANGED = {_as_integer: {int, type(None)}, _as_text: {str, type(None)}, _as_real: {float, type(None)},
              _as_given: {str, int, float, bytes, type(None)}}
_RULES = list(_affinities().values())  # in STORED_FIELDS order


def _index_batches(ix, countries: Countries, pipe: tuple, parent: int, registry_path: Path | None) -> None:
    """In the forked process: first the partnerships the registry held before the ingest
    (their ids and stamps sent back at once), while the ingest's first blocks are slow to come
    (their places are new to the gazetteer) and this core would wait; those the ingest did not
    touch were otherwise indexed after its last commit, on one core. Then each batch as it comes,
    writing a segment every SEGMENT_DOCS documents (its writing is a third of the work: done
    while the ingest goes on, not after it); at None, finish the last and send them all back
    with the words of the names (as build._write_segment)."""
    parent_end, connection = pipe
    parent_end.close()  # so that a parent killed meanwhile ends the recv below (EOFError)
    try:
        writer = BulkWriter(ix, _lk=False)
        segments, vocabulary = [], Counter()
        with collector_paused():
            held = committed_rows(registry_path) if registry_path else []  # none for a registry in memory
            connection.send([(row[ID], row[UPDATED]) for row in held])
            batches = (held[start:start + BATCH] for start in range(0, len(held), BATCH))
            while True:
                batch = next(batches, None) or connection.recv()
                if batch is None:
                    break
                _add_documents(writer, [dict(zip(STORED_FIELDS, as_stored(row))) for row in batch], countries,
                               vocabulary, parent)
                if writer.docnum >= SEGMENT_DOCS:
                    segments.append(writer.finish_segment())
                    writer = BulkWriter(ix, _lk=False)
            if writer.docnum:
                segments.append(writer.finish_segment())
            else:
                writer.discard_segment()
        connection.send((segments, vocabulary))
    except EOFError:  # the ingest is gone
        os._exit(1)
    except Exception as error:
        try:
            connection.send(f"{type(error).__name__}: {error}")
        except OSError:
            pass
    connection.close()
