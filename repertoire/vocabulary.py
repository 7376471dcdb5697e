"""Kinds, statuses and themes as surveys write them, in six languages, onto the codes of DESIGN.md.

Surveys come in French, English, German, Spanish, Italian and Portuguese, each with its own
inflections and word order, so a listed synonym is not compared as a string: both the
synonym and the survey text become tokens (folded, stop words dropped, each token known by
its Snowball stems in the six languages), and a text matches a rule when its tokens contain
the rule's. `échanges scolaires` then matches `échange scolaire`, and `projects on water and
sanitation` matches `water` and `sanitation`. A German compound the files do not list is
read by its first known word (`Trinkwasserversorgung` → `wasser`).

Precision guards, each for a class of false positives:
- a negation (`pas`, `not`, `nicht`, `no`, `non`, `não`…) binds to the next word, and all
  negations are one key, so `not active`, `nicht aktiv` and `non attivo` are one rule, and
  `actif` never matches the `active` of `not active`;
- a rule made only of answer words or single letters (`non`, `yes`, `P`) matches only a
  whole cell: `Non renseigné` is not a status, `Non` is;
- stop words of the six languages are dropped (`Estado` is one in Spanish), so a word
  that is a function word in one language never makes a match.

The matching is cached per distinct value: surveys repeat the same few spellings.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from whoosh.lang.stopwords import stoplists

from .datafiles import DATA
from .text import fold, split_values

DEFAULT_FOLDER = DATA / "vocabulary"
LANGUAGES = {"fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian",
             "pt": "portuguese"}
STEMMERS = tuple(snowballstemmer.stemmer(name) for name in LANGUAGES.values())
NEGATION = "¬"  # the one key every negation word becomes
NEGATIONS = {"non", "no", "not", "pas", "plus", "nicht", "kein", "keine", "keinen", "nao", "sem", "sin",
             "senza", "sans", "ni", "ne", "aucun", "aucune", "none", "nessun", "nessuna", "ninguna",
             "ninguno", "nenhum", "nenhuma", "ohne", "without", "never", "jamais", "nie", "nunca", "nein"}
# Words between a negation and what it denies: "no longer active", "nicht mehr aktiv".
NEGATION_TAILS = {"longer", "more", "anymore", "mehr", "plus", "piu", "mais", "ya", "ja", "encore", "yet",
                  "lange", "langer", "actuellement", "currently", "derzeit", "actualmente", "attualmente",
                  "atualmente", "momento", "moment"}
ANSWERS = {"oui", "yes", "ja", "si", "sim", "non", "no", "nein", "nao", "not"}
STOP_WORDS = frozenset(fold(w) for lang in LANGUAGES for w in stoplists[lang]) - NEGATIONS - ANSWERS
_WORD_OR_STOP = re.compile(r"[^\W\d_]+|[,;:.!?()]")
MIN_PART = 4  # shortest stem, and shortest first part of a compound, that counts as a word
LAST_PART = 6  # shortest last part of a compound that counts


@lru_cache(maxsize=100_000)
def stems(word: str) -> frozenset[str]:
    """A lower-case word as its folded stems by the six languages' stemmers (`~echang`) and
    as itself (`=echanges`). Two words are one when they share a stem, which also joins
    cognates (`cooperação`, `cooperation`: `~cooper`). Where that joins two different words
    (`sanità`, `sanitation`: `~sanit`), the word listed as itself wins (`Rules._hits`)."""
    folded = fold(word).replace(" ", "")
    keys = {f"={folded}"}
    # Snowball Portuguese leaves the plural -ões of -ão nouns apart (intenções, intenção).
    singular = word[:-3] + "ão" if word.endswith("ões") else word
    for form in {word, singular, folded}:
        for stemmer in STEMMERS:
            stem = fold(stemmer.stemWord(form)).replace(" ", "")
            if len(stem) >= MIN_PART or stem == folded:  # `par` of `paris` (pt) is no word
                keys.add(f"~{stem}")
    return frozenset(keys)


@lru_cache(maxsize=100_000)
def tokens(text: str) -> tuple[frozenset[str], ...]:
    """A text as its content tokens, in order: each a set of stems, a negation as `¬`.

    >>> [sorted(t) for t in tokens("Pas d'échanges scolaires")]
    [['¬'], ['=echanges', '~echang', '~echanges'], ['=scolaires', '~scola', '~scolair', '~scolaires']]
    """
    result: list[frozenset[str]] = []
    for word in _WORD_OR_STOP.findall(text.lower()):
        if not word[0].isalpha():  # a comma ends what a negation denies: `Non, il est en sommeil`
            if result and result[-1] == {NEGATION}:
                result.pop()
            continue
        folded = fold(word)
        if folded in NEGATIONS:
            if not (result and result[-1] == {NEGATION}):
                result.append(frozenset({NEGATION}))
            continue
        if result and result[-1] == {NEGATION} and folded in NEGATION_TAILS:
            continue
        if len(folded) < 2 or folded in STOP_WORDS:
            continue
        result.append(stems(word))
    return tuple(result)


def _whole_cell_only(text: str) -> bool:
    """`non`, `yes`, `P`: words that say something only when they are the whole answer."""
    words = fold(text).split()
    return all(w in ANSWERS or w in NEGATIONS or len(w) < 2 for w in words)


@dataclass(frozen=True)
class Rule:
    code: str
    tokens: tuple[frozenset[str], ...]
    order: int  # place in the files: the last tie-break


class Rules:
    """One vocabulary (kinds, statuses or themes): exact synonyms, then token rules."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.exact: dict[str, str] = {}
        self.words: set[str] = set()
        self.word_codes: dict[str, set[str]] = {}  # a word that is a rule by itself → its codes
        chosen: dict[tuple[frozenset[str], ...], tuple[int, int, str]] = {}
        for order, (synonym, code) in enumerate(pairs):
            self.exact[fold(synonym)] = code
            if _whole_cell_only(synonym) or not (keys := tokens(synonym)):
                continue
            # Two synonyms with the same words once stop words are gone (`inactive`, `inactive
            # for now`): the one with fewer words says it, and a later file overrides.
            rank = (len(fold(synonym).split()), -order, code)
            if keys not in chosen or rank < chosen[keys]:
                chosen[keys] = rank
            words = [w for w in fold(synonym).split() if len(w) >= MIN_PART and w not in STOP_WORDS]
            self.words.update(words)
            if len(keys) == 1 and len(words) == 1:  # a word that is a rule by itself
                self.word_codes.setdefault(words[0], set()).add(code)
        self.rules = [Rule(code, keys, number)
                      for number, (keys, (_, _, code)) in enumerate(sorted(chosen.items(), key=lambda i: -i[1][1]))]
        self.index: dict[str, list[tuple[int, int]]] = {}
        for rule in self.rules:
            for slot, key in enumerate(rule.tokens):
                for stem in key:
                    self.index.setdefault(stem, []).append((rule.order, slot))
        self.match = lru_cache(maxsize=100_000)(self._match)
        self.best = lru_cache(maxsize=100_000)(self._best)

    @classmethod
    def parse(cls, lines: Iterable[str]) -> "Rules":
        """Rules from `synonym, synonym => code` lines; `#` starts a comment line."""
        pairs = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#") or "=>" not in line:
                continue
            left, code = (part.strip() for part in line.rsplit("=>", 1))
            pairs.append((code, code))
            pairs += [(synonym.strip(), code) for synonym in left.split(",") if synonym.strip()]
        return cls(pairs)

    @classmethod
    def read(cls, *paths: Path) -> "Rules":
        """Rules from files, in order (a later file adds to the earlier ones); missing files skipped."""
        lines: list[str] = []
        for path in paths:
            if path.is_file():
                lines += path.read_text(encoding="utf-8").splitlines()
        return cls.parse(lines)

    def _match(self, text: str) -> tuple[str, ...]:
        """Every code the text says, in the order it says them (several themes in one phrase):
        the longest rules first, each on words no longer rule has taken."""
        if (code := self.exact.get(fold(text))) is not None:
            return (code,)
        chosen, taken = [], set()
        for _, _, _, number, slots in self._hits(text):
            rule = self.rules[number]
            if (positions := self._place(rule, slots, taken)) is not None:
                taken.update(positions)
                chosen.append((min(positions), rule.code))
            elif rule.code in {code for _, code in chosen} and (positions := self._place(rule, slots, set())):
                # another phrasing of a theme already read, overlapping it (`global citizenship` and
                # `citizenship education` in `Global citizenship education`): its words are that theme's
                taken.update(positions)
        return tuple(dict.fromkeys(code for _, code in sorted(chosen)))

    def _best(self, text: str) -> str | None:
        """The one code of a kind or status cell: the longest rule, then the first said."""
        if (code := self.exact.get(fold(text))) is not None:
            return code
        hits = self._hits(text)
        return self.rules[hits[0][3]].code if hits else None

    def _hits(self, text: str) -> list[tuple[int, int, int, int, dict[int, dict[int, int]]]]:
        """(−rule length, first position, −closeness, rule order, {rule slot: {text position:
        closeness}}) of every rule the text contains, best first. Closeness is the length of
        the longest stem a word shares with the rule's: `sanitaria` is nearer `sanitario`
        (sanitar) than `sanitation` (sanit)."""
        keys = self._split_compounds(tokens(text))
        candidates: dict[int, dict[int, dict[int, int]]] = {}
        for position, key in enumerate(keys):
            negated = position > 0 and keys[position - 1] == {NEGATION}
            found = [(hit, len(stem)) for stem in key for hit in self.index.get(stem, ())]
            # A word listed as itself is not read through a stem it shares with another
            # language's word: `sanità` (listed, health) is not `sanitation` (water).
            if listed := [hit for k in key if k.startswith("=") for hit in self.index.get(k, ())]:
                codes = {self.rules[number].code for number, _ in listed}
                found = [(hit, size) for hit, size in found if self.rules[hit[0]].code in codes]
            for (number, slot), size in found:
                rule_key = self.rules[number].tokens
                # A denied word is not the word: `actif` never matches the `actif` of `pas actif`.
                if negated and not (slot > 0 and rule_key[slot - 1] == {NEGATION}):
                    continue
                places = candidates.setdefault(number, {}).setdefault(slot, {})
                places[position] = max(places.get(position, 0), size)
        hits = []
        for number, slots in candidates.items():
            rule = self.rules[number]
            if len(slots) == len(rule.tokens) and (positions := self._place(rule, slots, set())) is not None:
                closeness = sum(max(places.values()) for places in slots.values())
                hits.append((-len(rule.tokens), min(positions), -closeness, number, slots))
        return sorted(hits, key=lambda hit: hit[:4])

    @staticmethod
    def _place(rule: Rule, slots: dict[int, dict[int, int]], taken: set[int]) -> list[int] | None:
        """Distinct text positions, not yet taken, for the rule's words; a negation right
        before its word."""
        used: list[int] = []
        for slot in range(len(rule.tokens)):
            if slot > 0 and rule.tokens[slot - 1] == {NEGATION}:
                continue  # placed with its negation
            free = [p for p in sorted(slots[slot]) if p not in used and p not in taken]
            if rule.tokens[slot] == {NEGATION} and slot + 1 < len(rule.tokens):
                free = [p for p in free if p + 1 in slots[slot + 1] and p + 1 not in taken]
                if free:
                    used.append(free[0] + 1)
            if not free:
                return None
            used.append(free[0])
        return used

    def _split_compounds(self, keys: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
        """Tokens no rule knows, split into known words where they are compounds."""
        result: list[frozenset[str]] = []
        for key in keys:
            if key == {NEGATION} or any(stem in self.index for stem in key):
                result.append(key)
                continue
            word = next(k for k in key if k.startswith("="))[1:]
            part = self._compound(word) if len(word) >= 2 * MIN_PART else self._abbreviation(word)
            result.append(stems(part) if part else key)
        return tuple(result)

    @lru_cache(maxsize=50_000)
    def _compound(self, word: str) -> str | None:
        """The first known word of a compound: `jugendbegegnungen` → `jugend`,
        `trinkwasserversorgung` → `wasser`, `abfallwirtschaft` → `abfall`, `nahverkehr` → `verkehr`.

        German joins parts with an `s` or an `n` (`Gesundheitswesen`) and its first known part
        says what the compound is about. A part counts only when it is a whole word of the
        files, at least 4 letters at the start, 6 at the end, so that French and English
        derived words (`grandissante`, `informations`, `département`) do not split."""
        if any(stem in self.index for stem in stems(word)):
            return word
        if head := self._leading(word, MIN_PART):
            return head
        for cut in range(3, len(word) - LAST_PART + 1):  # `in|formation` is no compound
            tail = word[cut:]
            if tail in self.words or (head := self._leading(tail, LAST_PART)):
                return tail if tail in self.words else head
        return None

    @lru_cache(maxsize=50_000)
    def _abbreviation(self, word: str) -> str | None:
        """A word cut short, as form exports code their choices (`coop_decentralisee`,
        `agri_alim`, `educ`): the words of the files it begins, when they all say one code,
        and the cut leaves out at least two letters."""
        if not MIN_PART <= len(word) < 2 * MIN_PART:
            return None
        found = sorted(w for w in self.word_codes if w.startswith(word) and len(w) >= len(word) + 2)
        codes = {code for w in found for code in self.word_codes[w]}
        return found[0] if len(codes) == 1 else None

    def _leading(self, word: str, shortest: int) -> str | None:
        """The longest word of the files `word` starts with, as German joins it: with an `s` or
        an `n` added (`Gesundheits-`), or its last `e` dropped (`Schule` → `Schul-`)."""
        for cut in range(len(word) - MIN_PART, shortest - 1, -1):
            head = word[:cut]
            for joined in (head, head[:-1] if head[-1] in "sn" else None, head + "e"):
                if joined and len(joined) >= shortest and joined in self.words:
                    return joined
        return None


def map_themes(text: str | None, rules: Rules) -> tuple[list[str], list[str]]:
    """A themes cell as (theme codes, parts kept as keywords because they map to no theme)."""
    codes: list[str] = []
    keywords: list[str] = []
    for part in split_values(text):
        found = rules.match(part)
        if not found and part not in keywords:
            keywords.append(part)
        codes += [code for code in found if code not in codes]
    return codes, keywords


class Vocabulary:
    """The three vocabularies, from the editable files of `repertoire/data/vocabulary/`, then from the
    same file names in `extra` (the instance folder's `vocabulary/`), which add to them."""

    FILES = {"kind": "kinds.txt", "status": "statuses.txt", "themes": "themes.txt"}

    def __init__(self, folder: Path = DEFAULT_FOLDER, extra: Path | None = None):
        def rules(name: str) -> Rules:
            return Rules.read(folder / name, *([Path(extra) / name] if extra else []))
        self.kinds = rules(self.FILES["kind"])
        self.statuses = rules(self.FILES["status"])
        self.themes = rules(self.FILES["themes"])

    def kind(self, text: str | None) -> str | None:
        return self.kinds.best(text) if text else None

    def status(self, text: str | None) -> str | None:
        return self.statuses.best(text) if text else None

    def fields_of(self, value: str | None) -> set[str]:
        """Which vocabularies a cell's value belongs to: the cheap question column profiling asks."""
        if not value:
            return set()
        found = {field for field, rules in (("kind", self.kinds), ("status", self.statuses)) if rules.best(value)}
        if any(self.themes.match(part) for part in split_values(value)):
            found.add("themes")
        return found
