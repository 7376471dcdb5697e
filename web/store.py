"""Small SQLite files of the instance beside the registry (accounts, jobs).

Kept apart from the registry, so that an ingest, which holds the registry's write lock for a
whole file, never blocks a login or a job's progress. One short connection per use: these
tables see a few writes a second at most.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SmallStore:
    """A SQLite file with its `SCHEMA`, created on first use."""

    SCHEMA = ""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(self.SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, rolls back on error, and is closed after."""
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:
                yield db
        finally:
            db.close()
