"""Recognising survey columns by header and content: shapes the reader was not written for.

The rows are real twinnings (French commune, partner town, country); headers are written
as people of six languages would, coded (`q1`), under a group heading, or unknown.
"""
from __future__ import annotations

import pytest

from repertoire.columns import ColumnMap
from repertoire.filecheck import SurveyError
from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from repertoire.surveys import read_survey, read_tables
from repertoire.templates import TemplateStore, signature

# (French commune, département, partner, partner region, year, status)
PAIRS = [
    ("Rennes", "35", "Erlangen", "Bavière", "1964"), ("Dijon", "21", "Mainz", "Rhénanie-Palatinat", "1958"),
    ("Montpellier", "34", "Heidelberg", "Bade-Wurtemberg", "1961"), ("Strasbourg", "67", "Stuttgart", "Bade-Wurtemberg", "1962"),
    ("Caen", "14", "Würzburg", "Bavière", "1962"), ("Angers", "49", "Osnabrück", "Basse-Saxe", "1964"),
    ("Orléans", "45", "Münster", "Rhénanie-du-Nord-Westphalie", "1960"), ("Reims", "51", "Aachen", "Rhénanie-du-Nord-Westphalie", "1967"),
    ("Lille", "59", "Erfurt", "Thuringe", "1998"), ("Poitiers", "86", "Marburg", "Hesse", "1961"),
    ("Tours", "37", "Mülheim an der Ruhr", "Rhénanie-du-Nord-Westphalie", "1962"), ("Grenoble", "38", "Essen", "Rhénanie-du-Nord-Westphalie", "1974"),
]
COUNTRY = {"fr": "Allemagne", "en": "Germany", "es": "Alemania", "de": "Deutschland", "it": "Germania", "pt": "Alemanha"}
KIND = {"fr": "Jumelage", "en": "Twinning", "es": "Hermanamiento", "de": "Städtepartnerschaft", "it": "Gemellaggio",
        "pt": "Geminação"}

# Headers per language: French side, its département, partner, partner country, since, kind.
HEADERS = {
    "fr": ["Nom de votre collectivité", "N° de département", "Ville jumelée", "Pays (en français)",
           "Date de signature (jj/mm/aaaa)", "Nature du lien"],
    "en": ["Your municipality", "Department", "Twin town", "Country", "Since (year)", "Type of link"],
    "es": ["Municipio francés", "Departamento francés", "Municipio socio", "País", "Año de hermanamiento", "Tipo de relación"],
    "de": ["Französische Gemeinde", "Département", "Partnerstadt", "Land", "Partnerschaft seit", "Art der Beziehung"],
    "it": ["Comune francese", "Dipartimento", "Città gemellata", "Paese", "Anno del gemellaggio", "Tipo di rapporto"],
    "pt": ["Município francês", "Departamento (França)", "Município parceiro", "País do parceiro", "Ano da geminação",
           "Tipo de acordo"],
}
FIELDS = ["french_name", "departement", "partner_name", "partner_country", "since", "kind"]


