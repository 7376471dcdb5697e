"""Undoing a file's import (repertoire/undo.py): after ingesting files A then B, undoing B
leaves the registry equal to A ingested alone — ids, fields, provenance, rejects, history —
but for the history rows that record the undo."""
from __future__ import annotations

import sqlite3

import pytest

from conftest import FIXTURES, SAMPLE_SURVEYS
from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from repertoire.undo import EVENT, imported_files, plan, undo_import, undone_imports

STAMPS = {"created_at", "updated_at", "ingested_at", "changed_at", "id_"}


def contents(registry: Registry) -> dict:
    """What a registry holds, without the moments things were written (two ingests differ there)."""
    def rows(sql: str) -> list[tuple]:
        found = registry.iter_rows(sql)
        names = [d[0] for d in found.description]
        return sorted(tuple(v for n, v in zip(names, row) if n not in STAMPS) for row in found)
    return {"partnerships": rows("SELECT * FROM partnerships"),
            "sources": rows("SELECT * FROM sources"),
            "rejects": rows("SELECT * FROM rejects"),
            "layouts": rows("SELECT * FROM layouts"),
            "aliases": rows("SELECT * FROM aliases"),
            "redirects": rows("SELECT * FROM redirects"),
            "history": rows(f"SELECT partnership_id, field, old, new, source, sheet, row FROM history "
                            f"WHERE source NOT LIKE '{EVENT}%'")}


def copied(sample_registry: Registry, tmp_path) -> Registry:
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    sample_registry.db.backup(copy)
    copy.close()
    return Registry(tmp_path / "copy.sqlite3")


def digest_of(registry: Registry, name: str) -> str:
    return next(f.file_hash for f in imported_files(registry) if f.source == name)


@pytest.mark.parametrize("undone", ["mise-a-jour-2025.csv", "reponses-2019.csv"])
def test_undoing_a_file_leaves_the_registry_as_the_other_files_alone(sample_registry, references, tmp_path, undone):
    both = copied(sample_registry, tmp_path)  # the four sample surveys, `undone` among them
    before = plan(both, digest_of(both, undone))
    assert before.reverted and not before.kept, "the file confirmed or merged into partnerships of the others"
    done = undo_import(both, digest_of(both, undone), "staff@example.org")
    alone = Registry(tmp_path / "alone.sqlite3")
    ingest_files(alone, [FIXTURES / name for name in SAMPLE_SURVEYS if name != undone], references)
    assert contents(both) == contents(alone)
    # the undo is recorded: in the history of each partnership that stayed, and in the journal
    marks = both.iter_rows("SELECT DISTINCT partnership_id, old, source FROM history WHERE field = ?", (EVENT,)).fetchall()
    assert {m[0] for m in marks} == set(done.reverted) and {m[1] for m in marks} == {undone}
    assert {m[2] for m in marks} == {f"{EVENT}: staff@example.org"}
    [journal] = undone_imports(both)
    assert (journal["source"], journal["undone_by"], journal["removed"]) == (undone, "staff@example.org", len(done.removed))
    assert undone not in {f.source for f in imported_files(both)}


def test_undoing_a_file_later_ones_confirmed_keeps_their_partnerships_reachable(sample_registry, references, tmp_path):
    """The first survey created partnerships the later ones confirmed: they stay (with the values
    they have, as the confirmation page says), every partnership of the later files alone has
    its page, and the rest is as the later files alone make it."""
    undone = SAMPLE_SURVEYS[0]
    both = copied(sample_registry, tmp_path)
    done = undo_import(both, digest_of(both, undone), "staff@example.org")
    assert done.kept and set(done.kept) <= set(done.reverted)
    alone = Registry(tmp_path / "alone.sqlite3")
    ingest_files(alone, [FIXTURES / name for name in SAMPLE_SURVEYS[1:]], references)
    here = {p["id"]: p for p in both.partnerships()}
    for record in alone.partnerships():
        pid = record["id"] if record["id"] in here else both.moved_to(record["id"])
        assert pid in here, record["id"]  # its address answers, at worst by a redirect
        if pid != record["id"] or any(here[pid][k] != v for k, v in record.items() if k not in STAMPS):
            assert pid in done.kept, pid
    assert contents(both)["rejects"] == contents(alone)["rejects"]


def test_a_file_that_is_not_a_survey_leaves_with_all_its_rejects(tmp_path, references, sample_registry):
    registry = copied(sample_registry, tmp_path)
    before = contents(registry)
    wrong = tmp_path / "grille-de-reponses.csv"  # an answer sheet whose headers look like a survey's
    wrong.write_text("Collectivité;Pays;Partenaire;Commentaire\n" + "".join(
        f"Question {n} : avez-vous un partenariat ?;Oui;Réponse {n};{n % 4} points\n" for n in range(300)), encoding="utf-8")
    [report] = ingest_files(registry, [wrong], references)
    assert report.rejected == 300
    undo_import(registry, digest_of(registry, wrong.name), "staff@example.org")
    assert contents(registry) == before
    with pytest.raises(KeyError):
        undo_import(registry, digest_of(sample_registry, SAMPLE_SURVEYS[0]) + "x", "staff@example.org")
