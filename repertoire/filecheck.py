"""Survey files judged before anything reads them: a regular, non-empty file, and a workbook
whose size once opened is known.

Hostile files (issue 6; tests/drills/hostile_files.py) must meet a limit with a message, not a
traceback, a hang or unbounded memory, and a workbook cannot be bounded once calamine has it:
it holds the workbook's text (100 MB of it peaked at 650 MB) and reserves every cell from A1
to the farthest filled one (one cell at XFD1048576: 550 GB, and the process aborts). So an
xlsx or ods is measured first, its XML streamed in blocks and never parsed: its cells counted
as calamine would place them, a zip bomb or a zip directory of 100,000 parts refused, XML
entities (the billion laughs) refused. An OLE container is an Excel 97 file or a
password-protected xlsx; a file named .xls that is neither zip nor OLE is said for what it
is (web exports save HTML as .xls). xls and xlsb sheets are binary: surveys.py measures them
once read.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # an xlsx/ods larger unpacked is refused (100,000 rows: ~140 MB)
MAX_PACK_RATIO = 200  # and so is one that inflates more than this (a zip bomb)
MAX_ZIP_DIRECTORY = 4 << 20  # bytes of zip directory (~40,000 parts; a workbook has ~20)
MAX_CELLS = 4_000_000  # cells of a workbook from A1, empty ones included (a CSV has no such limit)
MAX_MARKUP_GAP = 4 << 20  # bytes of workbook XML without a tag: no cell is that long
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the container of .xls, and of password-protected .xlsx
PROTECTED = ("password-protected workbook: open it in a spreadsheet, remove the password "
             "and save it again")


class SurveyError(Exception):
    """A file that cannot be read as a survey table; the message says why, for a person."""


def check_file(path: Path | str) -> None:
    """SurveyError unless `path` is a non-empty regular file; a directory, a pipe or a device
    (`/dev/zero` never ends) is refused before anything reads it."""
    path = Path(path)
    if not path.exists():
        raise SurveyError("file not found")
    if not path.is_file():
        raise SurveyError("not a regular file (a directory, a device or a pipe)")
    if path.stat().st_size == 0:
        raise SurveyError("empty file")


def head_is_zip(path: Path) -> bool:
    """Whether the file starts as a zip archive (xlsx, ods) does."""
    with open(path, "rb") as handle:
        return handle.read(2) == b"PK"


def not_a_workbook(suffix: str, head: bytes) -> str:
    """Say what a file with a workbook's name really is: web exports often save HTML as .xls."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    save = "open it in a spreadsheet and save it as .xlsx or .csv"
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")):
        what = f"a web page (HTML) saved under a spreadsheet's name; {save}"
    elif text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        what = f"an Excel 2003 XML spreadsheet; {save}"
    elif b"\x00" not in head and sum(b < 32 and b not in b"\t\r\n" for b in head) == 0:
        what = "plain text; if it is a CSV export, rename it .csv"
    else:
        what = "its content is neither a zip (xlsx, ods) nor an Excel 97 file"
    return f"not a valid {suffix} workbook: {what}"


def check_workbook(path: Path) -> None:
    """SurveyError unless a zip (xlsx, ods) or OLE (xls) workbook can be opened within the limits."""
    if head_is_zip(path):
        _check_zip(path)
    else:
        _check_ole(path)


