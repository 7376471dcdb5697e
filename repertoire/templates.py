"""Template mappings staff have corrected, kept per sheet shape so later files of that shape
are read the same way.

A sheet's *signature* is a hash of its folded header cells: the same template filled by
another collectivité, or next year, has the same signature whatever its rows. The store is
one JSON file in the instance folder (`templates.json`): signature → {column → field}, the
columns named as `repertoire inspect` shows them (a repeated header gets ` (1)`, an empty
one `column N`). A saved mapping is used as it is, with confidence 1.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from pathlib import Path

from .model import SURVEY_FIELDS
from .text import fold

# What a column may be saved as: a field, a theme checkbox, or nothing (left out).
SAVED_FIELDS = frozenset(SURVEY_FIELDS) | {"theme_flag", ""}


def signature(header: list) -> str:
    """The shape of a sheet: 16 hex digits from its folded header cells, trailing empties left out.

    >>> signature(["Pays ", "VILLE"]) == signature(["pays", "Ville", None])
    True
    """
    cells = [fold(str(c)) if c not in (None, "") else "" for c in header]
    while cells and not cells[-1]:
        cells.pop()
    return hashlib.sha256("\x1f".join(cells).encode("utf-8")).hexdigest()[:16]


class TemplateError(ValueError):
    """A mapping that cannot be saved (an unknown field); the message says which."""


class TemplateStore:
    """Saved mappings in one JSON file; reading a missing or damaged file gives no mapping.

    >>> store = TemplateStore(tmp / "templates.json")
    >>> store.save("0123456789abcdef", {"Land": "partner_country", "Notizen": ""})
    >>> store.get("0123456789abcdef")
    {'Land': 'partner_country', 'Notizen': ''}
    """

    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path else None

    def _load(self) -> dict:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, signature: str) -> dict[str, str] | None:
        """The saved mapping {column → field} of a sheet shape, or None."""
        entry = self._load().get(signature)
        if not isinstance(entry, dict) or not isinstance(entry.get("columns"), dict):
            return None
        return {str(k): str(v) for k, v in entry["columns"].items() if v in SAVED_FIELDS}

    def save(self, signature: str, mapping: dict[str, str | None], name: str = "") -> None:
        """Keep {column → field} for this shape (a field of None or "" leaves the column out);
        written atomically, so a reader never sees half a file."""
        if self.path is None:
            raise TemplateError("no template store configured")
        columns = {str(k): (v or "") for k, v in mapping.items()}
        unknown = sorted({v for v in columns.values() if v not in SAVED_FIELDS})
        if unknown:
            raise TemplateError(f"unknown field(s): {', '.join(unknown)}")
        data = self._load()
        data[signature] = {"columns": columns, "name": name, "saved": date.today().isoformat()}
        self._write(data)

    def delete(self, signature: str) -> bool:
        """Forget a shape's mapping; True when there was one."""
        data = self._load()
        if data.pop(signature, None) is None:
            return False
        self._write(data)
        return True

    def _write(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".templates-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1, sort_keys=True)
        os.replace(temporary, self.path)

    def mappings(self) -> list[dict[str, str]]:
        """Every saved mapping {column → field}."""
        return [m for m in (self.get(sign) for sign in self.signatures()) if m is not None]

    def signatures(self) -> list[str]:
        """The shapes that have a saved mapping."""
        return sorted(self._load())
