"""The index fed while an ingest records its rows (index/feed.py) is the registry's full build."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

import index.feed
from app import cli
from index import IndexFeed, build_index, current_generation
from index.feed import stored_row
from repertoire.ingest import ingest_files
from repertoire.registry import STORED_FIELDS, Registry, now

from conftest import FIXTURES, SAMPLE_SURVEYS


def postings(index_dir: Path) -> tuple[dict, dict]:
    """Everything the live generation holds, by partnership id: each term's postings
    (weight and positions) and each document's column values, deleted documents left out."""
    ix = whoosh_index.open_dir(current_generation(index_dir))
    with ix.reader() as reader:
        ids = list(reader.column_reader("id"))
        live = {docnum for docnum in range(reader.doc_count_all()) if not reader.is_deleted(docnum)}
        terms: dict = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            while matcher.is_active():
                docnum = matcher.id()
                if docnum in live:
                    terms.setdefault((fieldname, term), set()).add((ids[docnum], matcher.weight(), matcher.value()))
                matcher.next()
        columns = {}
        for name in ("country", "kind", "status", "themes", "sortname", "year"):
            values = list(reader.column_reader(name))
            for docnum in live:
                columns.setdefault(ids[docnum], {})[name] = values[docnum]
    return terms, columns


def fed_ingest(registry: Registry, index_dir: Path, references, files, **thresholds) -> IndexFeed:
    feed = IndexFeed(registry, index_dir, **({"start_from": 1, "large_from": 1} | thresholds))
    ingest_files(registry, files, references, saved=feed.add)
    return feed


def test_an_index_fed_during_the_ingest_is_the_full_build_of_the_registry(tmp_path, references):
    registry = Registry(tmp_path / "registry.sqlite3")
    # The four samples: later reports merge into earlier links, so rows are handed over twice.
    with fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / n for n in SAMPLE_SURVEYS]) as feed:
        assert feed._process is not None  # indexed on the other core, not after
        report = feed.finish()
    assert report.full and report.documents == registry.count()
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_partnerships_held_before_the_ingest_are_indexed_by_the_process_first(tmp_path, references, monkeypatch):
    """An instance in use: what the registry held is indexed on the other core while the
    ingest's first blocks come, not read back and indexed after the last commit."""
    registry = Registry(tmp_path / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv", FIXTURES / "mise-a-jour-2025.csv"], references)
    held = registry.stamps()
    read_back: list[str] = []
    by_ids = registry.partnerships_by_ids
    monkeypatch.setattr(registry, "partnerships_by_ids", lambda ids: read_back.extend(ids) or by_ids(ids))
    with fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / n for n in SAMPLE_SURVEYS]) as feed:
        report = feed.finish()
    assert len(held) > 30 and report.full and report.documents == registry.count()
    untouched = {pid for pid, stamp in registry.stamps().items() if held.get(pid) == stamp}
    assert len(untouched) > 10 and not untouched & set(read_back)  # none left for after the commit
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_a_feed_that_wrote_several_segments_is_the_full_build(tmp_path, references, monkeypatch):
    monkeypatch.setattr(index.feed, "SEGMENT_DOCS", 100)  # the forked process sees it too
    monkeypatch.setattr(index.feed, "BATCH", 50)
    registry = Registry(tmp_path / "registry.sqlite3")
    with fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / n for n in SAMPLE_SURVEYS]) as feed:
        feed.finish()
    ix = whoosh_index.open_dir(current_generation(tmp_path / "fed"))
    assert len(ix._segments()) > 3
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_rows_left_at_the_end_are_shared_between_the_processes_into_the_full_build(tmp_path, references,
                                                                                   monkeypatch):
    monkeypatch.setattr(index.feed, "SEGMENT_DOCS", 100)  # few rows indexed and not yet written
    monkeypatch.setattr(index.feed, "BATCH", 50)
    registry = Registry(tmp_path / "registry.sqlite3")
    feed = IndexFeed(registry, tmp_path / "fed", start_from=1, large_from=1)
    stops = []  # rows left to the process when this one stopped taking them
    enough = feed._enough
    feed._enough = lambda taken: enough(taken) and not stops.append(sum(map(len, feed._queue)))

    def saved(rows):
        feed.add(rows)
        os.kill(feed._process.pid, signal.SIGSTOP)  # held still: far behind when the ingest ends

    with feed:
        ingest_files(registry, [FIXTURES / SAMPLE_SURVEYS[0]], references, saved=saved)
        os.kill(feed._process.pid, signal.SIGCONT)
        report = feed.finish()
    assert stops and stops[0] > 0  # this one left rows to the process (it has less to write)
    assert report.full and report.documents == registry.count()
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_rows_handed_over_but_not_committed_are_not_in_the_index(tmp_path, references):
    registry = Registry(tmp_path / "registry.sqlite3")
    feed = fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / SAMPLE_SURVEYS[3]])
    with feed:
        # A file rolled back after its rows were saved: a changed version of a partnership,
        # and a partnership that never reached the registry.
        changed = registry.partnerships()[0] | {"partner_name": "Zyxwvut", "updated_at": now()}
        unknown = changed | {"id": "p-0000000000", "partner_name": "Qwertzuiop"}
        feed.add([changed, unknown])
        feed.finish()
    terms, columns = postings(tmp_path / "fed")
    assert not {term for _, term in terms if term.startswith((b"zyxwvut", b"qwertz"))}
    assert set(columns) == {p["id"].encode() for p in registry.partnerships()}
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_a_feed_whose_process_died_ends_in_the_usual_update(tmp_path, references):
    registry = Registry(tmp_path / "registry.sqlite3")
    with fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / SAMPLE_SURVEYS[3]]) as feed:
        feed._process.kill()
        report = feed.finish()
    assert report.documents == registry.count() and feed._lock_fd is None
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed") == postings(tmp_path / "built")


