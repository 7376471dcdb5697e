"""Every page speaks one language: the interface's words in the page's language, dates and
plurals by the locale. A crawl of every page type, public and staff, in French and English.

Words are judged by their frequency in each language (wordfreq), not against a list of the
strings once found wrong: a word of the interface much more common in the other language
fails, as does an ISO date or a French space before a colon on an English page.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit
from functools import lru_cache

import pycountry
import pytest
from wordfreq import zipf_frequency

from conftest import STAFF, login
from page_text import crawl, interface_text
from index import labels

STARTS = ["/", "/recherche?q=", "/recherche?q=jumelage", "/pays/DE", "/staff/"]
OTHER = {"fr": "en", "en": "fr"}
WORD = re.compile(r"[^\W\d_]{3,}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def foreign(word: str, lang: str) -> bool:
    """A word read far more often in the other language than in this one."""
    here = max(zipf_frequency(form, lang) for form in (word, word.removesuffix("s")))  # plurals are rarer
    there = zipf_frequency(word, OTHER[lang])
    return there >= 2.5 and there - here >= 1.5


@pytest.fixture(scope="module")
def data_words(sample_registry) -> set[str]:
    """Words of the data itself (names, survey text, files), which keep their own language."""
    words: set[str] = set()
    def add(value):
        words.update(w.casefold() for w in WORD.findall(str(value or "")))
    for p in sample_registry.partnerships():
        for name in ("french_name", "partner_name", "partner_region", "partner_native"):
            add(p[name])
        add(labels.region_name(p["region"] or ""))
        add(labels.departement_name(p["departement"] or ""))
    places = labels.french_places()
    for name in list(places.regions["nom"]) + list(places.departements["nom"]):
        add(name)
    for start in STARTS:
        add(parse_qs(urlsplit(start).query).get("q"))  # someone's words, echoed in the title
    for reject in sample_registry.rejects():  # the survey's words quoted in a reason (a name as written)
        add(" ".join(reject["reason"].quoted()))
    for row in sample_registry.iter_rows("SELECT source, sheet FROM sources UNION SELECT source, sheet FROM rejects"):
        add(" ".join(map(str, row)))
    return words


@lru_cache(maxsize=2)
def country_words(lang: str) -> frozenset[str]:
    """Words of country names in the page's language (named by Babel, not by the interface)."""
    return frozenset(w.casefold() for c in pycountry.countries for w in WORD.findall(labels.country_name(c.alpha_2, lang)))


@pytest.fixture(scope="module", params=["fr", "en"])
def site(request, app, sample_index, accounts):
    """Every page type, as staff (who sees the public pages too), in one language."""
    client = app.test_client()
    login(client, STAFF)
    client.get(f"/?lang={request.param}")  # the cookie keeps the language
    pages = crawl(client, app, STARTS)
    return request.param, pages


def test_the_crawl_reaches_every_kind_of_page(site):
    lang, pages = site
    paths = {url.split("?")[0].split("/")[1] for url in pages}
    assert {"", "recherche", "partenariats", "collectivites", "pays", "staff"} <= paths, paths


def test_pages_speak_the_language_they_declare(site, data_words):
    lang, pages = site
    wrong, known = {}, data_words | country_words(lang)
    for url, html in pages.items():
        page_lang, texts = interface_text(html)
        assert page_lang == lang, url
        for text in texts:
            words = [w for w in WORD.findall(text) if w.casefold() not in known and foreign(w.casefold(), lang)]
            if words:
                wrong.setdefault(text, (url, words))
    assert not wrong, "\n".join(f"{url}: {text!r} {words}" for text, (url, words) in list(wrong.items())[:40])


def test_dates_are_written_by_the_locale(site):
    lang, pages = site
    wrong = {(url, m) for url, html in pages.items() for text in interface_text(html)[1] for m in ISO_DATE.findall(text)}
    assert not wrong, sorted(wrong)[:20]


def test_punctuation_follows_the_language(site):
    """French puts a space before a colon, English does not."""
    lang, pages = site
    if lang != "en":
        return
    wrong = {(url, text) for url, html in pages.items() for text in interface_text(html)[1] if re.search(r"\w\s+[:;?!](\s|$)", text)}
    assert not wrong, sorted(wrong)[:20]


def test_plurals_follow_the_locale(site):
    """French: 0 and 1 are singular (« 0 partenariat »); English: 1 is singular."""
    lang, pages = site
    singular = r"\b[01]\s+" if lang == "fr" else r"(?<![\d.,])\b1\s+"
    wrong = set()
    for url, html in pages.items():
        for text in interface_text(html)[1]:
            for word in re.findall(singular + r"([^\W\d_]+s)\b", text):
                if zipf_frequency(word[:-1].casefold(), lang) >= 2.5:
                    wrong.add((url, text))
    assert not wrong, sorted(wrong)[:20]
