"""Private data stays private (issue 13): every output is built through the table of fields, so
funding (members) reaches no anonymous reader; the public history shows no values; staff
redact a value from the history into an audit log only they read."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import index
from app import create_app
from repertoire import editing, fields
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

from conftest import FIXTURES, MEMBER, STAFF, csrf_token, login

FUNDING = "Agence de l'eau Rhône Méditerranée Corse"  # the Valence–Ijevan row of the fixture
OLD_TEXT = "Appeler Mme Durand au 04 75 00 00 00, durand@valence.example"


@pytest.fixture(scope="module")
def private_app(tmp_path_factory, references):
    """The Armenia–Morocco fixture, one description edited by staff (the old one held personal
    data), indexed; a member and a staff account."""
    instance = tmp_path_factory.mktemp("private")
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    pid = registry.iter_rows("SELECT id FROM partnerships WHERE funding LIKE ?", [f"%{FUNDING}%"]).fetchone()[0]
    editing.edit(registry, pid, {"description": OLD_TEXT}, "agent@reseau.example")
    editing.edit(registry, pid, {"description": "Coopération sur l'eau potable."}, "agent@reseau.example")
    index.build_index(registry, instance / "index")
    registry.close()
    app = create_app({"TESTING": True, "INSTANCE": str(instance)})
    app.extensions["accounts"].add(*MEMBER, "member")
    app.extensions["accounts"].add(*STAFF, "staff")
    app.config["pid"] = pid
    return app


def outputs(pid: str) -> list[str]:
    """Every output a reader can ask for, in each of its formats and editions."""
    return ["/", "/recherche?q=", "/recherche?q=eau", f"/partenariats/{pid}", "/collectivites/commune:26362",
            "/pays/AM", "/carte", "/carte/pays/AM", "/carte/repartition/pays", "/api/search?q=&per_page=100",
            f"/api/partnerships/{pid}", "/api/countries/AM", "/api/collectivites/commune:26362",
            "/recherche/export.csv?q=", "/recherche/export.csv?q=&edition=donnees",
            "/recherche/export.geojson?q=", "/recherche/export.xlsx?q=", "/recherche/export.xlsx?q=&edition=donnees",
            "/pays/AM/repertoire.pdf"]


def text_of(response) -> str:
    """What a reader gets, as text: pages, JSON and CSV as they are, workbooks unzipped, PDFs extracted."""
    if response.mimetype == "application/pdf":
        return "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).replace("\n", " ")
    if response.mimetype.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return "".join(book.read(n).decode("utf-8") for n in book.namelist()).replace("&apos;", "'")
    return response.get_data(as_text=True).replace("&#39;", "'").replace("\\u00f4", "ô")


def signed_in(app, account) -> object:
    client = app.test_client()
    if account:
        login(client, account)
    return client


def test_the_table_says_funding_and_contacts_are_for_members():
    assert {f.name for f in fields.FIELDS if f.visibility == "member"} == {"funding", "contacts"}
    assert "funding" not in fields.visible({"funding": "x", "partner_name": "Goris"}, "public")
    assert fields.visible({"new_column": "x"}, "member") == {}  # undescribed: shown to no one


def test_funding_reaches_no_anonymous_output(private_app):
    client = private_app.test_client()
    for url in outputs(private_app.config["pid"]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Rhône Méditerranée" not in text_of(response), url


def test_the_search_index_holds_no_funding(private_app):
    files = [p for p in (Path(private_app.instance_path) / "index").rglob("*") if p.is_file()]
    assert files and all("Méditerranée Corse".encode() not in p.read_bytes() for p in files)
    assert private_app.test_client().get("/api/search?q=Agence Rhône Corse").json["total"] == 0


@pytest.mark.parametrize("account", [MEMBER, STAFF], ids=["member", "staff"])
def test_members_and_staff_see_funding_on_the_page_in_exports_and_in_their_pdf(private_app, account):
    client = signed_in(private_app, account)
    pid = private_app.config["pid"]
    for url in (f"/partenariats/{pid}", "/recherche/export.csv?q=", "/recherche/export.xlsx?q=",
                "/pays/AM/repertoire-membres.pdf"):
        assert "Rhône Méditerranée" in text_of(client.get(url)), url
    assert "Rhône Méditerranée" not in text_of(client.get(f"/api/partnerships/{pid}"))  # the API is public


def test_the_public_history_names_changes_without_their_values(private_app):
    pid = private_app.config["pid"]
    client = private_app.test_client()
    history = client.get(f"/api/partnerships/{pid}").json["history"]
    assert [h["field"] for h in history] == ["description", "description"]
    assert all(set(h) == {"field", "source", "changed_at"} and h["source"] == "staff" for h in history)
    page = client.get(f"/partenariats/{pid}").get_data(as_text=True)
    assert "Durand" not in page and "Jumelage entre" not in page and "Historique" in page
    member = signed_in(private_app, MEMBER).get(f"/partenariats/{pid}").get_data(as_text=True)
    assert "Durand" in member  # members read the values of the fields they may see


def test_staff_redact_a_value_into_an_audit_log_only_staff_read(private_app):
    pid = private_app.config["pid"]
    staff = signed_in(private_app, STAFF)
    registry = Registry(Path(private_app.instance_path) / "registry.sqlite3")
    [entry] = [h for h in registry.history(pid) if h.old == OLD_TEXT]
    page = staff.get(f"/partenariats/{pid}").get_data(as_text=True)
    action = f"/staff/partenariats/{pid}/historique/{entry.id}/masquer/old"
    assert action in page
    response = staff.post(action, data={"csrf_token": csrf_token(staff, f"/partenariats/{pid}")})
    assert response.status_code == 302
    [entry] = [h for h in registry.history(pid) if h.id == entry.id]
    assert entry.old is None and entry.redacted == "old"
    for client in (staff, signed_in(private_app, MEMBER), private_app.test_client()):
        assert "Durand" not in client.get(f"/partenariats/{pid}").get_data(as_text=True)
    log = staff.get("/staff/journal").get_data(as_text=True)
    assert "Durand" in log and STAFF[0] in log
    assert registry.redactions(pid)[0]["value"] == OLD_TEXT
    for client in (signed_in(private_app, MEMBER), private_app.test_client()):
        response = client.get("/staff/journal")
        assert response.status_code in (302, 403) and "Durand" not in response.get_data(as_text=True)
    again = staff.post(action, data={"csrf_token": csrf_token(staff, f"/partenariats/{pid}")}, follow_redirects=True)
    assert "déjà masquée" in again.get_data(as_text=True)