def test_a_small_ingest_for_its_registry_is_an_update_not_a_rebuild(tmp_path, references):
    registry = Registry(tmp_path / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / n for n in SAMPLE_SURVEYS[:3]], references)
    build_index(registry, tmp_path / "fed")
    # Fewer rows than half the registry: the process never starts, an update runs.
    with fed_ingest(registry, tmp_path / "fed", references, [FIXTURES / SAMPLE_SURVEYS[3]],
                    large_from=10**6) as feed:
        report = feed.finish()
    assert not report.full
    build_index(registry, tmp_path / "built")
    assert postings(tmp_path / "fed")[1] == postings(tmp_path / "built")[1]


@pytest.mark.parametrize("value", ["1982", 1982, 1982.0, " 1982 ", "12.5", 12.5, "x1982", "", None])
def test_rows_are_handed_over_as_the_registry_gives_them_back(tmp_path, sample_registry, value):
    registry = Registry(tmp_path / "registry.sqlite3")
    p = sample_registry.partnerships()[0]
    # Every column of every type given the value: what SQLite stores is what is handed over.
    for name in STORED_FIELDS:
        if name == "id" or name in ("french_id", "partner_name", "partner_key", "partner_country") and value is None:
            continue
        record = p | {name: value}
        registry.save([record], [], [], [])
        assert stored_row(record) == tuple(registry.partnership(p["id"])[c] for c in STORED_FIELDS), name


def test_the_ingest_command_indexes_a_large_survey_as_it_goes(empty_app, monkeypatch):
    monkeypatch.setattr(index.feed, "START_FROM", 1)
    monkeypatch.setattr(index.feed, "LARGE_FROM", 1)
    started = []
    monkeypatch.setattr(IndexFeed, "_start", lambda self, start=IndexFeed._start: started.append(1) or start(self))
    result = empty_app.test_cli_runner().invoke(cli, ["ingest", *[str(FIXTURES / n) for n in SAMPLE_SURVEYS]])
    assert result.exit_code == 0, result.output
    assert started and "partnerships indexed" in result.output
    result = empty_app.test_cli_runner().invoke(cli, ["search", "Besançon"])
    assert "Besançon" in result.output
