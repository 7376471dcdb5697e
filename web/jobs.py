"""Long work started from the staff pages (survey imports, répertoires), run as `repertoire`
processes of their own, so that an ingest neither holds a web worker nor dies with one.

The process records its progress and its result in a small SQLite file of the instance
folder; the staff pages read it. A job whose process is gone without a result is shown as
interrupted: an ingest is one transaction per file, so nothing half-written stays behind.
"""
from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import current_app, has_app_context

from repertoire.model import FileReport
from repertoire.reasons import Reason
from repertoire.registry import now

from .store import SmallStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, user TEXT, files TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, message TEXT, result TEXT,
    pid INTEGER, created_at TEXT, updated_at TEXT
);
"""
RUNNING = ("queued", "running")
# The niceness of background work (index builds, the jobs the app starts): where it shares the
# cores with the web workers, searches get the CPU first; on an idle machine it changes nothing.
# Load drill (issue 13): a rebuild at normal priority took one of the two cores from the searches.
BACKGROUND_NICENESS = 10
REPORTED_REJECTS = 500  # per file on the result page; all of them are on the rejects page


class Jobs(SmallStore):
    SCHEMA = SCHEMA

    def create(self, kind: str, user: str, files: list[str]) -> str:
        job_id = secrets.token_hex(8)
        with self._connect() as db:
            db.execute("INSERT INTO jobs (id, kind, user, files, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                       (job_id, kind, user, json.dumps(files, ensure_ascii=False), "queued", now(), now()))
        return job_id

    def start(self, job_id: str, arguments: list[str], instance: Path | str, log: Path) -> None:
        """Run `repertoire ARGUMENTS --job ID` on this instance, detached from the request."""
        command = [sys.executable, "-c", "from app import cli; cli()", *arguments, "--job", job_id]
        env = os.environ | {"REPERTOIRE_INSTANCE": str(instance)}
        if has_app_context():  # the app's choice holds for its jobs (tests make no books ahead)
            env["REPERTOIRE_MAKE_BOOKS_AHEAD"] = "1" if current_app.config.get("MAKE_BOOKS_AHEAD") else "0"
        with open(log, "ab") as output:
            process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        yield_cpu(process.pid)  # its own forks (an index process) inherit it
        self.update(job_id, pid=process.pid)
        # Reap the child when it ends, so that its pid stops looking alive.
        threading.Thread(target=process.wait, daemon=True).start()

    def update(self, job_id: str, **fields) -> None:
        if "result" in fields:
            fields["result"] = json.dumps(fields["result"], ensure_ascii=False, default=str)
        fields["updated_at"] = now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as db:
            db.execute(f"UPDATE jobs SET {columns} WHERE id = ?", (*fields.values(), job_id))

    def get(self, job_id: str) -> dict | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._view(row) if row else None

    def recent(self, limit: int = 10) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)).fetchall()
        return [self._view(row) for row in rows]

    def _view(self, row: sqlite3.Row) -> dict:
        job = dict(row)
        job["files"] = json.loads(job["files"] or "[]")
        job["result"] = json.loads(job["result"]) if job["result"] else None
        if job["status"] in RUNNING and job["pid"] and not _alive(job["pid"]):
            job["status"] = "interrupted"
        return job


def yield_cpu(pid: int = 0, niceness: int = BACKGROUND_NICENESS) -> None:
    """Make a process (0: this one) background work: its niceness raised to `niceness`, never
    lowered (a process already niced further keeps its own; lowering needs privileges).

    On Linux this sets the calling thread (or the process's main thread); threads and
    processes started after it inherit it."""
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except (OSError, AttributeError):  # a child already gone; no priorities on this system
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Tracker:
    """The job side of a `repertoire … --job ID` process: progress at most twice a second.

    Without a job id (a command run by hand) it records nothing. Used as a context manager,
    it marks the job failed when the work raises (the staff page says what happened).
    """

    def __init__(self, path: Path | str, job_id: str | None):
        self.jobs, self.job_id, self.last = (Jobs(path) if job_id else None), job_id, 0.0
        if self.jobs:
            self.jobs.update(job_id, status="running", pid=os.getpid())

    def __enter__(self) -> "Tracker":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is not None and not isinstance(error, SystemExit):
            self.fail(f"{kind.__name__}: {error}")
        return False

    def progress(self, share: float, message: str = "") -> None:
        if self.jobs and (time.monotonic() - self.last >= 0.5 or share >= 1):
            self.last = time.monotonic()
            self.jobs.update(self.job_id, progress=min(max(share, 0.0), 1.0), message=message)

    def partial(self, result: object) -> None:
        """What is already done and committed (the job page shows it if the process dies)."""
        if self.jobs:
            self.jobs.update(self.job_id, result=result)

    def finish(self, result: object, message: str = "") -> None:
        if self.jobs:
            self.jobs.update(self.job_id, status="done", progress=1.0, message=message, result=result)

    def fail(self, message: str) -> None:
        if self.jobs:
            self.jobs.update(self.job_id, status="failed", message=message)


def report_result(report: FileReport) -> dict:
    """A file's report as the result page shows it (the first rejects, with their raw values)."""
    return {"source": report.source, "read": report.read, "accepted": report.accepted, "merged": report.merged,
            "rejected": report.rejected, "unchanged": report.unchanged, "error": report.error,
            # the reason as its code and parameters: the page words it in its reader's language
            "rejects": [{"sheet": r.sheet, "row": r.row, "reason": Reason.of(r.reason).to_dict(), "raw": r.raw}
                        for r in report.rejects[:REPORTED_REJECTS]],
            # words of kinds, statuses and themes the vocabularies do not know yet (staff may add them)
            "unmapped": {field: counts.most_common(10) for field, counts in report.unmapped.items() if counts},
            "cut": report.cut}
