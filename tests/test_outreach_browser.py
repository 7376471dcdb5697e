"""Issue 16's pages in headless Chromium: the find-a-partner form filled by its labels, the
pages in French and English, the campaign's web form; screenshots in /tmp/shots."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import STAFF, serving, writable_copy
from repertoire import campaign

SHOTS = Path("/tmp/shots")
pytestmark = pytest.mark.browser


@pytest.fixture
def page(offline_page, live_server, sample_index):
    offline_page.base = live_server
    return offline_page


def test_the_find_a_partner_form_is_filled_by_its_labels_and_ranks(page):
    SHOTS.mkdir(exist_ok=True)
    page.goto(page.base + "/trouver-un-partenaire?lang=fr")
    page.get_by_label("Pays du demandeur").select_option(label="Sénégal")
    page.get_by_label("Thématique").select_option("eau")
    page.get_by_label("Près du département (facultatif)").select_option("44")
    page.get_by_label("Population du demandeur (facultatif)").fill("40000")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.wait_for_url("**country=SN**")
    first = page.locator(".matches > li").first
    assert "Saint-Herblain" in first.locator("h3").inner_text()
    assert "Sénégal" in first.locator(".reasons").inner_text()
    page.screenshot(path=str(SHOTS / "i16-match-fr.png"), full_page=False)
    first.locator("summary").click()
    assert first.locator(".links li").count() >= 1
    assert not page.errors and not page.external


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_screenshots_of_matchmaking_and_to_verify(page, sample_registry, lang):
    SHOTS.mkdir(exist_ok=True)
    stale = campaign.stale_ids(sample_registry)
    shared = {r[0] for r in sample_registry.iter_rows(
        "SELECT partner_country FROM partnerships GROUP BY 1 HAVING count(DISTINCT french_id) > 3")}
    link = next(p for p in sample_registry.partnerships(order="french_name, id")
                if p["id"] in stale and p["partner_country"] in shared)
    page.goto(page.base + f"/partenariats/{link['id']}?lang={lang}")
    badge = page.locator(".to-verify").first
    assert badge.is_visible() and badge.inner_text() == ("à vérifier" if lang == "fr" else "to verify")
    also = page.locator("section.also")
    assert also.count() == 1 and also.locator(".match").count() >= 1
    also.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"i16-partnership-also-{lang}.png"), full_page=False)
    page.goto(page.base + f"/trouver-un-partenaire?country=SN&theme=eau&lang={lang}")
    assert page.locator("h1").inner_text() == ("Trouver un partenaire" if lang == "fr" else "Find a partner")
    page.screenshot(path=str(SHOTS / f"i16-match-results-{lang}.png"), full_page=False)
    assert not page.errors and not page.external


def test_the_campaign_form_and_staff_page_in_chromium(chromium, tmp_path, sample_instance, references):
    SHOTS.mkdir(exist_ok=True)
    app = writable_copy(tmp_path, sample_instance, references)
    from repertoire.registry import Registry
    registry = Registry(app.config["REGISTRY"])
    fid = registry.iter_rows("SELECT french_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    with app.test_request_context():
        from web.survey_form import signed_link
        path = re.sub(r"^https?://[^/]+", "", signed_link(fid))
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    with serving(app) as base:
        page.goto(base + path)
        first = page.locator("fieldset.link").first
        pid = first.locator("input[name=pid]").get_attribute("value")
        first.get_by_label("Statut").select_option("en_sommeil")
        page.screenshot(path=str(SHOTS / "i16-survey-form-fr.png"), full_page=False)
        page.get_by_role("button", name="Envoyer la réponse").click()
        page.wait_for_selector("text=Merci pour votre réponse")
        assert "1 partenariat modifié" in page.content()
        assert Registry(app.config["REGISTRY"]).partnership(pid)["status"] == "en_sommeil"
        page.goto(base + "/connexion")
        page.locator("input[name=email]").fill(STAFF[0])
        page.locator("input[name=password]").fill(STAFF[1])
        page.locator("form button[type=submit]").last.click()
        dep = registry.iter_rows("SELECT departement FROM partnerships WHERE french_id = ?", [fid]).fetchone()[0]
        page.goto(base + f"/staff/campagne?departement={dep}")
        row = page.locator("tr", has=page.locator(f"a[href='/collectivites/{fid}']"))
        assert "web" in row.inner_text()
        page.screenshot(path=str(SHOTS / "i16-staff-campaign-fr.png"), full_page=False)
    page.close()


def test_the_find_a_partner_page_fits_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base + "/trouver-un-partenaire?country=SN&theme=ecsi&lang=fr")  # the longest theme name
    wider = page.evaluate("[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > "
                          "window.innerWidth + 1).map(e => e.tagName + '#' + e.id)")
    assert wider == []
    page.screenshot(path=str(SHOTS / "i16-match-phone.png"), full_page=False)
