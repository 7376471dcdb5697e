"""The mapping step of the staff upload: what the columns are read as, and what the rows would
become, shown before anything is written; a corrected column saved as the template of that
shape; then the ingest as before."""
from __future__ import annotations

import re
import shutil

import pytest

from repertoire.columns import ColumnMap
from repertoire.inspect import inspect_files
from repertoire.templates import TemplateStore

from conftest import FIXTURES, STAFF, csrf_token, login
from test_staff_upload import upload, wait_for

PAIRS = [("Rennes", "35", "Erlangen", "1964"), ("Dijon", "21", "Mainz", "1958"), ("Montpellier", "34", "Heidelberg", "1961"),
         ("Strasbourg", "67", "Stuttgart", "1962"), ("Caen", "14", "Würzburg", "1962"), ("Angers", "49", "Osnabrück", "1964"),
         ("Orléans", "45", "Münster", "1960"), ("Reims", "51", "Aachen", "1967")]
# Half the cells of the country column are notes: the reader hesitates and asks.
NOTES = ["Allemagne", "voir convention", "Allemagne", "à relancer", "Allemagne", "?", "Allemagne", "en cours"]
HEADER = "Commune;Dépt;Ville jumelle;Zxqv;Année"


def survey(pairs=PAIRS, notes=NOTES) -> bytes:
    return ("\n".join([HEADER] + [f"{f};{d};{p};{n};{y}" for (f, d, p, y), n in zip(pairs, notes)]) + "\n").encode()


@pytest.fixture
def staff_client(tmp_path, references):
    from app import create_app
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    app.extensions["references"] = references
    app.extensions["accounts"].add(*STAFF, "staff")
    client = app.test_client()
    login(client, STAFF)
    client.application = app
    return client


def count(client) -> int:
    with client.application.app_context():
        return client.application.extensions["registry"]().count()


def select_value(page: str, name: str) -> str:
    select = re.search(rf'<select id="{name}" name="{name}">(.*?)</select>', page, re.S).group(1)
    found = re.search(r'<option value="([^"]*)" selected>', select)
    return found.group(1) if found else ""


def send(client, location: str, action: str, **choices):
    return client.post(location, data={"csrf_token": csrf_token(client, location), "action": action, **choices})


def test_the_mapping_and_the_predicted_rows_are_shown_before_anything_is_written(staff_client, references):
    response = upload(staff_client, ("reponses-2019.csv", (FIXTURES / "reponses-2019.csv").read_bytes()))
    assert response.status_code == 302 and "/staff/import/" in response.headers["Location"]
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(staff_client) == 0  # nothing written yet
    [expected] = inspect_files([FIXTURES / "reponses-2019.csv"], references, ColumnMap.load())
    sheet = expected.sheets[0]
    for column in sheet.layout.columns:
        assert f">{column.name}</label>" in page
        assert select_value(page, f"col-0-0-{column.index}") == (column.field or "")
        for value in column.sample:
            assert value.replace("'", "&#39;") in page
    assert f'<b class="accepted">{sheet.accepted}</b>' in page and f'<b class="rejected">{sheet.rejected}</b>' in page
    assert "Pays du partenaire" in page and "— ignorer cette colonne —" in page
    english = staff_client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "— ignore this column —" in english and "Check how the files are read" in english


def test_an_uncertain_column_is_asked_corrected_saved_as_template_and_ingested(staff_client):
    location = upload(staff_client, ("partenaires.csv", survey())).headers["Location"]
    page = staff_client.get(location).get_data(as_text=True)
    question = re.search(r'<tr class="question">.*?</tr>', page, re.S).group(0)
    assert ">Zxqv</label>" in question and "À préciser : Pays du partenaire ?" in question
    assert "Champ obligatoire introuvable : Pays du partenaire" in page
    assert select_value(page, "col-0-0-3") == ""  # asked, not guessed

    preview = send(staff_client, location, "preview", **{"col-0-0-3": "partner_country"})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Correspondance enregistrée comme modèle" in page and "Lue avec un modèle enregistré" in page
    assert select_value(page, "col-0-0-3") == "partner_country"
    found = NOTES.count("Allemagne")
    assert f'<b class="accepted">{found}</b>' in page and f'<b class="rejected">{len(NOTES) - found}</b>' in page
    assert "pays inconnu" in page and count(staff_client) == 0
    store = TemplateStore(staff_client.application.config.get("TEMPLATES") or
                          staff_client.application.instance_path + "/templates.json")
    [signature] = store.signatures()
    assert store.get(signature)["Zxqv"] == "partner_country" and store.get(signature)["Commune"] == "french_name"

    started = send(staff_client, location, "ingest")
    assert started.status_code == 302 and "/staff/travaux/" in started.headers["Location"]
    result = wait_for(staff_client, started.headers["Location"])
    assert "terminé" in result and count(staff_client) == found
    # posting the mapping again goes to the same job, not a second ingest
    assert staff_client.get(location).headers["Location"] == started.headers["Location"]

    # a later file of the same shape, other rows: read with the saved mapping, nothing asked
    later = [("Poitiers", "86", "Marburg", "1961"), ("Lille", "59", "Erfurt", "1998")]
    page = staff_client.get(upload(staff_client, ("partenaires-2027.csv", survey(later, ["Allemagne", "Allemagne"])))
                            .headers["Location"]).get_data(as_text=True)
    assert 'class="question"' not in page and "Lue avec un modèle enregistré" in page
    assert select_value(page, "col-0-0-3") == "partner_country" and '<b class="accepted">2</b>' in page


