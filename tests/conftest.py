"""Shared fixtures: the sample surveys ingested once into a temporary instance folder."""
from __future__ import annotations

import sqlite3

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import create_app
from repertoire.ingest import References, ingest_files
from repertoire.registry import Registry

FIXTURES = Path(__file__).parent / "fixtures"
# The order in which expected.csv lists them: a later report of a link merges into it.
SAMPLE_SURVEYS = ["enquete-partenariats-2024.xlsx", "questionnaire-export.csv",
                  "reponses-2019.csv", "mise-a-jour-2025.csv"]


@pytest.fixture(scope="session")
def references() -> References:
    """Reference data, loaded once for the whole run."""
    return References()


@pytest.fixture(scope="session")
def sample_instance(tmp_path_factory, references) -> Path:
    """An instance folder whose registry holds the four sample surveys."""
    instance = tmp_path_factory.mktemp("instance")
    registry = Registry(instance / "registry.sqlite3")
    reports = ingest_files(registry, [FIXTURES / name for name in SAMPLE_SURVEYS], references)
    registry.close()
    instance.joinpath("ingest-reports.txt").write_text(
        "\n".join(f"{r.source} {r.read} {r.accepted} {r.merged} {r.rejected}" for r in reports))
    return instance


@pytest.fixture(scope="session")
def sample_registry(sample_instance) -> Registry:
    registry = Registry(sample_instance / "registry.sqlite3")
    yield registry
    # still readable after the whole run: a test that broke the shared file fails here too
    assert registry.count() > 100
    registry.close()


@pytest.fixture(scope="session")
def app(sample_instance):
    """The Flask app on the sample registry (read-only use: tests must not change it)."""
    app = create_app({"TESTING": True, "INSTANCE": str(sample_instance)})
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def empty_app(tmp_path):
    """An app on a fresh, empty instance folder, for tests that write."""
    return create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})


# --- browser (maps; usable by any page test) -------------------------------------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by Playwright (no browser download); skipped if absent."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def is_local(url: str) -> bool:
    return url.startswith(("http://127.0.0.1", "http://localhost", "file://", "data:", "blob:", "about:"))


@pytest.fixture
def offline_page(chromium):
    """A page whose every non-local request is aborted and recorded in `page.external`."""
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    page.external, page.errors = [], []

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            page.external.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()


@contextmanager
def serving(app):
    """An app served on a free local port in a thread, for a browser; yields its base URL."""
    from werkzeug.serving import make_server
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_server(app):
    """The sample app served on a free local port in a thread; yields its base URL."""
    with serving(app) as url:
        yield url


def copy_instance(source: Path, target: Path, *left_out: str) -> Path:
    """A copy of an instance folder whose databases are copied by SQLite's backup, never as files.

    Opening and closing a live SQLite file with plain file calls drops every POSIX lock this
    process holds on it; another process then takes it for the last user, checkpoints and
    deletes its WAL, and this process's connections answer "disk I/O error" from then on.
    """
    ignored = shutil.ignore_patterns(*left_out)
    shutil.copytree(source, target, ignore=lambda folder, names: ignored(folder, names) | {
        name for name in names if ".sqlite3" in name})
    for database in source.glob("*.sqlite3"):
        if ignored(str(source), [database.name]):
            continue
        original, copy = sqlite3.connect(database), sqlite3.connect(target / database.name)
        original.backup(copy)
        copy.close(), original.close()
    return target


def writable_copy(tmp_path: Path, sample_instance: Path, references: References):
    """An app on a copy of the sample instance (registry and index), with a staff and a
    member account; the session's reference data stands in for a fresh load."""
    instance = copy_instance(sample_instance, tmp_path / "instance",
                             "cache", "chapters", "accounts.sqlite3*", "jobs.sqlite3*")
    app = create_app({"TESTING": True, "INSTANCE": str(instance)})
    app.extensions["references"] = references
    app.extensions["accounts"].add(*STAFF, "staff")
    app.extensions["accounts"].add(*MEMBER, "member")
    return app


# --- search (issue 3) ------------------------------------------------------------------

@pytest.fixture(scope="session")
def sample_index(sample_instance, sample_registry) -> Path:
    """The search index of the sample registry, built once into the instance folder."""
    from index import build_index
    build_index(sample_registry, sample_instance / "index")
    return sample_instance / "index"


@pytest.fixture(scope="session")
def search_index(sample_index):
    from index import SearchIndex
    return SearchIndex(sample_index)


# --- accounts ----------------------------------------------------------------------------

STAFF = ("staff@example.org", "staff-password-1")
MEMBER = ("member@example.org", "member-password-1")


def csrf_token(client, path: str = "/connexion") -> str:
    """The CSRF token of a page's form, as a browser would read it."""
    import re
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def login(client, account: tuple[str, str]):
    """Sign in through the real form (CSRF token included)."""
    email, password = account
    return client.post("/connexion", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


@pytest.fixture(scope="session")
def accounts(app):
    """A staff and a member account on the sample app."""
    app.extensions["accounts"].add(*STAFF, "staff")
    app.extensions["accounts"].add(*MEMBER, "member")
    return app.extensions["accounts"]


@pytest.fixture
def indexed_copy(tmp_path, sample_registry) -> Path:
    """A copy of the sample registry in an instance folder of its own, with its index built."""
    from index import build_index

    folder = tmp_path / "instance"
    folder.mkdir()
    copy = sqlite3.connect(folder / "registry.sqlite3")
    sample_registry.db.backup(copy)
    copy.close()
    registry = Registry(folder / "registry.sqlite3")
    build_index(registry, folder / "index")
    registry.close()
    return folder
