"""Headings nest without a gap on every page type, public and staff: a reader of a screen
reader moving by headings never goes from a level-1 heading straight to a level 3."""
from __future__ import annotations

import re

import pytest

from conftest import STAFF, login
from page_text import LINK, page_type

HEADING = re.compile(r"<h([1-6])\b")
STARTS = ["/", "/pays", "/collectivites", "/recherche?q=", "/recherche?q=jumelage", "/pays/DE",
          "/trouver-un-partenaire", "/carte", "/staff/"]


def gaps(html: str) -> list[str]:
    """Each heading whose level is more than one below the previous heading's (or a first one not h1)."""
    found, previous = [], 0
    for level in map(int, HEADING.findall(html)):
        if level > previous + 1:
            found.append(f"h{previous} → h{level}")
        previous = level
    return found


def test_a_gap_is_found_where_there_is_one():
    assert gaps("<h1>a</h1><h3>b</h3>") == ["h1 → h3"] and gaps("<h2>a</h2>") == ["h0 → h2"]
    assert gaps("<h1>a</h1><h2>b</h2><h3>c</h3><h2>d</h2>") == []


def one_page_per_endpoint(client, app, starts: list[str], limit: int = 80) -> dict[str, str]:
    """url → HTML of the starts and of one page of every other endpoint their links reach
    (a template's headings do not change with its query; the crawl stays short)."""
    pages, seen, queue = {}, set(), list(starts)
    while queue and len(pages) < limit:
        url = queue.pop(0).replace("&amp;", "&")
        kind = page_type(app, url)
        endpoint = kind and kind.split("?")[0]
        if url in pages or "lang=" in url or kind is None or (endpoint in seen and url not in starts):
            continue
        seen.add(endpoint)
        response = client.get(url)
        response.close()  # a streamed answer (an export) holds its turn until closed
        if response.status_code == 200 and response.mimetype == "text/html":
            pages[url] = response.get_data(as_text=True)
            queue += LINK.findall(pages[url])
    return pages


@pytest.fixture(scope="module")
def site(app, sample_index, accounts):
    public = one_page_per_endpoint(app.test_client(), app, ["/", "/recherche?q=jumelage", "/pays/DE"])
    staff = app.test_client()
    login(staff, STAFF)
    return public | one_page_per_endpoint(staff, app, STARTS)


def test_every_page_type_nests_its_headings_without_a_gap(site):
    assert len(site) > 30 and sum("/staff/" in url for url in site) > 15
    wrong = {url: gaps(html) for url, html in site.items() if gaps(html)}
    assert not wrong, wrong
