"""What a column's values look like: the content half of recognising a survey column.

A header can be anything (`q7`, `Column7`, a language the vocabulary lacks); the values say
more: a column whose cells are country names is the partner's country, one of French commune
names the French side, one of e-mails the contacts. A column is profiled on a sample of its
first non-empty values (`SAMPLE_VALUES`), with cheap exact lookups only (a country name, a
folded French place name, a vocabulary word), so that profiling costs the same on a
100-row file and on a 100,000-row one.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .normalize import Vocabulary, map_themes, map_vocabulary, parse_since
from .places import PREFIXES, TYPE_WORDS, fold_place
from .text import clean, fold, split_values, strip_articles

SAMPLE_VALUES = 200  # non-empty values profiled per column
GAZETTEER_VALUES = 40  # values looked up in the gazetteer per column
SMALL_SAMPLE = 10  # below this many values, repetition says nothing (a 3-row file)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)
_PHONE = re.compile(r"^\+?[\d\s().\-/]{8,20}$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{4})[ T]\d{1,2}:\d\d")
_MIDNIGHT = re.compile(r"[ T]00:00(?::00)?$")
_HINT = re.compile(r"\s*(?:[(\[][^)\]]*[)\]]|[-,]\s*\d[\dab]\d?)\s*$", re.I)
_INSEE = re.compile(r"^(\d[\dab]\d{3}|\d{9})$", re.I)
_INTEGER = re.compile(r"^\d{1,6}(?:\.0+)?$")
# Words that make a value an administrative area rather than a locality (folded).
_ADMIN = re.compile(
    r"\b(region|province|provincia|regione|state|estado|stato|oblast|prefecture|county|"
    r"voivodeship|wojewodztwo|voivodie|land|bundesland|canton|kanton|district|bezirk|"
    r"governorate|gouvernorat|wilaya|departamento|comunidad|ken|raion|rayon|judet|okrug|"
    r"krai|kraj|shire|comarca|landkreis|kreis|powiat|municipio)\b")

_VALUES = frozenset({"year", "timestamp", "country", "french_place", "email", "phone", "insee"})
# The signals a profile measures: each is a share of the sampled values.
SIGNALS = ("country", "french_place", "departement", "insee", "year", "timestamp", "kind",
           "status", "theme", "email", "phone", "long_text", "locality", "admin", "checkbox",
           "french_type", "counter")


@dataclass
class Profile:
    """A column's sample: how many values, their shares per signal, how often they repeat."""

    count: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    distinct: float = 1.0
    samples: list[str] = field(default_factory=list)
    placed: float | None = None  # share of localities the gazetteer finds (a country column is known)

    def share(self, signal: str) -> float:
        return self.shares.get(signal, 0.0)


