"""`inspect_files` and `repertoire inspect`: what ingesting would do, with nothing written."""
from __future__ import annotations

import json
from pathlib import Path

from app import cli
from conftest import FIXTURES, SAMPLE_SURVEYS
from repertoire.columns import ColumnMap
from repertoire.ingest import ingest_files
from repertoire.inspect import inspect_files, reason_kind
from repertoire.registry import Registry
from repertoire.templates import TemplateStore, signature

PAIRS = [("Rennes", "Erlangen", "1964"), ("Dijon", "Mainz", "1958"), ("Caen", "Würzburg", "1962"),
         ("Angers", "Osnabrück", "1964"), ("Poitiers", "Marburg", "1961")]


def test_inspection_predicts_what_ingest_does_on_the_sample_surveys(tmp_path, references):
    files = [FIXTURES / name for name in SAMPLE_SURVEYS]
    inspections = inspect_files(files, references, ColumnMap.load())
    registry = Registry(tmp_path / "registry.sqlite3")
    reports = ingest_files(registry, files, references)
    registry.close()
    for inspection, report in zip(inspections, reports):
        predicted = [sum(getattr(s, name) for s in inspection.sheets) for name in ("read", "accepted", "merged", "rejected")]
        assert predicted == [report.read, report.accepted, report.merged, report.rejected], inspection.source
        kinds = {}
        for reject in report.rejects:
            kinds[reason_kind(reject.reason)] = kinds.get(reason_kind(reject.reason), 0) + 1
        assert {k: v for s in inspection.sheets for k, v in s.reasons.items()} == kinds


def test_inspection_shows_each_column_with_its_confidence_and_three_sample_values(references):
    [inspection] = inspect_files([FIXTURES / "enquete-partenariats-2024.xlsx"], references, ColumnMap.load())
    [sheet] = inspection.sheets
    assert (sheet.sheet, sheet.header_row) == ("Partenariats", 3)
    column = next(c for c in sheet.layout.columns if c.field == "partner_country")
    assert column.name == "Pays partenaire" and column.confidence > 0.9 and len(column.sample) == 3
    document = json.loads(json.dumps(inspection.to_dict()))
    assert document["sheets"][0]["rows"]["read"] == sheet.read
    assert {c["field"] for c in document["sheets"][0]["columns"]} >= {"french_name", "partner_name", "since"}


def test_a_link_already_in_the_registry_is_predicted_merged(tmp_path, references, sample_registry):
    lines = (FIXTURES / "mise-a-jour-2025.csv").read_text(encoding="utf-8").splitlines()
    copy = tmp_path / "mise-a-jour-bis.csv"  # the same rows in another file: not yet ingested
    copy.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    [inspection] = inspect_files([copy], references, ColumnMap.load(), sample_registry)
    [sheet] = inspection.sheets
    assert (sheet.read, sheet.merged, sheet.accepted) == (len(lines) - 1, len(lines) - 1, 0)
    [again] = inspect_files([FIXTURES / "mise-a-jour-2025.csv"], references, ColumnMap.load(), sample_registry)
    assert again.sheets[0].unchanged == len(lines) - 1  # that very file was ingested


def test_a_file_without_a_partner_column_is_one_error_naming_its_columns(tmp_path, references):
    path = tmp_path / "sans-partenaire.csv"
    path.write_text("Collectivité;Pays;Année\n" + "".join(f"{f};Allemagne;{y}\n" for f, _, y in PAIRS), encoding="utf-8")
    [inspection] = inspect_files([path], references, ColumnMap.load())
    assert inspection.error.count("no column recognised") == 1
    assert "partner" in inspection.error and "'Collectivité' (Rennes, Dijon, Caen)" in inspection.error
    assert inspection.sheets[0].read == 0


def test_inspect_command_prints_the_mapping_and_writes_nothing(app, runner, sample_registry):
    before = sample_registry.version(), sample_registry.count()
    result = runner.invoke(cli, ["inspect", str(FIXTURES / "reponses-2019.csv")])
    assert result.exit_code == 0, result.output
    assert "PAYS" in result.output and "→ partner_country" in result.output
    assert "rows: 900 read" in result.output and "900 unchanged" in result.output
    result = runner.invoke(cli, ["inspect", "--json", str(FIXTURES / "questionnaire-export.csv")])
    [document] = json.loads(result.output)
    columns = {c["name"]: c for c in document["sheets"][0]["columns"]}
    assert columns["Q04. Pays de la collectivité partenaire"]["field"] == "partner_country"
    assert columns["Thématiques [Culture]"]["label"] == "Culture"
    assert (sample_registry.version(), sample_registry.count()) == before


def test_ingest_and_inspect_use_the_template_mappings_saved_in_the_instance(empty_app, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("A;B;C;D\n" + "".join(f"{f};{p};{y};Allemagne\n" for f, p, y in PAIRS), encoding="utf-8")
    TemplateStore(empty_app.config["TEMPLATES"]).save(
        signature(["A", "B", "C", "D"]), {"A": "french_name", "B": "partner_name", "C": "", "D": "partner_country"})
    runner = empty_app.test_cli_runner()
    result = runner.invoke(cli, ["inspect", str(path)])
    assert "saved template" in result.output and "rows: 5 read → 5 accepted" in result.output
    assert not Path(empty_app.config["REGISTRY"]).exists()  # inspecting made no registry
    result = runner.invoke(cli, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    registry = Registry(empty_app.config["REGISTRY"])
    assert registry.count() == 5 and {p["since"] for p in registry.partnerships()} == {None}  # C left out
    registry.close()
