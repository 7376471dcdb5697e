"""Survey files → frames of canonical columns, whatever the format, encoding and layout.

A file yields one `SurveyChunk` per sheet (per block of rows for large CSVs), each with
the spreadsheet row number of every row, so that a reject can name it.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from .columns import ColumnMap, header_score
from .text import fold

HEADER_SEARCH_ROWS = 30
CHUNK_ROWS = 50_000
MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # an xlsx/ods larger than this unpacked is refused
MAX_PACK_RATIO = 200  # and so is one that inflates more than this (a zip bomb)
SEPARATORS = (";", ",", "\t", "|")
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ".dat", ""}
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}


class SurveyError(Exception):
    """A file that cannot be read as a survey table; the message says why, for a person."""


@dataclass
class SurveyChunk:
    """Rows of one sheet with canonical columns, `row` numbers and the raw cells."""

    source: str
    sheet: str
    frame: pd.DataFrame  # canonical columns + `row`
    raw: pd.DataFrame  # the original cells, headers as written, same index
    done: float = 1.0  # share of the file read once this chunk is worked on, for progress bars


def read_survey(path: Path | str, columns: ColumnMap) -> Iterator[SurveyChunk]:
    """Read every sheet of a survey file; SurveyError when the file is not a usable table.

    >>> for chunk in read_survey("tests/fixtures/reponses-2019.csv", ColumnMap.load()):
    ...     print(chunk.frame.columns[:3].tolist())
    ['row', 'french_name', 'departement']
    """
    path = Path(path)
    if not path.exists():
        raise SurveyError("file not found")
    if path.stat().st_size == 0:
        raise SurveyError("empty file")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK") or head.startswith(b"\xd0\xcf\x11\xe0"):
        yield from _read_workbook(path, columns)
    elif path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise SurveyError(f"not a valid {path.suffix} workbook")
    else:
        yield from _read_text(path, columns)


# --- workbooks -------------------------------------------------------------------------

def head_is_zip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"PK"


def _check_zip(path: Path) -> None:
    """Refuse zip bombs before any decompression."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
    except zipfile.BadZipFile:
        raise SurveyError("damaged workbook (not a valid zip archive)") from None
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 20_000_000 and unpacked / packed > MAX_PACK_RATIO):
        raise SurveyError(
            f"workbook refused: it unpacks to {unpacked // 1_000_000} MB "
            f"({unpacked // packed}× its size), more than a survey can hold"
        )


