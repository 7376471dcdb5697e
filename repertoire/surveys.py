"""Survey files → frames of canonical columns, whatever the format, encoding and layout.

A file yields one `SurveyChunk` per sheet (per block of rows for large CSVs), each with
the spreadsheet row number of every row, so that a reject can name it.

Hostile files (issue 6; tests/drills/hostile_files.py) meet a limit with a message instead of
a traceback, a hang or unbounded memory: a file is judged before it is read (filecheck.py:
a workbook is measured before calamine opens it), blocks of rows are bounded in rows, cells
and characters, and a CSV record in characters and columns.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as _field
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from .columns import ColumnMap, Layout, column_names
from .tables import HEADER_SEARCH_CELLS, PROFILE_ROWS, locate_header, profile_rows, regularity, sheet_layout
from .filecheck import (MAX_CELLS, OLE_MAGIC, PROTECTED, WORKBOOK_SUFFIXES, SurveyError, check_file, check_workbook,
                        not_a_workbook)
from .profiling import Profiler
from .text import fold

HEADER_SEARCH_ROWS = 30
# Rows worked on and saved together. Small enough that the index feed (index/feed.py) gets
# the first rows early and indexes on the other core for most of the ingest (at 50,000 it
# started after half of a 100,000-row file); large enough that a block's fixed costs
# (pandas steps, registry look-ups) stay small.
CHUNK_ROWS = 10_000
# The first blocks are smaller, each twice the one before up to CHUNK_ROWS: the feed has its
# first rows to index sooner (the first block also pays for loading the places its rows
# name, most of a second: until then the other core has nothing to do), and that core does
# not wait a whole CHUNK_ROWS block for its second (100,000 rows: it waited 1.1 s).
FIRST_CHUNK_ROWS = 500
CHUNK_CELLS = 2_000_000  # and fewer rows per block when rows are wide (10,000 columns: 200 rows)
CHUNK_CHARS = 16_000_000  # or long: a block takes ~10 bytes a character once ingested (2 KB rows: 8,000)
MAX_COLUMNS = 16_384  # a row wider than a spreadsheet can be is refused
MAX_CELL_CHARS = 131_072  # the csv module's field limit, applied to workbooks too
MAX_RECORD_CHARS = 1 << 20  # a CSV record longer than this (a line with no end) is refused
SEPARATORS = (";", ",", "\t", "|")
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ".dat", ""}


@dataclass
class SurveyChunk:
    """Rows of one sheet with canonical columns, `row` numbers and the raw cells."""

    source: str
    sheet: str
    frame: pd.DataFrame  # canonical columns + `row`
    raw: pd.DataFrame  # the original cells, headers as written, same index
    done: float = 1.0  # share of the file read once this chunk is worked on, for progress bars
    layout: dict[str, tuple[str, str | None]] = _field(default_factory=dict)  # column name → (field, theme label)


@dataclass
class Table:
    """A sheet's table as found: its header row, the layout of its columns, and its rows still
    to read (`chunks`). `header_row` is the spreadsheet row number of the header."""

    source: str
    sheet: str
    header_row: int
    header: list
    layout: Layout
    records: Iterable[list]
    checked: set[str]
    done: Callable[[int], float]

    def problem(self) -> str | None:
        """The file-level message when the table misses a required field, naming the sheet."""
        problem = self.layout.problem()
        return f"sheet {self.sheet!r}: {problem}" if problem and self.sheet else problem

    def chunks(self) -> Iterator[SurveyChunk]:
        """The rows under the header, in bounded blocks."""
        yield from _batches(self.source, self.sheet, self.header, self.records, self.header_row + 1,
                            self.layout.mapping(), self.checked, self.done)


def read_survey(path: Path | str, columns: ColumnMap, references=None) -> Iterator[SurveyChunk]:
    """Read every sheet of a survey file; SurveyError when the file is not a usable table, or
    when a table lacks a required column (one message naming the columns seen).

    `references` (ingest.References) gives the reference data that columns are profiled
    against; without it a default set is loaded once.

    >>> for chunk in read_survey("tests/fixtures/reponses-2019.csv", ColumnMap.load()):
    ...     print(chunk.frame.columns[:3].tolist())
    ['row', 'french_name', 'departement']
    """
    filled = 0
    for table in read_tables(path, columns, references):
        if problem := table.problem():
            raise SurveyError(problem)
        for chunk in table.chunks():
            filled += len(chunk.frame)
            yield chunk
    if not filled:
        raise SurveyError("headers only: no data rows under the header")


def read_tables(path: Path | str, columns: ColumnMap, references=None) -> Iterator[Table]:
    """The tables of a survey file, one per sheet that holds one, columns recognised; their
    rows are read only as `Table.chunks()` is consumed (inspect.py reads layouts alone)."""
    path = Path(path)
    check_file(path)
    profiler = _profiler(references, columns)
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith((b"PK", OLE_MAGIC)):
        yield from _read_workbook(path, columns, profiler)
    elif path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise SurveyError(not_a_workbook(path.suffix, head))
    else:
        yield from _read_text(path, columns, profiler)


def _profiler(references, columns: ColumnMap) -> Profiler:
    if references is None:
        return Profiler.from_references(_default_references(), columns.checked)
    return Profiler.from_references(references, columns.checked)


@lru_cache(maxsize=1)
def _default_references() -> SimpleNamespace:
    """Reference data for profiling when the caller gives none (loaded once, ~0.6 s)."""
    from .countries import Countries
    from .gazetteer import Gazetteer
    from .normalize import Vocabulary
    from .places import FrenchPlaces

    return SimpleNamespace(places=FrenchPlaces(), countries=Countries(), gazetteer=Gazetteer(),
                           vocabulary=Vocabulary())


# --- workbooks -------------------------------------------------------------------------

def _read_workbook(path: Path, columns: ColumnMap, profiler: Profiler) -> Iterator[Table]:
    from python_calamine import CalamineWorkbook, PasswordError

    check_workbook(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except PasswordError:
        raise SurveyError(PROTECTED) from None
    except Exception as error:  # calamine raises its own error types per format
        raise SurveyError(f"unreadable workbook ({error})") from None
    names = workbook.sheet_names
    found, skipped = 0, None
    for number, name in enumerate(names):
        try:
            sheet = workbook.get_sheet_by_name(name)
        except PasswordError:
            raise SurveyError(PROTECTED) from None
        except Exception as error:
            raise SurveyError(f"sheet {name!r} unreadable ({error})") from None
        height = (sheet.end[0] + 1) if sheet.end else 0
        if height * ((sheet.end[1] + 1) if sheet.end else 0) > MAX_CELLS:  # xls, xlsb: read, now measured
            raise SurveyError(f"sheet {name!r} refused: it spans more than {MAX_CELLS:,} cells; "
                              "a larger survey can be saved as CSV")
        rows = (list(map(_cell_text, row)) for row in sheet.iter_rows())  # converted one at a time
        head = list(islice(rows, HEADER_SEARCH_ROWS))
        located = locate_header(head, columns, profiler)
        if located is None:
            continue  # an instructions or summary sheet
        header_index, group_index = located
        head += islice(rows, max(0, header_index + 1 + profile_rows(head[header_index]) - len(head)))
        layout = sheet_layout(head, header_index, group_index, columns, profiler)
        if layout.found() < 2:  # a table, but not of partnerships (a summary per country, members)
            skipped = skipped or f"sheet {name!r}: {layout.problem()}"
            continue
        found += 1
        records = chain(head[header_index + 1:], rows)

        def done(last_row: int, number: int = number, height: int = height) -> float:
            return (number + min(last_row / max(height, 1), 1.0)) / len(names)

        yield Table(path.name, name, header_index + 1, head[header_index], layout, records, columns.checked, done)
    if not found:
        raise SurveyError(skipped or _no_header_message(workbook_sheets=names))


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

def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 in a UTF-8 file are read as cp1252: two exports pasted together."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("repertoire.cp1252", _cp1252_fallback)
_UTF8_ACCENT = re.compile(rb"\xc3[\x80-\xbf]")  # é, è, à, ç… in UTF-8; 'Ã' + a sign in cp1252
_NOT_TEXT = [chr(c) for c in range(32) if chr(c) not in "\t\n\r\x0b\x0c\x1a"] + ["\ufffd"]


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """BOMs first, then UTF-16 by its zero bytes, then strict UTF-8, else cp1252.

    A sample with UTF-8 accents and bytes that are not UTF-8 is UTF-8 with pieces of cp1252
    (read with the `repertoire.cp1252` error handler; see `text_errors`).
    """
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
            return "utf-8" if _UTF8_ACCENT.search(sample) else "cp1252"
    return "utf-8"


def text_errors(encoding: str) -> str:
    """The decoding error handler for an encoding `detect_encoding` gave."""
    return "repertoire.cp1252" if encoding.startswith("utf-8") else "replace"


def _read_text(path: Path, columns: ColumnMap, profiler: Profiler) -> Iterator[Table]:
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    encoding = detect_encoding(sample, complete=len(sample) < 1 << 20)
    if b"\x00" in sample and not encoding.startswith("utf-16"):
        raise SurveyError("not a table (binary content: NUL bytes)")
    errors = text_errors(encoding)
    text = sample.decode(encoding, errors=errors)
    if sum(map(text.count, _NOT_TEXT)) > len(text) // 100:
        raise SurveyError("not a table (binary content)")
    lines = text.splitlines()
    if len(sample) == 1 << 20:
        lines = lines[:-1]  # the sample may end inside a line
    head_lines = lines[:HEADER_SEARCH_ROWS]
    best = None
    for separator in SEPARATORS:
        rows = _head_rows(head_lines, separator)
        located = locate_header(rows, columns, profiler)
        if located:
            score = (columns.row_evidence(rows[located[0]][:HEADER_SEARCH_CELLS]), regularity(rows))
            if best is None or score > best[0]:
                best = (score, separator, located)
    if best is None:
        raise SurveyError(_no_header_message(first_line=head_lines[0] if head_lines else ""))
    _, separator, (header_index, group_index) = best
    head = _head_rows(lines[:HEADER_SEARCH_ROWS + PROFILE_ROWS + 1], separator)
    layout = sheet_layout(head, header_index, group_index, columns, profiler)
    size = path.stat().st_size
    with open(path, encoding=encoding, errors=errors, newline="") as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines, delimiter=separator)
        records = _records(reader, lines)
        for _ in range(header_index):
            next(records, None)
        header = next(records, None)
        if header is None:  # the lines above it were one record: a quote opened and never closed
            raise SurveyError(f"line {reader.line_num}: a quote opened above the header row is never closed")
        yield Table(path.name, "", header_index + 1, header, layout, records, columns.checked,
                    lambda _: min(handle.buffer.tell() / size, 1.0))


def _head_rows(lines: list[str], separator: str) -> list[list[str]]:
    """The first rows split by `separator`; a cell too long for csv ends them, not the search."""
    reader = csv.reader(lines, delimiter=separator)
    rows = []
    while True:
        try:
            rows.append(next(reader))
        except (StopIteration, csv.Error):
            return rows


class _RecordTooLong(Exception):
    pass


class _Lines:
    """A text file's lines for csv.reader, refusing a record longer than MAX_RECORD_CHARS
    (a 200 MB line without a line break, a quote never closed) before it is in memory."""

    def __init__(self, handle) -> None:
        self.handle, self.used = handle, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.handle.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used > MAX_RECORD_CHARS:
            raise _RecordTooLong
        return line


def _records(reader, lines: _Lines) -> Iterator[list[str]]:
    """csv records; a limit broken is said with the line where its record starts."""
    while True:
        lines.used, line = 0, reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except _RecordTooLong:
            raise SurveyError(f"line {line}: a row of more than {MAX_RECORD_CHARS:,} characters (a line "
                              "that never ends, or a quote never closed): not a survey table") from None
        except csv.Error as error:
            if "field limit" not in str(error):
                raise SurveyError(f"line {line}: unreadable ({error})") from None
            raise SurveyError(f"line {line}: a cell of more than {MAX_CELL_CHARS:,} characters, longer than "
                              "any survey answer (or a quote opened and never closed)") from None
        yield record


# --- shared ----------------------------------------------------------------------------

def _no_header_message(workbook_sheets: list[str] | None = None, first_line: str = "") -> str:
    where = f" in sheets {', '.join(workbook_sheets)}" if workbook_sheets else ""
    shown = f" (first line: {first_line[:80]!r})" if first_line else ""
    return (
        f"no header row recognised{where}{shown}: expected columns such as "
        "'Collectivité française', 'Collectivité partenaire', 'Pays'. "
        "Add this template's headers to columns.toml in the instance folder"
    )


def _batches(source: str, sheet: str, header: list, records: Iterable[list], first_row: int,
             mapping: dict[int, tuple[str, str | None]], checked: set[str],
             done: Callable[[int], float]) -> Iterator[SurveyChunk]:
    """Records in chunks of at most CHUNK_ROWS rows (FIRST_CHUNK_ROWS the first, then twice as many each), CHUNK_CELLS
    cells and CHUNK_CHARS characters (at least one chunk, empty for a header alone); `done(last row)` is the share of the file read."""
    where = f"sheet {sheet!r}, " if sheet else ""
    if len(header) > MAX_COLUMNS:
        raise SurveyError(f"{where}a header of {len(header):,} columns, more than a spreadsheet's {MAX_COLUMNS:,}")
    batch: list[list] = []
    width, chars, yielded = len(header), 0, False
    rows = min(FIRST_CHUNK_ROWS, CHUNK_ROWS)
    for record in records:
        size = sum(map(len, filter(None, record)))
        if len(record) > MAX_COLUMNS or size > MAX_CELL_CHARS:
            row = f"{where}row {first_row + len(batch)}"
            if len(record) > MAX_COLUMNS:
                raise SurveyError(f"{row}: {len(record):,} cells, more than a spreadsheet's "
                                  f"{MAX_COLUMNS:,} columns")
            if max(map(len, filter(None, record))) > MAX_CELL_CHARS:
                raise SurveyError(f"{row}: a cell of more than {MAX_CELL_CHARS:,} characters, "
                                  "longer than any survey answer")
        batch.append(record)
        width, chars = max(width, len(record)), chars + size
        if len(batch) >= rows or len(batch) * width >= CHUNK_CELLS or chars >= CHUNK_CHARS:
            chunk = rows_chunk(source, sheet, header, batch, first_row, mapping, checked)
            first_row += len(batch)
            chunk.done, batch, width, chars, yielded = done(first_row - 1), [], len(header), 0, True
            rows = min(2 * rows, CHUNK_ROWS)
            yield chunk
    if batch or not yielded:
        chunk = rows_chunk(source, sheet, header, batch, first_row, mapping, checked)
        chunk.done = done(first_row + len(batch) - 1)
        yield chunk


def rows_chunk(source: str, sheet: str, header: list, rows: list[list], first_row: int,
           mapping: dict[int, tuple[str, str | None]], checked: set[str]) -> SurveyChunk:
    """Build the canonical frame and the raw frame of a block of rows; review.py rebuilds a
    rejected row with it, as reading its file did.

    `rows` are cells as read under `header`, the first at spreadsheet row `first_row`;
    `mapping` is `ColumnMap.map_header(header)` and `checked` the values that tick a theme
    box. Rows whose cells are all empty are dropped.

    >>> header = ["Collectivité française", "Pays"]
    >>> columns = ColumnMap.load()
    >>> rows_chunk("f.csv", "", header, [["Caen", "Allemagne"]], 2, columns.map_header(header),
    ...            columns.checked).frame.to_dict("records")
    [{'row': 2, 'french_name': 'Caen', 'partner_country': 'Allemagne'}]
    """
    width = max([len(header)] + [len(r) for r in rows]) if rows else len(header)
    names = column_names(header, width)
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
    # drop rows where every cell is empty (spacer lines of spreadsheets); per row in Python,
    # as fast as per column in pandas at 20 columns and 50 times faster at 10,000
    keep = pd.Series([any(isinstance(cell, str) and cell.strip() for cell in row) for row in padded],
                     index=raw.index, dtype=bool)
    if flags:
        frame["theme_flags"] = _join_flags(flags, checked)
    return SurveyChunk(source, sheet, frame[keep].reset_index(drop=True), raw[keep].reset_index(drop=True),
                       layout={names[index]: meaning for index, meaning in mapping.items()})


def _join_flags(flags: list[tuple[pd.Series, str]], checked: set[str]) -> list[str | None]:
    marks = [(series.map(lambda v: v is not None and fold(str(v)) in checked), label) for series, label in flags]
    joined = []
    for position in range(len(flags[0][0])):
        labels = [label for mark, label in marks if mark.iat[position]]
        joined.append(";".join(labels) if labels else None)
    return joined
