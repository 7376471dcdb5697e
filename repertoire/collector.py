"""Python's cyclic garbage collector paused around a burst of allocations.

A process that has loaded pandas, matplotlib and the reference data holds a few hundred
thousand objects; each full collection walks them all, and a burst of new objects (a parsed
outline, a book's paragraphs and fragments) triggers one after another: a fifth of a small
country book's time, a fifth of Germany's; ingesting and indexing 100,000 rows make
millions of containers and under 2,000 that only a collection frees (~1 s of collections).
Paused, the cycles made meanwhile (few) wait for the next collection after it. Nested
pauses, and pauses in several threads, leave the collector as the outermost found it.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
