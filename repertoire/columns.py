"""Recognising survey columns by meaning, from the synonyms of `columns.toml`."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .text import fold

DEFAULT_COLUMNS = Path(__file__).resolve().parent.parent / "data" / "vocabulary" / "columns.toml"
_NUMBERING = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d+[a-z]?\s*[.):\-]\s*|^\s*q\d+\s+", re.I)
_FLAG = re.compile(r"^(.*?)\s*[\[(](.+)[\])]\s*$")


@dataclass
class ColumnMap:
    """Synonyms per field; `match` says what a header means."""

    synonyms: dict[str, list[str]]
    flag_prefixes: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, *paths: Path | str | None) -> "ColumnMap":
        """Read the default mapping, then each extra file in turn, adding to it."""
        synonyms: dict[str, list[str]] = {}
        prefixes: list[str] = []
        checked: set[str] = set()
        for path in (DEFAULT_COLUMNS, *paths):
            if path is None or not Path(path).exists():
                continue
            with open(path, "rb") as handle:
                config = tomllib.load(handle)
            for name, words in config.get("fields", {}).items():
                synonyms.setdefault(name, []).extend(fold(w) for w in words)
            flags = config.get("theme_flags", {})
            prefixes += [fold(p) for p in flags.get("prefixes", [])]
            checked |= {fold(c) for c in flags.get("checked", [])}
        return cls(synonyms, prefixes, checked)

    def match(self, header: object) -> tuple[str, str | None] | None:
        """(field, None) for a known column, ("theme_flag", label) for a checkbox column."""
        if header is None:
            return None
        text = str(header)
        if flag := _FLAG.match(text):
            if fold(_NUMBERING.sub("", flag.group(1))) in self.flag_prefixes:
                return "theme_flag", flag.group(2).strip()
        key = fold(_NUMBERING.sub("", text))
        if not key:
            return None
        best: tuple[int, int, str] | None = None
        padded = f" {key} "
        for name, words in self.synonyms.items():
            for word in words:
                if key == word:
                    rank = 3
                elif key.startswith(word + " "):
                    rank = 2
                elif f" {word} " in padded:
                    rank = 1
                else:
                    continue
                candidate = (rank, len(word), name)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        return (best[2], None) if best else None

    def map_header(self, cells: list[object]) -> dict[int, tuple[str, str | None]]:
        """Column index → meaning for one candidate header row; each field taken once."""
        mapping: dict[int, tuple[str, str | None]] = {}
        taken: set[str] = set()
        for index, cell in enumerate(cells):
            meaning = self.match(cell)
            if meaning is None:
                continue
            if meaning[0] != "theme_flag":
                if meaning[0] in taken:
                    continue
                taken.add(meaning[0])
            mapping[index] = meaning
        return mapping


def header_score(mapping: dict[int, tuple[str, str | None]]) -> int:
    """How much a row looks like the header of a partnership table."""
    fields = {meaning[0] for meaning in mapping.values()}
    if "partner_name" not in fields and "french_name" not in fields:
        return 0
    return len(fields) + 2 * ("partner_name" in fields) + ("partner_country" in fields)
