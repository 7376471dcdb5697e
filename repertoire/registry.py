"""The registry: SQLite, the record of truth — partnerships, provenance, history, rejects."""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from .fields import STORED
from .model import RETIRED_STATUSES, HistoryEntry
from .reasons import Reason

SCHEMA = """
CREATE TABLE IF NOT EXISTS partnerships (
    id TEXT PRIMARY KEY,
    french_id TEXT NOT NULL, french_name TEXT, french_type TEXT, departement TEXT, region TEXT,
    partner_name TEXT NOT NULL, partner_key TEXT NOT NULL, partner_country TEXT NOT NULL,
    partner_region TEXT, partner_native TEXT, partner_geonameid INTEGER,
    kind TEXT, status TEXT, since INTEGER, since_date TEXT, until INTEGER,
    themes TEXT NOT NULL DEFAULT '', keywords TEXT NOT NULL DEFAULT '',
    description TEXT, projects TEXT, funding TEXT, contacts TEXT,
    french_lat REAL, french_lon REAL, partner_lat REAL, partner_lon REAL,
    survey_date TEXT, created_at TEXT, updated_at TEXT,
    UNIQUE (french_id, partner_country, partner_key)
);
CREATE INDEX IF NOT EXISTS partnerships_country ON partnerships (partner_country);
CREATE INDEX IF NOT EXISTS partnerships_french ON partnerships (french_id);
-- Registry() looks for statuses of an earlier vocabulary on every open (each web request):
-- a scan of the table was 80 ms of every search at 390,000 partnerships.
CREATE INDEX IF NOT EXISTS partnerships_status ON partnerships (status);
CREATE TABLE IF NOT EXISTS sources (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    source TEXT NOT NULL, file_hash TEXT NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
    survey_date TEXT, verdict TEXT NOT NULL, "values" TEXT, raw TEXT, ingested_at TEXT,
    PRIMARY KEY (file_hash, sheet, row)
);
CREATE INDEX IF NOT EXISTS sources_partnership ON sources (partnership_id);
-- `code` and `params` (JSON): the reason as reasons.py codes it, worded by each reader in its
-- language; `reason` its English sentence (all that rows recorded before codes have)
CREATE TABLE IF NOT EXISTS rejects (
    source TEXT NOT NULL, file_hash TEXT NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
    reason TEXT NOT NULL, raw TEXT, ingested_at TEXT, code TEXT, params TEXT,
    PRIMARY KEY (file_hash, sheet, row)
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY, partnership_id TEXT NOT NULL, field TEXT NOT NULL,
    old TEXT, new TEXT, source TEXT, sheet TEXT, row INTEGER, changed_at TEXT
);
CREATE INDEX IF NOT EXISTS history_partnership ON history (partnership_id);
-- values staff took out of the history (personal data in an old description…): the history
-- row keeps NULL, the value is kept here, read by staff only (the audit log, issue 13)
CREATE TABLE IF NOT EXISTS redactions (
    id INTEGER PRIMARY KEY, history_id INTEGER NOT NULL REFERENCES history (id),
    partnership_id TEXT NOT NULL, field TEXT NOT NULL, side TEXT NOT NULL CHECK (side IN ('old', 'new')),
    value TEXT, reason TEXT, redacted_by TEXT NOT NULL, redacted_at TEXT NOT NULL,
    UNIQUE (history_id, side)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
-- another spelling of a link, merged by staff into a partnership (`repertoire merge`)
CREATE TABLE IF NOT EXISTS aliases (
    french_id TEXT NOT NULL, partner_country TEXT NOT NULL, partner_key TEXT NOT NULL,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id),
    PRIMARY KEY (french_id, partner_country, partner_key)
);
-- the address of a partnership merged into another (its id) → the kept one's id: pages redirect
CREATE TABLE IF NOT EXISTS redirects (old_id TEXT PRIMARY KEY, new_id TEXT NOT NULL);
-- two partnerships staff said are not two spellings of one link: never proposed again
CREATE TABLE IF NOT EXISTS distinct_pairs (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
-- files whose import staff undid (repertoire/undo.py): which, who, when, what left
CREATE TABLE IF NOT EXISTS undone_imports (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, file_hash TEXT NOT NULL, undone_by TEXT NOT NULL,
    undone_at TEXT NOT NULL, removed INTEGER NOT NULL, reverted INTEGER NOT NULL, rejects INTEGER NOT NULL
);
-- how a file's sheet was read (column name → [field, theme label]), so that a rejected row is
-- rebuilt as reading made it, content-recognised columns included (review.py)
CREATE TABLE IF NOT EXISTS layouts (
    file_hash TEXT NOT NULL, sheet TEXT NOT NULL, mapping TEXT NOT NULL,
    PRIMARY KEY (file_hash, sheet)
);
"""

