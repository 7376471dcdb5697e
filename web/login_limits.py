"""Failed logins, counted in one SQLite file of the instance that every gunicorn worker shares.

Flask-Limiter's memory store counted per worker (two workers: 10 attempts a minute instead of
5), counted after the password check (parallel attempts overshot), and its per-account limit
locked the account out for everyone once one address failed 25 times (issue 13). Here:

- an attempt is reserved before the password is checked, inside one write transaction that
  counts and inserts: parallel attempts cannot overshoot; a success takes its reservation back;
- per address: LIMITS failures at most in each window, whatever the account;
- per account: once LIMITS failures on it in a window (from any address), the addresses that
  took part in them are refused for it; an address that has not failed on this account (its
  owner at their desk) still may try. One address never locks another out.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .store import SmallStore

# (failures, seconds): 5 a minute, 30 an hour.
LIMITS = ((5, 60), (30, 3600))
KEEP = max(seconds for _, seconds in LIMITS)

SCHEMA = """
CREATE TABLE IF NOT EXISTS login_failures (
    id INTEGER PRIMARY KEY, address TEXT NOT NULL, account TEXT NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_address ON login_failures (address, at);
CREATE INDEX IF NOT EXISTS login_failures_account ON login_failures (account, at);
"""


@dataclass(frozen=True)
class Attempt:
    """A reserved attempt (`id`), or a refusal with the seconds until the next allowed one."""

    id: int | None
    retry_after: int = 0

    @property
    def allowed(self) -> bool:
        return self.id is not None


class LoginLimits(SmallStore):
    SCHEMA = SCHEMA

    def reserve(self, address: str, account: str, now: float | None = None) -> Attempt:
        """Count this attempt as a failure until `succeeded` says otherwise, or refuse it."""
        now = time.time() if now is None else now
        account = account.strip().lower()[:254]
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # count and insert under one write lock
            db.execute("DELETE FROM login_failures WHERE at < ?", (now - KEEP,))
            wait = 0.0
            for limit, seconds in LIMITS:
                since = now - seconds
                by_address = db.execute("SELECT count(*), min(at) FROM login_failures WHERE address = ? AND at >= ?",
                                        (address, since)).fetchone()
                if by_address[0] >= limit:
                    wait = max(wait, by_address[1] + seconds - now)
                on_account = db.execute("SELECT count(*), min(at) FROM login_failures WHERE account = ? AND at >= ?",
                                        (account, since)).fetchone()
                if on_account[0] >= limit:
                    took_part = db.execute("SELECT 1 FROM login_failures WHERE account = ? AND address = ? AND at >= ?",
                                           (account, address, since)).fetchone()
                    if took_part:
                        wait = max(wait, on_account[1] + seconds - now)
            if wait > 0:
                return Attempt(None, max(1, int(wait + 0.999)))
            cursor = db.execute("INSERT INTO login_failures (address, account, at) VALUES (?,?,?)", (address, account, now))
            return Attempt(cursor.lastrowid)

    def succeeded(self, attempt: Attempt) -> None:
        """The attempt was not a failure (right password, or a form refused before any check)."""
        if attempt.id is not None:
            with self._connect() as db:
                db.execute("DELETE FROM login_failures WHERE id = ?", (attempt.id,))
