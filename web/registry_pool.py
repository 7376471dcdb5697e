"""Each request's registry, kept open for the next request of the same worker thread.

A new SQLite connection reads the registry's whole schema at its first statement, and
Registry() then checks its tables: half a millisecond of a search request's four (load drill
of issue 13), spent again by every request on a connection the previous request of the thread
left as good as new. After a request its registry stays with its thread only when nothing is
pending on it (no transaction open); the next request takes it back unless the registry's
path names another file by then (a registry restored, or moved in from a copy), in which
case it opens the new one. A gunicorn worker keeps one connection per thread (8).

Outside requests (commands, jobs) nothing is kept: app.py opens and closes as before.
"""
from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from repertoire.registry import Registry


class RegistryPool:
    """At most one idle registry per thread (each thread serves one request at a time)."""

    def __init__(self) -> None:
        self._thread = threading.local()  # .kept: idle (registry, file identity); .lent: in use

    def take(self, path: Path | str) -> Registry:
        """The thread's kept registry of `path` when it is still the file there, else a new one."""
        path = Path(path)
        kept = self._thread.__dict__.pop("kept", None)
        if kept is not None:
            registry, identity = kept
            if registry.path == path and identity is not None and identity == _identity(path):
                self._thread.lent = kept
                return registry
            registry.close()
        identity = _identity(path)  # before opening: a file swapped meanwhile is noticed next time
        registry = Registry(path)
        self._thread.lent = (registry, identity)
        return registry

    def give_back(self, registry: Registry) -> None:
        """Keep a request's registry for the thread's next request, unless something is pending
        on it (it is closed then); the request's deadline leaves with the request."""
        lent = self._thread.__dict__.pop("lent", None)
        try:
            if lent is None or lent[0] is not registry or registry._depth or registry.db.in_transaction:
                registry.close()
                return
            registry.db.set_progress_handler(None, 0)
        except sqlite3.ProgrammingError:  # closed by the request itself
            return
        self._thread.kept = lent


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device, inode); None when there is none. While a connection
    keeps a file open its inode cannot be given to another file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino
