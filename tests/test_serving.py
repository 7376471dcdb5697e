"""Serving (issue 6): /healthz, one JSON log line per request, gunicorn with gunicorn.conf.py."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import create_app
from conftest import copy_instance

ROOT = Path(__file__).parent.parent


def request_records(err: str) -> list[dict]:
    """The request records among the JSON lines written to stderr."""
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [r for r in records if r.get("logger") == "repertoire.requests"]


# --- /healthz ----------------------------------------------------------------------------

def test_healthz_reports_the_registry_and_the_index(client, sample_index, sample_registry):
    response = client.get("/healthz")
    health = response.get_json()
    assert response.status_code == 200 and health["status"] == "ok"
    assert health["registry"] == {"ok": True, "partnerships": sample_registry.count(),
                                  "version": sample_registry.version()}
    assert health["index"]["present"] and health["index"]["documents"] == sample_registry.count()
    assert health["index"]["generation"].startswith("gen-") and health["version"]
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_degraded_but_up_without_an_index(empty_app):
    response = empty_app.test_client().get("/healthz")
    health = response.get_json()
    assert response.status_code == 200 and health["status"] == "degraded"
    assert health["registry"]["ok"] and health["registry"]["partnerships"] == 0
    assert health["index"] == {"ok": False, "present": False, "current": False}


def test_the_search_lexicon_loads_behind_a_servers_first_request_not_in_a_command(tmp_path):
    """Making the app (every `repertoire` command does) starts no loading: an ingest has no use
    for what queries are read with. The first request starts it, in a thread."""
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    search_index = app.extensions["search_index"]
    assert search_index._lexicon is None
    assert app.test_client().get("/healthz").status_code in (200, 503)
    assert search_index._lexicon is not None and search_index._lexicon.name == "search-lexicon"
    search_index._lexicon.join(60)


def test_healthz_answers_503_when_the_registry_cannot_be_opened(tmp_path):
    # A directory where the SQLite file should be: sqlite3 cannot open it.
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance"), "REGISTRY": str(tmp_path)})
    response = app.test_client().get("/healthz")
    health = response.get_json()
    assert response.status_code == 503 and health["status"] == "down"
    assert health["registry"]["ok"] is False and "unable to open" in health["registry"]["error"]


# --- structured logs ---------------------------------------------------------------------

def test_a_request_writes_one_json_line_with_its_figures(client, sample_index, capsys):
    capsys.readouterr()
    response = client.get("/api/search?q=jumelage&country=JP", headers={"X-Request-ID": "drill-42"})
    records = request_records(capsys.readouterr().err)
    assert len(records) == 1
    record = records[0]
    assert (record["method"], record["path"], record["query"], record["status"]) == (
        "GET", "/api/search", "q=jumelage&country=JP", response.status_code)
    assert isinstance(record["duration_ms"], float) and record["size"] == len(response.data)
    assert record["request_id"] == response.headers["X-Request-ID"] == "drill-42"
    assert record["level"] == "INFO" and "time" in record and record["user_id"] is None


def test_a_request_without_an_id_gets_a_new_one(client, capsys):
    capsys.readouterr()
    first = client.get("/healthz", headers={"X-Request-ID": "not an id\u00e9"}).headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first != second and len(first) == 16 and " " not in first
    assert [r["request_id"] for r in request_records(capsys.readouterr().err)] == [first, second]


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(tmp_path, capsys):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    capsys.readouterr()
    response = app.test_client().get("/boom")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    error = next(r for r in lines if r.get("logger") == "app")
    assert response.status_code == 500 and error["level"] == "ERROR"
    assert "RuntimeError: kaboom" in error["exc_info"] and error["request_id"] == response.headers["X-Request-ID"]
    assert [r["status"] for r in lines if r.get("logger") == "repertoire.requests"] == [500]


def test_log_json_off_writes_no_request_line(tmp_path, capsys):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance"), "LOG_JSON": False})
    capsys.readouterr()
    assert app.test_client().get("/healthz").status_code == 200
    assert request_records(capsys.readouterr().err) == []


# --- gunicorn, and nginx in front of it --------------------------------------------------

DEPLOY = ROOT / "deploy" / "nginx"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_until_served(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(300):  # up to a minute: each gunicorn worker imports pandas and warms up
        try:
            get(url)
            return
        except (OSError, urllib.error.HTTPError):
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer:\n" + log.read_text())


@contextmanager
def running(command: list[str], url: str, log: Path, **options) -> Iterator[None]:
    """A server process, once `url` answers; terminated at the end."""
    with log.open("ab") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **options)
        try:
            wait_until_served(url, server, log)
            yield
        finally:
            server.terminate()
            server.wait(timeout=30)


@contextmanager
def gunicorn(instance: Path, log: Path) -> Iterator[int]:
    """gunicorn with the repository's gunicorn.conf.py on a free port; yields the port."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "app:create_app()"]
    with running(command, f"http://127.0.0.1:{port}/healthz", log, cwd=ROOT,
                 env=dict(os.environ, REPERTOIRE_INSTANCE=str(instance))):
        yield port


