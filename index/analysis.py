"""French text analysis for the index: one chain of small named filters, as addok's pipeline.

Whoosh has no elision filter and no accent folding in `LanguageAnalyzer('fr')` (DESIGN.md):
both are added here. Two analyzers share the chain up to stemming: `french` (stemmed, the
scoring field) and `folded` (unstemmed, for fuzzy terms and spelling suggestions).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from importlib.metadata import version

import Stemmer
from unidecode import unidecode
from whoosh.analysis import Filter, RegexTokenizer

# A word, with an elided article or pronoun kept attached (l'eau, d'Arménie, jusqu'à).
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"
TOKEN = re.compile(TOKEN_PATTERN)
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
# Articles and prepositions that carry nothing in names and descriptions (folded forms).
STOPWORDS = frozenset("""le la les l un une des de du d au aux a et ou en sur sous par pour
dans avec entre chez the of and""".split())
# Saint, Sainte, St, Ste, St., S.: one word in names (Saint-Étienne, St-Etienne, S. Giovanni).
SAINT = "saint"
SAINT_FORMS = frozenset({"saint", "sainte", "saints", "saintes", "st", "ste", "sts", "stes", "s"})
# Scripts written without spaces: each character is a word, so 西宮 finds 西宮市.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def elide(word: str) -> str:
    """`l'eau` → `eau`, `jusqu'à` → `à`: French elided articles and pronouns dropped."""
    return ELISION.sub("", word).replace("’", "'")


@lru_cache(maxsize=100_000)
def fold_accents(text: str) -> str:
    """Combining marks removed, script kept: `Besançon` → `besancon`, `Kōbe` → `kobe`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


# The Snowball French stemmer in C (PyStemmer). Whoosh's own is a pure-Python port of an
# older Snowball: a fifth of making the index documents of a large ingest (100,000 rows:
# 1.1 s), and 115 of the 37,822 words of the registry and the communes stemmed otherwise
# (`cailloux` stays whole, `beauvais` → `beauv`). An index built with another stemmer is
# rebuilt, not updated (STEMMER, build.py). A PyStemmer object is not to be shared between
# threads (the web app searches in several): one per thread.
STEMMER = f"snowball-french pystemmer-{version('pystemmer')}"
_stemmers = threading.local()


def stem(word: str) -> str:
    """The Snowball French stem of a folded word: `jumelages` → `jumelag`."""
    try:
        return _stemmers.french(word)
    except AttributeError:
        _stemmers.french = Stemmer.Stemmer("french").stemWord
        return _stemmers.french(word)


# The steps a word goes through, in order (the last one only in the stemmed analyzer).
STEPS = (str.lower, elide, fold_accents)


@lru_cache(maxsize=300_000)
def normalize(word: str, stemmed: bool) -> tuple[str, ...]:
    """One raw token → its index terms: () for a stop word, one term per CJK character."""
    for step in STEPS:
        word = step(word)
    if not word or word in STOPWORDS:
        return ()
    if word in SAINT_FORMS:
        return (SAINT,)
    if CJK.search(word):
        return tuple(word)
    return (stem(word),) if stemmed else (word,)


class FrenchFilter(Filter):
    """The word steps as one Whoosh filter (one cached call per token keeps builds fast)."""

    def __init__(self, stemmed: bool):
        self.stemmed = stemmed

    def __eq__(self, other):
        return isinstance(other, FrenchFilter) and other.stemmed == self.stemmed

    def __call__(self, tokens):
        # Positions are renumbered so that stop words leave no gap: the phrase
        # "Issy les Moulineaux" matches issy, moulineaux side by side.
        stemmed = self.stemmed
        position = 0
        for t in tokens:
            terms = normalize(t.text, stemmed)
            for term in terms:
                t.text = term
                if t.positions:
                    t.pos = position
                position += 1
                yield t


french = RegexTokenizer(TOKEN_PATTERN) | FrenchFilter(stemmed=True)
folded = RegexTokenizer(TOKEN_PATTERN) | FrenchFilter(stemmed=False)


@lru_cache(maxsize=100_000)
def romanized(text: str | None) -> str:
    """A name in another script in Latin letters (Кисловодск → Kislovodsk), or ''."""
    if not text or text.isascii():
        return ""
    latin = unidecode(text).strip()
    return latin if latin and latin.lower() != fold_accents(text).lower() else ""


# Raw token → its terms, for `analyze` (unstemmed, stemmed): texts repeat their words (a
# newsletter's word frequencies are Zipf's), and a dict lookup is a fifth of an lru_cache
# call. Emptied past this many tokens.
TOKENS_KEPT = 500_000
_TERMS: tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]] = ({}, {})


def analyze(text: str, stemmed: bool = True) -> list[str]:
    """The terms `french` (or `folded`) gives for a text, as plain strings, for building.

    The analyzers' chain without Whoosh's Token objects. Positions need no keeping: they
    are the terms' places in the list (stop words leave no gap), so Whoosh indexes the
    list as it is.

    >>> analyze("Jumelage avec l'Arménie")
    ['jumelag', 'armen']
    """
    words = TOKEN.findall(text)
    known = _TERMS[stemmed]
    try:
        return [term for word in words for term in known[word]]
    except KeyError:
        if len(known) > TOKENS_KEPT:
            known.clear()
        for word in words:
            if word not in known:
                known[word] = normalize(word, stemmed)
        return [term for word in words for term in known[word]]


@lru_cache(maxsize=200_000)
def analyze_value(text: str, stemmed: bool = True) -> tuple[str, ...]:
    """`analyze` of a value that repeats across the registry (a name, a country, a label)."""
    return tuple(analyze(text, stemmed))


def words(text: str) -> list[str]:
    """The folded, unstemmed words of a text (for fuzzy matching and suggestions)."""
    return [t.text for t in folded(text)]


def stems(text: str) -> list[str]:
    """The stemmed words of a text, as the scoring field holds them."""
    return [t.text for t in french(text)]
