"""A country répertoire from the registry, cached on disk until the registry changes."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from ..registry import Registry
from .chapters import chapter_file
from .document import Options, render

LAYOUT = 2  # in the cache key: a PDF made by an older layout is made again (2: map of France, thematic index)

def country_repertoire(registry: Registry, code: str, options: Options | None = None) -> bytes:
    """The PDF répertoire of one partner country, from the live registry."""
    rows = registry.partnerships("partner_country = ?", [code.upper()])
    return render(rows, code.upper(), options)


def cache_key(registry: Registry, code: str, options: Options) -> str:
    """Changes with the registry version, the edition, and the chapter file's content."""
    chapter = chapter_file(code, options.chapters_dir)
    chapter_hash = hashlib.sha1(chapter.read_bytes()).hexdigest()[:10] if chapter else "-"
    edition = "membres" if options.members else "public"
    return f"{code.upper()}-{edition}-{registry.version()}-{chapter_hash}-{options.edition.isoformat()[:7]}-v{LAYOUT}"


def cached_repertoire(registry: Registry, code: str, cache_dir: Path | str, options: Options | None = None,
                      maps: Callable[[], tuple[object, object]] | None = None) -> Path:
    """The cached PDF file, made on demand.

    `maps` is called only when a PDF is made: it returns the map of links and the map of France
    (`Options.map_image`, `Options.france_image`), either of them None to leave it out.
    """
    options = options or Options()
    folder = Path(cache_dir) / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"repertoire-{cache_key(registry, code, options)}.pdf"
    if not path.exists():
        if maps is not None and options.map_image is None and options.france_image is None:
            options.map_image, options.france_image = maps()
        data = country_repertoire(registry, code, options)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        for old in folder.glob(f"repertoire-{code.upper()}-{'membres' if options.members else 'public'}-*.pdf"):
            if old != path:
                old.unlink(missing_ok=True)
    return path