class Profiler:
    """Signals of values against the reference data (countries, French places, vocabularies).

    >>> profiler = Profiler.from_references(References())
    >>> profiler.profile(["Allemagne", "Japon", "Sénégal"]).share("country")
    1.0
    """

    def __init__(self, countries: Any, places: Any, vocabulary: Vocabulary, gazetteer: Any = None,
                 checked: set[str] | None = None):
        self.countries, self.places, self.vocabulary, self.gazetteer = countries, places, vocabulary, gazetteer
        self.checked = checked or {"y", "yes", "oui", "x", "1", "vrai", "true", "o"}
        self._signals = lru_cache(maxsize=50_000)(self._value_signals)

    @classmethod
    def from_references(cls, references: Any, checked: set[str] | None = None) -> "Profiler":
        """From ingest's References (anything with countries, places, vocabulary, gazetteer)."""
        return cls(references.countries, references.places, references.vocabulary,
                   getattr(references, "gazetteer", None), checked)

    def profile(self, cells: list, countries: list[str | None] | None = None) -> Profile:
        """Profile a column's cells (None for empty), the first SAMPLE_VALUES non-empty ones;
        `countries`, the ISO codes of the same rows when a country column is known, lets the
        gazetteer say which values are localities of that country."""
        values, codes = [], []
        for position, cell in enumerate(cells):
            text = clean(cell)
            if text is None:
                continue
            values.append(text)
            codes.append(countries[position] if countries and position < len(countries) else None)
            if len(values) >= SAMPLE_VALUES:
                break
        if not values:
            return Profile()
        counts = dict.fromkeys(SIGNALS, 0)
        for text in values:
            for signal in self._signals(text):
                counts[signal] += 1
        placed = self._placed(values, codes) if self.gazetteer is not None and any(codes) else None
        counts["counter"] = len(values) * _is_counter(values)
        total = len(values)
        return Profile(total, {k: v / total for k, v in counts.items() if v}, len(set(values)) / total,
                       list(dict.fromkeys(values))[:3], placed)

    def _placed(self, values: list[str], codes: list[str | None]) -> float | None:
        """The share of locality-like values the gazetteer finds in their row's country, on
        the three commonest countries and GAZETTEER_VALUES values at most (each country asked
        costs an index)."""
        common = [c for c, _ in Counter(c for c in codes if c).most_common(3)]
        asked = [(text, code) for text, code in zip(values, codes)
                 if code in common and "locality" in self._signals(text)][:GAZETTEER_VALUES]
        if not asked:
            return None
        try:
            return sum(1 for text, code in asked if self.gazetteer.place(text, code) is not None) / len(asked)
        except Exception:  # a gazetteer that fails must not stop reading a survey: no signal
            return None

    def is_value(self, text: str) -> bool:
        """A cell that is data, not a header: a number, a date, a country, a French place, an address."""
        text = text.strip()
        if _INTEGER.match(text):
            return True
        return bool(self._signals(text) & _VALUES)

    def agreement(self, codes: list, names: list) -> float | None:
        """The share of rows whose French code names the French collectivité of the row (None
        when no row gives both): a column of record ids that happen to be INSEE codes is not
        the collectivité's code."""
        pairs = [(clean(c), clean(n)) for c, n in zip(codes, names) if clean(c) and clean(n)][:SAMPLE_VALUES]
        if not pairs:
            return None
        agree = 0
        for code, name in pairs:
            try:
                place = self.places.resolve(None, None, code)
            except Exception:  # an unknown code: no agreement
                continue
            folded = fold_place(_HINT.sub("", name))
            agree += fold_place(place.name) in folded or folded in fold_place(place.name)
        return agree / len(pairs)

    def _value_signals(self, text: str) -> frozenset[str]:
        """The signals one value gives, cached: surveys repeat the same values."""
        signals = set()
        folded = fold(text)
        if not folded and not any(c.isalpha() for c in text):
            return frozenset()
        if _TIMESTAMP.match(text) and not _MIDNIGHT.search(text):  # a date cell shows 00:00:00
            signals.add("timestamp")
        if fold(text) in self.checked:
            signals.add("checkbox")
        is_code = bool(_INSEE.match(text.strip())) and self._is_french_code(text.strip())
        if is_code:
            signals.add("insee")
        elif parse_since(text)[0] is not None:
            signals.add("year")
        if _EMAIL.match(text):
            signals.add("email")
        elif _PHONE.match(text) and sum(c.isdigit() for c in text) >= 8 and not signals & {"year", "timestamp"}:
            signals.add("phone")
        if self.countries.code(text) not in (None, "FR"):  # a partner is abroad ("fr" is a language)
            signals.add("country")
        if len(text) <= 4 and self.places.departement_code(text) or self._is_departement_name(folded):
            signals.add("departement")
        if self._is_french_place(text):
            signals.add("french_place")
        if folded in TYPE_WORDS:
            signals.add("french_type")
        words = text.split()
        if len(text) >= 60 or len(words) >= 9:
            signals.add("long_text")  # free text: its first word may be a kind, it is not one
            return frozenset(signals)
        vocabulary = self.vocabulary
        if map_vocabulary(text, vocabulary.kinds):
            signals.add("kind")
        if map_vocabulary(text, vocabulary.statuses):
            signals.add("status")
        parts = split_values(text)
        if parts and len(parts) <= 8:
            codes, keywords = map_themes(text, vocabulary.themes)
            if codes and len(keywords) <= len(codes):
                signals.add("theme")
        if (len(words) <= 5 and len(text) <= 45 and not signals - {"french_place", "departement"}
              and (text[0].isupper() or not text[0].isascii()) and not any(c.isdigit() for c in text)):
            if "french_place" not in signals:
                signals.add("locality")
            if _ADMIN.search(folded):
                signals.add("admin")
        return frozenset(signals)

    def _is_french_code(self, text: str) -> bool:
        code = text.upper()
        if len(code) == 9:
            return code in self.places.epci.index
        return code in self.places.code_to_current

    def _is_departement_name(self, folded: str) -> bool:
        names = self.places.departement_names
        return folded in names or fold_place(folded) in names

    def _is_french_place(self, text: str) -> bool:
        """A French collectivité by its exact folded name, after the hints and titles people add
        (`Nancy (54)`, `Ville de Nancy`, `Conseil départemental de l'Essonne`)."""
        places = self.places
        folded = fold_place(_HINT.sub("", text))
        if not folded:
            return False
        keys = [folded, strip_articles(folded)]
        for prefix, _ in PREFIXES:
            if folded.startswith(prefix + " "):
                rest = folded[len(prefix) + 1:]
                keys += [rest, strip_articles(rest)]
                break
        for key in keys:
            if (key in places.commune_names or key in places.departement_names or key in places.region_names
                    or key in places.epci_full_names or key in places.epci_names):
                return True
        return False


