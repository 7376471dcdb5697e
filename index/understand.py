"""What a query asks for, before any scoring: places, themes, kinds and statuses among its words.

`coopération Maroc jeunesse` is three things the registry holds as fields: a kind, a partner
country and a theme. Each span of words that names a value of a facet becomes a *concept*
(a weighted filter, index/search.py), the other words stay text. Names come from the app's
own data, never from a list written here:

- countries: babel/CLDR and pycountry names in six languages, data/countries.csv names and
  French demonyms (marocain, sénégalaise), data/vocabulary/country-aliases.txt; English
  adjectives (Moroccan, Japanese) read as a country name plus a suffix; `franco-japonais`
  as a compound whose parts are all countries;
- continents and world regions: data/countries.csv (UN M49 region and subregion) named in
  French and English by CLDR (`Afrique occidentale`), with their `de l'Ouest` forms;
- country groups: data/vocabulary/country-groups.txt (each part of `A et B` too);
- themes, kinds and statuses: their labels and the survey vocabularies of data/vocabulary/;
- French régions and départements: the official reference (data/regions.csv, departements.csv).

Words are compared by their folded Snowball stems, so plurals and feminines follow
(`Amériques`, `marocaines`). A span never takes part of a hyphenated name
(`Villeneuve-sur-Lot` is no département Lot), unless every part of it is a country
(`franco-allemand`).
"""
from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

from repertoire.countries import DATA
from repertoire.model import KINDS, STATUSES, THEMES
from repertoire.text import fold, load_rules

from . import analysis, labels

# Priority when one span names several things (a continent before a country of that name…).
FACETS = ("group", "continent", "country", "theme", "kind", "status", "region", "departement")
MAX_SPAN = 6
# `de l'Ouest` and `occidentale` name the same part of a continent (and West/Western in English).
SIDES = {"occidental": "de l'Ouest", "oriental": "de l'Est", "septentrional": "du Nord",
         "meridional": "du Sud", "austral": "du Sud"}
ENGLISH_SIDES = {"western": "west", "eastern": "east", "northern": "north", "southern": "south"}
# English adjectives of countries: the country's English name, shortened, plus one of these.
ENGLISH_SUFFIXES = ("ese", "ian", "ish", "an", "i")
TOKEN_GROUP = re.compile(r"[^\s,;/()\"+]+")


@dataclass(frozen=True)
class Concept:
    """A facet value a query names: `Maroc` → country MA. `values` are facet codes (a
    continent's are the countries it holds); `words` the query words it took."""

    facet: str
    value: str
    values: tuple[str, ...]
    words: str


@dataclass
class Understanding:
    """A query split into concepts and the words left to search as text."""

    concepts: list[Concept]
    words: list[str]  # raw words left, in order


def key_of(text: str) -> tuple[str, ...]:
    """The lexicon key of a text: its content words, folded and stemmed."""
    out = []
    for token in analysis.TOKEN.findall(text):
        for term in analysis.normalize(token, False):
            out.append(analysis.stem(term))
    return tuple(out)


