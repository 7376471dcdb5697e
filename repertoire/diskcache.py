"""Values derived from the reference data, kept on disk between processes.

Every ingest indexed the gazetteer's names anew, country by country (2.5 s of a 100,000-row
ingest touching 129 countries), although they change only with the data files or the code
that folds them. Here such values are kept under the user's cache folder
(`$REPERTOIRE_CACHE`, else `$XDG_CACHE_HOME/repertoire`, else `~/.cache/repertoire`), in a
folder named by a digest of their inputs: a changed data file or module makes a new folder
and the oldest ones go. Values are stored with `marshal` (plain data only: loading never
runs code). A cache that cannot be read or written is only slower, never wrong.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from .collector import collector_paused

# Folders kept per name: the checkouts and versions in use on one machine at a time.
KEPT = 3


def cache_root() -> Path:
    explicit = os.environ.get("REPERTOIRE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "repertoire"


class DiskCache:
    """Plain values (str, numbers, lists, dicts, tuples) by item name, for given inputs
    (files by content; `versions`: of the libraries used).

    >>> cache = DiskCache("gazetteer", [DATA / "gazetteer.csv.gz", Path(__file__)])
    >>> cache.get("FR") or cache.put("FR", build("FR"))
    """

    def __init__(self, name: str, inputs: Iterable[Path], versions: Iterable[str] = (), root: Path | None = None):
        digest = hashlib.sha1("\0".join(versions).encode())
        for path in inputs:
            # By content: several checkouts of the same files share one cache (6 MB: 20 ms).
            try:
                with open(path, "rb") as handle:
                    digest.update(hashlib.file_digest(handle, "sha1").digest())
            except OSError:
                digest.update(f"{Path(path).name}:missing".encode())
        self.name = name
        self.root = root or cache_root()
        self.folder = self.root / f"{name}-{digest.hexdigest()[:16]}"

    def get(self, item: str):
        """The value kept for `item`, or None (none kept, or unreadable)."""
        # millions of new containers, no cycle: each collection would walk them all
        with collector_paused():
            try:
                # read whole, then decoded: marshal.load on a file object reads it a few bytes at a
                # time (a country's gazetteer index: 5 times slower)
                return marshal.loads((self.folder / f"{item}.marshal").read_bytes())
            except (OSError, EOFError, ValueError, TypeError):
                return None

    def put(self, item: str, value):
        """Keep `value` (written aside and renamed: a reader never sees half a file); return it."""
        try:
            if not self.folder.is_dir():
                self._forget_others()
                self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{item}.")
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(value, handle)
            os.replace(tmp, self.folder / f"{item}.marshal")
        except (OSError, ValueError):
            pass
        return value

    def _forget_others(self) -> None:
        """Folders of the same name for other inputs (older data or code, another checkout)
        beyond the few most recently made are stale."""
        if self.root.is_dir():
            others = sorted((f for f in self.root.glob(f"{self.name}-*") if f != self.folder),
                            key=lambda f: f.stat().st_mtime, reverse=True)
            for folder in others[KEPT - 1:]:
                shutil.rmtree(folder, ignore_errors=True)
