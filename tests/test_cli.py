"""The CLI contract of ingest, export and rejects, checked through the library."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app import cli
from conftest import FIXTURES, SAMPLE_SURVEYS
from repertoire.registry import Registry

CONTRACT_COLUMNS = ["id", "french_id", "french_name", "french_type", "departement", "region",
                    "partner_name", "partner_country", "partner_region", "kind", "status", "since",
                    "themes", "description", "french_lat", "french_lon", "partner_lat", "partner_lon",
                    "sources"]


def test_ingest_prints_counts_per_file_and_exits_zero(empty_app, tmp_path):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(cli, ["ingest", str(FIXTURES / SAMPLE_SURVEYS[0]), str(FIXTURES / SAMPLE_SURVEYS[3])])
    assert result.exit_code == 0, result.output
    # 3 rows write a link of the same file again, in other words (same_place.py): merged
    assert "enquete-partenariats-2024.xlsx: 1405 rows read, 1389 accepted, 11 merged, 5 rejected" in result.output
    assert "mise-a-jour-2025.csv: 40 rows read, 0 accepted, 40 merged, 0 rejected" in result.output
    registry = Registry(empty_app.config["REGISTRY"])
    assert registry.count() == 1389


def test_ingest_reports_an_unreadable_file_and_keeps_the_others(empty_app, tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("rien à voir ici\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    result = runner.invoke(cli, ["ingest", str(bad), str(FIXTURES / SAMPLE_SURVEYS[3])])
    assert result.exit_code == 1
    assert "notes.csv: ERROR — no header row recognised" in result.output
    assert "Traceback" not in result.output
    assert Registry(empty_app.config["REGISTRY"]).count() == 40


def test_an_ingest_after_one_that_recorded_nothing_updates_the_index(empty_app, tmp_path):
    # The first ingest built an index of no document; the second updates it.
    bad = tmp_path / "notes.csv"
    bad.write_text("rien à voir ici\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    assert runner.invoke(cli, ["ingest", str(bad)]).exit_code == 1
    result = runner.invoke(cli, ["ingest", str(FIXTURES / SAMPLE_SURVEYS[3])])
    assert result.exit_code == 0, result.output
    assert "Index: 40 partnerships indexed" in result.output and "Index update failed" not in result.output


def test_the_repertoire_process_ends_with_the_commands_status_and_all_its_output(tmp_path):
    # The process ends without freeing its objects (web/process_end.py): nothing of what the
    # command printed or wrote may be lost, and its status is the command's.
    bad = tmp_path / "notes.csv"
    bad.write_text("rien à voir ici\n", encoding="utf-8")
    instance = tmp_path / "instance"
    env = {"REPERTOIRE_INSTANCE": str(instance), "REPERTOIRE_MAKE_BOOKS_AHEAD": "0", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(Path(__file__).parent.parent)}
    binary = Path(sys.executable).parent / "repertoire"
    update = str(FIXTURES / SAMPLE_SURVEYS[3])
    failed = subprocess.run([str(binary), "ingest", str(bad), update], env=env, capture_output=True, text=True,
                            timeout=300)
    assert failed.returncode == 1, failed.stderr
    assert "notes.csv: ERROR — no header row recognised" in failed.stderr
    assert failed.stdout.rstrip().splitlines()[-1].startswith("Index: 40 partnerships indexed")
    assert not (instance / "registry.sqlite3-wal").exists()  # closed, not left to the next opener
    assert Registry(instance / "registry.sqlite3").count() == 40
    again = subprocess.run([str(binary), "ingest", update], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "mise-a-jour-2025.csv: 40 rows read" in again.stdout and "Registry: 40 partnerships." in again.stdout


def test_export_csv_follows_the_contract(runner, tmp_path, sample_registry):
    out = tmp_path / "all.csv"
    result = runner.invoke(cli, ["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert set(CONTRACT_COLUMNS) <= set(rows[0])
    assert "contacts" not in rows[0]
    assert len(rows) == sample_registry.count()
    lille = [r for r in rows if r["french_id"] == "commune:76384" and r["partner_name"] == "Immenstadt"][0]
    # reponses-2019.csv wrote it "Immenstadt i.Allgäu": the same place, merged (same_place.py)
    assert lille["sources"] == "enquete-partenariats-2024.xlsx;mise-a-jour-2025.csv;reponses-2019.csv"
    assert all(set(r["themes"].split(";")) <= {"", "culture", "education", "jeunesse", "economie", "agriculture", "eau",
               "environnement", "sante", "gouvernance", "urbanisme", "dechets", "francophonie", "genre",
               "crises", "ecsi", "numerique"} for r in rows)


def test_export_makes_formulas_inert(empty_app, tmp_path):
    survey = tmp_path / "evil.csv"
    survey.write_text("Collectivité;Collectivité partenaire;Pays;Description\n"
                      "Nancy;\"=HYPERLINK(\"\"http://evil\"\";\"\"x\"\")\";Allemagne;@SUM(A1)\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    runner.invoke(cli, ["ingest", str(survey)])
    out = tmp_path / "out.xlsx"
    assert runner.invoke(cli, ["export", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    sheet = load_workbook(out).active
    cells = [c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert any(c.startswith("'=HYPERLINK") for c in cells) and any(c == "'@SUM(A1)" for c in cells)
    result = runner.invoke(cli, ["export", "--format", "csv"])
    assert "'=HYPERLINK" in result.output


def test_export_json_and_geojson(runner, tmp_path, sample_registry):
    out = tmp_path / "all.geojson"
    assert runner.invoke(cli, ["export", "--format", "geojson", "-o", str(out)]).exit_code == 0
    features = json.loads(out.read_text())["features"]
    assert len(features) == sample_registry.count()
    assert sum(f["geometry"] is not None for f in features) / len(features) > 0.9


def test_rejects_lists_file_sheet_row_reason_and_raw_values(runner, tmp_path):
    out = tmp_path / "rejects.csv"
    assert runner.invoke(cli, ["rejects", "--format", "csv", "-o", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(rows[0])[:4] == ["source", "sheet", "row", "reason"]
    atlantide = [r for r in rows if r["row"] == "1405"][0]
    assert atlantide["source"] == "enquete-partenariats-2024.xlsx" and "Atlantide" in atlantide["raw"]
    assert {r["reason"] for r in rows if r["source"] == "questionnaire-export.csv" and int(r["row"]) >= 602} == {"incomplete response"}


def test_duplicates_are_listed_and_a_merge_holds_on_the_next_survey(empty_app, tmp_path):
    survey = tmp_path / "twice.csv"
    survey.write_text("Collectivité;Département;Collectivité partenaire;Pays;Thématiques\n"
                      "Villeneuve-sur-Lot;47;Neustadt;Allemagne;culture\n"
                      "Villeneuve-sur-Lot;47;Neustadt bei Coburg;Allemagne;sport\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    runner.invoke(cli, ["ingest", str(survey)])
    listed = runner.invoke(cli, ["duplicates", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(listed.output)))
    assert len(rows) == 1 and rows[0]["why"] == "near-identical names"  # two places: staff decide
    result = runner.invoke(cli, ["merge", rows[0]["keep"], rows[0]["other"]])
    assert result.exit_code == 0, result.output
    registry = Registry(empty_app.config["REGISTRY"])
    [record] = registry.partnerships()
    assert set(record["themes"].split(";")) == {"culture", "jeunesse"}
    assert len(registry.sources(record["id"])) == 2
    later = tmp_path / "later-2026.csv"
    later.write_text("Collectivité;Département;Collectivité partenaire;Pays;Statut\n"
                     f"Villeneuve-sur-Lot;47;{rows[0]['other_partner']};Allemagne;Actif\n", encoding="utf-8")
    assert "0 accepted, 1 merged" in runner.invoke(cli, ["ingest", str(later)]).output
    assert registry.count() == 1
    assert runner.invoke(cli, ["merge", "p-nothing", record["id"]]).exit_code == 1


def test_export_gpkg_reads_back_in_geopandas_with_three_layers(runner, tmp_path, sample_registry):
    import geopandas as gpd
    import pyogrio

    out = tmp_path / "all.gpkg"
    result = runner.invoke(cli, ["export", "--format", "gpkg", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert {name for name, _ in pyogrio.list_layers(out)} == {"liens", "collectivites", "partenaires"}
    links = gpd.read_file(out, layer="liens", engine="pyogrio")
    partnerships = sample_registry.partnerships()
    assert len(links) == len(partnerships) and links.crs.to_epsg() == 4326
    assert set(links["id"]) == {p["id"] for p in partnerships}
    placed = links[links.geometry.notna() & ~links.geometry.is_empty]
    assert len(placed) / len(links) > 0.9
    bounds = placed.total_bounds  # valid EPSG:4326: arcs crossing 180° are split, not unwrapped
    assert bounds[0] >= -180 and bounds[2] <= 180
    first = next(p for p in partnerships if p["french_lat"] is not None and p["partner_lat"] is not None)
    line = links.set_index("id").geometry[first["id"]]
    start, end = line.geoms[0].coords[0] if hasattr(line, "geoms") else line.coords[0], \
        line.geoms[-1].coords[-1] if hasattr(line, "geoms") else line.coords[-1]
    assert start == pytest.approx((first["french_lon"], first["french_lat"]), abs=1e-3)
    assert end == pytest.approx((first["partner_lon"], first["partner_lat"]), abs=1e-3)
    french = gpd.read_file(out, layer="collectivites", engine="pyogrio")
    assert french["french_id"].is_unique and french["partnerships"].sum() == len(partnerships)
    assert "contacts" not in links.columns


def test_export_gpkg_without_a_file_is_refused_with_a_message(runner, sample_registry):
    result = runner.invoke(cli, ["export", "--format", "gpkg"])
    assert result.exit_code != 0 and "GPKG needs -o FILE" in result.output
