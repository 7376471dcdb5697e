"""Partnerships out as CSV, XLSX, JSON, GeoJSON and GeoPackage: streamed, every cell made inert, and only
the fields the reader's role may see (repertoire.fields).

Two editions of the tables, both read back by `repertoire ingest` with no loss (readback.py):
- `data`: field names as headers, codes as values (`partner_country=JP`, `themes=eau;culture`),
  comma-separated — for programs;
- `readable`: French headers and names (`Pays=Japon`, `Thématiques=Eau et assainissement ;
  Culture et patrimoine`, decimal commas), `;`-separated, UTF-8 with a BOM — what French
  spreadsheet software opens as columns with its accents right.

Rows are written as they come from an iterator (`Registry.stream`), so memory stays bounded
whatever the number of partnerships (XLSX goes through a temporary file, openpyxl's
write-only mode).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from . import fields
from .reference import reference

REJECT_COLUMNS: tuple[str, ...] = ("source", "sheet", "row", "reason", "raw")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INERT_MARK = "'"
NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")  # a negative coordinate with a decimal comma runs nothing
LIST_SEPARATOR = {"data": ";", "readable": " ; "}  # themes, keywords, sources in one cell
EDITIONS = ("data", "readable")
CHUNK = 1 << 16  # bytes gathered before a piece of a stream is handed on


def inert(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe; so does a cell that
    already starts with one, so that reading back (`live`) gives the value exactly.

    >>> inert("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS + (INERT_MARK,)) and not NUMBER.fullmatch(value):
        return INERT_MARK + value
    return value


def live(text: str) -> str:
    """The value of a cell `inert` wrote: its apostrophe taken off (readback.py)."""
    if text.startswith(INERT_MARK) and text[1:].startswith(FORMULA_STARTS + (INERT_MARK,)):
        return text[1:]
    return text


def columns(role: str) -> tuple[str, ...]:
    """The exported fields `role` may see, in the table's order."""
    return fields.names(role, exported=True)


def header(name: str, edition: str, lang: str = "fr") -> str:
    return fields.BY_NAME[name].label(lang) if edition == "readable" else name


def cell(name: str, value: object, edition: str, lang: str = "fr") -> object:
    """One value as the edition writes it: codes, or names with decimal commas (readable)."""
    if value is None or value == "":
        return ""
    field = fields.BY_NAME.get(name)
    if field is None or edition == "data":
        return value
    if field.type == "codes":
        items = [v for v in str(value).split(";") if v]
        if field.vocabulary:
            items = [reference().name(field.vocabulary, v, lang) for v in items]
        return LIST_SEPARATOR["readable"].join(items)
    if field.vocabulary:
        return reference().name(field.vocabulary, str(value), lang)
    if field.type == "float":
        return str(value).replace(".", ",")
    return value


def export_rows(partnerships: Iterable[dict], sources: dict[str, list[str]] | None = None,
                contacts: bool = False) -> list[dict]:
    """Partnerships as flat rows of the data edition (public fields; members' with `contacts`)."""
    names = columns("member" if contacts else "public")
    return [{c: (";".join((sources or {}).get(p["id"], [])) if c == "sources" else p.get(c)) for c in names}
            for p in partnerships]


def _values(records: Iterable[dict], names: tuple[str, ...], edition: str) -> Iterator[list]:
    for record in records:
        yield [inert(_plain(cell(n, record.get(n), edition))) for n in names]


def csv_chunks(records: Iterable[dict], role: str = "public", edition: str = "data") -> Iterator[bytes]:
    """A CSV file in pieces: UTF-8 with a BOM; `,` (data) or `;` (readable)."""
    names = columns(role)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if edition == "readable" else ",", lineterminator="\r\n")
    writer.writerow([header(n, edition) for n in names])
    first = True
    for row in _values(records, names, edition):
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")
            first = False
            buffer.seek(0)
            buffer.truncate()
    yield (("\ufeff" if first else "") + buffer.getvalue()).encode("utf-8")


def xlsx_file(records: Iterable[dict], role: str = "public", edition: str = "readable") -> Path:
    """An XLSX workbook written row by row to a temporary file (the caller deletes it)."""
    from openpyxl import Workbook

    names = columns(role)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Partenariats")
    sheet.append([header(n, edition) for n in names])
    for row in _values(records, names, edition):
        sheet.append([_number(n, v, edition) for n, v in zip(names, row)])
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="repertoire-export-")
    os.close(handle)
    workbook.save(path)
    return Path(path)