def _is_counter(values: list[str]) -> bool:
    """Row numbers or record ids (1, 2, 3… or 41007, 41014…): integers that mostly go up by
    one same step, whatever they happen to look like (a département, an INSEE code)."""
    numbers = [int(float(v)) for v in values if _INTEGER.match(v)]
    if len(numbers) < max(3, len(values) * 0.9):
        return False
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    common = max(set(steps), key=steps.count)
    return common > 0 and steps.count(common) >= 0.8 * len(steps)


def content_scores(profile: Profile) -> dict[str, float]:
    """How much a column's values alone say it is each field (0–1).

    Weights say how decisive a signal is: country names are the partner's country, but a
    column of years may be the start or the end, and long text any of the free-text fields.
    """
    if not profile.count:
        return {}
    s = profile.share
    small = profile.count < SMALL_SAMPLE
    distinct = 1.0 if small else profile.distinct
    repeats = 0.0 if small else 1.0 - profile.distinct
    year = max(0.0, s("year") - s("timestamp") - s("counter"))
    locality = s("locality") * (1.0 - s("country"))
    partner = locality * (0.45 + 0.55 * distinct) * (1.0 - s("admin"))
    region = min(1.0, locality * repeats * 1.5 + s("admin"))
    if profile.placed is not None:  # names are found in their country's gazetteer, regions less
        partner = 0.5 * partner + 0.5 * locality * profile.placed
        region *= 1.0 - 0.5 * profile.placed
    return {
        "partner_country": s("country"),
        "french_name": 0.95 * s("french_place") * (1.0 - s("country")) * (1.0 - s("counter")),
        "french_code": s("insee") * (1.0 - s("counter")),
        "departement": 0.75 * s("departement") * (1.0 - s("counter")) * (1.0 - year) * (1.0 - s("insee")),
        "french_type": 0.8 * s("french_type"),
        "partner_name": 0.7 * partner,
        "partner_region": 0.7 * region,
        "kind": 0.9 * s("kind"),
        "status": 0.85 * s("status") * (1.0 - s("checkbox")),
        "themes": 0.9 * s("theme"),
        "since": 0.85 * year,
        "until": 0.35 * year,
        "description": 0.6 * s("long_text"),
        "projects": 0.3 * s("long_text"),
        "funding": 0.15 * s("long_text"),
        "contacts": 0.95 * min(1.0, s("email") + s("phone")),
        "submitted": 0.9 * s("timestamp"),
    }
