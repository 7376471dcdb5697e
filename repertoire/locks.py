"""Whether a lock file is held right now: books being made, an index being built.

Both take an flock on a file of their own (released by the kernel when the holder dies);
pages and /healthz ask without waiting.
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


def is_held(path: Path | str) -> bool:
    """Whether some process holds an flock on `path` (False when there is no such file)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # a lock taken here goes with it
