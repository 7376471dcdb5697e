"""What a sheet's columns are, once recognised (columns.py): each column's field and
confidence, the questions, the required fields not found, and one message saying so."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field

REQUIRED = (("french_name", "french_code"), ("partner_name",), ("partner_country",))
REQUIRED_LABELS = {"french_name": "French collectivité", "partner_name": "partner",
                   "partner_country": "partner country"}

@dataclass
class ColumnChoice:
    """One column as recognised: its field (None: left out) and how sure that is."""

    index: int
    name: str  # the column as `repertoire inspect` and saved mappings name it
    header: str
    field: str | None = None
    label: str | None = None  # a theme checkbox column's theme
    confidence: float = 0.0
    source: str = ""  # "template", "header", "content", "header+content"
    alternatives: list[tuple[str, float]] = _field(default_factory=list)
    sample: list[str] = _field(default_factory=list)

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "header": self.header, "field": self.field,
                "label": self.label, "confidence": round(self.confidence, 2), "source": self.source,
                "alternatives": [{"field": f, "score": round(s, 2)} for f, s in self.alternatives],
                "sample": self.sample}


@dataclass
class Layout:
    """The columns of a sheet, what each is, what is asked, and the required fields not found."""

    columns: list[ColumnChoice]
    signature: str
    saved: bool = False
    questions: list[ColumnChoice] = _field(default_factory=list)
    missing: list[str] = _field(default_factory=list)  # required fields not found (first of each group)

    def mapping(self) -> dict[int, tuple[str, str | None]]:
        """Column index → (field, theme label) of the mapped columns, for surveys.rows_chunk."""
        return {c.index: (c.field, c.label) for c in self.columns if c.field}

    def found(self) -> int:
        """How many of the required fields (French side, partner, country) are found or asked."""
        fields = {c.field for c in self.columns} | {q.alternatives[0][0] for q in self.questions if q.alternatives}
        return sum(1 for group in REQUIRED if fields & set(group))

    def problem(self) -> str | None:
        """One message for a sheet whose required fields are missing or uncertain, naming the
        columns seen with sample values; None when the sheet can be read."""
        if not self.missing:
            return None
        fields = " and ".join(REQUIRED_LABELS[f] for f in self.missing)
        seen = "; ".join(_seen(c) for c in self.columns[:30])
        more = f" (and {len(self.columns) - 30} more)" if len(self.columns) > 30 else ""
        return (f"no column recognised as the {fields} (required). Columns seen: {seen}{more}. "
                "Name the column on the staff upload page (the mapping is saved for files of this "
                "shape; `repertoire inspect` shows it), or add its header to columns.toml in the "
                "instance folder")

    def to_dict(self) -> dict:
        return {"signature": self.signature, "saved": self.saved,
                "columns": [c.to_dict() for c in self.columns],
                "questions": [q.to_dict() for q in self.questions], "missing": self.missing}


def _seen(column: ColumnChoice) -> str:
    values = ", ".join(v[:30] for v in column.sample) or "empty"
    what = column.field or (f"{column.alternatives[0][0]}?" if column.alternatives else "not recognised")
    return f"{column.name!r} ({values}) → {what}"


def column_names(header: list, width: int | None = None) -> list[str]:
    """Columns named as written; `column N` when empty; ` (1)` after a repeated name."""
    width = max(width or 0, len(header))
    names = [str(h).strip() if h not in (None, "") and str(h).strip() else f"column {i + 1}"
             for i, h in enumerate(header)]
    names += [f"column {i + 1}" for i in range(len(names), width)]
    seen: dict[str, int] = {}
    result = []
    for name in names:
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 0
        result.append(name)
    return result


def missing_fields(columns: list[ColumnChoice]) -> list[str]:
    """The first field of each required group that no column holds."""
    fields = {c.field for c in columns}
    return [group[0] for group in REQUIRED if not fields & set(group)]
