"""The `repertoire` process ends as soon as its command is done, without freeing its objects.

At the end of a process Python frees every object one by one, then the operating system takes
the whole memory back anyway. After `repertoire ingest` of 100,000 rows (the gazetteers, the
reference data, the rows) that took 1.3 to 2 s of the user's wait (issue 10, point 7). So the
command group, run as the process's command (the console script calls it), ends the process
itself once the command returned: standard streams flushed, exit handlers run (multiprocessing
reaps its children, logging flushes its handlers, weakref finalizers remove temporary files),
then `os._exit` with the status Python would give. When another thread that Python would
wait for is still running, the process ends the usual way. Tests call the group's `main`
(click's CliRunner), which this does not touch.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading

from flask.cli import FlaskGroup


class CommandGroup(FlaskGroup):
    """Flask's command group, whose process ends without freeing its objects (see above)."""

    def __call__(self, *args, **kwargs):
        try:
            return self.main(*args, **kwargs)
        except SystemExit as end:  # click's standalone mode always ends this way
            if _other_threads():
                raise
            status = _status(end.code)
        _flush()
        atexit._run_exitfuncs()  # what Python runs at exit, before freeing the objects
        _flush()
        os._exit(status)


def _other_threads() -> bool:
    """A thread that is not a daemon (Python waits for it at exit) besides this one."""
    return any(not t.daemon and t is not threading.current_thread() for t in threading.enumerate())


def _status(code) -> int:
    """The exit status Python gives for SystemExit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed, or a pipe closed by its reader
            pass
