"""The index pages (/pays, /collectivites) and a big country's page cut into pages: every
country, collectivité and partnership reachable by links alone, counts right, the locale's order."""
from __future__ import annotations

import re
from html import unescape

import pytest

from index import labels
from repertoire.collation import sort_key

LINK = re.compile(r'<a href="([^"]*)"[^>]*>([^<]*)</a>')
NEXT = re.compile(r'<a rel="next" href="([^"]+)"')


@pytest.fixture
def web(client, sample_index):
    return client


def pages_of(web, url: str) -> list[str]:
    """A list's pages, from its first, following the "next" links as a reader would."""
    pages = []
    while url and len(pages) < 100:
        pages.append(web.get(url).get_data(as_text=True))
        found = NEXT.search(pages[-1])
        url = unescape(found.group(1)) if found else None
    return pages


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_country_index_lists_every_partner_country_with_its_count_by_continent(web, sample_registry, lang):
    page = web.get(f"/pays?lang={lang}").get_data(as_text=True)
    counts = {code: n for code, n in sample_registry.count_by("country").items() if code}
    for section in re.findall(r"<section.*?</section>", page, re.S):
        names = [unescape(name) for href, name in LINK.findall(section) if href.startswith("/pays/")]
        assert names == sorted(names, key=sort_key(lang)), names  # Égypte among the E
    listed = re.findall(r'<a href="/pays/([A-Z]{2})">[^<]*</a> <span class="count">([^<]*)</span>', page)
    assert {code for code, _ in listed} == set(counts)
    for code, text in listed:
        assert int(re.sub(r"\D", "", text)) == counts[code]
    assert "<h2" in page and labels.continent_name("Europe", lang) in page


def test_collectivite_index_reaches_every_collectivite_once_with_its_count(web, sample_registry):
    expected = sample_registry.count_by("french_id")
    seen: dict[str, int] = {}
    pages = pages_of(web, "/collectivites")
    assert len(pages) > 1  # 1,594 collectivités: several pages of 100 at most
    for page in pages:
        rows = re.findall(r'<a href="/collectivites/([^"]+)">.*?<span class="count">([^<]*)</span>', page, re.S)
        assert 0 < len(rows) <= 100
        for french_id, text in rows:
            assert french_id not in seen
            seen[french_id] = int(re.sub(r"\D", "", text))
    assert seen == expected


def test_collectivites_of_one_region_and_letters_lead_to_their_page(web, sample_registry):
    region = next(code for code in sample_registry.count_by("region") if code)
    names = {r["french_name"] for r in sample_registry.matching({"region": region}, columns=["french_name"])}
    page = web.get(f"/collectivites?region={region}").get_data(as_text=True)
    assert labels.region_name(region) in page
    shown = {unescape(n) for href, n in LINK.findall(page) if href.startswith("/collectivites/")}
    assert shown <= names and shown
    whole = web.get("/collectivites").get_data(as_text=True)
    letters = re.findall(r'<a href="([^"]*)#l-([A-Z#])">', whole)
    assert len(letters) > 10
    for href, letter in letters:
        target = web.get(unescape(href) or "/collectivites").get_data(as_text=True)
        assert f'id="l-{letter}"' in target
        first = re.search(rf'id="l-{letter}"><span><a href="[^"]+">([^<]*)</a>', target).group(1)
        assert unescape(first)[:1].upper() in (letter, "É", "Î", "Œ", "Ê", "'") or letter == "#"
    assert web.get("/collectivites?region=nowhere").status_code == 404


def test_a_big_country_comes_a_page_at_a_time_and_every_partnership_stays_reachable(web, sample_registry):
    expected = {p["id"] for p in sample_registry.matching({"country": "DE"}, columns=["id"])}
    assert len(expected) > 300
    seen: list[str] = []
    pages = pages_of(web, "/pays/DE")
    for page in pages:
        ids = re.findall(r'<h3><a href="/partenariats/(p-[0-9a-f]+)"', page)
        assert 0 < len(ids) <= 50
        seen += ids
    assert sorted(seen) == sorted(expected)
    # the table of contents leads to the page where each région starts
    for href, anchor in re.findall(r'<li><a href="([^"#]*)#(r-[^"]+)">', pages[0]):
        target = web.get(unescape(href) or "/pays/DE").get_data(as_text=True)
        assert f'<section id="{anchor}"' in target
    assert web.get("/pays/DE?page=abc").status_code == 200 and web.get("/pays/DE?page=9999").status_code == 200


def test_index_pages_are_linked_from_the_home_page_the_footer_and_the_facets(web):
    home = web.get("/").get_data(as_text=True)
    assert 'href="/pays"' in home and 'href="/collectivites"' in home
    results = web.get("/recherche?q=").get_data(as_text=True)
    facets = results[results.index('class="facets"'):results.index('class="results"')]
    assert 'href="/pays"' in facets and 'href="/collectivites"' in facets