def write_csv(path, rows, separator=";"):
    path.write_text("\n".join(separator.join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def table_of(path, references, columns=None):
    [table] = read_tables(path, columns or ColumnMap.load(), references)
    return table


def fields(table) -> dict[str, str | None]:
    return {c.name: c.field for c in table.layout.columns}


@pytest.fixture
def registry(tmp_path):
    registry = Registry(tmp_path / "registry.sqlite3")
    yield registry
    registry.close()


@pytest.mark.parametrize("language", sorted(HEADERS))
def test_should_recognise_headers_written_in_six_languages(tmp_path, references, registry, language):
    header = HEADERS[language]
    rows = [header] + [[f, d, p, COUNTRY[language], y, KIND[language]] for f, d, p, _, y in PAIRS]
    path = write_csv(tmp_path / f"{language}.csv", rows)
    table = table_of(path, references)
    assert [c.field for c in table.layout.columns] == FIELDS
    assert all(c.confidence >= 0.5 for c in table.layout.columns)
    [report] = ingest_files(registry, [path], references)
    assert report.accepted == len(PAIRS), (report.error, report.rejects[:3])


@pytest.mark.parametrize("header, field", [
    ("Quel est le pays de votre collectivité partenaire ?", "partner_country"),
    ("Q12) Nom de la ville jumelle", "partner_name"),
    ("PAÍS DEL SOCIO", "partner_country"),
    ("Partnergemeinde (Name)", "partner_name"),
    ("Città partner", "partner_name"),
    ("Estado / Provincia del socio", "partner_region"),
    ("Bundesland des Partners", "partner_region"),
    ("Thèmes de coopération", "themes"),
    ("Ámbitos de cooperación", "themes"),
    ("Beschreibung der Aktivitäten", "description"),
    ("Correo electrónico del referente", "contacts"),
    ("Data da assinatura", "since"),
    ("Date de fin du partenariat", "until"),
    ("Statut actuel", "status"),
    ("Type de collectivité (commune, département…)", "french_type"),
    ("Código INSEE", "french_code"),
])
def test_should_score_a_header_by_its_words_whatever_its_case_accents_numbers_and_qualifiers(header, field):
    scores = ColumnMap.load().header_scores(header)
    assert max(scores, key=scores.get) == field, scores
    assert scores[field] >= 0.5


def test_should_read_coded_headers_by_their_content(tmp_path, references):
    rows = [["q1", "q2", "q3", "q4", "q5", "q6"]]
    rows += [[p, f, "Germany", y, "relations@" + f.lower() + ".example", "Active"] for f, _, p, _, y in PAIRS]
    table = table_of(write_csv(tmp_path / "coded.csv", rows, ","), references)
    assert list(fields(table).values()) == ["partner_name", "french_name", "partner_country", "since", "contacts",
                                            "status"]
    assert all(c.source == "content" for c in table.layout.columns)


def test_should_take_a_column_of_country_names_under_an_unknown_header(tmp_path, references, registry):
    rows = [["Collectivité", "Collectivité partenaire", "Nation d'accueil (réponse libre)"]]
    rows += [[f, p, country] for (f, _, p, _, _), country in zip(PAIRS, ["Allemagne", "ALLEMAGNE", "Germany"] * 4)]
    path = write_csv(tmp_path / "unknown-country.csv", rows)
    table = table_of(path, references)
    assert table.layout.columns[2].field == "partner_country" and table.layout.columns[2].confidence >= 0.7
    [report] = ingest_files(registry, [path], references)
    assert report.accepted == len(PAIRS)


def test_should_not_take_a_column_of_mixed_free_text_as_the_country(tmp_path, references):
    notes = ["Allemagne", "voir la convention", "échanges scolaires", "Allemagne (Bavière)", "à relancer",
             "pas de nouvelles", "Allemagne", "", "visite en mai", "comité actif", "Hesse", "?"]
    rows = [["Collectivité", "Collectivité partenaire", "Colonne 3"]] + [[f, p, n] for (f, _, p, _, _), n in zip(PAIRS, notes)]
    path = write_csv(tmp_path / "notes.csv", rows)
    table = table_of(path, references)
    assert table.layout.columns[2].field is None
    with pytest.raises(SurveyError) as error:
        list(read_survey(path, ColumnMap.load(), references))
    assert "partner country" in str(error.value)


def test_should_give_one_message_naming_the_columns_when_a_required_field_is_missing(tmp_path, references, registry):
    rows = [["Collectivité française", "Partenaire", "Année"]] + [[f, p, y] for f, _, p, _, y in PAIRS]
    path = write_csv(tmp_path / "no-country.csv", rows)
    [report] = ingest_files(registry, [path], references)
    assert report.error and report.rejected == 0 and report.read == 0
    assert "partner country" in report.error
    assert "'Collectivité française' (Rennes, Dijon, Montpellier)" in report.error
    assert "'Année' (1964, 1958, 1961)" in report.error
    assert registry.count() == 0


def test_should_ask_about_a_column_too_uncertain_to_map(tmp_path, references):
    rows = [["Collectivité", "Partenaire", "Pays", "Suivi"]]
    rows += [[f, p, "Allemagne", y if i % 2 else "à voir"] for i, (f, _, p, _, y) in enumerate(PAIRS)]
    table = table_of(write_csv(tmp_path / "uncertain.csv", rows), references)
    [question] = table.layout.questions
    assert question.name == "Suivi" and question.field is None
    assert question.alternatives[0][0] == "since" and len(question.sample) == 3
    assert "Suivi" not in [c.name for c in table.layout.columns if c.field]


def test_should_read_a_two_row_header_under_a_group_heading(tmp_path, references, registry):
    rows = [["Enquête partenariats 2026", "", "", "", ""],
            ["Collectivité française", "", "Partenaire", "", ""],
            ["Nom", "Département", "Nom", "Pays", "Année"]]
    rows += [[f, d, p, "Allemagne", y] for f, d, p, _, y in PAIRS]
    path = write_csv(tmp_path / "two-rows.csv", rows, ",")
    table = table_of(path, references)
    assert table.header_row == 3
    assert [c.field for c in table.layout.columns] == ["french_name", "departement", "partner_name",
                                                       "partner_country", "since"]
    [report] = ingest_files(registry, [path], references)
    assert report.accepted == len(PAIRS)
    assert {p["partner_name"]: p["since"] for p in registry.partnerships()}["Erlangen"] == 1964


def test_should_tell_the_partner_name_from_its_region_by_content(tmp_path, references):
    rows = [["Collectivité", "Partenaire (1)", "Partenaire (2)", "Pays"]]
    rows += [[f, r, p, "Allemagne"] for f, _, p, r, _ in PAIRS]
    table = table_of(write_csv(tmp_path / "regions.csv", rows), references)
    assert [c.field for c in table.layout.columns] == ["french_name", "partner_region", "partner_name",
                                                       "partner_country"]


def test_should_use_a_saved_template_mapping_as_it_is(tmp_path, references, registry):
    rows = [["A", "B", "C", "D"]] + [[f, p, y, "Allemagne"] for f, _, p, _, y in PAIRS]
    path = write_csv(tmp_path / "letters.csv", rows)
    store = TemplateStore(tmp_path / "instance" / "templates.json")
    columns = ColumnMap.load(templates=store)
    before = table_of(path, references, columns)
    assert not before.layout.saved
    store.save(signature(["A", "B", "C", "D"]), {"A": "french_name", "B": "partner_name", "C": "until",
                                                 "D": "partner_country"})
    after = table_of(path, references, columns)
    assert after.layout.saved and after.layout.signature == before.layout.signature
    assert [(c.field, c.confidence, c.source) for c in after.layout.columns] == [
        ("french_name", 1.0, "template"), ("partner_name", 1.0, "template"), ("until", 1.0, "template"),
        ("partner_country", 1.0, "template")]
    [report] = ingest_files(registry, [path], references, columns)
    assert report.accepted == len(PAIRS)
    assert {p["until"] for p in registry.partnerships()} == {int(y) for *_, y in PAIRS}


def test_should_refuse_to_save_an_unknown_field(tmp_path):
    store = TemplateStore(tmp_path / "templates.json")
    with pytest.raises(ValueError, match="partner_town"):
        store.save("0" * 16, {"A": "partner_town"})
    assert store.get("0" * 16) is None


def test_signature_ignores_case_accents_and_trailing_empty_cells():
    assert signature(["Pays", "Collectivité"]) == signature(["PAYS", "collectivite", None, ""])
    assert signature(["Pays", "Collectivité"]) != signature(["Collectivité", "Pays"])


def test_a_rejected_row_is_rebuilt_with_the_saved_mapping_of_its_file(tmp_path):
    store = TemplateStore(tmp_path / "templates.json")
    store.save(signature(["A", "B", "C", "D"]), {"A": "french_name", "B": "partner_name", "C": "", "D": "partner_country"})
    columns = ColumnMap.load(templates=store)
    # review.py rebuilds a row from its non-empty cells under their headers (here C was empty)
    assert columns.map_header(["A", "B", "D"]) == {0: ("french_name", None), 1: ("partner_name", None),
                                                  2: ("partner_country", None)}
    assert columns.map_header(["A", "Z"]) == {}