def xlsx_chunks(records: Iterable[dict], role: str = "public", edition: str = "readable") -> Iterator[bytes]:
    path = xlsx_file(records, role, edition)
    try:
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
    finally:
        path.unlink(missing_ok=True)


def json_chunks(records: Iterable[dict], role: str = "public", edition: str = "data") -> Iterator[bytes]:
    """A JSON array of objects (codes), one partnership a line."""
    names = columns(role)
    yield b"["
    for i, record in enumerate(records):
        row = {n: record.get(n) for n in names}
        yield (("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False, default=str)).encode("utf-8")
    yield b"\n]\n"


def geojson_chunks(records: Iterable[dict], role: str = "public", edition: str = "data") -> Iterator[bytes]:
    """A FeatureCollection of great-circle links (repertoire/geodata.py: the GeoDataFrame of the
    maps and the GeoPackage), one feature per partnership, a null geometry when an end is not
    placed; made a block of partnerships at a time."""
    from .geodata import GEOMETRIES, geodataframe

    names = columns(role)
    yield b'{"type": "FeatureCollection", "features": ['
    first = True
    for block in _blocks(records):
        frame = geodataframe([{n: r.get(n) for n in names} for r in block])
        part = frame[[c for c in frame.columns if c not in GEOMETRIES]].set_geometry(frame["link"])
        pieces = []
        for feature in part.iterfeatures(na="null", drop_id=True):
            pieces.append(("" if first else ",") + "\n" + json.dumps(feature, ensure_ascii=False, default=str))
            first = False
        yield "".join(pieces).encode("utf-8")
    yield b"\n]}\n"


def gpkg_chunks(records: Iterable[dict], role: str = "public", edition: str = "data") -> Iterator[bytes]:
    """A GeoPackage for QGIS (layers `liens`, `collectivites`, `partenaires`: geodata.write_gpkg).
    SQLite is written whole to a temporary file, then read out in pieces."""
    from .geodata import geodataframe, write_gpkg

    names = columns(role)
    with tempfile.TemporaryDirectory(prefix="repertoire-gpkg-") as folder:
        path = Path(folder) / "partenariats.gpkg"
        write_gpkg(geodataframe([{n: r.get(n) for n in names} for r in records]), path)
        with open(path, "rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")


def _blocks(records: Iterable[dict], size: int = 2000) -> Iterator[list[dict]]:
    block: list[dict] = []
    for record in records:
        block.append(record)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


@dataclass(frozen=True)
class Format:
    """One export format: its media type, file extension and writer of pieces."""

    mimetype: str
    extension: str
    chunks: Callable[..., Iterator[bytes]]
    editions: tuple[str, ...] = ("data",)


FORMATS: dict[str, Format] = {
    "csv": Format("text/csv; charset=utf-8", "csv", csv_chunks, EDITIONS),
    "xlsx": Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", xlsx_chunks, EDITIONS),
    "json": Format("application/json", "json", json_chunks),
    "geojson": Format("application/geo+json", "geojson", geojson_chunks),
    "gpkg": Format("application/geopackage+sqlite3", "gpkg", gpkg_chunks),
}
BINARY_FORMATS = ("xlsx", "gpkg")  # written to a file, never to a terminal


def stream(records: Iterable[dict], fmt: str, role: str = "public", edition: str = "data") -> Iterator[bytes]:
    """An export in pieces, as a web response or a file takes them."""
    chosen = FORMATS[fmt]
    return chosen.chunks(records, role, edition if edition in chosen.editions else "data")


def write(records: Iterable[dict], fmt: str, out: BinaryIO, role: str = "public", edition: str = "data") -> int:
    """Write an export to an open binary file; the number of bytes written."""
    size = 0
    for piece in stream(records, fmt, role, edition):
        out.write(piece)
        size += len(piece)
    return size


def to_csv(rows: list[dict], columns_: Iterable[str] | None = None) -> str:
    """Any rows (rejects, duplicates) as CSV text, cells made inert."""
    names = list(columns_ or (rows[0].keys() if rows else ()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: inert(_plain(v)) for k, v in row.items()})
    return buffer.getvalue()


def _plain(value: object) -> object:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _number(name: str, value: object, edition: str) -> object:
    """Coordinates as numbers in a workbook (the readable CSV writes them with decimal commas)."""
    field = fields.BY_NAME.get(name)
    if field and field.type == "float" and isinstance(value, str) and value:
        return float(value.replace(",", "."))
    return value
