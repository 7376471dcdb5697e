"""Partnerships and rejects out as CSV, XLSX, JSON, GeoJSON and GeoPackage, with every spreadsheet cell made inert."""
from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Iterable


# The columns of `repertoire export` (the CLI contract), contacts last and optional.
EXPORT_COLUMNS: tuple[str, ...] = (
    "id", "french_id", "french_name", "french_type", "departement", "region",
    "partner_name", "partner_native", "partner_country", "partner_region", "kind", "status",
    "since", "until", "themes", "keywords", "description", "projects", "funding",
    "french_lat", "french_lon", "partner_lat", "partner_lon", "sources",
)
REJECT_COLUMNS: tuple[str, ...] = ("source", "sheet", "row", "reason", "raw")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: object) -> object:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe.

    >>> inert("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(partnerships: Iterable[dict], sources: dict[str, list[str]] | None = None,
                contacts: bool = False) -> list[dict]:
    """Partnerships as flat rows in export order; contacts only when asked (members)."""
    columns = EXPORT_COLUMNS + (("contacts",) if contacts else ())
    rows = []
    for record in partnerships:
        row = {c: record.get(c) for c in columns}
        row["sources"] = ";".join((sources or {}).get(record["id"], []))
        rows.append(row)
    return rows


def to_csv(rows: list[dict], columns: Iterable[str] | None = None) -> str:
    columns = list(columns or (rows[0].keys() if rows else EXPORT_COLUMNS))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: inert(_cell(v)) for k, v in row.items()})
    return buffer.getvalue()


def to_xlsx(rows: list[dict], columns: Iterable[str] | None = None) -> bytes:
    from openpyxl import Workbook

    columns = list(columns or (rows[0].keys() if rows else EXPORT_COLUMNS))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Partenariats")
    sheet.append(columns)
    for row in rows:
        sheet.append([inert(_cell(row.get(c))) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1, default=str)


def to_geojson(rows: list[dict]) -> str:
    """One great-circle line per partnership with both ends placed, others with a null geometry
    (repertoire/geodata.py: the same GeoDataFrame as the GeoPackage and the maps)."""
    from .geodata import geodataframe, to_geojson as frame_to_geojson

    return frame_to_geojson(geodataframe(rows))


def to_gpkg(rows: list[dict]) -> bytes:
    """A GeoPackage for QGIS: layers `liens` (arcs), `collectivites` and `partenaires` (points)."""
    from .geodata import geodataframe, write_gpkg

    with tempfile.TemporaryDirectory(prefix="repertoire-gpkg-") as folder:
        path = Path(folder) / "partenariats.gpkg"
        write_gpkg(geodataframe(rows), path)
        return path.read_bytes()


def _cell(value: object) -> object:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv", lambda rows: to_csv(rows).encode("utf-8-sig")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", to_xlsx),
    "json": ("application/json", "json", lambda rows: to_json(rows).encode()),
    "geojson": ("application/geo+json", "geojson", lambda rows: to_geojson(rows).encode()),
    "gpkg": ("application/geopackage+sqlite3", "gpkg", to_gpkg),
}
BINARY_FORMATS = ("xlsx", "gpkg")  # written to a file, never to a terminal


def write(rows: list[dict], fmt: str, path: Path | None = None) -> bytes:
    """Serialise rows in one of FORMATS; written to `path` when given."""
    data = FORMATS[fmt][2](rows)
    if path is not None:
        Path(path).write_bytes(data)
    return data
