"""Survey upload in the browser: the files' mapping is shown first (tests/test_staff_mapping.py),
then the ingest runs as a job, the page follows it to its result."""
from __future__ import annotations

import io
import os
import signal
import time

import pytest

from app import create_app

from conftest import FIXTURES, STAFF, csrf_token, login


@pytest.fixture
def staff_client(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    app.extensions["accounts"].add(*STAFF, "staff")
    client = app.test_client()
    login(client, STAFF)
    client.application = app
    return client


def upload(client, *files: tuple[str, bytes]):
    data = {"csrf_token": csrf_token(client, "/staff/import"),
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/staff/import", data=data, content_type="multipart/form-data")


def start_ingest(client, location: str):
    """From the mapping page of an upload, start the ingest as the page's button does."""
    assert "/staff/import/" in location
    return client.post(location, data={"csrf_token": csrf_token(client, location), "action": "ingest"})


def wait_for(client, location: str, timeout: float = 180) -> str:
    """The job page once it has stopped refreshing itself (the job ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(location).get_data(as_text=True)
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.5)
    raise AssertionError(f"job still running after {timeout} s")


def test_upload_runs_the_ingest_and_reports_each_file(staff_client):
    survey = (FIXTURES / "questionnaire-export.csv").read_bytes()
    response = upload(staff_client, ("questionnaire-été.csv", survey), ("notes.csv", b"just some words\nno header\n"))
    assert response.status_code == 302
    mapping = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "questionnaire-été.csv" in mapping and "Fichier illisible" in mapping  # notes.csv, said before the ingest
    response = start_ingest(staff_client, response.headers["Location"])
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/staff/travaux/" in location
    page = wait_for(staff_client, location)
    assert "terminé" in page
    assert "questionnaire-été.csv" in page  # the name as the staff wrote it, accents kept
    registry = staff_client.application.extensions["registry"]
    with staff_client.application.app_context():
        count = registry().count()
        rejected = registry().iter_rows("SELECT count(*) FROM rejects").fetchone()[0]
    assert count > 500 and f"Registre : {count} partenariats." in page
    assert 'notes.csv<br><span class="error">' in page  # a file that could not be read says why
    assert rejected >= 6 and "Rejets de questionnaire-été.csv" in page  # each with its reason and raw values
    assert page.count("<b>Q01. Nom de votre collectivité</b>") >= 6
    # the index followed: the new partnerships are found
    assert staff_client.get("/api/search?q=Karlsruhe&country=DE").json["total"] >= 1


def test_upload_refuses_other_types_and_empty_sends(staff_client):
    response = upload(staff_client, ("photo.png", b"\x89PNG\r\n"))
    assert response.status_code == 400 and "type de fichier non pris en charge" in response.get_data(as_text=True)
    response = staff_client.post("/staff/import", data={"csrf_token": csrf_token(staff_client, "/staff/import")},
                                 content_type="multipart/form-data")
    assert response.status_code == 400 and "au moins un fichier" in response.get_data(as_text=True)


def test_upload_over_the_size_limit_gets_a_clear_message(staff_client):
    staff_client.application.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(staff_client, ("big.csv", b"a;b\n" * 400_000))
    assert response.status_code == 413
    assert "1 Mo au plus" in response.get_data(as_text=True)


def test_a_killed_job_is_shown_interrupted_and_the_registry_is_untouched(staff_client):
    rows = "\n".join(f"Nancy;54;Karlsruhe {i};Allemagne;1955;Jumelage;culture" for i in range(60_000))
    response = upload(staff_client, ("grande-enquete.csv", ("COMMUNE;DEPT;VILLE JUMELLE;PAYS;DEPUIS;NATURE;DOMAINES\n" + rows).encode()))
    location = start_ingest(staff_client, response.headers["Location"]).headers["Location"]
    jobs = staff_client.application.config["JOBS"]
    from web.jobs import Jobs
    job = Jobs(jobs).get(location.rsplit("/", 1)[1])
    deadline = time.monotonic() + 60
    while job["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.2)
        job = Jobs(jobs).get(job["id"])
    os.kill(job["pid"], signal.SIGKILL)
    page = wait_for(staff_client, location, timeout=30)
    assert "interrompu" in page
    with staff_client.application.app_context():
        assert staff_client.application.extensions["registry"]().count() == 0


def test_the_job_page_lists_the_words_no_vocabulary_knows(staff_client):
    survey = ("Collectivité française;Département;Collectivité partenaire;Pays;Type d'accord;Thématiques\n"
              "Nancy;54;Karlsruhe;Allemagne;Jumelage;Culture\n"
              "Caen;14;Alexandria;États-Unis;Bürgerbegegnung;Philatélie\n").encode()
    response = upload(staff_client, ("enquete.csv", survey))
    response = start_ingest(staff_client, response.headers["Location"])
    page = wait_for(staff_client, response.headers["Location"])
    assert "Mots non reconnus dans enquete.csv" in page
    assert "Bürgerbegegnung (1)" in page and "Philatélie (1)" in page
    assert "Culture (1)" not in page  # a word the vocabulary maps is not listed