def _check_zip(path: Path) -> None:
    """Refuse zip bombs, zips that are no workbook, and sheets that unfold into more cells than
    memory holds, before calamine reads anything."""
    _check_zip_directory(path)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(info.file_size for info in infos)
            packed = sum(info.compress_size for info in infos) or 1
            if unpacked > MAX_UNPACKED_BYTES or unpacked > 20_000_000 and unpacked / packed > MAX_PACK_RATIO:
                raise SurveyError(
                    f"workbook refused: it unpacks to {unpacked // 1_000_000} MB "
                    f"({unpacked // packed}× its size), more than a survey can hold"
                )
            names = [info.filename for info in infos]
            if "content.xml" in names:  # OpenDocument: calamine reads all its sheets at once
                cells = _measure(archive, "content.xml", _ods_cells)
            elif "xl/workbook.xml" in names:  # every XML part, wherever a sheet may be stored
                cells = sum(_xlsx_cells(archive, name) for name in names if name.endswith(".xml"))
            elif "xl/workbook.bin" in names:
                return  # xlsb: binary sheets, measured once read
            else:
                shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
                raise SurveyError(f"a zip archive, not a workbook: no sheets inside ({shown or 'empty'})")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        raise SurveyError(f"damaged workbook (not a valid zip archive: {error})") from None
    if cells > MAX_CELLS:
        raise SurveyError(
            f"workbook refused: its sheets span {cells:,} cells (from A1 to the farthest filled "
            f"cell), more than the {MAX_CELLS:,} read here; a larger survey can be saved as CSV"
        )