def test_one_field_chosen_for_two_columns_or_an_unknown_field_is_refused_and_nothing_saved(staff_client):
    location = upload(staff_client, ("partenaires.csv", survey())).headers["Location"]
    twice = send(staff_client, location, "ingest", **{"col-0-0-3": "partner_name"})
    assert twice.status_code == 400
    assert "« Collectivité partenaire » est choisi pour plusieurs colonnes" in twice.get_data(as_text=True)
    unknown = send(staff_client, location, "preview", **{"col-0-0-3": "password"})
    assert unknown.status_code == 400 and "champ inconnu" in unknown.get_data(as_text=True)
    assert not (shutil.os.path.exists(staff_client.application.instance_path + "/templates.json"))
    assert count(staff_client) == 0


def test_an_unreadable_file_is_said_once_on_the_mapping_page(staff_client):
    location = upload(staff_client, ("notes.csv", b"just some words\nno header\n"),
                      ("partenaires.csv", survey())).headers["Location"]
    page = staff_client.get(location).get_data(as_text=True)
    assert page.count("Fichier illisible") == 1 and "partenaires.csv" in page


def test_an_unknown_upload_is_not_found(staff_client):
    assert staff_client.get("/staff/import/0123456789abcdef").status_code == 404
    assert staff_client.get("/staff/import/..%2F..%2Fetc").status_code == 404


# --- in Chromium --------------------------------------------------------------------------

@pytest.mark.browser
def test_in_chromium_the_question_is_answered_and_the_rows_are_ingested(staff_client, offline_page, tmp_path):
    import threading
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, staff_client.application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base, page = f"http://127.0.0.1:{server.server_port}", offline_page
    try:
        page.goto(base + "/connexion")
        page.fill("input[name=email]", STAFF[0])
        page.fill("input[name=password]", STAFF[1])
        page.click("main form.stacked button[type=submit]")
        page.wait_for_url(base + "/")
        page.goto(base + "/staff/import")
        survey_file = tmp_path / "partenaires-jumelages.csv"
        survey_file.write_bytes(survey())
        page.set_input_files("input[type=file]", str(survey_file))
        page.click("main form button[type=submit]")
        page.wait_for_url("**/staff/import/*")
        question = page.locator("tr.question")
        assert question.count() == 1 and "Zxqv" in question.inner_text()
        assert "Pays du partenaire ?" in question.inner_text()
        page.screenshot(path="/tmp/mapping-question.png")
        page.select_option("select#col-0-0-3", label="Pays du partenaire")
        page.click("button[value=preview]")
        page.wait_for_load_state()
        assert page.inner_text("b.accepted") == str(NOTES.count("Allemagne"))
        page.screenshot(path=str(tmp_path / "mapping.png"), full_page=True)
        shutil.copy(tmp_path / "mapping.png", "/tmp/mapping.png")
        page.click("button[value=ingest]")
        page.wait_for_url("**/staff/travaux/*")
        page.wait_for_selector("text=terminé", timeout=120_000)
        assert page.external == [] and page.errors == []
        assert count(staff_client) == NOTES.count("Allemagne")
    finally:
        server.shutdown()


def test_one_answer_serves_every_sheet_of_the_same_shape_in_a_workbook(staff_client, tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    for name, pairs in (("Bretagne", PAIRS[:4]), ("Bourgogne", PAIRS[4:]), ("Normandie", PAIRS[2:6])):
        sheet = book.create_sheet(name)
        sheet.append(HEADER.split(";"))
        for (f, d, p, y), note in zip(pairs, ["Allemagne", "voir convention", "Allemagne", "à relancer"]):
            sheet.append([f, d, p, note, int(y)])
    book.save(tmp_path / "par-region.xlsx")
    location = upload(staff_client, ("par-region.xlsx", (tmp_path / "par-region.xlsx").read_bytes())).headers["Location"]
    page = staff_client.get(location).get_data(as_text=True)
    assert page.count('<tr class="question">') == 3 and page.count("Champ obligatoire introuvable") == 3
    page = send(staff_client, location, "preview", **{"col-0-1-3": "partner_country"}).get_data(as_text=True)
    assert 'class="question"' not in page and page.count("Lue avec un modèle enregistré") == 3
    assert all(select_value(page, f"col-0-{s}-3") == "partner_country" for s in range(3))
