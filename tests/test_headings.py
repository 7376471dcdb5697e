"""Headings nest without a gap on every page type, public and staff: a reader of a screen
reader moving by headings never goes from a level-1 heading straight to a level 3."""
from __future__ import annotations

import re

import pytest

from conftest import STAFF, login
from page_text import crawl

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


@pytest.fixture(scope="module")
def site(app, sample_index, accounts):
    public = crawl(app.test_client(), app, STARTS[:-1], per_type=1, limit=80)
    staff = app.test_client()
    login(staff, STAFF)
    return public | crawl(staff, app, STARTS, per_type=1, limit=120)


def test_every_page_type_nests_its_headings_without_a_gap(site):
    assert len(site) > 25 and any("/staff/" in url for url in site)
    wrong = {url: gaps(html) for url, html in site.items() if gaps(html)}
    assert not wrong, wrong