class Lexicon:
    """Every name of a facet value, by key → the concepts it may mean (in FACETS order)."""

    def __init__(self):
        self.entries: dict[tuple[str, ...], dict[str, tuple[str, tuple[str, ...]]]] = {}
        self.country_prefixes: dict[str, str] = {}
        self._countries()
        self._areas()
        self._groups()
        self._vocabularies()
        self._french_places()

    def add(self, text: str, facet: str, value: str, values: tuple[str, ...] | None = None) -> None:
        key = key_of(text)
        if key:
            self.entries.setdefault(key, {}).setdefault(facet, (value, values or (value,)))

    def lookup(self, key: tuple[str, ...]) -> Concept | None:
        found = self.entries.get(key)
        if not found:
            return None
        facet = min(found, key=FACETS.index)
        value, values = found[facet]
        return Concept(facet, value, values, "")

    def _countries(self) -> None:
        countries = labels.countries()
        codes = {c.lower() for c in countries.table.index} | {a.lower() for a in countries.table["alpha3"] if a}
        aliases = set(load_rules(DATA / "vocabulary" / "country-aliases.txt"))
        for name, code in countries.names.items():
            # ISO codes are no words (`de`, `it`, `ma`): only aliases people write (usa, rdc)
            if (name in codes or len(name) <= 3) and name not in aliases or len(name) < 3 or code == "FR":
                continue
            self.add(name, "country", code)
        english = {}
        for code, row in countries.table.iterrows():
            for demonym in (row.demonym_fr_m, row.demonym_fr_f):
                if demonym and code != "FR":
                    self.add(demonym, "country", code)
            for word in fold(row.name_en).split():
                if len(word) >= 4:
                    english.setdefault(word, set()).add(code)
        self.english_words = {w: next(iter(c)) for w, c in english.items() if len(c) == 1}

    def english_adjective(self, word: str) -> str | None:
        """`Moroccan` → MA, `Japanese` → JP: an English country name, cut, with a suffix."""
        folded = fold(word)
        found = set()
        for suffix in ENGLISH_SUFFIXES:
            if folded.endswith(suffix) and len(folded) - len(suffix) >= 4:
                stem = folded[: -len(suffix)]
                for name, code in self.english_words.items():
                    common = len(os.path.commonprefix((name, stem)))
                    if common >= max(4, len(stem) - 1) and len(name) - common <= 2:
                        found.add(code)
        return found.pop() if len(found) == 1 else None

    def compound_part(self, word: str) -> str | None:
        """The country of one part of `franco-japonais`: a name or demonym, or its `-o` form
        (`franco`, `germano`, `italo`: the start of a country's name or demonym); FR is ''."""
        key = key_of(word)
        concept = self.lookup(key) if key else None
        if concept and concept.facet == "country":
            return concept.value
        folded = fold(word)
        if folded.endswith("o") and len(folded) >= 5:
            head = folded[:-1]
            matches = {code for name, code in labels.countries().names.items()
                       if name.startswith(head) and len(name) >= 4}
            if not matches:  # the demonyms of overseas places repeat France's: names first
                matches = {code for code, row in labels.countries().table.iterrows()
                           if any(fold(d).startswith(head) for d in (row.demonym_fr_m, row.demonym_fr_f) if d)}
            if len(matches) == 1:
                code = matches.pop()
                return "" if code == "FR" else code
        return None

    def _areas(self) -> None:
        """Continents and world regions (UN M49, as data/countries.csv gives them)."""
        from babel import Locale

        table = labels.countries().table
        by_english = {name.lower(): code for code, name in Locale("en").territories.items() if code.isdigit()}
        french = Locale("fr").territories
        areas: dict[str, set[str]] = {}
        for code, row in table.iterrows():
            for area in (row.region, row.subregion):
                if area:
                    areas.setdefault(area, set()).add(code)
        for area, members in areas.items():
            values = tuple(sorted(members))
            m49 = by_english.get(area.lower())
            names = [area]
            if m49:
                names.append(french[m49].replace("’", "'"))
            for name in list(names):
                words = fold(name).split()
                if words and words[-1].rstrip("e") in SIDES:  # Afrique occidentale → Afrique de l'Ouest
                    names.append(" ".join(words[:-1]) + " " + SIDES[words[-1].rstrip("e")])
                if words and words[0] in ENGLISH_SIDES:  # Western Africa → West Africa
                    names.append(" ".join([ENGLISH_SIDES[words[0]]] + words[1:]))
            for name in names:
                self.add(name, "continent", area, values)

    def _groups(self) -> None:
        for group, members in labels.countries().groups.items():
            values = tuple(sorted(members))
            self.add(group, "group", group, values)
            parts = re.split(r"\s+et\s+", group)
            if len(parts) > 1:
                for part in parts:
                    if key_of(part) not in self.entries:  # a continent's own name stays the continent
                        self.add(part, "group", group, values)
                # `Proche et Moyen-Orient` → Proche-Orient too
                last = parts[-1]
                if "-" in last:
                    tail = last.split("-", 1)[1]
                    for part in parts[:-1]:
                        self.add(f"{part}-{tail}", "group", group, values)

    def _vocabularies(self) -> None:
        from repertoire.vocabulary import ANSWERS, NEGATIONS, Vocabulary

        vocabulary = Vocabulary()
        for facet, table, rules in (("theme", THEMES, vocabulary.themes), ("kind", KINDS, vocabulary.kinds),
                                    ("status", STATUSES, vocabulary.statuses)):
            for code, (fr, en) in table.items():
                for name in (fr, en):
                    self.add(name, facet, code)
                    if facet == "theme":  # `Éducation, formation, recherche`: each part names it
                        for part in re.split(r",|\bet\b|\band\b", name):
                            if part.strip() and len(key_of(part)) == 1:
                                self.add(part, facet, code)
            for synonym, code in rules.exact.items():
                words = synonym.split()
                if code not in table or any(w in ANSWERS or w in NEGATIONS for w in words):
                    continue
                key = key_of(synonym)
                # a synonym whose stop words carried it (`en cours`) is too short alone
                if len(key) < len(words) and sum(map(len, key)) < 6:
                    continue
                self.add(synonym, facet, code)
        self.themes = vocabulary.themes

    def _french_places(self) -> None:
        places = labels.french_places()
        for code, name in places.regions["nom"].items():
            self.add(name, "region", code)
        for code, name in places.departements["nom"].items():
            self.add(name, "departement", code)


