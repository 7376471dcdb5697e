"""A request's registry stays open for the next request of its thread (web/registry_pool.py): that
request sees every commit made meanwhile by others, a connection left inside a transaction is
not handed on, and a registry file replaced at its path is opened anew."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app import create_app
from repertoire.registry import Registry


@pytest.fixture
def served(indexed_copy):
    app = create_app({"TESTING": True, "INSTANCE": str(indexed_copy)})
    registry = Registry(indexed_copy / "registry.sqlite3")
    pid = registry.partnerships()[0]["id"]
    registry.close()
    return app, app.test_client(), indexed_copy / "registry.sqlite3", pid


def kept(app) -> Registry | None:
    found = getattr(app.extensions["registry_pool"]._thread, "kept", None)
    return found[0] if found else None


def describe(path: Path, pid: str, text: str) -> None:
    writer = Registry(path)
    with writer.transaction():
        writer.db.execute("UPDATE partnerships SET description = ? WHERE id = ?", (text, pid))
    writer.close()


def test_the_next_request_takes_the_same_connection_and_sees_what_others_committed(served):
    app, client, path, pid = served
    first = client.get(f"/api/partnerships/{pid}").get_json()
    connection = kept(app)
    assert connection is not None
    describe(path, pid, "Décrit après la première requête")
    second = client.get(f"/api/partnerships/{pid}").get_json()
    assert first["description"] != second["description"] == "Décrit après la première requête"
    assert kept(app) is connection
    describe(path, pid, "Et encore après")
    assert "Et encore après" in client.get(f"/partenariats/{pid}").get_data(as_text=True)


def test_a_connection_left_in_a_transaction_is_closed_not_handed_on(served):
    app, client, path, pid = served
    with app.test_request_context(f"/api/partnerships/{pid}"):
        registry = app.extensions["registry"]()
        registry.db.execute("BEGIN IMMEDIATE")  # a request that left its write open
        registry.db.execute("UPDATE partnerships SET description = 'jamais validé' WHERE id = ?", (pid,))
    assert kept(app) is None
    with pytest.raises(sqlite3.ProgrammingError):  # closed: its write rolled back, its lock gone
        registry.db.execute("SELECT 1")
    describe(path, pid, "Écrit par un autre")  # would wait, then fail, behind a kept write lock
    assert client.get(f"/api/partnerships/{pid}").get_json()["description"] == "Écrit par un autre"


def test_a_registry_file_replaced_at_its_path_is_opened_anew(served):
    app, client, path, pid = served
    assert client.get(f"/api/partnerships/{pid}").status_code == 200
    connection = kept(app)
    replacement = path.with_name("restored.sqlite3")  # a backup without this partnership
    source, copy = sqlite3.connect(path), sqlite3.connect(replacement)
    source.backup(copy)
    source.close()
    copy.execute("DELETE FROM partnerships WHERE id = ?", (pid,))
    copy.commit()
    copy.close()
    os.replace(replacement, path)
    assert client.get(f"/api/partnerships/{pid}").status_code == 404
    assert kept(app) is not connection