@contextmanager
def nginx(app_port: int, folder: Path) -> Iterator[int]:
    """nginx with the repository's deploy/nginx files in front of `app_port`; yields its port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        pytest.skip("nginx is not installed (scripts/install-system.sh installs nginx-light)")
    folder.mkdir()
    port = free_port()
    (folder / "http.conf").write_text((DEPLOY / "repertoire-http.conf").read_text().replace(
        "127.0.0.1:8000", f"127.0.0.1:{app_port}"))
    user = "user root;" if os.geteuid() == 0 else ""  # workers that can write the test's folder
    (folder / "nginx.conf").write_text(f"""
        daemon off; {user} pid {folder}/nginx.pid; error_log {folder}/error.log;
        events {{ worker_connections 256; }}
        http {{
            access_log off;
            client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
            include {folder}/http.conf;
            server {{ listen 127.0.0.1:{port}; include {DEPLOY}/repertoire-server.conf; }}
        }}""")
    log = folder / "error.log"
    with running([binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)],
                 f"http://127.0.0.1:{port}/healthz", log):
        yield port


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections each sending its request headers one byte a second (slowloris)."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    stop = threading.Event()

    def trickle():
        for s in sockets:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        while not stop.wait(1):
            for s in sockets:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    try:
        yield sockets
    finally:
        stop.set()
        thread.join()
        for s in sockets:
            s.close()


def test_gunicorn_serves_healthz_with_the_repository_config(sample_instance, sample_index, tmp_path):
    instance = copy_instance(sample_instance, tmp_path / "instance")
    with gunicorn(instance, tmp_path / "gunicorn.log") as port:
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "ok" and health["index"]["documents"] > 0
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is JSON, gunicorn's own too
    assert any(r["logger"] == "gunicorn.error" and "Booting worker" in r["message"] for r in records)
    assert any(r["logger"] == "repertoire.requests" and r["path"] == "/healthz" for r in records)


def test_the_shipped_nginx_config_keeps_serving_under_slow_clients(sample_instance, sample_index, tmp_path):
    """16 slow-header sockets took every gunicorn thread (issue 13); through nginx with the
    repository's config, every request of a normal client is still answered at once."""
    instance = copy_instance(sample_instance, tmp_path / "instance")
    with gunicorn(instance, tmp_path / "gunicorn.log") as app_port, nginx(app_port, tmp_path / "nginx") as port:
        with slow_clients(port, 16):
            time.sleep(2)  # the slow clients are connected and trickling
            answers = []
            for _ in range(6):
                started = time.monotonic()
                status, body = get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                answers.append((status, json.loads(body)["status"], time.monotonic() - started))
        assert all(status == 200 and health == "ok" and seconds < 2 for status, health, seconds in answers), answers


def test_the_readme_documents_the_production_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Serving in production")[1].split("\n## ")[0]
    assert "gunicorn 'app:create_app()'" in section and "/healthz" in section and "LOG_JSON" in section
