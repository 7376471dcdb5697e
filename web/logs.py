"""Structured logs: one JSON line on stderr per request, and the app's own records as JSON.

A request record carries method, path, query, status, duration_ms, size, remote_addr,
request_id (the client's `X-Request-ID` when it sends a sane one, else a new id, echoed in
the response) and user_id once someone is logged in. Records logged while a request runs
(errors.py's `logger.exception`, with its traceback in `exc_info`) carry its request_id too.

Logging is configured at the first request, not when the app is created, so that the
`repertoire` commands keep their plain output. Under gunicorn, gunicorn.conf.py's
`logconfig_dict` has already put a JSON handler on the root logger; it is kept, not doubled.
`LOG_JSON = False` (instance config.py) leaves logging alone: Flask's defaults apply.
"""
from __future__ import annotations

import logging
import re
import sys
import threading
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request, request_finished, request_started
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

REQUESTS = logging.getLogger("repertoire.requests")
# The JSON layout, shared with gunicorn.conf.py's logconfig_dict (keep the two alike).
FORMAT = "%(levelname)s %(name)s %(process)d %(message)s"
RENAME = {"levelname": "level", "name": "logger", "process": "pid"}
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_configured = False
_lock = threading.Lock()


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record is emitted, as logging.lastResort does:
    a stream kept from set-up time breaks once pytest's capture or a reload replaces it."""

    def __init__(self, level: int = logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr


class RequestIdFilter(logging.Filter):
    """Adds the current request's id to records logged while it runs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g and not hasattr(record, "request_id"):
            record.request_id = g.request_id
        return True


def json_formatter() -> JsonFormatter:
    """The formatter of every JSON line: time, level, logger, pid, message, then extras."""
    return JsonFormatter(FORMAT, rename_fields=RENAME, timestamp="time", json_ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Send log records to stderr as JSON lines; safe to call again (does nothing then).

    The root logger stays at WARNING, so that libraries' INFO chatter (fontTools subsetting
    fonts for the PDFs) stays out; our own loggers are set to `level`.
    """
    global _configured
    with _lock:
        if _configured:
            return
        root = logging.getLogger()
        handlers = [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]
        if not handlers:  # gunicorn's logconfig_dict installs one before the app loads
            handler = StderrHandler()
            handler.setFormatter(json_formatter())
            root.addHandler(handler)
            handlers = [handler]
            if root.level == logging.NOTSET or root.level > logging.WARNING:
                root.setLevel(logging.WARNING)
        for handler in handlers:
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
        REQUESTS.setLevel(level)
        _configured = True


def init_app(app: Flask) -> None:
    """Log every request of `app` as one JSON record (unless LOG_JSON is false)."""
    if not app.config.get("LOG_JSON", True):
        return
    request_started.connect(start_request, app)
    request_finished.connect(log_request, app)


def start_request(app: Flask, **_) -> None:
    """request_started: set logging up once, note the start time and the request id."""
    if not _configured:
        configure_logging()
    if default_handler in app.logger.handlers:  # its records reach the root's JSON handler instead
        app.logger.removeHandler(default_handler)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
    g.request_start = time.perf_counter()
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex[:16]


def log_request(app: Flask, response, **_) -> None:
    """request_finished: one record with what the request asked and how it was answered.

    Sent after every after_request function, so status and size are what the client gets
    (a map page's size once gzipped).
    """
    start = g.get("request_start")
    duration = round((time.perf_counter() - start) * 1000, 2) if start else None
    request_id = g.get("request_id")
    if request_id:
        response.headers.setdefault("X-Request-ID", request_id)
    fields = {
        "method": request.method, "path": request.path, "query": request.query_string.decode("latin-1"),
        "status": response.status_code, "duration_ms": duration, "size": response.content_length,
        "remote_addr": request.remote_addr, "request_id": request_id, "user_id": user_id(),
    }
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    REQUESTS.log(level, "%s %s %s", request.method, request.path, response.status_code, extra=fields)


def user_id() -> str | None:
    """The logged-in user's id, or None: no login manager on this app, nobody logged in, or
    no flask-login at all (accounts are web/auth.py's; the log must not depend on them)."""
    if not hasattr(current_app, "login_manager"):
        return None
    try:
        from flask_login import current_user

        return current_user.get_id() if current_user.is_authenticated else None
    except Exception:  # a user that cannot be loaded must not cost the request its log line
        return None
