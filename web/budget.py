"""Each request's time budget, enforced inside the app.

gunicorn's `timeout` only watches a worker's heartbeat: with the gthread worker the main
thread keeps beating while a request thread works for minutes (issue 13 saw a 222 s PDF, a
46 s map). So each request gets a deadline (REQUEST_BUDGET seconds, 30 by default) and:

- the request's SQLite connection runs a progress handler that interrupts any statement
  once the deadline has passed (every query of the request, whatever page runs it);
- long Python loops call `check()` between their steps;

either way the request ends with 503 and a Retry-After, its worker thread freed for others.
Work left to background jobs (books, ingest) has no such budget.
"""
from __future__ import annotations

import sqlite3
import time

from flask import Flask, current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable

# SQLite virtual machine instructions between two looks at the clock (about a millisecond).
PROGRESS_STEPS = 20_000


class OverBudget(ServiceUnavailable):
    """The request ran past its time budget: 503, try again later (or ask for less)."""

    description = _l("La demande a pris trop de temps et a été interrompue : affinez-la ou réessayez dans un instant.")

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("Retry-After", "30")]


class Deadline:
    """The monotonic time a request must be done by; `extend` moves it (a long download)."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds

    def extend(self, seconds: float) -> None:
        self.at = max(self.at, time.monotonic() + seconds)

    def passed(self) -> bool:
        return time.monotonic() > self.at


def current() -> Deadline | None:
    """This request's deadline; None outside a request."""
    return g.get("deadline") if has_request_context() else None


def deadline() -> float | None:
    """The monotonic time this request must be done by; None outside a request."""
    end = current()
    return None if end is None else end.at


def extend(seconds: float) -> None:
    """Give this request `seconds` more from now (an export streaming a big file)."""
    end = current()
    if end is not None:
        end.extend(seconds)


def remaining() -> float:
    """Seconds left to this request (infinite outside a request)."""
    end = deadline()
    return float("inf") if end is None else end - time.monotonic()


def check() -> None:
    """Raise OverBudget once the request's deadline has passed (call it between steps)."""
    end = current()
    if end is not None and end.passed():
        raise OverBudget()


def guard(db: sqlite3.Connection) -> None:
    """Interrupt this connection's statements once the request's deadline has passed.

    The connection serves one request at a time (app.py; kept open for the thread's next
    request by web/registry_pool.py, which removes the handler); outside a request (CLI, jobs)
    nothing is set.
    """
    end = current()
    if end is None:
        return
    db.set_progress_handler(lambda: 1 if end.passed() else 0, PROGRESS_STEPS)


def interrupted(error: BaseException) -> bool:
    """Whether a SQLite error is the progress handler's interruption (the budget ran out)."""
    return isinstance(error, sqlite3.OperationalError) and str(error) == "interrupted" and remaining() <= 0


def init_app(app: Flask) -> None:
    @app.before_request
    def start_budget() -> None:
        seconds = current_app.config.get("REQUEST_BUDGET")
        g.deadline = Deadline(30.0 if seconds is None else float(seconds))
