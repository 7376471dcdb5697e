"""Heavy answers taken a few at a time: exports of a whole search one at a time per client and
two in all (`limited`), pages that take seconds of CPU one at a time per worker (`heavy`).

Four concurrent CSV exports at 390,000 partnerships took 82–150 s and 8 GB (issue 13), and
each held a worker thread. The slots are lock files of the instance folder (`locks/`, flock),
so they hold across gunicorn workers, and the kernel frees those of a killed worker. A
request that finds its client's slot or every shared slot taken answers 429 with Retry-After
at once instead of queueing. A slot is held until the answer has been sent (a streamed export
keeps it to its last byte).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from functools import wraps
from pathlib import Path

from flask import Response, current_app, make_response, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from . import budget


class Busy(TooManyRequests):
    description = _l("Un export est déjà en cours pour vous ou le service en prépare trop à la fois : "
                     "réessayez dans un instant.")

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("Retry-After", "10")]


def _take(folder: Path, name: str, slots: int) -> int | None:
    """An open, locked file descriptor of one free slot `name-<i>.lock`, or None."""
    for i in range(slots):
        fd = os.open(folder / f"{name}-{i}.lock", os.O_CREAT | os.O_WRONLY, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            os.close(fd)
    return None


def client_key() -> str:
    """The client's address (ProxyFix gives the real one behind a proxy), hashed for a file name."""
    return hashlib.sha1((request.remote_addr or "-").encode()).hexdigest()[:16]


def _released_when_sent(response: Response, held: list[int], then=None) -> Response:
    """Give the slots back once the answer is made (a whole body) or, for a streamed one,
    when its last byte is out or the server closes it (a client gone mid-way); `then` once too."""
    done = []

    def release() -> None:
        while held:
            os.close(held.pop())
        if then is not None and not done:
            done.append(True)
            then()
    if not response.is_streamed:
        release()
        return response
    body = response.response

    def streamed():
        try:
            yield from body
        finally:
            release()
    response.response = streamed()
    response.call_on_close(release)
    return response


def limited(kind: str):
    """At most one `kind` answer per client at a time, and `<KIND>_SLOTS` (config, 2) in all;
    such an answer's time budget is `<KIND>_BUDGET` seconds (config, 300)."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            folder = Path(current_app.instance_path) / "locks"
            folder.mkdir(exist_ok=True)
            held = []
            try:
                for name, slots in ((f"{kind}-{client_key()}", 1),
                                    (kind, int(current_app.config.get(f"{kind.upper()}_SLOTS", 2)))):
                    fd = _take(folder, name, slots)
                    if fd is None:
                        raise Busy()
                    held.append(fd)
                # a slot taken, a longer budget: a streamed export of 390,000 rows takes more than 30 s
                budget.extend(float(current_app.config.get(f"{kind.upper()}_BUDGET", 300)))
                response: Response = make_response(view(*args, **kwargs))
            except BaseException:
                for fd in held:
                    os.close(fd)
                raise
            return _released_when_sent(response, held)
        return guarded
    return decorate


class Crowded(ServiceUnavailable):
    description = _l("Le service prépare déjà une page lourde : réessayez dans un instant.")

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("Retry-After", "5")]


def take_turn():
    """Wait for this worker's turn at heavy work (see `heavy`); the callable that gives it back.
    Crowded (503, Retry-After) after HEAVY_WAIT seconds."""
    app = current_app._get_current_object()
    gate = app.extensions.get("heavy_gate")
    if gate is None:
        gate = app.extensions.setdefault("heavy_gate", threading.BoundedSemaphore(
            int(app.config.get("HEAVY_PER_WORKER", 1))))
    if not gate.acquire(timeout=float(app.config.get("HEAVY_WAIT", 5))):
        raise Crowded()
    return gate.release


def heavy(view):
    """A view whose work takes seconds of CPU (a map of thousands of links, a country page, an
    export): HEAVY_PER_WORKER (1) at a time in a worker process. Under the GIL, two of them in
    one process halve the CPU its searches get, and each holds one of its 4 threads; one at a
    time leaves searches 3 threads and most of the CPU. Another waits HEAVY_WAIT seconds (5)
    for its turn, then answers 503 with Retry-After. The turn ends when the answer is sent."""
    @wraps(view)
    def guarded(*args, **kwargs):
        release = take_turn()
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            release()
            raise
        return _released_when_sent(response, [], release)
    return guarded