_LEXICON: list[Lexicon] = []
_LEXICON_LOCK = threading.Lock()


def lexicon() -> Lexicon:
    """The lexicon, made once per process (a search waits for the one being made)."""
    with _LEXICON_LOCK:
        if not _LEXICON:
            _LEXICON.append(Lexicon())
        return _LEXICON[0]


def understand(text: str) -> Understanding:
    """The concepts a plain query names and the words it leaves.

    >>> u = understand("coopération Maroc jeunesse")
    >>> [(c.facet, c.value) for c in u.concepts], u.words
    ([('kind', 'cooperation'), ('country', 'MA'), ('theme', 'jeunesse')], [])
    """
    lex = lexicon()
    # Words with the hyphen group each belongs to: a span starts and ends on group edges.
    tokens: list[tuple[str, int, bool, bool]] = []  # (word, group, starts group, ends group)
    for g, group in enumerate(TOKEN_GROUP.findall(text)):
        words = analysis.TOKEN.findall(group)
        for i, word in enumerate(words):
            tokens.append((word, g, i == 0, i == len(words) - 1))
    concepts: list[Concept] = []
    left: list[str] = []
    i = 0
    while i < len(tokens):
        found = None
        if tokens[i][2]:
            for j in range(min(len(tokens), i + MAX_SPAN), i, -1):
                if not tokens[j - 1][3]:
                    continue
                span = tokens[i:j]
                key = tuple(analysis.stem(t) for w, *_ in span for t in analysis.normalize(w, False))
                concept = lex.lookup(key) if key else None
                if concept is None and j - i == 1:
                    concept = _one_word(lex, span[0][0])
                if concept is not None:
                    found = (j, Concept(concept.facet, concept.value, concept.values, " ".join(w for w, *_ in span)))
                    break
            if found is None:
                found = _compound(lex, tokens, i)
        if found:
            j, concept = found
            if concept is not None and concept not in concepts:
                concepts.append(concept)
            i = j
        else:
            left.append(tokens[i][0])
            i += 1
    return Understanding(concepts, left)


def _one_word(lex: Lexicon, word: str) -> Concept | None:
    """A single word the lexicon lacks as such: an inflected theme word (`sportives`) or an
    English adjective of a country."""
    folded = analysis.normalize(word, False)
    if len(folded) != 1 or len(folded[0]) < 4:
        return None
    codes = lex.themes.match(word)
    if len(codes) == 1 and codes[0] in THEMES:
        return Concept("theme", codes[0], (codes[0],), word)
    code = lex.english_adjective(word)
    if code:
        return Concept("country", code, (code,), word)
    return None


def _compound(lex: Lexicon, tokens, i: int):
    """`franco-japonais` (a hyphen group whose parts are all countries) → JP; France dropped."""
    group = tokens[i][1]
    j = i
    while j < len(tokens) and tokens[j][1] == group:
        j += 1
    if j - i < 2:
        return None
    codes = [lex.compound_part(w) for w, *_ in tokens[i:j]]
    if any(c is None for c in codes):
        return None
    foreign = [c for c in codes if c]
    if len(foreign) != 1:
        return None
    words = "-".join(w for w, *_ in tokens[i:j])
    return j, Concept("country", foreign[0], (foreign[0],), words)
