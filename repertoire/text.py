"""Folding text for matching: the one place that decides when two spellings are equal."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_MULTI_SEPARATORS = re.compile(r"\s*(?:;|,|/|\n|\r|\|)\s*")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_UNTIDY = re.compile(r"[^\S ]|  ")  # whitespace other than one plain space
_NOTHING = frozenset({"", "nan", "none", "null", "nat", "-", "n/a", "na"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower case, accents and scripts romanised, punctuation to single spaces.

    >>> fold("Onet-le-Château")
    'onet le chateau'
    """
    return _NON_ALNUM.sub(" ", unidecode(text).lower()).strip()


def strip_accents(text: str) -> str:
    """Remove combining marks but keep the script (Kōbe → Kobe, 東京 stays)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean(value: object) -> str | None:
    """A cell as tidy text, or None when it holds nothing."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer():
            value = int(value)
    text = str(value)
    if _UNTIDY.search(text):  # most cells have no space to tidy: a regex search instead of four passes
        text = text.replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
        text = _NEWLINES.sub("\n", _SPACES.sub(" ", text))
    text = text.strip()
    if len(text) <= 4 and text.lower() in _NOTHING:
        return None
    return text


def split_values(text: str | None) -> list[str]:
    """Split a multi-value cell on `;` `,` `/` `|` and new lines."""
    if not text:
        return []
    return [part for part in _MULTI_SEPARATORS.split(text) if part.strip()]


def load_rules(path) -> dict[str, str]:
    """Read an `a, b, c => code` file into {folded synonym: code}."""
    rules: dict[str, str] = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#") or "=>" not in line:
            continue
        left, code = line.rsplit("=>", 1)
        code = code.strip()
        rules[fold(code)] = code
        for synonym in left.split(","):
            if synonym.strip():
                rules[fold(synonym)] = code
    return rules


ARTICLES = {"l", "la", "le", "les", "de", "du", "des", "d", "en"}


def strip_articles(folded: str) -> str:
    """`de l essonne` → `essonne`: leading articles and prepositions dropped."""
    words = folded.split()
    while len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)
