"""A country répertoire from the registry, cached on disk until the registry changes."""
from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..campaign import stale_ids
from ..locks import is_held
from ..registry import Registry
from .chapters import chapter_file
from .document import Options, render

LAYOUT = 4  # in the cache key: a PDF made by an older layout is made again (4: the closing check of issue 12)

def country_repertoire(registry: Registry, code: str, options: Options | None = None) -> bytes:
    """The PDF répertoire of one partner country, from the live registry."""
    rows = registry.matching({"country": code.upper()})
    stale = stale_ids(registry, "p.partner_country = ?", [code.upper()])  # « à vérifier » in the entries
    return render([r | {"to_verify": r["id"] in stale} for r in rows], code.upper(), options)


def cache_key(registry: Registry, code: str, options: Options) -> str:
    """Changes with the registry version, the edition, and the chapter file's content."""
    chapter = chapter_file(code, options.chapters_dir)
    chapter_hash = hashlib.sha1(chapter.read_bytes()).hexdigest()[:10] if chapter else "-"
    edition = ("membres" if options.members else "public") + ("-en" if options.lang == "en" else "")
    return f"{code.upper()}-{edition}-{registry.version()}-{chapter_hash}-{options.edition.isoformat()[:7]}-v{LAYOUT}"


class Busy(Exception):
    """Another process or thread is making this very PDF and did not finish within the wait."""


def cache_path(registry: Registry, code: str, cache_dir: Path | str, options: Options) -> Path:
    """Where the PDF of this registry version, edition and chapter is kept once made."""
    return Path(cache_dir) / "pdf" / f"repertoire-{cache_key(registry, code, options)}.pdf"


@contextmanager
def _single_flight(path: Path, wait: float | None) -> Iterator[None]:
    """Hold the lock file of one PDF (`<name>.lock` beside it, an flock): one maker at a time
    across threads, gunicorn workers and `repertoire pdf --warm` jobs; the kernel drops the
    lock of a killed maker. `wait` seconds at most (None: as long as it takes), then Busy."""
    fd = os.open(path.with_suffix(".lock"), os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if deadline is None else fcntl.LOCK_NB))
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Busy(path.name) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # releases the lock


def being_made(path: Path) -> bool:
    """Whether some process holds this PDF's lock right now (it is being made)."""
    return is_held(path.with_suffix(".lock"))


def cached_repertoire(registry: Registry, code: str, cache_dir: Path | str, options: Options | None = None,
                      maps: Callable[[], tuple[object, object]] | None = None, wait: float | None = None) -> Path:
    """The cached PDF file, made on demand, once per registry version however many ask.

    The first caller makes it under the PDF's lock; the others wait for it (`wait` seconds at
    most, then Busy) and find the file made. The file is written under a name of its own and
    renamed into place, so no reader ever sees half a PDF and two makers never share a draft.
    `maps` is called only when a PDF is made: it returns the map of links and the map of France
    (`Options.map_image`, `Options.france_image`), either of them None to leave it out.
    """
    options = options or Options()
    path = cache_path(registry, code, cache_dir, options)
    if path.exists():
        return path
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    with _single_flight(path, wait):
        if path.exists():  # made by whoever held the lock before
            return path
        if maps is not None and options.map_image is None and options.france_image is None:
            options.map_image, options.france_image = maps()
        data = country_repertoire(registry, code, options)
        fd, draft = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(draft, path)
        except BaseException:
            Path(draft).unlink(missing_ok=True)
            raise
    edition = f"repertoire-{code.upper()}-{'membres' if options.members else 'public'}-"
    for old in folder.glob(edition + "*"):
        # older versions of this very edition (the English one is another: `-public-en-`)
        if old.suffix in (".pdf", ".lock") and old.stem != path.stem and \
                old.name.startswith(edition + "en-") == (options.lang == "en"):
            old.unlink(missing_ok=True)  # a reader that opened it still reads it
    return path
