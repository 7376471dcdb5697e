"""Ingestion of the sample surveys against expected.csv, the README's figures."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import FIXTURES, SAMPLE_SURVEYS
from repertoire.ingest import ingest_files
from repertoire.registry import Registry


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "expected.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def outcome(sample_registry):
    sources = {(s["source"], s["row"]): s for s in map(dict, sample_registry.db.execute("SELECT * FROM sources"))}
    rejects = {(r["source"], r["row"]): r for r in sample_registry.rejects()}
    return sources, rejects


def test_sample_surveys_give_the_expected_partnerships(expected, outcome, sample_registry):
    sources, _ = outcome
    kept = expected[expected.verdict != "rejected"]
    right = 0
    for row in kept.itertuples():
        source = sources.get((row.source, int(row.row)))
        if source is None:
            continue
        values = json.loads(source["values"])
        right += (
            values["french_id"] == row.french_id
            and values["partner_country"] == row.partner_country
            and str(values["since"] or "") == row.since.removesuffix(".0")
            and values["kind"] == row.kind
            and set(filter(None, values["themes"].split(";"))) == set(filter(None, row.themes.split(";")))
        )
    assert right / len(kept) >= 0.99, f"{right} of {len(kept)} rows right"
    assert 2630 <= sample_registry.count() <= 2671  # less the links written twice, merged (same_place.py)


def test_merged_rows_join_the_partnership_of_their_link(expected, outcome, sample_registry):
    sources, _ = outcome
    merged = expected[expected.verdict == "merged"]
    found = [sources.get((r.source, int(r.row))) for r in merged.itertuples()]
    assert sum(1 for s in found if s and s["verdict"] == "merged") >= 0.99 * len(merged)
    duplicates = sample_registry.db.execute(
        "SELECT french_id, partner_country, partner_key, count(*) FROM partnerships "
        "GROUP BY 1, 2, 3 HAVING count(*) > 1").fetchall()
    assert duplicates == []


def test_every_rejected_row_is_listed_with_file_row_and_reason(expected, outcome):
    _, rejects = outcome
    for row in expected[expected.verdict == "rejected"].itertuples():
        reject = rejects[(row.source, int(row.row))]
        assert reject["reason"].split(":")[0].split(" ")[0] in {
            "missing", "unknown", "impossible", "domestic", "incomplete"}
        assert reject["raw"], "raw values are kept"
    assert len(rejects) <= 12  # the 11 of expected.csv, and at most one homonym left unsettled


def test_every_row_is_accounted_for(sample_instance):
    lines = sample_instance.joinpath("ingest-reports.txt").read_text().splitlines()
    for line in lines:
        _, read, accepted, merged, rejected = line.split()
        assert int(read) == int(accepted) + int(merged) + int(rejected)
    assert sum(int(line.split()[1]) for line in lines) == 2951


def test_a_second_ingest_changes_nothing(tmp_path, references):
    registry = Registry(tmp_path / "r.sqlite3")
    files = [FIXTURES / name for name in SAMPLE_SURVEYS]
    ingest_files(registry, files, references)
    before = registry.partnerships(order="id")
    version = registry.version()
    reports = ingest_files(registry, files, references)
    assert all(r.unchanged == r.read and r.accepted == r.merged == r.rejected == 0 for r in reports)
    assert registry.partnerships(order="id") == before
    assert registry.version() == version


def test_a_later_report_updates_the_link_and_keeps_history(sample_registry):
    # Lillebonne–Immenstadt: 2024 says "En sommeil" with economie, 2025 adds its own themes
    [record] = sample_registry.partnerships("french_id = ? AND partner_key = ?", ("commune:76384", "immenstadt"))
    assert {"economie", "education", "jeunesse"} <= set(record["themes"].split(";"))
    sources = sample_registry.sources(record["id"])
    # reponses-2019.csv wrote it "Immenstadt i.Allgäu": the same place, merged (same_place.py)
    assert [s["source"] for s in sources] == ["enquete-partenariats-2024.xlsx", "reponses-2019.csv",
                                              "mise-a-jour-2025.csv"]
    changes = sample_registry.history(record["id"])
    assert any(c.field == "description" and "Mise à jour 2025" in c.new for c in changes)


def test_ids_are_stable_across_registries(tmp_path, sample_registry, references):
    registry = Registry(tmp_path / "again.sqlite3")
    ingest_files(registry, [FIXTURES / SAMPLE_SURVEYS[0]], references)
    ids = {p["id"] for p in registry.partnerships()}
    assert ids <= {p["id"] for p in sample_registry.partnerships()}


def test_most_partners_are_placed_within_their_country(sample_registry):
    import pandas as pd

    table = pd.DataFrame(sample_registry.partnerships())
    placed = table[table.partner_lat.notna()]
    assert len(placed) / len(table) >= 0.90
    countries = pd.read_csv(FIXTURES.parent.parent / "repertoire" / "data" / "countries.csv", keep_default_na=False).set_index("code")
    # each placed partner within a few thousand km of its country's representative point
    far = 0
    for row in placed.itertuples():
        lat, lon = countries.loc[row.partner_country, ["lat", "lon"]]
        far += abs(row.partner_lat - lat) > 25 or abs(((row.partner_lon - lon) + 180) % 360 - 180) > 40
    assert far / len(placed) < 0.01


def test_a_large_transaction_is_checkpointed_by_a_thread_after_its_commit(tmp_path, references, monkeypatch):
    """The write-ahead log of a large ingest is copied back into the database file after the
    commit, by a thread of its own; the rows are there for every reader, before and after."""
    import sqlite3
    import threading
    import repertoire.registry as registry_module
    monkeypatch.setattr(registry_module, "BACKGROUND_CHECKPOINT_BYTES", 0)  # every transaction is large
    registry = Registry(tmp_path / "registry.sqlite3")
    started = []
    real_thread = threading.Thread
    monkeypatch.setattr(registry_module.threading, "Thread",
                        lambda *args, **kwargs: started.append(real_thread(*args, **kwargs)) or started[-1])
    ingest_files(registry, [FIXTURES / "reponses-2019.csv"], references)
    assert started and {t.name for t in started} == {"registry-checkpoint"}
    for thread in started:
        thread.join(30)
    reader = sqlite3.connect(tmp_path / "registry.sqlite3")
    busy, logged, copied = reader.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    assert busy == 0 and logged == copied  # nothing left to copy
    assert reader.execute("SELECT count(*) FROM partnerships").fetchone()[0] == registry.count() > 100
