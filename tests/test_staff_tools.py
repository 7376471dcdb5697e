"""Staff tools: fold probable duplicates, regenerate the répertoires as a job."""
from __future__ import annotations

import pytest

from app import create_app
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

from conftest import FIXTURES, STAFF, copy_instance, csrf_token, login
from test_staff_upload import wait_for


@pytest.fixture
def writable(tmp_path, sample_instance):
    """A staff client on a copy of the sample instance."""
    copy_instance(sample_instance, tmp_path / "instance", "index", "cache")
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})
    app.extensions["accounts"].add(*STAFF, "staff")
    client = app.test_client()
    login(client, STAFF)
    return client, Registry(tmp_path / "instance" / "registry.sqlite3")


def test_duplicates_are_listed_and_merged_from_the_page(writable):
    client, registry = writable
    page = client.get("/staff/doublons").get_data(as_text=True)
    pairs = registry.probable_duplicates()
    assert len(pairs) >= 3 and f"{len(pairs)} paires" in page  # the same-place pairs merged at ingest
    keep, other, _ = pairs[0]
    before = registry.count()
    response = client.post("/staff/doublons/fusion", data={"keep": keep["id"], "other": other["id"],
                                                          "csrf_token": csrf_token(client, "/staff/doublons")})
    assert response.status_code == 302
    assert registry.count() == before - 1 and registry.partnership(other["id"]) is None
    assert "Fusionné" in client.get("/staff/doublons").get_data(as_text=True)
    # the same pair again: a clear message, nothing else changes
    client.post("/staff/doublons/fusion", data={"keep": keep["id"], "other": other["id"],
                                               "csrf_token": csrf_token(client, "/staff/doublons")})
    assert "Fusion impossible" in client.get("/staff/doublons").get_data(as_text=True)
    assert registry.count() == before - 1


def test_repertoires_are_regenerated_as_a_job(tmp_path, references):
    instance = tmp_path / "instance"
    registry = Registry(instance / "registry.sqlite3")
    ingest_files(registry, [FIXTURES / "partenaires-armenie-maroc.csv"], references)
    app = create_app({"TESTING": True, "INSTANCE": str(instance)})
    app.extensions["accounts"].add(*STAFF, "staff")
    client = app.test_client()
    login(client, STAFF)
    page = client.get("/staff/repertoires").get_data(as_text=True)
    assert page.count("à recomposer") == 4  # Armenia and Morocco, public and members' editions
    response = client.post("/staff/repertoires/regenerer", data={"code": "AM", "csrf_token": csrf_token(client, "/staff/repertoires")})
    done = wait_for(client, response.headers["Location"])
    assert "terminé" in done and "AM (public)" in done and "AM (membres)" in done
    assert sorted(p.name.split("-")[2] for p in (instance / "cache" / "pdf").glob("*.pdf")) == ["membres", "public"]
    page = client.get("/staff/repertoires").get_data(as_text=True)
    assert page.count("à recomposer") == 2 and page.count("à jour") == 2
    assert client.post("/staff/repertoires/regenerer", data={"code": "<x>", "csrf_token": csrf_token(client, "/staff/repertoires")}).status_code == 400


def test_a_merge_is_confirmed_keeps_the_chosen_spelling_and_the_old_address_and_spelling_lead_to_it(writable):
    client, registry = writable
    one, two, _ = next(p for p in registry.probable_duplicates() if p[0]["partner_name"] != p[1]["partner_name"])
    confirm = client.get(f"/staff/doublons/confirmer?keep={one['id']}&other={two['id']}").get_data(as_text=True)
    assert "Confirmer la fusion" in confirm and one["partner_name"] in confirm and two["partner_name"] in confirm
    response = client.post("/staff/doublons/fusion", data={"keep": one["id"], "other": two["id"], "spelling": two["id"],
                                                          "csrf_token": csrf_token(client, "/staff/doublons")})
    assert response.status_code == 302
    assert registry.partnership(two["id"])["partner_name"] == two["partner_name"]  # the spelling chosen
    moved = client.get(f"/partenariats/{one['id']}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/partenariats/{two['id']}")
    found = client.get("/api/search", query_string={"q": one["partner_name"], "per_page": 50}).get_json()
    assert two["id"] in [hit["id"] for hit in found["results"]]


def test_not_a_duplicate_is_remembered(writable):
    client, registry = writable
    one, two, _ = registry.probable_duplicates()[0]
    client.post("/staff/doublons/distincts", data={"keep": one["id"], "other": two["id"],
                                                   "csrf_token": csrf_token(client, "/staff/doublons")})
    assert (one["id"], two["id"]) not in [(a["id"], b["id"]) for a, b, _ in registry.probable_duplicates()]
    assert registry.partnership(one["id"]) and registry.partnership(two["id"])
