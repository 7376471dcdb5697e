"""Pages on a 390 px phone in Chromium: nothing wider than the screen, results before facets.

The pages are one or two of each page type, public and staff, reached by a crawl from the
home page (tests/page_text.py), in French and in English.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import STAFF, login
from page_text import crawl

SHOTS = Path("/tmp/shots")
pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def page_urls(app, sample_index, accounts) -> list[str]:
    client = app.test_client()
    login(client, STAFF)
    return list(crawl(client, app, ["/", "/pays", "/collectivites", "/recherche?q=", "/pays/DE", "/staff/", "/staff/imports"],
                      per_type=1, limit=60))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_page_is_wider_than_a_phone(chromium, live_server, page_urls, lang):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    page.goto(live_server + "/connexion")
    page.fill("#email", STAFF[0]), page.fill("#password", STAFF[1]), page.click("main button[type=submit]")
    wide = {}
    for url in page_urls:
        page.goto(live_server + url + ("&" if "?" in url else "?") + f"lang={lang}")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > PHONE["width"]:
            wide[url] = width
    context.close()
    assert not wide, wide


def test_results_come_before_facets_on_a_phone(chromium, live_server, sample_index):
    SHOTS.mkdir(exist_ok=True)
    page = chromium.new_page(viewport=PHONE)
    page.goto(live_server + "/recherche?q=&country=DE")
    hit, facets = page.locator(".hit").first.bounding_box(), page.locator(".facets").bounding_box()
    assert hit["y"] < facets["y"] and hit["y"] < PHONE["height"]
    page.screenshot(path=str(SHOTS / "phone-search.png"))
    page.close()


def test_every_facet_value_is_reachable_without_javascript(client, sample_index, search_index, sample_registry):
    from index import SearchParams
    counts = search_index.search(SearchParams(), sample_registry).facets
    page = client.get("/recherche?q=").get_data(as_text=True)
    many = max(counts, key=lambda name: len(counts[name]))
    assert len(counts[many]) > 12 and "<details>" in page
    for value in counts[many]:
        assert f"{many}={value}" in page.replace("%20", "+") or f"{many}={value.replace(' ', '+')}" in page
