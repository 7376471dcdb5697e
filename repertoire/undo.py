"""Undoing a file's import: a file that was not a survey (an answer sheet, an export of
something else) leaves the registry as if it had never been read.

A file is known by its hash (two files may share a name). What it did is read back from the
registry itself: its `sources` rows (the partnerships it created, confirmed or merged into),
its `rejects`, and the `history` rows it wrote — each stamped with the file's name, sheet,
row and the stamp its block was saved with, which its `sources` rows share. Then:

- a partnership no other file reports leaves, with its history, aliases and redirects;
- a partnership other files report too loses this file's provenance, and the fields the file
  changed get their previous value back where nothing changed them since (a later file or a
  staff edit keeps its value); themes the file added leave unless another report gave them;
- a spelling only this file wrote, merged into such a partnership (same_place.py's rule or
  staff), is unmerged: its alias, its redirect, the merge's history and what the merge added
  leave. (When the merge kept this file's spelling and dropped the other's, the partnership
  keeps its id and only loses this file's provenance.)
- the file's rejects and the way its sheets were read leave;
- each partnership that stays gets a history row "import undone" naming the file and who
  undid it, and the undo is kept in `undone_imports` (file, hash, who, when, what it removed).

All in one transaction: an undo interrupted leaves the registry as before.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .model import HistoryEntry
from .registry import Registry, now, partnership_id
from .text import fold

EVENT = "import undone"  # the history row's field, and the first words of its source



@dataclass
class ImportedFile:
    """A file the registry holds rows of: its rows' fates, and when it was read."""
    source: str
    file_hash: str
    ingested_at: str
    rows: int = 0
    accepted: int = 0
    merged: int = 0
    rejected: int = 0


@dataclass
class UndoPlan:
    """What undoing a file does, read before doing it (the confirmation page shows it)."""
    source: str
    file_hash: str
    removed: list[str] = field(default_factory=list)   # partnerships only this file reports
    reverted: list[str] = field(default_factory=list)  # partnerships other files report too
    # of those, the ones this file created and later files confirmed: they keep the values they
    # have and lose only this file's provenance (what the later files alone would have made
    # is not known without their rows read again)
    kept: list[str] = field(default_factory=list)
    rejects: int = 0


def imported_files(registry: Registry) -> list[ImportedFile]:
    """Every file whose rows the registry holds (accepted, merged or rejected), newest first."""
    files: dict[str, ImportedFile] = {}
    for source, digest, verdict, n, first in registry.iter_rows(
            "SELECT source, file_hash, verdict, count(*), min(ingested_at) FROM sources GROUP BY 1, 2, 3"):
        entry = files.setdefault(digest, ImportedFile(source, digest, first or ""))
        entry.ingested_at = min(entry.ingested_at, first or "") or first or ""
        kind = "merged" if "merged" in verdict else "accepted"
        setattr(entry, kind, getattr(entry, kind) + n)
        entry.rows += n
    for source, digest, n, first in registry.iter_rows(
            "SELECT source, file_hash, count(*), min(ingested_at) FROM rejects GROUP BY 1, 2"):
        entry = files.setdefault(digest, ImportedFile(source, digest, first or ""))
        entry.ingested_at = min(entry.ingested_at or first or "", first or "")
        entry.rejected += n
        entry.rows += n
    return sorted(files.values(), key=lambda f: (f.ingested_at, f.source), reverse=True)


def plan(registry: Registry, file_hash: str) -> UndoPlan | None:
    """What undoing the file of this hash would do; None when the registry holds none of it."""
    found = registry.iter_rows(
        "SELECT source FROM sources WHERE file_hash = ? UNION SELECT source FROM rejects WHERE file_hash = ? LIMIT 1",
        (file_hash, file_hash)).fetchone()
    if found is None:
        return None
    out = UndoPlan(found[0], file_hash)
    sql = ("SELECT s.partnership_id, EXISTS (SELECT 1 FROM sources o WHERE o.partnership_id = s.partnership_id "
           "AND o.file_hash != ?), EXISTS (SELECT 1 FROM sources c JOIN partnerships p ON p.id = c.partnership_id "
           "WHERE c.partnership_id = s.partnership_id AND c.file_hash = ? AND c.ingested_at = p.created_at "
           "AND c.verdict IN ('accepted', 'mended')) "
           "FROM (SELECT DISTINCT partnership_id FROM sources WHERE file_hash = ?) s ORDER BY 1")
    for pid, reported_elsewhere, created_here in registry.iter_rows(sql, (file_hash, file_hash, file_hash)):
        (out.reverted if reported_elsewhere else out.removed).append(pid)
        if reported_elsewhere and created_here:
            out.kept.append(pid)
    out.rejects = registry.iter_rows("SELECT count(*) FROM rejects WHERE file_hash = ?", (file_hash,)).fetchone()[0]
    return out


