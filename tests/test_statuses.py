"""One status vocabulary (DESIGN.md): actif, en sommeil, terminé, and « Non précisé » for the rest."""
from __future__ import annotations

from index import SearchParams
from repertoire.model import STATUS_LABELS, STATUSES, UNSPECIFIED
from repertoire.normalize import Vocabulary
from repertoire.registry import Registry


def test_every_partnership_has_one_value_of_the_status_facet(search_index, sample_registry):
    result = search_index.search(SearchParams(), sample_registry)
    counts = result.facets["status"]
    assert set(counts) <= set(STATUS_LABELS) and UNSPECIFIED in counts
    assert sum(counts.values()) == result.total == sample_registry.count()
    unknown = sum(1 for p in sample_registry.partnerships() if not p["status"])
    assert counts[UNSPECIFIED] == unknown


def test_the_unspecified_value_filters_the_partnerships_without_a_status(search_index, sample_registry):
    result = search_index.search(SearchParams(filters={"status": [UNSPECIFIED]}, per_page=50), sample_registry)
    assert result.total and all(not hit["status"] for hit in result.hits)


def test_a_partnership_without_a_status_reads_non_precise_in_both_languages(client, sample_index, sample_registry):
    record = next(p for p in sample_registry.partnerships() if not p["status"])
    assert "Non précisé" in client.get(f"/partenariats/{record['id']}?lang=fr").get_data(as_text=True)
    assert "Not specified" in client.get(f"/partenariats/{record['id']}?lang=en").get_data(as_text=True)
    facets = client.get("/recherche?lang=fr").get_data(as_text=True)
    assert "Non précisé" in facets and "Inactif" not in facets


def test_survey_answers_fall_into_the_one_vocabulary():
    """A yes/no "not active" says the link sleeps, not that it ended; no answer is no status."""
    VOCABULARY = Vocabulary()
    for text in ("Non", "Inactif", "Not active", "Nicht aktiv", "Inactivo", "Actif", "Terminé", "Dormant"):
        assert VOCABULARY.status(text) in STATUSES
    assert VOCABULARY.status("Inactive") == "en_sommeil"
    assert VOCABULARY.status("Ne sait pas") is None


def test_a_registry_of_the_earlier_vocabulary_is_rewritten_on_open_with_its_history(tmp_path, sample_registry):
    path = tmp_path / "registry.sqlite3"
    record = dict(sample_registry.partnerships(order="id")[0]) | {"status": "en_sommeil_ou_termine"}
    Registry(path).save([record], [], [], [])
    registry = Registry(path)
    assert registry.partnership(record["id"])["status"] == "en_sommeil"
    assert [(h["old"], h["new"]) for h in registry.history(record["id"])] == [("en_sommeil_ou_termine", "en_sommeil")]
    assert len(Registry(path).history(record["id"])) == 1  # once


def test_opening_the_registry_scans_no_table(tmp_path, sample_registry, monkeypatch):
    """Each web request opens the registry: what the opening reads must go through an index
    (a scan for retired statuses was 80 ms of every search at 390,000 partnerships)."""
    import sqlite3

    path = tmp_path / "registry.sqlite3"
    copy = sqlite3.connect(path)
    sample_registry.db.backup(copy)
    copy.close()
    statements, connect = [], sqlite3.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection
    monkeypatch.setattr(sqlite3, "connect", traced)
    Registry(path).close()
    monkeypatch.setattr(sqlite3, "connect", connect)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    db = sqlite3.connect(path)
    plans = {s: " ".join(row[-1] for row in db.execute("EXPLAIN QUERY PLAN " + s)) for s in reads}
    db.close()
    assert reads and not [s for s, plan in plans.items() if "SCAN partnerships" in plan], plans
