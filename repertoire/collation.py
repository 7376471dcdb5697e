"""Sorting names as a reader of the language expects: Égypte with the E, Île-de-France with the I.

ICU's collator for the locale when PyICU is installed; otherwise a key that compares letters
without their accents first, then case and accents (close to ICU on Latin names).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from unidecode import unidecode


@lru_cache(maxsize=4)
def sort_key(lang: str = "fr") -> Callable[[str], object]:
    """A key function for `sorted()` by the collation of `lang`.

    >>> sorted(["États-Unis", "Espagne", "Égypte", "Zambie"], key=sort_key("fr"))
    ['Égypte', 'Espagne', 'États-Unis', 'Zambie']
    """
    try:
        import icu
    except ImportError:
        return lambda text: (unidecode(text or "").casefold(), (text or "").casefold(), text or "")
    collator = icu.Collator.createInstance(icu.Locale(lang))
    return lambda text: collator.getSortKey(text or "")
