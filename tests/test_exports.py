"""Exports (issue 15): a readable edition (French headers and names, `;`, UTF-8 with a BOM)
beside the data edition (field names and codes); `repertoire ingest` reads both back with no
loss; the web serves them streamed, as `text/csv; charset=utf-8` once."""
from __future__ import annotations

import csv
import io

import pytest

from app import cli
from conftest import MEMBER, login, writable_copy
from repertoire import fields
from repertoire.export import columns
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

# What a partnership is, for the comparison: every exported field the registry stores.
COMPARED = tuple(name for name in fields.names("staff", stored=True, exported=True))


def partnerships(registry: Registry) -> dict[str, dict]:
    return {p["id"]: {k: p[k] for k in COMPARED} for p in registry.partnerships()}


@pytest.mark.parametrize("fmt, edition", [("csv", "data"), ("csv", "readable"), ("xlsx", "readable")])
def test_an_export_ingested_into_an_empty_registry_gives_the_same_partnerships(fmt, edition, runner, tmp_path,
                                                                                sample_registry, references):
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(cli, ["export", "--format", fmt, "--edition", edition, "--members", "-o", str(out)])
    assert result.exit_code == 0, result.output
    again = Registry(tmp_path / "again.sqlite3")
    [report] = ingest_files(again, [out], references)
    assert (report.error, report.rejected, report.merged) == (None, 0, 0)
    assert report.accepted == sample_registry.count()
    assert partnerships(again) == partnerships(sample_registry)
    # read again: nothing changes, nothing enters the history
    [report] = ingest_files(again, [out], references)
    assert report.unchanged == sample_registry.count()
    assert again.iter_rows("SELECT count(*) FROM history").fetchone()[0] == 0


def test_the_readable_export_speaks_french_to_a_spreadsheet(runner, tmp_path, sample_registry):
    out = tmp_path / "lisible.csv"
    assert runner.invoke(cli, ["export", "--edition", "readable", "-o", str(out)]).exit_code == 0
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())  # UTF-8 with a BOM: accents right when opened
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [fields.BY_NAME[n].fr for n in columns("public")]
    assert "Financements" not in rows[0] and "Contacts" not in rows[0]
    japan = [r for r in rows if r["Pays"] == "Japon"]
    assert japan and not [r for r in rows if r["Pays"] == "JP"]
    themes = {t for r in rows for t in r["Thématiques"].split(" ; ") if t}
    assert "Eau et assainissement" in themes and "eau" not in themes
    placed = [r for r in rows if r["Latitude (France)"]]
    assert placed and all("," in r["Latitude (France)"] and "." not in r["Latitude (France)"] for r in placed)


def test_a_cell_made_inert_comes_back_as_written(empty_app, tmp_path, references):
    survey = tmp_path / "formules.csv"
    survey.write_text("Collectivité;Collectivité partenaire;Pays;Description;Projets\n"
                      "Nancy;Karlsruhe;Allemagne;=HYPERLINK(\"http://evil\");'-5 % de budget\n", encoding="utf-8")
    runner = empty_app.test_cli_runner()
    runner.invoke(cli, ["ingest", str(survey)])
    out = tmp_path / "export.csv"
    assert runner.invoke(cli, ["export", "--edition", "readable", "-o", str(out)]).exit_code == 0
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")
    again = Registry(tmp_path / "again.sqlite3")
    ingest_files(again, [out], references)
    [record] = again.partnerships()
    assert (record["description"], record["projects"]) == ('=HYPERLINK("http://evil")', "'-5 % de budget")


def test_an_export_row_that_names_an_unknown_country_is_rejected_with_its_reason(tmp_path, references):
    export = tmp_path / "export.csv"
    header = ",".join(columns("public"))
    good = {"french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Karlsruhe", "partner_country": "DE"}
    bad = good | {"partner_country": "Atlantide", "partner_name": "Poséidonia"}
    export.write_text(header + "\n" + "\n".join(",".join(r.get(c, "") for c in columns("public")) for r in (good, bad)) + "\n",
                      encoding="utf-8")
    registry = Registry(tmp_path / "r.sqlite3")
    [report] = ingest_files(registry, [export], references)
    assert (report.accepted, report.rejected) == (1, 1)
    assert report.rejects[0].row == 3 and "Atlantide" in report.rejects[0].reason


def test_web_exports_are_csv_once_and_readable_by_default(client, sample_index):
    response = client.get("/recherche/export.csv?q=")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffIdentifiant;") and "Japon" in text
    data = client.get("/recherche/export.csv?q=&edition=donnees")
    assert data.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="partenariats-donnees.csv"' in data.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(data.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == client.get("/api/search?q=").json["total"]
    assert "funding" not in rows[0] and "JP" in {r["partner_country"] for r in rows}


def test_a_member_exports_funding_the_public_does_not(tmp_path, sample_instance, references):
    app = writable_copy(tmp_path, sample_instance, references)
    client = app.test_client()
    assert "Financements" not in client.get("/recherche/export.csv?q=").get_data(as_text=True).splitlines()[0]
    login(client, MEMBER)
    header = client.get("/recherche/export.csv?q=").get_data(as_text=True).splitlines()[0]
    assert "Financements" in header and "Contacts" in header
