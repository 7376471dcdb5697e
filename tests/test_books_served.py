"""Country books as the web app serves them (issue 13): made once however many ask, never half
a file, unknown codes answered before any work, big books left to a background job."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import maps.static
import repertoire.pdf.service as service
from app import create_app
from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from web.jobs import Jobs

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def am_app(tmp_path, references):
    """An app on a registry of the Armenia/Morocco fixture (a book takes about a second)."""
    instance = tmp_path / "instance"
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    registry.close()
    return create_app({"TESTING": True, "INSTANCE": str(instance)})


def test_an_unknown_country_answers_404_before_drawing_any_map(am_app, monkeypatch):
    drawn = []
    monkeypatch.setattr(maps.static, "country_map", lambda *a: drawn.append(a))
    monkeypatch.setattr(maps.static, "france_map", lambda *a: drawn.append(a))
    client = am_app.test_client()
    for code in ("ZZ", "zz", "FR", "ARM", "A", "1A", "é1"):
        start = time.perf_counter()
        assert client.get(f"/pays/{code}/repertoire.pdf").status_code == 404
        assert time.perf_counter() - start < 0.5
    assert drawn == []
    assert not list(Path(am_app.config["CACHE_DIR"]).glob("pdf/*.pdf"))


def test_twenty_concurrent_cold_requests_make_the_book_once(am_app, monkeypatch):
    made = []
    render = service.country_repertoire

    def counted(*args, **kwargs):
        made.append(threading.get_ident())
        return render(*args, **kwargs)
    monkeypatch.setattr(service, "country_repertoire", counted)
    am_app.config["HEAVY_WAIT"] = 120  # the others wait for the one making it, however slow the machine
    answers = []

    def ask():
        response = am_app.test_client().get("/pays/AM/repertoire.pdf")
        answers.append((response.status_code, response.data))
    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert {status for status, _ in answers} == {200}
    assert len({data for _, data in answers}) == 1 and answers[0][1][:5] == b"%PDF-"
    folder = Path(am_app.config["CACHE_DIR"]) / "pdf"
    assert [p.suffix for p in folder.iterdir() if p.suffix not in (".lock",)] == [".pdf"]  # no draft left


def test_two_makers_of_one_book_never_share_a_draft(am_app, tmp_path):
    """Two processes' worth of makers (separate registries, as two workers have) and a reader:
    the reader only ever sees no file or a whole PDF."""
    registry_path = am_app.config["REGISTRY"]
    cache = tmp_path / "cache"
    path = service.cache_path(Registry(registry_path), "MA", cache, service.Options())
    seen, errors = set(), []

    def make():
        try:
            service.cached_repertoire(Registry(registry_path), "MA", cache, service.Options())
        except Exception as error:  # recorded: the test fails on it
            errors.append(error)

    def read():
        for _ in range(400):
            if path.exists():
                data = path.read_bytes()
                seen.add((data[:5], data.rstrip()[-5:]))
            time.sleep(0.005)
    threads = [threading.Thread(target=make) for _ in range(4)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert seen <= {(b"%PDF-", b"%%EOF")}


def test_a_book_too_big_for_a_request_is_made_by_a_background_job(am_app):
    am_app.config["PDF_INLINE_LIMIT"] = 3  # Armenia has more partnerships than that
    client = am_app.test_client()
    first = client.get("/pays/AM/repertoire.pdf")
    assert first.status_code == 503 and first.headers["Retry-After"]
    assert "en préparation" in first.get_data(as_text=True)
    assert client.get("/pays/AM/repertoire.pdf").status_code == 503  # one job, not one per request
    jobs = Jobs(am_app.config["JOBS"]).recent()
    assert [job["files"] for job in jobs] == [["AM"]]
    for _ in range(600):  # the job makes both editions; a minute at most
        job = Jobs(am_app.config["JOBS"]).get(jobs[0]["id"])
        if job["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    answer = client.get("/pays/AM/repertoire.pdf")
    assert answer.status_code == 200 and answer.data[:5] == b"%PDF-"