# Page cache of a writing transaction (KiB): an ingest inserts into five B-trees at random
# places (ids are hashes), and SQLite's default 2 MB cache re-reads their pages (a fifth of
# the writing time at 100,000 rows). Set for the transaction only: readers keep the default.
WRITE_CACHE_KIB = 65_536

# A transaction that left more than this in the write-ahead log (a large ingest: 150 MB at
# 100,000 rows) has the log copied back into the database file by a thread of its own after
# the commit, while the caller goes on (the ingest's index update), not within the commit
# (0.3 to 0.5 s of it). A process that ends first leaves the rest to the next checkpoint.
BACKGROUND_CHECKPOINT_BYTES = 32 * 1024 * 1024

# Seconds a writer waits for another one (a CLI ingest holds the registry for a whole file;
# a staff edit in the web app then waits for it instead of failing with "database is locked").
BUSY_TIMEOUT = 30.0
# The filters of Registry.matching: a name other packages use → the column it reads.
FILTER_FIELDS: dict[str, str] = {"country": "partner_country", "theme": "themes", "region": "region",
                                 "departement": "departement", "kind": "kind", "status": "status",
                                 "french_id": "french_id", "id": "id"}

STORED_FIELDS = STORED  # the columns of `partnerships`, from the table of fields (fields.py)


def partnership_id(french_id: str, country: str, partner_key: str) -> str:
    """A stable id from the link's identity, so that re-ingesting gives the same id.

    >>> partnership_id("commune:54395", "DE", "karlsruhe")
    'p-243e734524'
    """
    digest = hashlib.sha1(f"{french_id}|{country}|{partner_key}".encode()).hexdigest()
    return f"p-{digest[:10]}"


def now() -> str:
    """A UTC stamp to the microsecond: index updates pick up rows stamped after the last one."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _coded(reject: tuple) -> tuple:
    """A reject to save (source, file_hash, sheet, row, reason, raw, ingested_at), with its
    reason's code and parameters: a reasons.Reason has them, a bare sentence has none."""
    reason = reject[4]
    if isinstance(reason, Reason) and reason.code:
        return (*reject[:4], str(reason), *reject[5:7], reason.code, reason.params_json())
    return (*reject[:4], str(reason), *reject[5:7], None, None)


def _reject_row(row: sqlite3.Row) -> dict:
    """A rejects row as a dict: `reason` a Reason (from its code, else its sentence), `raw`
    the values as a dict and `raw_json` as stored."""
    found = dict(row)
    found["reason"] = Reason.stored(found.pop("code", None), found.pop("params", None), found["reason"])
    found["raw_json"] = found["raw"]
    found["raw"] = json.loads(found["raw"] or "{}")
    return found


def committed_rows(path: Path) -> list[tuple]:
    """The stored fields (STORED_FIELDS order) of every partnership as committed, in id order, on
    a read-only connection of the caller's own: usable in a forked process (a connection must not
    cross a fork), and it takes no lock a writing transaction holds (an ingest's rows are not seen)."""
    quoted = ",".join(f'"{name}"' for name in STORED_FIELDS)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute(f"SELECT {quoted} FROM partnerships ORDER BY id").fetchall()
    finally:
        db.close()


def _checkpoint(path: Path) -> None:
    """Copy the write-ahead log back into the database file, on a connection of its own (a
    passive checkpoint: readers and writers go on meanwhile)."""
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()
    except sqlite3.Error:  # the next checkpoint does it
        pass


