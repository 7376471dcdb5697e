"""Hostile files (issue 6): each one a clear message, or ingested, without a traceback or a hang.

The files are those of tests/drills/hostile_files.py in their small version; the drill makes
the big ones (200 MB CSVs, a 1 GB zip bomb…), runs them through the CLI and measures memory.
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from repertoire import surveys
from repertoire.columns import ColumnMap
from repertoire.export import export_rows, to_csv
from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from repertoire.surveys import SurveyError, check_file, read_survey

sys.path.insert(0, str(Path(__file__).parent / "drills"))
from hostile_files import CASES, make_10k_columns, make_formulas, make_mixed_encodings


@pytest.fixture
def registry(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite3")
    yield registry
    registry.close()


@pytest.mark.parametrize("case", [case for case in CASES if not case.cli_only], ids=lambda case: case.name)
def test_should_give_a_clear_message_or_ingest_each_hostile_file(tmp_path, registry, references, case):
    path = case.make(tmp_path / case.name, False)
    [report] = ingest_files(registry, [path], references)
    if case.expect is None:
        assert report.error is None and report.read >= case.rows, report.error
    else:
        assert report.error and case.says(report.error), report.error
        assert "\n" not in report.error  # the CLI prints it as one line after the file's name


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null", "."])
def test_should_refuse_a_device_or_a_directory_without_reading_it(path):
    with pytest.raises(SurveyError, match="not a regular file"):
        check_file(path)


def test_should_read_two_exports_pasted_together_with_their_accents(tmp_path, registry, references):
    [report] = ingest_files(registry, [make_mixed_encodings(tmp_path / "mixed.csv", False)], references)
    assert (report.accepted, report.rejected) == (4, 0)
    descriptions = {p["french_name"]: p["description"] for p in registry.partnerships()}
    assert descriptions["Saint-Étienne"] == "Jumelage historique"  # the UTF-8 half
    assert descriptions["Brest"] == "Économie maritime"  # the cp1252 half


def test_should_store_formulas_as_text_and_export_them_inert(tmp_path, registry, references):
    ingest_files(registry, [make_formulas(tmp_path / "formulas.csv", False)], references)
    exported = to_csv(export_rows(registry.partnerships(), registry.source_names()))
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"Bamako\")" in cells
    assert not [cell for cell in cells if cell[:1] in "=+@" and cell]


def test_should_cut_wide_rows_into_blocks_of_bounded_cells_with_every_row_numbered(tmp_path, monkeypatch):
    monkeypatch.setattr(surveys, "CHUNK_CELLS", 10_000)  # 2,000 columns: 5 rows a block
    chunks = list(read_survey(make_10k_columns(tmp_path / "wide.csv", False), ColumnMap.load()))
    assert len(chunks) == 4 and all(len(chunk.raw) * chunk.raw.shape[1] <= 10_000 for chunk in chunks)
    assert [row for chunk in chunks for row in chunk.frame["row"]] == list(range(2, 22))
    assert [chunk.done for chunk in chunks][-1] == 1.0
