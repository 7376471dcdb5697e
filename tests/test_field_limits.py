"""Field lengths are capped at ingest (issue 13): one 131,072-character description made a
3-link book 67 pages and 101 s. A value over its field's length is cut, said in the report, and
the whole cell stays in the provenance."""
from __future__ import annotations

import csv
import json

from app import cli, create_app
from repertoire.ingest import ingest_files
from repertoire.normalize import CELL_LIMIT, FIELD_LIMITS
from repertoire.pdf import render
from repertoire.registry import Registry

from conftest import FIXTURES


def oversized_survey(path, words: int = 20_000):
    """The Armenia/Morocco sample with a huge description on its first row and a huge partner
    region on its second: real rows, grown the way a pasted document grows them."""
    with open(FIXTURES / "partenaires-armenie-maroc.csv", encoding="utf-8") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    rows[1][header.index("Description des actions")] += " " + " ".join(f"mot{i % 97}" for i in range(words))
    rows[2][header.index("Région partenaire")] = "Tavush " * 400
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return len(rows[1][header.index("Description des actions")])


def test_a_description_over_its_length_is_cut_and_said_in_the_report(tmp_path, references):
    survey = tmp_path / "survey.csv"
    length = oversized_survey(survey)
    registry = Registry(tmp_path / "registry.sqlite3")
    [report] = ingest_files(registry, [survey], references)
    assert report.accepted == report.read and not report.rejected  # cut, not lost
    assert len(report.cut) == 2
    assert f"row 2: description {length} → {FIELD_LIMITS['description']}" in report.cut[0]
    assert "partner_region" in report.cut[1] and f"→ {CELL_LIMIT}" in report.cut[1]
    longest = registry.iter_rows("SELECT max(length(description)), max(length(partner_region)) FROM partnerships").fetchone()
    assert longest[0] <= FIELD_LIMITS["description"] and longest[1] <= CELL_LIMIT
    cut = registry.iter_rows("SELECT description FROM partnerships ORDER BY length(description) DESC").fetchone()[0]
    assert cut.endswith("…") and cut.startswith("Jumelage entre Vienne et Goris")
    raw = registry.iter_rows("SELECT raw FROM sources WHERE row = 2").fetchone()[0]
    assert len(json.loads(raw)["Description des actions"]) == length  # the whole cell, in the provenance
    rows = registry.partnerships("partner_country = 'AM'")
    registry.close()
    assert len(render(rows, "AM")) > 0  # the book of a cut description stays a book


def test_the_cli_report_lists_the_values_cut(tmp_path):
    survey = tmp_path / "survey.csv"
    oversized_survey(survey)
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    result = app.test_cli_runner().invoke(cli, ["ingest", str(survey)])
    assert result.exit_code == 0, result.output
    assert "2 values cut to their field's length" in result.output and "description" in result.output
