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