def undo_import(registry: Registry, file_hash: str, user: str) -> UndoPlan:
    """Undo the import of the file of this hash (see the module's docstring); returns what was
    done. KeyError when the registry holds nothing of that file."""
    db = registry.db
    with registry.transaction():  # read and written under the write lock
        done = plan(registry, file_hash)
        if done is None:
            raise KeyError(file_hash)
        stamp = now()
        who = f"{EVENT}: {user}"
        # set-based, not one statement per partnership: a file of 100,000 rows leaves in seconds
        db.execute("CREATE TEMP TABLE IF NOT EXISTS undone_ids (id TEXT PRIMARY KEY)")
        db.execute("DELETE FROM undone_ids")
        db.executemany("INSERT OR IGNORE INTO undone_ids VALUES (?)", [(pid,) for pid in done.removed])
        db.execute("DELETE FROM history WHERE partnership_id IN (SELECT id FROM undone_ids)")
        db.execute("DELETE FROM aliases WHERE partnership_id IN (SELECT id FROM undone_ids)")
        db.execute("DELETE FROM redirects WHERE new_id IN (SELECT id FROM undone_ids) OR old_id IN (SELECT id FROM undone_ids)")
        db.execute("DELETE FROM distinct_pairs WHERE a IN (SELECT id FROM undone_ids) OR b IN (SELECT id FROM undone_ids)")
        db.execute("DELETE FROM partnerships WHERE id IN (SELECT id FROM undone_ids)")
        db.execute("DELETE FROM undone_ids")
        history: list[HistoryEntry] = []
        for pid in done.reverted:
            history += _revert(registry, pid, file_hash, done.source, who, stamp)
            history.append(HistoryEntry(pid, EVENT, done.source, None, who, "", 0, stamp))
        db.execute("DELETE FROM sources WHERE file_hash = ?", (file_hash,))
        db.execute("DELETE FROM rejects WHERE file_hash = ?", (file_hash,))
        db.execute("DELETE FROM layouts WHERE file_hash = ?", (file_hash,))
        db.execute("INSERT INTO undone_imports (source, file_hash, undone_by, undone_at, removed, reverted, rejects) "
                   "VALUES (?,?,?,?,?,?,?)", (done.source, file_hash, user, stamp, len(done.removed),
                                              len(done.reverted), done.rejects))
        registry.save([], [], [], history)
        registry._bump_version()
    return done


def _revert(registry: Registry, pid: str, file_hash: str, source: str, who: str, stamp: str) -> list[HistoryEntry]:
    """Give a partnership back the values it had before this file, where nothing changed them
    since; drop the file's history rows. Returns the history of the reverting."""
    db = registry.db
    record = registry.partnership(pid)
    rows = db.execute("SELECT sheet, row, ingested_at, survey_date FROM sources WHERE partnership_id = ? "
                      "AND file_hash = ?", (pid, file_hash)).fetchall()
    others = db.execute("SELECT survey_date, \"values\" FROM sources WHERE partnership_id = ? AND file_hash != ?",
                        (pid, file_hash)).fetchall()
    written: list = []  # the history rows this file wrote, newest first
    for sheet, row, ingested_at, _ in rows:
        written += db.execute("SELECT id, field, old, new FROM history WHERE partnership_id = ? AND source = ? "
                              "AND sheet = ? AND row = ? AND changed_at = ?",
                              (pid, source, sheet, row, ingested_at)).fetchall()
    written += _merges_of_spellings_only_this_file_wrote(registry, record, file_hash, others)
    written.sort(key=lambda h: h["id"], reverse=True)
    reported = {t for _, values in others for t in (json.loads(values or "{}").get("themes") or "").split(";") if t}
    changes = []
    for entry in written:
        name, current = entry["field"], record.get(entry["field"])
        current_text = None if current is None else str(current)
        if current_text == entry["new"]:
            restored = entry["old"]
        elif name in ("themes", "keywords"):  # changed since: only what this file added leaves
            added = _items(entry["new"]) - _items(entry["old"]) - (reported if name == "themes" else set())
            restored = ";".join(v for v in _items_list(current_text) if v not in added)
        else:
            continue  # a later file or a staff edit changed it: its value stays
        if restored != current_text and name in record:
            record[name] = restored
            changes.append(HistoryEntry(pid, name, current_text, restored, who, "", 0, stamp))
    db.executemany("DELETE FROM history WHERE id = ?", [(entry["id"],) for entry in written])
    dates = [d for d, _ in others if d]
    mine = {d for *_, d in rows if d}
    if dates and record.get("survey_date") in mine and record.get("survey_date") not in dates:
        record["survey_date"] = max(dates)
    record["updated_at"] = stamp
    columns = [c for c in record if c != "id"]
    db.execute(f"UPDATE partnerships SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
               [record[c] for c in columns] + [pid])
    return changes


