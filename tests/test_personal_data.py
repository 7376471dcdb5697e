"""Contacts are personal data: members see them; no public page, API, export, index or PDF does."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import index
from app import create_app
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

from conftest import FIXTURES, MEMBER, login

CONTACT = "relations.internationales@vienne.example"  # the Vienne–Goris row of the fixture


@pytest.fixture(scope="module")
def contact_app(tmp_path_factory, references):
    instance = tmp_path_factory.mktemp("contacts")
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    index.build_index(registry, instance / "index")
    pid = registry.iter_rows("SELECT id FROM partnerships WHERE contacts LIKE ?", [f"%{CONTACT}%"]).fetchone()[0]
    registry.close()
    app = create_app({"TESTING": True, "INSTANCE": str(instance)})
    app.extensions["accounts"].add(*MEMBER, "member")
    app.config["pid"] = pid
    return app


def public_urls(pid: str) -> list[str]:
    return ["/", "/recherche?q=Vienne", "/recherche?q=relations", f"/partenariats/{pid}",
            "/collectivites/commune:38544", "/pays/AM", "/carte", "/carte/pays/AM", "/carte/repartition/pays",
            "/api/search?q=Vienne&per_page=100", f"/api/partnerships/{pid}", "/api/countries/AM",
            "/recherche/export.csv?country=AM", "/recherche/export.geojson?country=AM"]


def test_the_registry_does_hold_the_contact(contact_app):
    registry = Registry(Path(contact_app.instance_path) / "registry.sqlite3")
    assert CONTACT in registry.partnership(contact_app.config["pid"])["contacts"]


def test_no_public_page_api_or_export_shows_contacts(contact_app):
    client = contact_app.test_client()
    for url in public_urls(contact_app.config["pid"]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert CONTACT not in response.get_data(as_text=True), url
    xlsx = client.get("/recherche/export.xlsx?country=AM").data
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        assert all(CONTACT.encode() not in book.read(name) for name in book.namelist())


def test_search_index_holds_no_contacts(contact_app):
    files = [p for p in (Path(contact_app.instance_path) / "index").rglob("*") if p.is_file()]
    assert files and all(b"relations.internationales" not in p.read_bytes() for p in files)
    assert contact_app.test_client().get("/api/search?q=relations.internationales").json["total"] == 0


def test_public_pdf_has_no_contacts_members_pdf_has(contact_app):
    client = contact_app.test_client()
    public = client.get("/pays/AM/repertoire.pdf")
    assert public.status_code == 200
    assert "relations.internationales" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(public.data)).pages)
    assert client.get("/pays/AM/repertoire-membres.pdf").status_code == 302  # to the login page
    login(client, MEMBER)
    members = client.get("/pays/AM/repertoire-membres.pdf")
    assert members.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(members.data)).pages).replace("\n", "")
    assert "relations.internationales" in text


def test_a_member_sees_contacts_on_the_partnership_page_and_nowhere_public(contact_app):
    client = contact_app.test_client()
    pid = contact_app.config["pid"]
    assert CONTACT not in client.get(f"/partenariats/{pid}").get_data(as_text=True)
    login(client, MEMBER)
    page = client.get(f"/partenariats/{pid}")
    assert CONTACT in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    # the public API stays public, whoever asks
    assert CONTACT not in client.get(f"/api/partnerships/{pid}").get_data(as_text=True)
