"""Accounts of staff and members: their own SQLite file beside the registry (web/store.py).

Kept out of the registry so that a long ingest (one write transaction on the registry) never
blocks a login, and so that the registry can be shared or exported without password hashes.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from functools import cache

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from repertoire.registry import now

from .store import SmallStore

# Staff can do everything members can: see contacts, download the members' edition.
ROLES = ("staff", "member")
MIN_PASSWORD = 10
# zxcvbn's score (0–4): 3 is "safely unguessable: moderate protection from offline attacks"
# (about 10^8 guesses). It knows repeats, sequences, keyboard walks, common words and dates.
MIN_STRENGTH = 3
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL,
    created_at TEXT, last_login TEXT
);
-- one row per signed-in browser: the cookie holds only its random id, so that logging out,
-- a new password or role, or the account's removal ends it on the server (a replayed cookie
-- opens nothing), and `started` bounds its life whatever the cookie says
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, email TEXT NOT NULL, started REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_email ON sessions (email);
"""


class AccountError(ValueError):
    """An account that cannot be created as asked (the message says why)."""


@dataclass(frozen=True)
class User(UserMixin):
    email: str
    role: str

    def get_id(self) -> str:
        return self.email

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    @property
    def is_member(self) -> bool:
        return self.role in ROLES


def check_password(password: str, email: str) -> None:
    """Refuse a password that is short, guessable (zxcvbn), or made of the account's own
    e-mail address: AccountError says why, and what zxcvbn suggests."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    words = [email, *re.split(r"[@.\-_+]", email)]
    if password.strip().lower() in {w.lower() for w in words} or email.lower() in password.lower():
        raise AccountError("password too close to the account's e-mail address")
    from zxcvbn import zxcvbn  # 0.3 s of word lists at import: only where a password is set
    verdict = zxcvbn(password[:100], user_inputs=words)  # its cost grows with length
    if verdict["score"] < MIN_STRENGTH:
        hints = " ".join(filter(None, [verdict["feedback"].get("warning"), *verdict["feedback"].get("suggestions", [])]))
        raise AccountError(f"password too easy to guess{': ' + hints if hints else ''}")


class Accounts(SmallStore):
    """The users table; one connection per use, as logins are rare."""

    SCHEMA = SCHEMA

    def add(self, email: str, password: str, role: str) -> User:
        """Create an account, or reset its password and role if it exists."""
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise AccountError(f"not an e-mail address: {email!r}")
        if role not in ROLES:
            raise AccountError(f"unknown role {role!r}: {' or '.join(ROLES)}")
        check_password(password, email)
        with self._connect() as db:
            db.execute("INSERT INTO users (email, password_hash, role, created_at) VALUES (?,?,?,?) "
                       "ON CONFLICT(email) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role",
                       (email, generate_password_hash(password), role, now()))
            db.execute("DELETE FROM sessions WHERE email = ?", (email,))  # a new password or role: sign in again
        return User(email, role)

    def remove(self, email: str) -> bool:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE email = ?", (email.strip().lower(),))
            return db.execute("DELETE FROM users WHERE email = ?", (email.strip().lower(),)).rowcount > 0

    # --- sessions ------------------------------------------------------------------

    def open_session(self, email: str) -> str:
        """A new session of this account; its id goes in the (signed) cookie. Only a hash of
        it is stored: the file read by someone leaks no usable session."""
        token = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute("INSERT INTO sessions VALUES (?,?,?)", (_digest(token), email.strip().lower(), time.time()))
        return token

    def session_user(self, token: str | None, lifetime: float) -> User | None:
        """The account of a live session: opened less than `lifetime` seconds ago, not closed."""
        if not token:
            return None
        with self._connect() as db:
            row = db.execute("SELECT u.email, u.role, s.started FROM sessions s JOIN users u ON u.email = s.email "
                             "WHERE s.id = ?", (_digest(token),)).fetchone()
            if row is None:
                return None
            if time.time() - row["started"] > lifetime:
                db.execute("DELETE FROM sessions WHERE id = ?", (_digest(token),))
                return None
        return User(row["email"], row["role"])

    def close_session(self, token: str | None) -> None:
        if token:
            with self._connect() as db:
                db.execute("DELETE FROM sessions WHERE id = ?", (_digest(token),))

    def get(self, email: str) -> User | None:
        with self._connect() as db:
            row = db.execute("SELECT email, role FROM users WHERE email = ?", (email.strip().lower(),)).fetchone()
        return User(row["email"], row["role"]) if row else None

    def check(self, email: str, password: str) -> User | None:
        """The user whose password this is, or None (same work whether the account exists or not)."""
        with self._connect() as db:
            row = db.execute("SELECT email, role, password_hash FROM users WHERE email = ?",
                             (email.strip().lower(),)).fetchone()
            if row is None:
                check_password_hash(_dummy_hash(), password)  # no timing hint that the account is missing
                return None
            if not check_password_hash(row["password_hash"], password):
                return None
            db.execute("UPDATE users SET last_login = ? WHERE email = ?", (now(), row["email"]))
        return User(row["email"], row["role"])

    def all(self) -> list[dict]:
        with self._connect() as db:
            return [dict(r) for r in db.execute("SELECT email, role, created_at, last_login FROM users ORDER BY email")]


@cache
def _dummy_hash() -> str:
    """Made at the first sign-in, not at import: a scrypt hash costs every command a fraction
    of a second (`repertoire ingest` included)."""
    return generate_password_hash("no such account")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
