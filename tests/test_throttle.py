"""Exports of a whole search are taken one at a time per client and two at a time in all, the
slots shared by every worker through lock files of the instance folder (issue 13)."""
from __future__ import annotations

import os
from pathlib import Path

from web.throttle import _take


def status(client, url: str, **kwargs) -> int:
    """An export fetched to its end and closed, as a server closes it once sent."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response.status_code


def test_a_client_with_an_export_running_is_told_to_wait_and_others_are_not(app, sample_index):
    folder = Path(app.instance_path) / "locks"
    client = app.test_client()
    assert status(client, "/recherche/export.csv?q=jumelage") == 200
    assert status(client, "/recherche/export.csv?q=jumelage") == 200  # the slot was given back
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        from web.throttle import client_key
        held = _take(folder, f"export-{client_key()}", 1)  # as another worker would hold it
    try:
        busy = client.get("/recherche/export.csv?q=jumelage")
        assert busy.status_code == 429 and int(busy.headers["Retry-After"]) > 0
        assert "export est déjà en cours" in busy.get_data(as_text=True)
        assert status(client, "/recherche/export.csv?q=jumelage", environ_base={"REMOTE_ADDR": "198.51.100.2"}) == 200
    finally:
        os.close(held)


def test_when_every_shared_slot_is_taken_exports_wait(app, sample_index):
    folder = Path(app.instance_path) / "locks"
    folder.mkdir(exist_ok=True)
    held = [_take(folder, "export", 2) for _ in range(2)]
    try:
        assert None not in held
        assert status(app.test_client(), "/recherche/export.csv?q=eau") == 429
    finally:
        for fd in held:
            os.close(fd)
    assert status(app.test_client(), "/recherche/export.csv?q=eau") == 200


def test_heavy_pages_take_turns_in_a_worker_and_searches_do_not_wait(tmp_path, sample_instance, sample_index):
    from app import create_app
    app = create_app({"TESTING": True, "INSTANCE": str(sample_instance), "HEAVY_WAIT": 0.2})
    client = app.test_client()
    assert client.get("/carte").status_code == 200
    gate = app.extensions["heavy_gate"]
    assert gate.acquire(timeout=1)  # a heavy page being made in this worker
    try:
        for path in ("/carte", "/pays/DE", "/carte/repartition/pays", "/recherche/export.csv?q=eau"):
            crowded = client.get(path)
            assert crowded.status_code == 503 and crowded.headers["Retry-After"], path
        assert client.get("/recherche?q=jumelage").status_code == 200
        assert client.get("/api/search?q=Allemagne").status_code == 200
        assert client.get("/pays/ZZ/repertoire.pdf").status_code == 404  # no turn needed to say no
    finally:
        gate.release()
    assert client.get("/pays/DE").status_code == 200
