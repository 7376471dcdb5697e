"""The pages in a real headless Chromium: keyboard search, facets, languages; screenshots."""
from __future__ import annotations

from pathlib import Path

import pytest

SHOTS = Path("/tmp/shots")
pytestmark = pytest.mark.browser


@pytest.fixture
def page(offline_page, live_server, sample_index):
    offline_page.base = live_server
    return offline_page


def test_search_by_keyboard_then_facet_then_partnership(page):
    page.goto(page.base + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.get_by_label("Rechercher un partenariat").fill("jumelage")
    page.keyboard.press("Enter")
    page.wait_for_url("**/recherche?q=jumelage")
    assert page.locator("h1").inner_text() == "Résultats de recherche"
    page.locator(".facet").first.locator("a").first.click()
    assert "country=" in page.url and page.locator(".chips li").count() == 1
    page.locator(".hit h3 a").first.click()
    assert "/partenariats/" in page.url and page.locator("h2", has_text="Provenance").count() == 1
    assert not page.errors and not page.external


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screenshots_of_the_main_pages(page, sample_registry, lang):
    SHOTS.mkdir(exist_ok=True)
    pid = sample_registry.partnerships("partner_country = 'JP' AND description IS NOT NULL", order="french_name")[0]["id"]
    urls = {"home": "/", "results": "/recherche?q=culture+jeunesse", "partnership": f"/partenariats/{pid}",
            "country": "/pays/JP"}
    for name, url in urls.items():
        page.goto(page.base + url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        page.screenshot(path=str(SHOTS / f"{name}-{lang}.png"), full_page=False)
    assert not page.errors and not page.external


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_country_and_collectivite_is_reached_by_links_on_a_phone_without_javascript(chromium, live_server, sample_index, lang):
    """Home → all countries → a big country, a région of it on a later page → all collectivités
    → a letter: plain links (JavaScript off), nothing wider than a 390 px screen."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/?lang={lang}")
    page.locator("main").get_by_role("link", name="Tous les pays partenaires" if lang == "fr" else "All partner countries").first.click()
    assert page.url.endswith("/pays") and page.locator("section h2").count() >= 4  # continents
    page.get_by_role("link", name="Allemagne" if lang == "fr" else "Germany", exact=True).click()
    assert page.url.endswith("/pays/DE") and page.locator(".hits .hit").count() == 50
    page.locator("nav.toc").get_by_role("link", name="Provence-Alpes-Côte d'Azur").click()
    assert "page=" in page.url and page.url.endswith("#r-93")
    heading = page.locator("#h-93")
    assert -1 <= heading.bounding_box()["y"] < 844  # the page opened at the région
    page.goto(f"{live_server}/collectivites")
    page.locator("nav.letters").get_by_role("link", name="V", exact=True).click()
    assert page.url.endswith("#l-V") and page.locator("#l-V a").first.inner_text()[0] == "V"
    for url in (page.url, f"{live_server}/pays", f"{live_server}/pays/DE?page=2"):
        page.goto(url)
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, url
    page.screenshot(path=str(SHOTS / f"country-page-2-phone-{lang}.png"))
    context.close()
