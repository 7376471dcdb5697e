"""The pages, served by Flask's test client: content, escaping, exports, languages, errors."""
from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook


@pytest.fixture
def web(client, sample_index):
    return client


def test_home_shows_key_figures(web, sample_registry):
    page = web.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Chiffres clés" in page
    assert f"{sample_registry.count():,}".replace(",", " ") in page


def test_results_page_has_facets_counts_and_pagination(web):
    page = web.get("/recherche?q=jumelage").get_data(as_text=True)
    assert "Pays partenaire" in page and "Thématique" in page and 'rel="next"' in page
    assert "/carte?q=jumelage" in page


def test_facet_links_filter_the_results(web):
    page = web.get("/recherche?q=jumelage&country=JP").get_data(as_text=True)
    assert "Retirer le filtre" in page and "/pays/JP/repertoire.pdf" in page


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://example.org/repertoire/"])  # a site under a prefix too
def test_search_links_are_the_addresses_url_for_builds(app, base_url):
    """A results page builds its links to other searches without url_for (60 facet values and
    more a page): each must be the address url_for builds, whatever the query and filters hold."""
    from flask import url_for

    from index import SearchParams
    from web.labels import facet_links, search_url

    searches = [SearchParams(), SearchParams(q="Saint-Étienne", filters={"theme": ["eau"]}),
                SearchParams(q="eau & « assainissement » =1 +x/y?#", filters={"country": ["MA", "SN"], "decade": ["1990"]},
                             sort="-year", page=3, per_page=50, plain=True)]
    counts = {"MA": 3, "DE": 2, "eau": 2, "Côte d'Ivoire & x=y #1": 1, "1990": 1}
    with app.test_request_context("/recherche", base_url=base_url):
        for params in searches:
            for name in ("country", "theme", "decade", "region"):
                chosen = params.filters.get(name, [])
                expected = [None if value in chosen else
                            url_for("pages.search", **params.args(**{name: chosen + [value], "page": 1})) for value in counts]
                assert [href for _, href, _ in facet_links(params, name, counts, "fr")] == expected
                assert [n for _, _, n in facet_links(params, name, counts, "fr")] == list(counts.values())
            for changes in ({}, {"page": 2}, {"plain": None, "page": 1}, {"q": "jumellage"}, {"sort": "name"}):
                assert search_url(params, **changes) == url_for("pages.search", **params.args(**changes))


def test_suggestion_is_offered(web):
    assert "Vouliez-vous dire" in web.get("/recherche?q=Nishinomya").get_data(as_text=True)


def test_survey_text_is_escaped(web):
    page = web.get("/recherche", query_string={"q": "<script>alert(1)</script>"}).get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_partnership_page_never_shows_contacts(web, sample_registry):
    record = next(p for p in sample_registry.partnerships() if p["contacts"])
    page = web.get(f"/partenariats/{record['id']}").get_data(as_text=True)
    assert record["partner_name"] in page and "Provenance" in page
    assert record["contacts"] not in page


def test_collectivite_and_country_pages(web, sample_registry):
    record = sample_registry.partnerships(order="id")[0]
    assert record["french_name"] in web.get(f"/collectivites/{record['french_id']}").get_data(as_text=True)
    page = web.get("/pays/JP").get_data(as_text=True)
    assert "Japon" in page and "/pays/JP/carte" in page and "/pays/JP/repertoire.pdf" in page


def test_exports_of_a_result_set(web):
    rows = list(csv.DictReader(io.StringIO(web.get("/recherche/export.csv?country=JP&edition=donnees").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and "contacts" not in rows[0] and {r["partner_country"] for r in rows} == {"JP"}
    book = load_workbook(io.BytesIO(web.get("/recherche/export.xlsx?country=JP").data))
    assert book.active.max_row == len(rows) + 1
    geo = json.loads(web.get("/recherche/export.geojson?country=JP").data)
    assert len(geo["features"]) == len(rows)


def test_english_through_the_language_switch(web):
    page = web.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Key figures" in page
    assert "Partnerships with: Japan" in web.get("/pays/JP").get_data(as_text=True)  # the cookie remembers


@pytest.mark.parametrize("url", ["/partenariats/p-nothing", "/pays/ZZ", "/nothing", "/recherche/export.exe"])
def test_errors_are_friendly_pages(web, url):
    response = web.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page introuvable" in page and "Traceback" not in page


def test_an_empty_registry_answers_every_page(empty_app):
    """A fresh instance, before any ingest: pages and API answer, never a 500."""
    from app import cli

    # --nice 0: in this process, the build would lower the priority of the rest of the tests
    assert empty_app.test_cli_runner().invoke(cli, ["index", "--nice", "0"]).exit_code == 0
    client = empty_app.test_client()
    for url in ("/", "/recherche?q=nancy", "/api/search?q=nancy", "/carte", "/carte/repartition/pays"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/countries/JP").status_code == 404
