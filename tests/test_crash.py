"""kill -9 during an ingest, an index update and an index rebuild (issue 6): the registry and
the live index stay as before, the next run succeeds. Fast versions of tests/drills/kill9.py,
whose child mode runs the real CLI with phase markers and pauses at the one named."""
from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from bench_ingest import scaled_surveys
from conftest import FIXTURES
from index import build_index, current_generation, update_index
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

_spec = importlib.util.spec_from_file_location("kill9", Path(__file__).parent / "drills" / "kill9.py")
kill9 = sys.modules["kill9"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kill9)


@pytest.fixture
def instance(indexed_copy) -> Path:
    return indexed_copy


def cli(instance: Path, *args: str, pause_at: str = "", chunk_rows: int | None = None) -> "kill9.Run":
    return kill9.Run(list(args), os.environ | {"REPERTOIRE_INSTANCE": str(instance), "REPERTOIRE_MAKE_BOOKS_AHEAD": "0"}, pause_at, chunk_rows)


def test_an_ingest_killed_after_writing_blocks_leaves_the_registry_as_before(instance, tmp_path, references):
    survey = scaled_surveys(tmp_path, 3000)[0]  # 2000 rows, in blocks of 500
    path = instance / "registry.sqlite3"
    before = kill9.registry_fingerprint(path)
    run = cli(instance, "ingest", str(survey), pause_at="saved:2", chunk_rows=500)
    run.wait_for("saved 2", timeout=120)
    # Meanwhile other connections read the registry as before, and a writer waits its turn.
    assert kill9.registry_fingerprint(path)["hash"] == before["hash"]
    other = Registry(path, timeout=0.2)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        with other.transaction():
            pass
    other.close()
    run.kill()
    after = kill9.registry_fingerprint(path)
    assert after["integrity"] == "ok"
    assert (after["hash"], after["version"]) == (before["hash"], before["version"])
    registry = Registry(path)
    [report] = ingest_files(registry, [survey], references)
    assert report.ok and report.unchanged == 0 and report.accepted + report.merged + report.rejected == 2000
    assert registry.count() > before["counts"]["partnerships"]
    registry.close()


@pytest.mark.parametrize("pause_at", ["documents", "state"])  # mid-build; just before the swap
def test_an_index_rebuild_killed_leaves_the_live_index_answering(instance, pause_at):
    index_dir = instance / "index"
    before = kill9.index_fingerprint(index_dir)
    run = cli(instance, "index", pause_at=pause_at)
    run.wait_for(f"{pause_at} 1", timeout=120)
    run.kill()
    assert kill9.index_fingerprint(index_dir) == before
    assert len(kill9.leftovers(index_dir)) == 1  # the half-built generation
    registry = Registry(instance / "registry.sqlite3")
    report = build_index(registry, index_dir)
    registry.close()
    assert current_generation(index_dir).name == report.generation
    assert kill9.leftovers(index_dir) == []
    assert kill9.index_fingerprint(index_dir)["answers"] == before["answers"]


def test_an_index_update_killed_in_its_commit_leaves_the_live_index_answering(instance):
    index_dir = instance / "index"
    before = kill9.index_fingerprint(index_dir)
    # Paused with the new segment and table of contents written, the table not yet renamed.
    run = cli(instance, "ingest", str(FIXTURES / "partenaires-armenie-maroc.csv"), pause_at="toc")
    run.wait_for("toc 1", timeout=120)
    run.kill()
    assert kill9.index_fingerprint(index_dir) == before
    assert "_MAIN_2.toc.<time>" in kill9.leftovers(index_dir)
    registry = Registry(instance / "registry.sqlite3")
    assert registry.count() == before["documents"] + 14  # the file was committed before the update
    report = update_index(registry, index_dir)
    assert report.documents == 14 and not report.full
    assert kill9.index_fingerprint(index_dir)["ids"] == {p["id"] for p in registry.partnerships()}
    assert kill9.leftovers(index_dir) == []
    registry.close()
