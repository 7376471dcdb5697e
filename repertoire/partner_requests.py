"""Partner requests from abroad, recorded by staff: who asks, for what, until when.

Kept in the registry (table `partner_requests`), so that the staff page lists them with the
collectivités matchmaking suggests for each (matching.py). A request past its date stays in
the list, marked expired, until staff close it: nothing a partner asked is lost silently.
"""
from __future__ import annotations

from datetime import date

from .matching import Request
from .registry import Registry, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS partner_requests (
    id INTEGER PRIMARY KEY, requester TEXT NOT NULL, country TEXT NOT NULL, region TEXT, theme TEXT,
    near TEXT, size INTEGER, description TEXT, until TEXT, created_at TEXT NOT NULL, created_by TEXT,
    closed_at TEXT
)"""
FIELDS = ("requester", "country", "region", "theme", "near", "size", "description", "until")
TEXT_LIMIT = 5000


def _table(registry: Registry) -> None:
    registry.db.execute(SCHEMA)


def add(registry: Registry, values: dict, user: str) -> int:
    """Record a request (values already checked: `Request(...).problems()` empty); its id."""
    _table(registry)
    with registry.transaction():
        cursor = registry.db.execute(
            f"INSERT INTO partner_requests ({', '.join(FIELDS)}, created_at, created_by) VALUES ({', '.join('?' * (len(FIELDS) + 2))})",
            [values.get(name) for name in FIELDS] + [now(), user])
    return cursor.lastrowid


def close(registry: Registry, request_id: int) -> bool:
    """Mark a request answered or abandoned; False when there is none open with this id."""
    _table(registry)
    with registry.transaction():
        cursor = registry.db.execute("UPDATE partner_requests SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                                     (now(), request_id))
    return cursor.rowcount == 1


def open_requests(registry: Registry, today: date | None = None) -> list[dict]:
    """Open requests, newest first; `expired` when their date has passed."""
    _table(registry)
    today = (today or date.today()).isoformat()
    rows = registry.iter_rows("SELECT * FROM partner_requests WHERE closed_at IS NULL ORDER BY created_at DESC")
    return [dict(row) | {"expired": bool(row["until"] and row["until"] < today)} for row in rows]


def as_request(row: dict) -> Request:
    return Request(row["country"], row.get("region") or None, row.get("theme") or None, row.get("near") or None,
                   row.get("size") or None)
