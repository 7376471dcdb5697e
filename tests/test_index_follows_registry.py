"""The index knows which registry version it reflects; /healthz reports both and is degraded
while they differ; the app catches up by itself, after a killed update too, and the job page
of an ingest killed in its index phase says what the registry holds (issue 13)."""
from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from flask import url_for

from app import create_app
from conftest import FIXTURES, STAFF, login
from index import indexed_version, SearchParams
from repertoire.registry import Registry
from test_crash import cli
from web.jobs import Jobs


@pytest.fixture
def instance(indexed_copy) -> Path:
    return indexed_copy


def wait_for_job(app, kind: str, timeout: float = 120) -> dict:
    for _ in range(int(timeout * 10)):
        found = [j for j in Jobs(app.config["JOBS"]).recent() if j["kind"] == kind]
        if found and found[0]["status"] not in ("queued", "running"):
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} job ended")


def test_an_ingest_killed_in_its_index_phase_is_told_and_caught_up(instance):
    app = create_app({"TESTING": True, "INSTANCE": str(instance), "INDEX_CATCH_UP": True})
    app.extensions["accounts"].add(*STAFF, "staff")
    registry = Registry(instance / "registry.sqlite3")
    before = registry.count()
    job_id = Jobs(app.config["JOBS"]).create("ingest", STAFF[0], ["partenaires-armenie-maroc.csv"])
    run = cli(instance, "ingest", str(FIXTURES / "partenaires-armenie-maroc.csv"), "--job", job_id, pause_at="toc")
    run.wait_for("toc 1", timeout=120)
    run.kill()
    assert registry.count() == before + 14  # committed before the index phase

    # The job page tells the truth: the registry holds the file, search is being caught up.
    staff = app.test_client()
    login(staff, STAFF)
    job = Jobs(app.config["JOBS"]).get(job_id)
    assert job["status"] == "interrupted" and job["result"]["phase"] == "index"
    assert job["result"]["partnerships"] == before + 14
    with app.test_request_context():
        page_url = url_for("staff.job", job_id=job_id)
    page = staff.get(page_url).get_data(as_text=True)
    assert "enregistrés dans le registre" in page and "partenaires-armenie-maroc.csv" in page
    assert "tel qu'avant" not in page

    # /healthz: both versions, degraded while they differ; the first request started a catch-up.
    health = app.test_client().get("/healthz").get_json()
    assert health["registry"]["version"] == registry.version() != health["index"]["version"]
    assert health["status"] == "degraded" and health["index"]["current"] is False
    job = wait_for_job(app, "index")
    assert job["status"] == "done", job
    health = app.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["index"]["version"] == registry.version()
    assert health["index"]["documents"] == registry.count()
    assert indexed_version(instance / "index") == registry.version()
    registry.close()


def test_an_app_starting_on_a_registry_ahead_of_its_index_catches_up(instance, references):
    from repertoire.ingest import ingest_files
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)  # no index update
    app = create_app({"TESTING": True, "INSTANCE": str(instance), "INDEX_CATCH_UP": True})
    client = app.test_client()
    assert client.get("/recherche?q=Erevan").status_code == 200  # the first request starts the catch-up
    assert wait_for_job(app, "index")["status"] == "done"
    result = app.extensions["search_index"].search(SearchParams("Erevan"))
    assert result.total > 0
    assert client.get("/healthz").get_json()["status"] == "ok"
    registry.close()


def test_an_index_another_stemmer_made_is_rebuilt_on_start(instance):
    """Terms made by another stemmer (Whoosh's older Snowball port stemmed `cailloux` whole)
    would not meet the words of queries stemmed now: the app rebuilds such an index."""
    import json
    from index import current_generation
    from index.analysis import stem
    state_file = current_generation(instance / "index") / "state.json"
    state = json.loads(state_file.read_text())
    assert indexed_version(instance / "index") == state["version"]
    state_file.write_text(json.dumps({**state, "stemmer": "whoosh-snowball-french"}))
    assert indexed_version(instance / "index") is None  # behind: /healthz and the catch-up say so
    app = create_app({"TESTING": True, "INSTANCE": str(instance), "INDEX_CATCH_UP": True})
    client = app.test_client()
    client.get("/recherche?q=Erevan")  # the first request starts the catch-up
    assert wait_for_job(app, "index")["status"] == "done"
    assert indexed_version(instance / "index") == state["version"]
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert (stem("cailloux"), stem("caillou"), stem("jumelages")) == ("caillou", "caillou", "jumelag")
