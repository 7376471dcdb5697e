"""Building the index from the registry: full rebuilds aside then swapped, or in-place updates.

The index folder holds generations (`gen-…/`) and a `CURRENT` file naming the live one. A
rebuild writes a new generation, then replaces `CURRENT` atomically (os.replace), so a
running app answers from the old generation until its next search opens the new one.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from repertoire.places import Countries
from repertoire.registry import Registry

from .query import VOCABULARY, Vocabulary
from .schema import SCHEMA, document

STATE = "state.json"
# Below this many documents a second process costs more than it saves.
PARALLEL_FROM = 20_000


@dataclass
class BuildReport:
    """What a build or an update did."""

    documents: int
    seconds: float
    generation: str
    full: bool


def current_generation(index_dir: Path | str) -> Path | None:
    """The live generation folder, or None when no index was built."""
    pointer = Path(index_dir) / "CURRENT"
    if not pointer.exists():
        return None
    path = Path(index_dir) / pointer.read_text().strip()
    return path if path.exists() else None


def build_index(registry: Registry, index_dir: Path | str, procs: int | None = None,
                countries: Countries | None = None) -> BuildReport:
    """Rebuild the whole index aside, then swap it in.

    >>> build_index(Registry("instance/registry.sqlite3"), "instance/index").documents
    2610
    """
    start = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    target = index_dir / name
    target.mkdir()
    countries = countries or Countries()
    rows = registry.partnerships(order="id")
    procs = procs or (2 if len(rows) >= PARALLEL_FROM else 1)
    ix = whoosh_index.create_in(target, SCHEMA)
    options = {"procs": procs, "multisegment": True, "limitmb": 256} if procs > 1 else {"limitmb": 256}
    writer = ix.writer(**options)
    vocabulary = Counter()
    for p in rows:
        fields, words = document(p, countries)
        writer.add_document(**fields)
        vocabulary.update(words)
    writer.commit()
    Vocabulary(dict(vocabulary)).save(target)
    _write_state(target, registry, rows)
    tmp = index_dir / "CURRENT.tmp"
    tmp.write_text(name)
    os.replace(tmp, index_dir / "CURRENT")
    _remove_old_generations(index_dir, keep={name})
    return BuildReport(len(rows), time.perf_counter() - start, name, True)


def update_index(registry: Registry, index_dir: Path | str,
                 countries: Countries | None = None) -> BuildReport:
    """Bring the index up to date with the registry: only what changed since the last build."""
    start = time.perf_counter()
    generation = current_generation(index_dir)
    if generation is None or not (generation / VOCABULARY).exists():  # none, or built before the file
        return build_index(registry, index_dir, countries=countries)
    state = json.loads((generation / STATE).read_text())
    if state.get("version") == registry.version():
        return BuildReport(0, time.perf_counter() - start, generation.name, False)
    changed = registry.partnerships("updated_at > ? OR updated_at IS NULL", (state.get("updated", ""),), order="id")
    countries = countries or Countries()
    ix = whoosh_index.open_dir(generation)
    writer = ix.writer()
    # Words only add up, as they did in a Whoosh field until segments merged: a replaced
    # document's words stay known until the next full build.
    vocabulary = Counter(Vocabulary.load(generation).frequency)
    for p in changed:
        fields, words = document(p, countries)
        writer.update_document(**fields)
        vocabulary.update(words)
    # Saved before the commit: a search that sees the new documents sees their words.
    Vocabulary(dict(vocabulary)).save(generation)
    writer.commit()
    _write_state(generation, registry, changed, previous=state.get("updated", ""))
    return BuildReport(len(changed), time.perf_counter() - start, generation.name, False)


def _write_state(generation: Path, registry: Registry, rows: list[dict], previous: str = "") -> None:
    updated = max([previous] + [p.get("updated_at") or "" for p in rows])
    state = {"version": registry.version(), "updated": updated}
    (generation / STATE).write_text(json.dumps(state))


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    """Keep the live generation and the one before (a running app may still read it)."""
    generations = sorted((p for p in index_dir.glob("gen-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in [p for p in generations if p.name not in keep][:-1]:
        shutil.rmtree(old, ignore_errors=True)
