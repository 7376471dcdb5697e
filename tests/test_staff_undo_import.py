"""Staff undo an import from /staff/imports (a confirmation page, then a POST with its CSRF
token), or with `repertoire undo-import`: the file's partnerships and rejects leave, the
search follows, the history says who undid which file — to staff, not the public."""
from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest

from app import cli
from conftest import FIXTURES, SAMPLE_SURVEYS, STAFF, copy_instance, csrf_token, login
from repertoire.registry import Registry
from repertoire.undo import imported_files, plan

from app import create_app

UPDATE = "mise-a-jour-2025.csv"


@pytest.fixture
def writable(tmp_path, sample_instance, sample_index, references):
    """A staff client on a copy of the sample instance, its search index included."""
    copy_instance(sample_instance, tmp_path / "instance", "cache", "accounts.sqlite3*", "jobs.sqlite3*")
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    app.extensions["references"] = references
    app.extensions["accounts"].add(*STAFF, "staff")
    client = app.test_client()
    login(client, STAFF)
    return app, client, Registry(tmp_path / "instance" / "registry.sqlite3")


def wrong_file(folder: Path) -> Path:
    """An answer sheet whose headers look like a survey's: every row rejected."""
    path = folder / "grille-de-reponses.csv"
    path.write_text("Collectivité;Pays;Partenaire\n" + "".join(
        f"Question {n} : avez-vous un partenariat ?;Oui;Réponse {n}\n" for n in range(120)), encoding="utf-8")
    return path


def test_staff_confirm_then_undo_an_import_and_the_pages_follow(writable):
    app, client, registry = writable
    digest = next(f.file_hash for f in imported_files(registry) if f.source == UPDATE)
    expected = plan(registry, digest)
    reverted = expected.reverted[0]
    listing = client.get("/staff/imports").get_data(as_text=True)
    assert UPDATE in listing and f"/staff/imports/{digest}/annuler" in listing
    page = client.get(f"/staff/imports/{digest}/annuler").get_data(as_text=True)
    assert f"{len(expected.reverted)} partenariats signalés aussi" in page and 'name="csrf_token"' in page
    before = registry.count()
    assert client.post(f"/staff/imports/{digest}/annuler").status_code in (400, 200)  # no token: nothing happens
    assert registry.count() == before and plan(registry, digest) is not None
    answer = client.post(f"/staff/imports/{digest}/annuler",
                         data={"csrf_token": csrf_token(client, f"/staff/imports/{digest}/annuler")})
    assert answer.status_code == 302 and answer.location.endswith("/staff/imports")
    assert plan(registry, digest) is None and registry.count() == before - len(expected.removed)
    after = unescape(client.get("/staff/imports").get_data(as_text=True))
    assert "Import de mise-a-jour-2025.csv annulé" in after and STAFF[0] in after  # the journal of undos
    assert f"/staff/imports/{digest}/annuler" not in after
    staff_view = unescape(client.get(f"/partenariats/{reverted}").get_data(as_text=True))
    assert "Import d'un fichier annulé" in staff_view and STAFF[0] in staff_view
    public = unescape(app.test_client().get(f"/partenariats/{reverted}").get_data(as_text=True))
    assert "Import d'un fichier annulé" in public and STAFF[0] not in public
    assert client.get(f"/staff/imports/{digest}/annuler").status_code == 404


def test_a_file_that_is_not_a_survey_is_undone_from_the_command_line(empty_app, tmp_path):
    runner = empty_app.test_cli_runner()
    wrong = wrong_file(tmp_path)
    assert runner.invoke(cli, ["ingest", str(FIXTURES / SAMPLE_SURVEYS[3]), str(wrong)]).exit_code == 0
    registry = Registry(empty_app.config["REGISTRY"])
    assert len(registry.rejects()) == 120
    unknown = runner.invoke(cli, ["undo-import", "nothing.csv", "--yes"])
    assert unknown.exit_code != 0 and "no imported file 'nothing.csv'" in unknown.output
    refused = runner.invoke(cli, ["undo-import", wrong.name], input="n\n")
    assert refused.exit_code != 0 and len(registry.rejects()) == 120  # asked, answered no: nothing changes
    result = runner.invoke(cli, ["undo-import", wrong.name, "--yes", "--by", "agent@example.org"])
    assert result.exit_code == 0, result.output
    assert "120 rejected rows leave" in result.output and "Import of grille-de-reponses.csv undone" in result.output
    assert registry.rejects() == [] and registry.count() == 40
    [journal] = registry.iter_rows("SELECT source, undone_by, rejects FROM undone_imports").fetchall()
    assert tuple(journal) == (wrong.name, "agent@example.org", 120)


def test_partnerships_only_the_undone_file_reported_leave_the_pages_and_the_search(writable, references):
    from repertoire.ingest import ingest_files
    from web.staff import after_change

    app, client, registry = writable
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    with app.app_context():
        after_change(registry)  # the index follows, as after an upload
    digest = next(f.file_hash for f in imported_files(registry) if f.source == "partenaires-armenie-maroc.csv")
    gone = registry.partnership(plan(registry, digest).removed[0])
    assert gone["id"] in client.get("/recherche", query_string={"q": gone["partner_name"]}).get_data(as_text=True)
    client.post(f"/staff/imports/{digest}/annuler",
                data={"csrf_token": csrf_token(client, f"/staff/imports/{digest}/annuler")})
    assert client.get(f"/partenariats/{gone['id']}").status_code == 404
    assert gone["id"] not in client.get("/recherche", query_string={"q": gone["partner_name"]}).get_data(as_text=True)
