"""Where a sheet's table is: its header row — under title lines, under a group heading, or
made of codes — and the sample of rows under it that its columns are recognised on."""
from __future__ import annotations

from .columns import ColumnMap, Layout
from .profiling import Profiler
from .templates import signature

PROFILE_ROWS = 200  # data rows under the header whose values are profiled (profiling.py)
PROFILE_CELLS = 50_000  # and fewer when rows are wide: profiling costs the same on any file
DATA_CELLS = 50  # cells of a row looked at to tell data from a header
HEADER_SEARCH_CELLS = 1_000  # cells of a row looked at for a header (10,000 columns took 13 s)


def regularity(rows: list[list[str]]) -> int:
    """How table-like rows split by a separator are: cells of the rows of the commonest width."""
    widths = [len(r) for r in rows if len(r) > 1]
    if not widths:
        return 0
    common = max(set(widths), key=widths.count)
    return common * widths.count(common)


def locate_header(rows: list[list], columns: ColumnMap, profiler: Profiler) -> tuple[int, int | None] | None:
    """(header row index, heading row index above it or None), or None when no table is found.

    The row whose headers best name partnership fields, when one does; the row under it
    instead when that row is also a header with more cells (a group heading above the real
    header: `Partenaire` spanning `Nom`, `Pays`); else, for headers of no known word (`q1`,
    `Column7`), the first wide row that is not data: its columns are then read by content.
    A saved template's header row is taken first.
    """
    if columns.templates is not None:
        for index, row in enumerate(rows):
            if len(_filled(row)) >= 2 and columns.templates.get(signature(row)) is not None:
                return index, None
    evidence = [columns.row_evidence(row[:HEADER_SEARCH_CELLS]) for row in rows]
    filled = [len(_filled(row[:HEADER_SEARCH_CELLS])) for row in rows]
    data = [_data_cells(row, profiler) for row in rows]
    best = None
    for index, score in enumerate(evidence):
        if score >= 2.5 and filled[index] >= 2 and data[index] <= max(1, filled[index] // 3) and (best is None or score > evidence[best]):
            best = index
    if best is not None:
        below = best + 1
        if (below < len(rows) and filled[below] > filled[best] and data[below] == 0
                and any(columns.header_scores(c) for c in _filled(rows[below]))):
            return below, best
        return best, None
    widest = max(filled, default=0)
    for index, count in enumerate(filled):
        if count >= max(2, 0.6 * widest) and data[index] <= count // 4 and index + 1 < len(rows):
            return index, None
    return None


def _filled(row: list) -> list[str]:
    return [c for c in row if c is not None and str(c).strip()]


def _data_cells(row: list, profiler: Profiler) -> int:
    """Cells of a row that are values rather than headers: years, countries, French places…"""
    return sum(1 for cell in _filled(row[:DATA_CELLS]) if profiler.is_value(str(cell)))


def profile_rows(header: list) -> int:
    return max(5, min(PROFILE_ROWS, PROFILE_CELLS // max(1, min(len(header), HEADER_SEARCH_CELLS))))


def sheet_layout(head: list[list], header_index: int, group_index: int | None, columns: ColumnMap,
            profiler: Profiler) -> Layout:
    """Recognise the columns of a table from its header and a sample of the rows under it."""
    header = head[header_index]
    sample = [row[:HEADER_SEARCH_CELLS] for row in head[header_index + 1:] if _filled(row)]
    sample = sample[:profile_rows(header)]
    group = head[group_index] if group_index is not None else None
    return columns.layout(header[:HEADER_SEARCH_CELLS], sample, profiler, group)