def _read_workbook(path: Path, columns: ColumnMap) -> Iterator[SurveyChunk]:
    from python_calamine import CalamineWorkbook

    if head_is_zip(path):
        _check_zip(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types per format
        raise SurveyError(f"unreadable workbook ({error})") from None
    found = rows_seen = 0
    for name in workbook.sheet_names:
        try:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as error:
            raise SurveyError(f"sheet {name!r} unreadable ({error})") from None
        rows = [[_cell_text(cell) for cell in row] for row in rows]
        located = _locate_header(rows[:HEADER_SEARCH_ROWS], columns)
        if located is None:
            continue  # an instructions or summary sheet
        found += 1
        header_index, mapping = located
        rows_seen += any(any(c not in (None, "") for c in row) for row in rows[header_index + 1:])
        chunk = _chunk(path.name, name, rows[header_index], rows[header_index + 1:],
                       header_index + 2, mapping, columns.checked)
        chunk.done = (workbook.sheet_names.index(name) + 1) / len(workbook.sheet_names)
        yield chunk
    if not found:
        raise SurveyError(_no_header_message(workbook_sheets=workbook.sheet_names))
    if not rows_seen:
        raise SurveyError("headers only: no data rows under the header")


def _cell_text(cell: object) -> str | None:
    """Workbook cells as the text a person sees; dates in ISO form."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, (dt.datetime, dt.date)):
        return cell.isoformat(sep=" ") if isinstance(cell, dt.datetime) else cell.isoformat()
    return str(cell)


# --- text files ------------------------------------------------------------------------

def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """BOMs first, then UTF-16 by its zero bytes, then strict UTF-8, else cp1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if sample.count(b"\x00") > len(sample) // 4:
        return "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if complete or error.start < len(sample) - 4:  # not a character cut at the sample's end
            return "cp1252"
    return "utf-8"


def _read_text(path: Path, columns: ColumnMap) -> Iterator[SurveyChunk]:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    if b"\x00" in sample and not (sample.count(b"\x00") > len(sample) // 4):
        raise SurveyError("not a table (binary content)")
    encoding = detect_encoding(sample, complete=len(sample) < 1 << 20)
    text = sample.decode(encoding, errors="replace")
    head_lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    best = None
    for separator in SEPARATORS:
        rows = list(csv.reader(head_lines, delimiter=separator))
        located = _locate_header(rows, columns)
        if located:
            score = header_score(located[1])
            if best is None or score > best[0]:
                best = (score, separator, located)
    if best is None:
        raise SurveyError(_no_header_message(first_line=head_lines[0] if head_lines else ""))
    _, separator, (header_index, mapping) = best
    size = path.stat().st_size
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=separator)
        for _ in range(header_index):
            next(reader, None)
        header = next(reader)
        batch: list[list[str]] = []
        first_row = header_index + 2
        for record in reader:
            batch.append(record)
            if len(batch) >= CHUNK_ROWS:
                chunk = _chunk(path.name, "", header, batch, first_row, mapping, columns.checked)
                chunk.done = min(handle.buffer.tell() / size, 1.0)
                yield chunk
                first_row += len(batch)
                batch = []
        if batch:
            yield _chunk(path.name, "", header, batch, first_row, mapping, columns.checked)
        elif first_row == header_index + 2:
            raise SurveyError("headers only: no data rows under the header")


# --- shared ----------------------------------------------------------------------------

def _locate_header(rows: list[list], columns: ColumnMap):
    """The row index that best looks like a header, with its column mapping."""
    best = None
    for index, row in enumerate(rows):
        mapping = columns.map_header(row)
        score = header_score(mapping)
        if score >= 4 and (best is None or score > best[0]):
            best = (score, index, mapping)
    return (best[1], best[2]) if best else None


def _no_header_message(workbook_sheets: list[str] | None = None, first_line: str = "") -> str:
    where = f" in sheets {', '.join(workbook_sheets)}" if workbook_sheets else ""
    shown = f" (first line: {first_line[:80]!r})" if first_line else ""
    return (
        f"no header row recognised{where}{shown}: expected columns such as "
        "'Collectivité française', 'Collectivité partenaire', 'Pays'. "
        "Add this template's headers to columns.toml in the instance folder"
    )


def _chunk(source: str, sheet: str, header: list, rows: list[list], first_row: int,
           mapping: dict[int, tuple[str, str | None]], checked: set[str]) -> SurveyChunk:
    """Build the canonical frame and the raw frame of a block of rows."""
    width = max([len(header)] + [len(r) for r in rows]) if rows else len(header)
    names = [str(h) if h not in (None, "") else f"column {i + 1}" for i, h in enumerate(header)]
    names += [f"column {i + 1}" for i in range(len(names), width)]
    names = _unique(names)
    padded = [list(r) + [None] * (width - len(r)) for r in rows]
    raw = pd.DataFrame(padded, columns=names, dtype=object)
    frame = pd.DataFrame(index=raw.index)
    frame["row"] = range(first_row, first_row + len(raw))
    flags = []
    for index, (field, label) in mapping.items():
        if field == "theme_flag":
            flags.append((raw.iloc[:, index], label))
        else:
            frame[field] = raw.iloc[:, index].values
    # drop rows where every cell is empty (spacer lines of spreadsheets)
    keep = raw.apply(lambda column: column.str.strip().fillna("") != "").any(axis=1)
    if flags:
        frame["theme_flags"] = _join_flags(flags, checked)
    return SurveyChunk(source, sheet, frame[keep].reset_index(drop=True), raw[keep].reset_index(drop=True))


def _join_flags(flags: list[tuple[pd.Series, str]], checked: set[str]) -> list[str | None]:
    marks = [(series.map(lambda v: v is not None and fold(str(v)) in checked), label) for series, label in flags]
    joined = []
    for position in range(len(flags[0][0])):
        labels = [label for mark, label in marks if mark.iat[position]]
        joined.append(";".join(labels) if labels else None)
    return joined


def _unique(names: list[str]) -> list[str]:
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