class Registry:
    """The SQLite registry, opened from a path or in memory.

    `timeout`: seconds a write waits while another connection writes (SQLite's busy timeout).
    """

    def __init__(self, path: Path | str | None = None, memory: bool = False, timeout: float = BUSY_TIMEOUT):
        target = ":memory:" if memory or path is None else str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        self.path = None if target == ":memory:" else Path(target)
        self.db = sqlite3.connect(target, check_same_thread=False, timeout=timeout)
        self._depth = 0  # transaction() blocks entered, the outermost owns the transaction
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._add_reason_codes()
        self._retire_statuses()

    def _add_reason_codes(self) -> None:
        """A registry made before reasons had codes gets the two columns; its rows keep their
        sentence (code NULL) and are read as written (reasons.Reason.as_written)."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(rejects)")}
        for column in ("code", "params"):
            if column not in have:
                try:
                    self.db.execute(f"ALTER TABLE rejects ADD COLUMN {column} TEXT")
                except sqlite3.OperationalError as error:  # another process added it meanwhile
                    if "duplicate column" not in str(error):
                        raise

    def _retire_statuses(self) -> None:
        """Rewrite statuses of an earlier vocabulary (model.RETIRED_STATUSES), once, in the history."""
        retired = list(RETIRED_STATUSES)
        marks = ",".join("?" * len(retired))
        if not self.db.execute(f"SELECT 1 FROM partnerships WHERE status IN ({marks}) LIMIT 1", retired).fetchone():
            return  # the usual case: a read, no write lock taken
        with self.transaction():
            stamp = now()
            rows = self.db.execute(f"SELECT * FROM partnerships WHERE status IN ({marks})", retired).fetchall()
            updated = [dict(row) | {"status": RETIRED_STATUSES[row["status"]], "updated_at": stamp} for row in rows]
            self.save(updated, [], [], [(r["id"], "status", row["status"], r["status"], "vocabulary: one status list", "", 0, stamp)
                                        for r, row in zip(updated, rows)])

    def close(self) -> None:
        self.db.close()

    # --- reading -------------------------------------------------------------------

    def partnerships(self, where: str = "", params: Iterable = (), order: str = "french_name, partner_name") -> list[dict]:
        """Partnerships as dicts, optionally filtered by an SQL condition."""
        sql = "SELECT * FROM partnerships" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"
        return [dict(row) for row in self.db.execute(sql, tuple(params))]

    def matching(self, filters: Mapping[str, str | Iterable[str]] | None = None,
                 columns: Sequence[str] | None = None,
                 order: Sequence[str] = ("french_name", "partner_name"), limit: int | None = None) -> list[dict]:
        """Partnerships whose fields take the given values, the registry writing its own SQL
        (other packages name fields and values, never SQL); the first `limit` when given.

        Filters: `country` (partner country), `theme`, `region`, `departement`, `kind`, `status`,
        `french_id`, `id`, each one value or several (any of them); `q` a text found in the names
        (SQL LIKE: no stemming, the search index does better). `columns` limits the fields read,
        `order` names the fields they are sorted by.

        >>> registry.matching({"country": "jp", "theme": ["culture", "eau"]})[0]["partner_country"]
        'JP'
        """
        unknown = set(filters or {}) - set(FILTER_FIELDS) - {"q"}
        if unknown:
            raise ValueError(f"unknown filter {', '.join(sorted(unknown))}: use {', '.join(FILTER_FIELDS)} or q")
        for named in (columns or (), order):
            if not set(named) <= self._columns():
                raise ValueError(f"unknown columns: {', '.join(sorted(set(named) - self._columns()))}")
        parts, params = [], []
        for name, value in (filters or {}).items():
            values = [value] if isinstance(value, str) else [v for v in value]
            values = [v.strip() for v in values if v and v.strip()]
            if not values:
                continue
            if name == "q":
                for text in values:
                    parts.append("(french_name LIKE ? OR partner_name LIKE ? OR partner_native LIKE ? OR partner_region LIKE ?)")
                    params += [f"%{text}%"] * 4
            elif name == "theme":
                parts.append("(" + " OR ".join(["(';' || themes || ';') LIKE ?"] * len(values)) + ")")
                params += [f"%;{v};%" for v in values]
            else:
                if name == "country":
                    values = [v.upper() for v in values]
                parts.append(f"{FILTER_FIELDS[name]} IN ({','.join('?' * len(values))})")
                params += values
        fields = ", ".join(columns) if columns else "*"
        where = " WHERE " + " AND ".join(parts) if parts else ""
        sql = f"SELECT {fields} FROM partnerships{where}" + (f" ORDER BY {', '.join(order)}" if order else "")
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, int(limit)]
        return [dict(row) for row in self.db.execute(sql, params)]

    def _columns(self) -> set[str]:
        return {row[1] for row in self.db.execute("PRAGMA table_info(partnerships)")}

    def countries(self) -> list[str]:
        """The partner countries present, by code."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT partner_country FROM partnerships ORDER BY 1") if row[0]]

    def count_by(self, field: str) -> dict[str, int]:
        """Partnerships per value of a filter field (`country`, `kind`, `region`, `french_id`…),
        most first, then by value; an empty value counts under ""."""
        column = FILTER_FIELDS[field]
        sql = f"SELECT coalesce({column}, ''), count(*) FROM partnerships GROUP BY 1 ORDER BY 2 DESC, 1"
        return dict(self.db.execute(sql).fetchall())

    def partnership(self, pid: str) -> dict | None:
        row = self.db.execute("SELECT * FROM partnerships WHERE id = ?", (pid,)).fetchone()
        return dict(row) if row else None

    def partnerships_by_ids(self, ids: list[str]) -> list[dict]:
        """Partnerships in the order of `ids` (the order a search ranked them)."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            marks = ",".join("?" * len(part))
            for row in self.db.execute(f"SELECT * FROM partnerships WHERE id IN ({marks})", part):
                found[row["id"]] = dict(row)
        return [found[i] for i in ids if i in found]

    def stream(self, ids: Iterable[str] | None = None, block: int = 500) -> Iterator[dict]:
        """Partnerships one at a time, each with `sources` (the files that reported it, `;`-joined):
        every one in the registry's order, or those of `ids` in their order (a search's ranking).

        Read a block at a time, so that an export of the whole registry holds one block in
        memory, not the registry (issue 13: four exports at 100k took 8 GB).
        """
        if ids is None:
            cursor = self.db.execute("SELECT * FROM partnerships ORDER BY french_name, partner_name, id")
            while rows := cursor.fetchmany(block):
                yield from self._with_sources([dict(row) for row in rows])
            return
        part: list[str] = []
        for pid in ids:
            part.append(pid)
            if len(part) == block:
                yield from self._with_sources(self.partnerships_by_ids(part))
                part = []
        if part:
            yield from self._with_sources(self.partnerships_by_ids(part))

    def _with_sources(self, records: list[dict]) -> list[dict]:
        names: dict[str, list[str]] = {}
        marks = ",".join("?" * len(records))
        sql = f"SELECT DISTINCT partnership_id, source FROM sources WHERE partnership_id IN ({marks}) ORDER BY source"
        for pid, source in self.db.execute(sql, [r["id"] for r in records]):
            names.setdefault(pid, []).append(source)
        for record in records:
            record["sources"] = ";".join(names.get(record["id"], []))
        return records

    def sources(self, pid: str) -> list[dict]:
        sql = "SELECT source, sheet, row, survey_date, verdict, ingested_at FROM sources WHERE partnership_id = ? ORDER BY ingested_at, source, row"
        return [dict(row) for row in self.db.execute(sql, (pid,))]

    def history(self, pid: str) -> list[HistoryEntry]:
        """The changes of a partnership, oldest first, with the sides staff redacted."""
        sql = ("SELECT h.partnership_id, h.field, h.old, h.new, h.source, h.sheet, h.row, h.changed_at, h.id, "
               "coalesce((SELECT group_concat(side, ',') FROM (SELECT side FROM redactions r "
               "WHERE r.history_id = h.id ORDER BY side DESC)), '') "
               "FROM history h WHERE h.partnership_id = ? ORDER BY h.id")
        return [HistoryEntry(*row) for row in self.db.execute(sql, (pid,))]

    def redact(self, history_id: int, side: str, user: str, reason: str = "") -> list[HistoryEntry]:
        """Take the `old` or `new` value of a history row out of the history — and the same value
        wherever else it stands in that field's history (an edit's `new` is the next one's `old`).
        The values go to the audit log (`redactions`), which only staff read. Returns the rows
        changed. KeyError for an unknown row, ValueError for a bad or already redacted side."""
        if side not in ("old", "new"):
            raise ValueError(f"side must be old or new, not {side!r}")
        with self.transaction():
            row = self.db.execute("SELECT partnership_id, field, old, new FROM history WHERE id = ?",
                                  (history_id,)).fetchone()
            if row is None:
                raise KeyError(history_id)
            value = row[side]
            if value is None:
                raise ValueError(f"the {side} value of history row {history_id} is already redacted")
            stamp, done = now(), set()
            for other in ("old", "new"):
                found = self.db.execute(f"SELECT id FROM history WHERE partnership_id = ? AND field = ? AND {other} = ?",
                                        (row["partnership_id"], row["field"], value)).fetchall()
                for (hid,) in found:
                    self.db.execute("INSERT OR IGNORE INTO redactions (history_id, partnership_id, field, side, value, "
                                    "reason, redacted_by, redacted_at) VALUES (?,?,?,?,?,?,?,?)",
                                    (hid, row["partnership_id"], row["field"], other, value, reason, user, stamp))
                    self.db.execute(f"UPDATE history SET {other} = NULL WHERE id = ?", (hid,))
                    done.add(hid)
            self._bump_version()
        return [h for h in self.history(row["partnership_id"]) if h.id in done]

    def redactions(self, pid: str | None = None) -> list[dict]:
        """The audit log of redactions, newest first (staff only: it holds the values taken out)."""
        sql = ("SELECT id, history_id, partnership_id, field, side, value, reason, redacted_by, redacted_at "
               "FROM redactions" + (" WHERE partnership_id = ?" if pid else "") + " ORDER BY id DESC")
        return [dict(row) for row in self.db.execute(sql, (pid,) if pid else ())]

    def french_name(self, french_id: str) -> str | None:
        """The name a French collectivité bears in the registry; None when it has no partnership."""
        row = self.db.execute("SELECT french_name FROM partnerships WHERE french_id = ? LIMIT 1", (french_id,)).fetchone()
        return row[0] if row else None

    def collectivites(self, departement: str | None = None) -> list[tuple[str, str | None]]:
        """The French collectivités with a partnership (of one département when given), as
        (french_id, département), by id: whom a survey campaign writes to."""
        sql = "SELECT DISTINCT french_id, departement FROM partnerships"
        sql += " WHERE departement = ?" if departement else ""
        return [tuple(row) for row in self.db.execute(sql + " ORDER BY french_id", (departement,) if departement else ())]

    def collectivite_counts(self) -> list[dict]:
        """Each French collectivité with a partnership: id, name, type, département, région and
        its number of partnerships (`n`), for the index of all collectivités."""
        sql = ("SELECT french_id, french_name, french_type, departement, region, count(*) AS n "
               "FROM partnerships GROUP BY french_id")
        return [dict(row) for row in self.db.execute(sql)]

    def survey_file_count(self) -> int:
        """Distinct survey files that gave at least one partnership."""
        return self.db.execute("SELECT count(DISTINCT file_hash) FROM sources").fetchone()[0]

    def rejects(self) -> list[dict]:
        """Every rejected row: source, sheet, row, `reason` (a reasons.Reason) and raw values."""
        sql = "SELECT source, sheet, row, reason, raw, code, params FROM rejects ORDER BY source, sheet, row"
        return [_reject_row(row) for row in self.db.execute(sql)]

    # ---- rejected rows, for staff to review (repertoire/review.py) ------------------------

    def reject(self, rowid: int | None = None, key: tuple[str, str, int] | None = None) -> dict | None:
        """One rejected row, by its SQLite rowid (the staff pages' address for it) or by its key
        (file_hash, sheet, row), with `rowid`, `raw_json`, and `raw` and `reason` read."""
        if key is not None:
            found = self.db.execute("SELECT rowid, * FROM rejects WHERE file_hash = ? AND sheet = ? AND row = ?",
                                    tuple(key)).fetchone()
        else:
            found = self.db.execute("SELECT rowid, * FROM rejects WHERE rowid = ?", (rowid,)).fetchone()
        return _reject_row(found) if found else None

    def rejects_of(self, source: str | None = None, limit: int = 50, offset: int = 0) -> list[dict]:
        """A page of rejected rows, of one file (by name) or of all, by file, sheet and row."""
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        sql = f"SELECT rowid, * FROM rejects {where} ORDER BY source, sheet, row LIMIT ? OFFSET ?"
        return [_reject_row(row) for row in self.db.execute(sql, params + [limit, offset])]

    def reject_count(self, source: str | None = None) -> int:
        """Survey rows rejected and not mended, of one file (by name) or of all."""
        if source:
            return self.db.execute("SELECT count(*) FROM rejects WHERE source = ?", (source,)).fetchone()[0]
        return self.db.execute("SELECT count(*) FROM rejects").fetchone()[0]

    def verdicts_per_file(self) -> dict[str, dict[str, int]]:
        """Per survey file (by name): its rows counted by verdict (`accepted`, `merged`,
        `mended`, `mended, merged`… as recorded) and `rejected` for the rows still rejected."""
        counts: dict[str, dict[str, int]] = {}
        for source, verdict, n in self.db.execute("SELECT source, verdict, count(*) FROM sources GROUP BY 1, 2"):
            counts.setdefault(source, {})[verdict] = n
        for source, n in self.db.execute("SELECT source, count(*) FROM rejects GROUP BY 1"):
            counts.setdefault(source, {})["rejected"] = n
        return counts

    def forget_reject(self, key: tuple[str, str, int]) -> None:
        """Delete a rejected row once mended (in the caller's transaction, with its record)."""
        self.db.execute("DELETE FROM rejects WHERE file_hash = ? AND sheet = ? AND row = ?", tuple(key))

    def source_names(self) -> dict[str, list[str]]:
        """Partnership id → the files that reported it."""
        names: dict[str, list[str]] = {}
        for pid, source in self.db.execute("SELECT DISTINCT partnership_id, source FROM sources ORDER BY source"):
            names.setdefault(pid, []).append(source)
        return names

    def count(self, filters: Mapping[str, str | Iterable[str]] | None = None) -> int:
        """Partnerships, all of them or those that match `filters` (as in `matching`)."""
        if filters:
            return len(self.matching(filters, columns=["id"], order=()))
        return self.db.execute("SELECT count(*) FROM partnerships").fetchone()[0]

    # ---- what the search index follows (index/build.py, index/feed.py) -------------------

    def snapshot(self) -> tuple[str, str]:
        """The registry's version and its latest stamp, read together: an index built from
        the rows read after this holds at least that version."""
        [(version, updated)] = self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'version'), (SELECT max(updated_at) FROM partnerships)").fetchall()
        return version or "0", updated or ""

    def ids(self) -> list[str]:
        """Every partnership's id, in order."""
        return [row[0] for row in self.db.execute("SELECT id FROM partnerships ORDER BY id")]

    def stamps(self) -> dict[str, str | None]:
        """Every partnership's id → its `updated_at`: which version of each is the registry's."""
        return dict(self.db.execute("SELECT id, updated_at FROM partnerships"))

    def id_range(self, first: str, last: str) -> list[dict]:
        """The partnerships whose ids lie between these two, in id order (a share of a build)."""
        return [dict(row) for row in self.db.execute(
            "SELECT * FROM partnerships WHERE id BETWEEN ? AND ? ORDER BY id", (first, last))]

    def changed_since(self, stamp: str) -> list[dict]:
        """Partnerships written after this stamp (or never stamped), in id order. Stamps are
        to the microsecond and taken inside the write lock: a write that commits after a read
        is stamped after every row that read saw."""
        return [dict(row) for row in self.db.execute(
            "SELECT * FROM partnerships WHERE updated_at > ? OR updated_at IS NULL ORDER BY id", (stamp,))]

    def count_changed_since(self, stamp: str) -> int:
        return self.db.execute("SELECT count(*) FROM partnerships WHERE updated_at > ? OR updated_at IS NULL",
                               (stamp,)).fetchone()[0]

    def version(self) -> str:
        """Changes whenever the registry does: caches of PDFs and indexes key on it."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else "0"

    # --- writing (used by ingest) --------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction: other connections see all of them or none, and
        a process killed inside leaves the registry as before (SQLite ignores WAL frames
        without a commit). Nested blocks join the outermost one.

        >>> with registry.transaction():
        ...     for chunk in chunks:
        ...         registry.save(chunk.partnerships, chunk.sources, [], [])
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        # IMMEDIATE takes the write lock now, waiting up to the busy timeout: a deferred
        # transaction that reads first cannot wait for it later (SQLITE_BUSY at once in WAL).
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        cache = self.db.execute("PRAGMA cache_size").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KIB}")
        try:
            yield
            self._commit()
        except BaseException:
            self.db.rollback()
            raise
        finally:
            self._depth = 0
            self.db.execute(f"PRAGMA cache_size = {int(cache)}")

    def _commit(self) -> None:
        """Commit; the checkpoint of a large transaction in the background (BACKGROUND_CHECKPOINT_BYTES)."""
        log = Path(f"{self.path}-wal") if self.path else None
        try:
            large = log is not None and log.stat().st_size > BACKGROUND_CHECKPOINT_BYTES
        except OSError:
            large = False
        if not large:
            self.db.commit()
            return
        automatic = self.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        self.db.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            self.db.commit()
        finally:
            self.db.execute(f"PRAGMA wal_autocheckpoint = {int(automatic)}")
        threading.Thread(target=_checkpoint, args=(self.path,), daemon=True, name="registry-checkpoint").start()

    def seen_rows(self, file_hash: str) -> set[tuple[str, int]]:
        """(sheet, row) of a file already recorded, accepted or rejected."""
        sql = "SELECT sheet, row FROM sources WHERE file_hash = ? UNION SELECT sheet, row FROM rejects WHERE file_hash = ?"
        return {(sheet, row) for sheet, row in self.db.execute(sql, (file_hash, file_hash))}

    def keyed(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], dict]:
        """The partnerships of these identities (french_id, country, partner key) that exist,
        merged spellings (aliases) included; one dict per partnership.

        Looked up a block at a time, so that ingesting a huge file keeps memory bounded. The
        keys are joined to the tables (each one found through the unique index): a
        `(…) IN (VALUES …)` condition made SQLite scan the whole table once per block.
        """
        keys = list(dict.fromkeys(keys))
        found: dict[tuple[str, str, str], dict] = {}
        by_id: dict[str, dict] = {}
        for start in range(0, len(keys), 3000):
            part = keys[start:start + 3000]
            values = ",".join("(?,?,?)" for _ in part)
            params = [v for key in part for v in key]
            sql = (f"SELECT p.*, a.french_id AS a_french, a.partner_country AS a_country, a.partner_key AS a_key "
                   f"FROM (VALUES {values}) AS k JOIN aliases a ON a.french_id = k.column1 "
                   f"AND a.partner_country = k.column2 AND a.partner_key = k.column3 "
                   f"JOIN partnerships p ON p.id = a.partnership_id")
            for row in self.db.execute(sql, params):
                record = by_id.setdefault(row["id"], {k: row[k] for k in row.keys() if not k.startswith("a_")})
                found[(row["a_french"], row["a_country"], row["a_key"])] = record
            sql = (f"SELECT p.* FROM (VALUES {values}) AS k JOIN partnerships p ON p.french_id = k.column1 "
                   f"AND p.partner_country = k.column2 AND p.partner_key = k.column3")
            for row in self.db.execute(sql, params):
                found[(row["french_id"], row["partner_country"], row["partner_key"])] = by_id.setdefault(row["id"], dict(row))
        return found

    def merge(self, keep: str, other: str, source: str = "repertoire merge") -> dict:
        """Merge partnership `other` into `keep` (two spellings of one link); returns `keep`.

        Its provenance and history move over, themes are united, empty fields filled; its
        spelling becomes an alias, so that a later survey writing it merges too. `source`
        names who merged in the history (staff, or the rule of same_place.py).
        """
        with self.transaction():  # read and written under the write lock: no lost update
            kept, gone = self.partnership(keep), self.partnership(other)
            if not kept or not gone or keep == other:
                raise KeyError(f"no two partnerships {keep} and {other}")
            if (kept["french_id"], kept["partner_country"]) != (gone["french_id"], gone["partner_country"]):
                raise ValueError("only spellings of one link can merge: same collectivité, same country")
            stamp = now()
            changes = []
            for name in ("themes", "keywords"):
                united = ";".join(dict.fromkeys(v for v in (kept[name] + ";" + gone[name]).split(";") if v))
                if united != kept[name]:
                    changes.append((keep, name, kept[name], united))
                    kept[name] = united
            for name, value in gone.items():
                if kept.get(name) is None and value is not None:
                    changes.append((keep, name, None, str(value)))
                    kept[name] = value
            changes.append((keep, "merged", gone["partner_name"], kept["partner_name"]))
            if gone["partner_name"] != kept["partner_name"]:  # the old spelling still finds the link
                spellings = [k for k in (kept.get("keywords") or "").split(";") if k]
                kept["keywords"] = ";".join(dict.fromkeys(spellings + [gone["partner_name"]]))
            kept["updated_at"] = stamp
            self.db.execute("UPDATE sources SET partnership_id = ? WHERE partnership_id = ?", (keep, other))
            self.db.execute("UPDATE history SET partnership_id = ? WHERE partnership_id = ?", (keep, other))
            self.db.execute("UPDATE aliases SET partnership_id = ? WHERE partnership_id = ?", (keep, other))
            self.db.execute("INSERT OR REPLACE INTO aliases VALUES (?,?,?,?)",
                            (gone["french_id"], gone["partner_country"], gone["partner_key"], keep))
            self.db.execute("DELETE FROM partnerships WHERE id = ?", (other,))
            self.db.execute("UPDATE redirects SET new_id = ? WHERE new_id = ?", (keep, other))
            self.db.execute("INSERT OR REPLACE INTO redirects VALUES (?, ?)", (other, keep))
            self.save([kept], [], [], [HistoryEntry(*c, source, "", 0, stamp) for c in changes])
        return kept

    def moved_to(self, pid: str) -> str | None:
        """The id a merged partnership's address now leads to, or None."""
        row = self.db.execute("SELECT new_id FROM redirects WHERE old_id = ?", (pid,)).fetchone()
        return row[0] if row else None

    def not_duplicates(self, one: str, two: str) -> None:
        """Staff's answer "not a duplicate": the pair is not proposed again."""
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO distinct_pairs VALUES (?, ?)", tuple(sorted((one, two))))

    def probable_duplicates(self) -> list[tuple[dict, dict, str]]:
        """Pairs that look like two spellings of one link, for staff to review and merge:
        same collectivité and country, and the same gazetteer place or near-identical names."""
        from rapidfuzz import fuzz

        pairs = []
        distinct = {tuple(row) for row in self.db.execute("SELECT a, b FROM distinct_pairs")}
        groups: dict[tuple[str, str], list[dict]] = {}
        for record in self.partnerships(order="french_id, partner_country, partner_name"):
            groups.setdefault((record["french_id"], record["partner_country"]), []).append(record)
        for group in groups.values():
            for i, one in enumerate(group):
                for two in group[i + 1:]:
                    if tuple(sorted((one["id"], two["id"]))) in distinct:
                        continue
                    if one["partner_geonameid"] and one["partner_geonameid"] == two["partner_geonameid"]:
                        pairs.append((one, two, "same place in the gazetteer"))
                    elif fuzz.token_set_ratio(one["partner_key"], two["partner_key"]) >= 90:
                        pairs.append((one, two, "near-identical names"))
        return pairs

    def save(self, partnerships: Iterable[dict], sources: list[tuple], rejects: list[tuple],
             history: list[HistoryEntry] | list[tuple]) -> None:
        """Write partnerships, provenance, rejects and history: in the caller's transaction()
        (ingest: one per file), else in one of their own."""
        columns = STORED_FIELDS
        marks = ",".join("?" * len(columns))
        quoted = ",".join(f'"{c}"' for c in columns)
        with self.transaction():
            self.db.executemany(f"INSERT OR REPLACE INTO partnerships ({quoted}) VALUES ({marks})",
                                [tuple(map(p.get, columns)) for p in partnerships])
            self.db.executemany('INSERT OR IGNORE INTO sources VALUES (?,?,?,?,?,?,?,?,?,?)', sources)
            self.db.executemany("INSERT OR IGNORE INTO rejects (source, file_hash, sheet, row, reason, raw, ingested_at, "
                                "code, params) VALUES (?,?,?,?,?,?,?,?,?)", [_coded(reject) for reject in rejects])
            self.db.executemany("INSERT INTO history (partnership_id, field, old, new, source, sheet, row, changed_at) VALUES (?,?,?,?,?,?,?,?)",
                                [tuple(entry)[:8] for entry in history])  # HistoryEntry, or its first 8 values
            if sources or rejects or history:
                self._bump_version(len(sources))

    def _bump_version(self, salt: int = 0) -> None:
        """A new registry version (in the caller's transaction): caches keyed on it are stale."""
        self.db.execute("INSERT INTO meta VALUES ('version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        (hashlib.sha1(f"{self.version()}{now()}{salt}".encode()).hexdigest()[:12],))

    def partner_points(self, partners: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
        """The point already known for each (country, partner key), where one is."""
        found: dict[tuple[str, str], tuple[float, float]] = {}
        by_country: dict[str, list[str]] = {}
        for country, key in partners:
            by_country.setdefault(country, []).append(key)
        for country, keys in by_country.items():  # the country's index, not a scan of the table
            keys.sort()
            for start in range(0, len(keys), 400):  # SQLite's limit on bound parameters
                block = keys[start:start + 400]
                sql = (f"SELECT partner_key, partner_lat, partner_lon FROM partnerships WHERE partner_country = ? "
                       f"AND partner_lat IS NOT NULL AND partner_key IN ({','.join('?' * len(block))})")
                for key, lat, lon in self.db.execute(sql, [country, *block]):
                    found.setdefault((country, key), (lat, lon))
        return found

    def save_layout(self, file_hash: str, sheet: str, mapping: dict[str, tuple[str, str | None]]) -> None:
        """Record how a sheet's columns were read (in the caller's transaction)."""
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO layouts VALUES (?,?,?)",
                            (file_hash, sheet, json.dumps(mapping, ensure_ascii=False)))

    def layout(self, file_hash: str, sheet: str) -> dict[str, tuple[str, str | None]] | None:
        """How a sheet's columns were read, by column name; None for files read before it was kept."""
        found = self.db.execute("SELECT mapping FROM layouts WHERE file_hash = ? AND sheet = ?",
                                (file_hash, sheet)).fetchone()
        return {name: tuple(meaning) for name, meaning in json.loads(found[0]).items()} if found else None

    def iter_rows(self, sql: str, params: Iterable = ()) -> Iterator[sqlite3.Row]:
        return self.db.execute(sql, tuple(params))