def _key(values: str | None) -> tuple[str, str, str] | None:
    """The link a `sources` row reported (its `values`): collectivité, country, partner key, as
    ingest keyed it (the partner name folded)."""
    found = json.loads(values or "{}")
    if not (found.get("french_id") and found.get("partner_country") and found.get("partner_name")):
        return None
    return found["french_id"], found["partner_country"], fold(str(found["partner_name"]))


def _merges_of_spellings_only_this_file_wrote(registry: Registry, record: dict, file_hash: str,
                                              others: list) -> list:
    """Unmerge from `record` the spellings (aliases) that only this file reported: their alias
    and redirect leave, the merge's spelling leaves the keywords; returns the merges' history
    rows, to be reverted and dropped with the file's own."""
    db, pid = registry.db, record["id"]
    own = (record["french_id"], record["partner_country"], record["partner_key"])
    mine: dict = {}  # the links this file's rows reported → when they were recorded
    for values, stamp in db.execute("SELECT \"values\", ingested_at FROM sources WHERE partnership_id = ? "
                                    "AND file_hash = ?", (pid, file_hash)):
        mine[_key(values)] = max(mine.get(_key(values), ""), stamp or "")
    kept = {_key(v) for _, v in others} | {own}
    merges = db.execute("SELECT id, field, old, new, source, changed_at FROM history WHERE partnership_id = ? "
                        "AND field = 'merged' ORDER BY id", (pid,)).fetchall()
    rows: list = []
    used: set[int] = set()
    for key in sorted(k for k in set(mine) - kept if k):
        gone = partnership_id(*key)
        if db.execute("DELETE FROM redirects WHERE old_id = ? AND new_id = ?", (gone, pid)).rowcount == 0:
            continue  # not a merge into this partnership (an alias kept from elsewhere)
        db.execute("DELETE FROM aliases WHERE french_id = ? AND partner_country = ? AND partner_key = ? "
                   "AND partnership_id = ?", (*key, pid))
        # the merge of that spelling: by its name, else (a name the gazetteer gave in French,
        # München shown as Munich) the first merge after the file's rows were recorded
        merge = next((m for m in merges if fold(m["old"] or "") == key[2] and m["id"] not in used), None) \
            or next((m for m in merges if m["changed_at"] >= mine[key] and m["id"] not in used), None)
        if merge is None:
            continue
        used.add(merge["id"])
        rows += db.execute("SELECT id, field, old, new FROM history WHERE partnership_id = ? AND source = ? "
                           "AND changed_at = ?", (pid, merge["source"], merge["changed_at"])).fetchall()
        spellings = _items_list(record.get("keywords"))
        if merge["old"] in spellings:  # the merged spelling, kept so that it still found the link
            record["keywords"] = ";".join(k for k in spellings if k != merge["old"])
    return rows


def _items(text: str | None) -> set[str]:
    return set(_items_list(text))


def _items_list(text: str | None) -> list[str]:
    return [v for v in (text or "").split(";") if v]


def undone_imports(registry: Registry) -> list[dict]:
    """The undos done, newest first: which file, who, when, what they removed."""
    return [dict(row) for row in registry.iter_rows("SELECT * FROM undone_imports ORDER BY id DESC")]