def _check_zip_directory(path: Path) -> None:
    """A zip lists its parts at its end: a list of 100,000 parts is refused before it is read."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - 65_557))
        tail = handle.read()
    end, end64 = tail.rfind(b"PK\x05\x06"), tail.rfind(b"PK\x06\x06")
    if 0 <= end64 <= len(tail) - 56:  # zip64: more than 65,535 parts, or 4 GB
        parts, size = struct.unpack_from("<QQ", tail, end64 + 32)
    elif 0 <= end <= len(tail) - 22:
        parts, size = struct.unpack_from("<HI", tail, end + 10)
    else:
        return  # no directory: zipfile says the archive is damaged
    if size > MAX_ZIP_DIRECTORY:
        raise SurveyError(f"workbook refused: its zip directory lists {parts:,} parts ({size // 1_000_000} MB), "
                          "where a workbook has a few dozen")


def _measure(archive: zipfile.ZipFile, name: str, count: Callable[[Iterable[bytes]], int]) -> int:
    with archive.open(name) as stream:
        return count(_xml_blocks(stream, name))


def _xml_blocks(stream, name: str) -> Iterator[bytes]:
    """XML in blocks cut before a '<', so that no tag straddles two blocks."""
    carry = b""
    for number, block in enumerate(iter(lambda: stream.read(1 << 20), b"")):
        if number == 0 and b"<!ENTITY" in block:  # in the DOCTYPE, before the root element
            raise SurveyError(f"workbook refused: {name} declares XML entities (an XML bomb); "
                              "spreadsheets never write them")
        block = carry + block
        cut = block.rfind(b"<")
        if cut <= 0:
            cut = len(block) if cut < 0 else 0
        carry = block[cut:]
        if len(carry) > MAX_MARKUP_GAP:
            raise SurveyError(f"workbook refused: {name} holds {MAX_MARKUP_GAP >> 20} MB without markup, "
                              "a cell longer than any spreadsheet allows")
        yield block[:cut]
    yield carry


_ATTRS = rb"""((?:[^>"']+|"[^"]*"|'[^']*')*)>"""
_FIRST_R = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+r\s*=\s*["']([A-Za-z]{0,8})(\d{1,10})["']"""
_XLSX_TAG = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])" + _ATTRS)
_XLSX_REF = re.compile(_FIRST_R)
_XLSX_FIRST_R = re.compile(rb'<(?:c|row)(?=[\s/>])(?: r="([A-Za-z]{0,8})(\d{1,10})")?')  # its r if first
_ODS_TAG = re.compile(rb"<(?:/table:(table-row|table)>|table:(table-row|table-cell|covered-table-cell|table)"
                      rb"(?=[\s/>])" + _ATTRS + rb")")  # a cell's end tag is not needed
_ODS_REPEAT = re.compile(rb"""number-(?:rows|columns)-repeated\s*=\s*["'](\d{1,10})["']""")


def _xlsx_cells(archive: zipfile.ZipFile, name: str) -> int:
    """Rows × columns calamine allocates for one xlsx part. A quick pass takes the largest `r`
    of all (a 100,000-row sheet in 1 s); when a cell or row has none, or that bound is too
    large, a second pass places the cells one by one as calamine does."""
    bound = _measure(archive, name, _xlsx_bound)
    return bound if bound is not None and bound <= MAX_CELLS else _measure(archive, name, _xlsx_extent)


def _xlsx_bound(blocks: Iterable[bytes]) -> int | None:
    """The largest row × the largest column any `r` names; None unless each tag has its `r`
    first, as Excel, LibreOffice and openpyxl write it (prefixed tags, `<x:c`, go to the slow pass)."""
    rows, letters = 0, set()
    for block in blocks:
        if b":c " in block or b":c>" in block or b":row" in block:
            return None
        if found := _XLSX_FIRST_R.findall(block):
            columns, numbers = zip(*found, strict=True)
            if b"" in numbers:
                return None
            rows = max(rows, max(map(int, numbers)))
            letters.update(columns)
    return rows * max((_column_index(column) + 1 for column in letters if column), default=0)


def _xlsx_extent(blocks: Iterable[bytes]) -> int:
    """Rows × columns calamine allocates: it puts a cell at its `r` (`C7`), a cell without one
    after the previous; empty cells (`<c r="XFD9" s="1"/>`) do not count."""
    row = -1
    column = rows = columns = 0
    for block in blocks:
        for tag, attrs in _XLSX_TAG.findall(block):
            ref = _XLSX_REF.match(attrs)
            if tag == b"row":
                row = int(ref[2]) - 1 if ref else row + 1
                column = 0
                continue
            at_row, at_column = row, column
            if ref and ref[1]:
                at_row, at_column = int(ref[2]) - 1, _column_index(ref[1])
            column = at_column + 1
            if not attrs.endswith(b"/"):
                rows, columns = max(rows, at_row + 1), max(columns, at_column + 1)
    return rows * columns


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + letter - 64
    return index - 1


def _ods_cells(blocks: Iterable[bytes]) -> int:
    """Cells calamine allocates for an ODS: `number-rows-repeated` and `-columns-repeated` unfold
    rows and cells with a value (a repeated empty filler row does not count); all sheets."""
    total = depth = row = rows = columns = 0
    repeat, column, filled, stack = 1, 0, 0, []
    for block in blocks:
        for closing, tag, attrs in _ODS_TAG.findall(block):
            times = int(m[1]) if b"repeated" in attrs and (m := _ODS_REPEAT.search(attrs)) else 1
            if tag in (b"table-cell", b"covered-table-cell"):
                if b"value-type" in attrs:
                    filled = column + times
                column += times
            elif closing == b"table" or tag == b"table":
                if closing:
                    depth -= 1
                    if depth == 0:
                        total += rows * columns
                elif not attrs.endswith(b"/"):
                    depth += 1
                    if depth == 1:
                        row = rows = columns = 0
            elif closing or attrs.endswith(b"/"):  # a row ends
                if not closing:
                    repeat, filled = times, 0
                if filled:
                    rows, columns = max(rows, row + repeat), max(columns, filled)
                row += repeat
                if closing and stack:
                    repeat, column, filled = stack.pop()
            else:  # rows nest in cells of nested tables: the outer row is restored after
                stack.append((repeat, column, filled))
                repeat, column, filled = times, 0, 0
    return total + (rows * columns if depth else 0)


def _check_ole(path: Path) -> None:
    """An Excel 97 container: a password-protected xlsx is one too ('EncryptedPackage')."""
    name = "EncryptedPackage".encode("utf-16-le")
    with open(path, "rb") as handle:
        previous = b""
        for block in iter(lambda: handle.read(1 << 20), b""):
            if name in previous[-len(name):] + block:
                raise SurveyError(PROTECTED)
            previous = block
    if path.suffix.lower() not in (".xls", ""):
        raise SurveyError(f"not a valid {path.suffix} workbook: it is an Excel 97 file; rename it .xls")
