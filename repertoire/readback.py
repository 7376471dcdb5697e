"""An export of this app read back by `repertoire ingest`: told apart from a survey by its header
(the field names of the data edition, or the French labels of the readable one, as
repertoire.fields gives them), its names turned back into codes by the reference service, its
inert cells made live again — so that export → ingest gives the same partnerships (issue 15).

A survey's header is matched loosely (surveys.py); an export's exactly, column for column,
so a survey that only looks like one is still read as a survey.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Iterator

from . import fields
from .export import LIST_SEPARATOR, live
from .filecheck import SurveyError, check_workbook
from .model import UNSPECIFIED
from .reasons import Reason
from .reference import reference
from .text import fold

IDENTITY = ("french_id", "partner_name", "partner_country")  # what a row cannot do without
FRENCH_ID = re.compile(r"(commune|departement|region|epci):[0-9A-Za-z]{2,9}")
BLOCK = 2000  # rows worked on at a time (memory stays bounded)
HEADER_BYTES = 1 << 14  # an export's header line is under 1 KB; a survey may be one endless line
IGNORED = ("id", "sources")  # recomputed from the identity; the provenance is the export file itself


class ExportRowError(ValueError):
    """A value of an export that is not what the field holds (`reason`: the row's reason)."""

    def __init__(self, reason: Reason):
        super().__init__(reason)
        self.reason = reason


def edition(header: list[str]) -> str | None:
    """`data` or `readable` when a header is an export's (the identity columns and nothing but
    exported fields), None for anything else (a survey)."""
    cells = [str(c or "").strip() for c in header]
    while cells and not cells[-1]:
        cells.pop()
    exported = [f for f in fields.FIELDS if f.exported]
    for name, names in (("data", {f.name: f.name for f in exported}),
                        ("readable", {f.label("fr"): f.name for f in exported})):
        if cells and all(c in names for c in cells) and set(IDENTITY) <= {names[c] for c in cells}:
            return name
    return None


def file_edition(path: Path) -> str | None:
    """The edition of an export file (CSV in UTF-8, or XLSX), None when it is not one."""
    if path.suffix.lower() != ".xlsx":  # a CSV export's header is one short line: look no further
        with open(path, "rb") as handle:
            head = handle.read(HEADER_BYTES)
        if b"\n" not in head:
            return None
        try:
            line = head.split(b"\n", 1)[0].decode("utf-8-sig")
        except UnicodeError:
            return None
        return edition(next(csv.reader([line], delimiter=";" if line.count(";") > line.count(",") else ",")))
    rows = None
    try:
        rows = _rows(path)
        header = next(rows, None)
    except Exception:  # a workbook that cannot be opened is the survey reader's to report
        return None
    finally:
        if rows is not None:
            rows.close()
    return edition(header) if header else None


def read(path: Path, block: int = BLOCK) -> Iterator[tuple[float, list[tuple[int, dict | str, dict]]]]:
    """Blocks of (row number, record or the reason it is refused, raw cells), with the share of the
    file read so far. Row numbers count the header as row 1, as a spreadsheet shows them."""
    rows = _rows(path)
    header = [str(c or "").strip() for c in next(rows)]
    chosen = edition(header)
    names = {f.label("fr"): f.name for f in fields.FIELDS} if chosen == "readable" else {f.name: f.name for f in fields.FIELDS}
    columns = [names.get(c) for c in header]
    size = max(1, path.stat().st_size)
    out: list[tuple[int, dict | str, dict]] = []
    for number, cells in enumerate(rows, start=2):
        if not any(str(c or "").strip() for c in cells):
            continue
        raw = {h: ("" if c is None else str(c)) for h, c in zip(header, cells) if h}
        try:
            out.append((number, record(dict(zip(columns, cells)), chosen), raw))
        except ExportRowError as error:
            out.append((number, error.reason, raw))
        if len(out) >= block:
            yield min(0.99, rows.share() if hasattr(rows, "share") else 0.5), out
            out = []
    if out:
        yield 1.0, out


def record(cells: dict[str | None, object], chosen: str) -> dict:
    """A partnership from the cells of one export row: codes, numbers and text as stored."""
    found: dict = {}
    for name, value in cells.items():
        if name is None or name in IGNORED:
            continue
        found[name] = value_of(fields.BY_NAME[name], value, chosen)
    for name in IDENTITY:
        if not found.get(name):
            raise ExportRowError(Reason("missing_field", field=name))
    if not FRENCH_ID.fullmatch(found["french_id"]):
        raise ExportRowError(Reason("not_a_french_id", code=found["french_id"]))
    found["partner_key"] = found.get("partner_key") or fold(found["partner_name"])
    for name in ("themes", "keywords"):
        found[name] = found.get(name) or ""
    return found


def value_of(field: fields.Field, value: object, chosen: str) -> object:
    """One cell as the registry stores it; ExportRowError when it cannot be."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(field, value)
    text = live(str(value))
    if field.type == "codes":
        items = [v.strip() for v in text.split(LIST_SEPARATOR[chosen].strip())]
        items = [v for v in items if v]
        if field.vocabulary:
            items = [_code(field, v) for v in items]
        return ";".join(items)
    if field.vocabulary:
        return _code(field, text.strip())
    if field.type in ("int", "float"):
        return _number(field, text.strip().replace(",", ".") if field.type == "float" else text.strip())
    return text


def _code(field: fields.Field, text: str) -> str | None:
    code = reference().code(field.vocabulary, text)
    if code is None:
        raise ExportRowError(Reason("unknown_value", field=field.name, text=text))
    return None if code == UNSPECIFIED else code  # « Non précisé » is stored as no status


def _number(field: fields.Field, value: object) -> int | float | str:
    try:
        if field.type == "int":
            return int(float(value))
        if field.type == "float":
            return float(value)
    except ValueError:
        raise ExportRowError(Reason("not_a_number", field=field.name, text=value)) from None
    return str(value)


class _CsvRows:
    """Rows of a CSV export (`,` or `;`, UTF-8 with or without a BOM), with the share read."""

    def __init__(self, path: Path):
        self.handle = open(path, "rb")
        self.size = max(1, path.stat().st_size)
        text = io.TextIOWrapper(self.handle, encoding="utf-8-sig", newline="")
        first = text.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        self.reader = csv.reader(_chain(first, text), delimiter=delimiter)

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        try:
            return next(self.reader)
        except StopIteration:
            self.handle.close()
            raise
        except csv.Error as error:  # a cell longer than the csv module's limit, a stray NUL
            raise SurveyError(f"line {self.reader.line_num}: {error}") from None

    def close(self) -> None:
        self.handle.close()

    def share(self) -> float:
        return self.handle.tell() / self.size if not self.handle.closed else 1.0


def _chain(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def _rows(path: Path):
    """An export's rows as lists of cells, header first."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    return _CsvRows(path)


def _xlsx_rows(path: Path) -> Iterator[list]:
    """The first sheet's rows, read by calamine once the workbook passed the survey reader's
    limits (zip bombs, sheets of more cells than memory holds: filecheck.py)."""
    from python_calamine import CalamineWorkbook

    check_workbook(path)
    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    for row in sheet.iter_rows():
        yield list(row)
