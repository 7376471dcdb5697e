"""Survey shapes that are not in the samples: encodings, separators, layouts, levels, flaws."""
from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from repertoire.columns import ColumnMap
from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from repertoire.surveys import detect_encoding, read_survey, read_tables

ENGLISH_ROWS = [
    ["French local authority", "Department", "Partner town", "Partner country", "Year signed", "Agreement type", "Status", "Topics"],
    ["Rennes", "35", "Erlangen", "Germany", "1964", "Twinning", "Active", "Culture, Youth / Higher education"],
    ["Brest", "29", "Yokosuka", "Japan", "1970", "Sister city", "Dormant", "Economy"],
    ["Chambéry", "73", "Ouahigouya", "Burkina Faso", "1991", "Decentralised cooperation", "Active", "Water; Health\nEducation"],
]


@pytest.fixture
def registry(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite3")
    yield registry
    registry.close()


def write_text(path, rows, separator, encoding, title_lines=()):
    lines = list(title_lines) + [separator.join(f'"{c}"' if "\n" in c or separator in c else c for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_should_read_utf16_tab_separated_export_under_title_lines(tmp_path, registry, references):
    path = write_text(tmp_path / "export.txt", ENGLISH_ROWS, "\t", "utf-16",
                      ["Survey of partnerships 2026", "Network of local authorities", ""])
    [report] = ingest_files(registry, [path], references)
    assert (report.read, report.accepted, report.rejected) == (3, 3, 0), report.rejects
    by_partner = {p["partner_name"]: p for p in registry.partnerships()}
    assert by_partner["Erlangen"]["french_id"] == "commune:35238"
    assert by_partner["Erlangen"]["themes"] == "culture;jeunesse;education"
    assert by_partner["Yokosuka"]["kind"] == "jumelage" and by_partner["Yokosuka"]["status"] == "en_sommeil"
    assert by_partner["Ouahigouya"]["themes"] == "eau;sante;education"
    assert by_partner["Ouahigouya"]["partner_country"] == "BF"
    rows = [p for c in read_survey(path, ColumnMap.load()) for p in c.frame["row"]]
    assert rows == [5, 6, 7]  # the spreadsheet row numbers, title lines counted


@pytest.mark.parametrize("encoding, separator", [("cp1252", ";"), ("utf-8-sig", ","), ("utf-8", "|"), ("utf-16-le", "\t")])
def test_should_read_any_encoding_and_separator(tmp_path, registry, references, encoding, separator):
    rows = [["Collectivité", "Dépt", "Ville jumelle", "Pays", "Depuis"],
            ["Besançon", "25", "Fribourg", "Suisse", "mars 1998"],
            ["Saint-Étienne", "42", "Coventry", "Angleterre", "12/05/1955"]]
    path = write_text(tmp_path / "survey.csv", rows, separator, encoding)
    [report] = ingest_files(registry, [path], references)
    assert report.accepted == 2, (report.error, report.rejects)
    years = {p["french_name"]: (p["since"], p["since_date"]) for p in registry.partnerships()}
    assert years == {"Besançon": (1998, None), "Saint-Étienne": (1955, "1955-05-12")}


def test_should_read_every_sheet_of_an_ods_workbook_with_regions_departements_and_epci(tmp_path, registry, references):
    path = tmp_path / "regions.ods"
    header = ["Collectivité", "Type de collectivité", "Collectivité partenaire", "Pays", "Nature", "Année"]
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["Remplir une ligne par partenariat"]]).to_excel(writer, sheet_name="Mode d'emploi", index=False, header=False)
        pd.DataFrame([["Région Bretagne", "Région", "Wielkopolska", "Pologne", "Coopération", 1998],
                      ["Conseil départemental de l'Essonne", "Département", "Tillabéri", "Niger", "Coopération décentralisée", 2005]],
                     columns=header).to_excel(writer, sheet_name="Bretagne", index=False)
        pd.DataFrame([["Métropole Rouen Normandie", "EPCI", "Hanovre", "Allemagne", "Jumelage", 1966],
                      ["Paris", "Commune", "Rome", "Italie", "Jumelage", 1956]],
                     columns=header).to_excel(writer, sheet_name="Normandie", index=False)
    [report] = ingest_files(registry, [path], references)
    assert report.sheets == ["Bretagne", "Normandie"]
    assert report.accepted == 4, report.rejects
    ids = {p["french_id"] for p in registry.partnerships()}
    assert ids == {"region:53", "departement:91", "epci:200023414", "commune:75056"}


def test_should_read_form_checkbox_columns_and_multi_value_cells(tmp_path, registry, references):
    rows = [["Q1. Nom de votre collectivité", "Q2. Pays", "Q3. Collectivité partenaire", "Thèmes [Culture]", "Thèmes [Eau]", "Thèmes [Jeux vidéo]"],
            ["Lyon", "Japon", "Yokohama", "Y", "", "Y"]]
    path = write_text(tmp_path / "form.csv", rows, ",", "utf-8")
    ingest_files(registry, [path], references)
    [record] = registry.partnerships()
    assert record["themes"] == "culture" and record["keywords"] == "Jeux vidéo"
    assert record["partner_native"] == "横浜市"


def test_should_read_unknown_headers_by_content_and_take_extra_headers_from_a_config_file(tmp_path, registry, references):
    rows = [["Adhérent", "Homologue étranger", "État du homologue"], ["Grenoble", "Oxford", "Royaume-Uni"]]
    path = write_text(tmp_path / "new.csv", rows, ";", "utf-8")
    [table] = read_tables(path, ColumnMap.load(), references)
    assert [c.field for c in table.layout.columns] == ["french_name", "partner_name", "partner_country"]
    assert table.layout.columns[2].source == "content"
    config = tmp_path / "columns.toml"
    config.write_text('[fields]\nfrench_name = ["adherent"]\npartner_name = ["homologue etranger"]\n'
                      'partner_country = ["etat du homologue"]\n', encoding="utf-8")
    [table] = read_tables(path, ColumnMap.load(config), references)
    assert [c.source for c in table.layout.columns] == ["header+content"] * 3
    [report] = ingest_files(registry, [path], references, ColumnMap.load(config))
    assert report.accepted == 1


def zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 600_000_000 + b">")
    return path


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "empty file"),
    ("headers.csv", "Collectivité;Collectivité partenaire;Pays\n".encode(), "no data rows"),
    ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10, "not a table"),
    ("letter.txt", "Bonjour,\nvoici notre réponse.\nCordialement".encode(), "no header row recognised"),
    ("broken.xlsx", b"PK\x03\x04 this is not a workbook", "damaged workbook"),
    ("fake.ods", b"plain text in an ods name", "not a valid .ods workbook"),
])
def test_should_report_a_bad_file_clearly_and_go_on(tmp_path, registry, references, name, content, message):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = write_text(tmp_path / "good.csv", ENGLISH_ROWS, ",", "utf-8")
    reports = ingest_files(registry, [bad, good], references)
    assert message in reports[0].error
    assert reports[1].accepted == 3


def test_should_refuse_an_xlsx_zip_bomb_without_unpacking_it(tmp_path, registry, references):
    [report] = ingest_files(registry, [zip_bomb(tmp_path / "bomb.xlsx")], references)
    assert "workbook refused" in report.error


def test_should_detect_encodings():
    assert detect_encoding("Collectivité".encode("cp1252")) == "cp1252"
    assert detect_encoding("Collectivité".encode("utf-8")) == "utf-8"
    assert detect_encoding("\ufeffCollectivité".encode("utf-8")) == "utf-8-sig"
    assert detect_encoding("Collectivité".encode("utf-16")) == "utf-16"
