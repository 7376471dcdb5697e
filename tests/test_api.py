"""The JSON API and the CLI: one result document, errors as JSON, no contacts."""
from __future__ import annotations

import json

import pytest

from app import cli


@pytest.fixture
def api(client, sample_index):
    return client


def test_search_api_returns_the_cli_document(api, runner, sample_index):
    data = api.get("/api/search?q=japon&per_page=5").get_json()
    assert data["total"] > 0 and len(data["results"]) == 5
    assert {"id", "french_id", "french_name", "partner_name", "partner_country", "kind", "since", "themes", "score"} <= set(data["results"][0])
    printed = json.loads(runner.invoke(cli, args=["search", "japon", "--limit", "5", "--json"]).output)
    assert printed["total"] == data["total"] and [r["id"] for r in printed["results"]] == [r["id"] for r in data["results"]]
    assert printed["facets"] == data["facets"]


def test_cli_lists_every_match_of_filters_without_query(api, runner, sample_registry):
    result = runner.invoke(cli, args=["search", "", "--country", "JP", "--limit", "1000", "--json"])
    data = json.loads(result.output)
    assert data["total"] == len(data["results"]) == len(sample_registry.partnerships("partner_country = 'JP'"))


def test_cli_text_output_and_help(api, runner):
    assert "partnerships" in runner.invoke(cli, args=["search", "besancon"]).output
    assert "--country" in runner.invoke(cli, args=["search", "--help"]).output
    assert "--port" in runner.invoke(cli, args=["serve", "--help"]).output


def test_partnership_api_has_provenance_and_no_contacts(api, sample_registry):
    pid = sample_registry.partnerships(order="id")[0]["id"]
    data = api.get(f"/api/partnerships/{pid}").get_json()
    assert data["id"] == pid and data["sources"] and "contacts" not in data
    assert "@" not in json.dumps(data)


def test_collectivite_and_country_api(api, sample_registry):
    french_id = sample_registry.partnerships(order="id")[0]["french_id"]
    assert api.get(f"/api/collectivites/{french_id}").get_json()["partnerships"]
    country = api.get("/api/countries/jp").get_json()
    assert country["code"] == "JP" and sum(len(g["partnerships"]) for g in country["regions"]) == country["total"]


@pytest.mark.parametrize("url", ["/api/partnerships/p-nothing", "/api/collectivites/commune:00000",
                                 "/api/countries/ZZ", "/api/nothing"])
def test_api_errors_are_json_with_status(api, url):
    response = api.get(url)
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("q", ['"', "\\", "*", "AND", "x" * 2000, "pays:"])
def test_search_api_answers_any_input(api, q):
    response = api.get("/api/search", query_string={"q": q, "page": "abc", "per_page": "-5"})
    assert response.status_code == 200 and "total" in response.get_json()


def test_openapi_document_lists_the_endpoints(api):
    doc = api.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and {"/api/search", "/api/partnerships/{id}"} <= set(doc["paths"])


def test_missing_index_is_a_clear_error(empty_app):
    client = empty_app.test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503 and "index" in response.get_json()["error"]["message"]


def test_ingest_updates_the_index(empty_app, tmp_path):
    from tests.conftest import FIXTURES
    runner = empty_app.test_cli_runner()
    result = runner.invoke(cli, args=["ingest", str(FIXTURES / "mise-a-jour-2025.csv")])
    assert "Index:" in result.output
    data = empty_app.test_client().get("/api/search?q=*").get_json()
    assert data["total"] > 0
