"""The shapes in which people write a district of a city, read into (city, district).

Surveys name a partner that is part of a big city in a handful of shapes, whatever the
language: the city then the district joined by a dash (`City – District`, `City-District`),
the district with its city in brackets or after a comma (`District (City)`,
`District, City`), or the city followed by the district's number, Arabic or Roman, with or
without the local word for district (`City 6`, `City XIII. word`, `City 13. word`). This
module only reads those shapes; gazetteer.py decides which reading names real places.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold

# Words that mean "district", "borough" or "part of a town" in the languages surveys come
# in; they are set aside when reading a numbered district, or a district written after it.
DISTRICT_WORDS = frozenset("""
    bezirk stadtbezirk gemeindebezirk stadtteil ortsteil ortsbezirk stadtkreis kreis
    dzielnica osiedle kerulet obvod cast mestska mestsky okrug rayon raion rajon
    distrikt district borough ward sector sektor quartier arrondissement
    distrito barrio municipio delegacion comuna circoscrizione quartiere rione
    municipality city town freguesia concelho gu ku
""".split())
# The district words that say a place is a part of a city, not a city itself: those above
# without the words for a town or a municipality, and the Chinese "qu" (`Dongcheng Qu`).
PART_WORDS = (DISTRICT_WORDS - {"city", "town", "municipality", "municipio", "concelho", "comuna"}) | {"qu"}
_ROMAN = re.compile(r"^(?=[ivxlc]+$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_DASH = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*")
_BRACKETS = re.compile(r"^(?P<outer>[^()\[\]]+?)\s*[(\[](?P<inner>[^()\[\]]+)[)\]]\s*$")


@dataclass(frozen=True)
class Reading:
    """One way to read a partner name: a district (or its number) within a city."""

    city: str  # empty when only the number is written ("XIX. kerület")
    district: str | None = None
    number: int | None = None
    loose: bool = False  # read from spaces alone ("Berlin Prenzlauer Berg"): only with the district found


def roman(token: str) -> int | None:
    """The value of a Roman numeral written in lower case (`xiii` → 13), else None."""
    if not token or not _ROMAN.match(token):
        return None
    total = 0
    for char, following in zip(token, token[1:] + " "):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total


def number_of(token: str) -> int | None:
    """A district number written `6`, `6.`, `06`, `XIII` or `XIII.`, else None."""
    token = token.rstrip(".").lower()
    if token.isdigit() and 0 < int(token) < 100:
        return int(token)
    value = roman(token)
    return value if value and value < 100 else None


def numbered(name: str) -> Reading | None:
    """`City 6`, `City XIII. word`, `City 13. word`, `City, 6. word` → (City, number)."""
    words = re.sub(r"[,;]", " ", name).split()
    for position in range(len(words) - 1, -1, -1):
        value = number_of(words[position])
        rest = [fold(w) for w in words[position + 1:]]
        if value and all(w in DISTRICT_WORDS for w in rest):
            city = " ".join(w for w in words[:position] if fold(w) not in DISTRICT_WORDS)
            if city or (position == 0 and rest):  # "XIX. kerület": the number and the word alone
                return Reading(city, number=value)
            return None
    return None


def without_district_words(key: str) -> str:
    """A folded name without district words and the number before them
    (`21 bezirk floridsdorf` → `floridsdorf`, `bezirk tempelhof` → `tempelhof`)."""
    words = key.split()
    if not any(w in DISTRICT_WORDS for w in words):
        return key
    kept = [w for i, w in enumerate(words) if w not in DISTRICT_WORDS and
            not (number_of(w) and i + 1 < len(words) and words[i + 1] in DISTRICT_WORDS)]
    return " ".join(kept)


def part_of_city(key: str) -> str | None:
    """A folded name that says it is a part of a city, without those words
    (`dongcheng district` → `dongcheng`, `futian qu` → `futian`, `bezirk mitte` → `mitte`), else None."""
    words = key.split()
    kept = [w for w in words if w not in PART_WORDS]
    return " ".join(kept) if kept and len(kept) < len(words) else None


def readings(name: str) -> list[Reading]:
    """Every (city, district) the shapes of the name allow, most telling first.

    The caller has already looked the whole name up: a hyphenated name that is itself a
    place (Castrop-Rauxel, Baden-Baden) never gets here.
    """
    found: list[Reading] = []
    if (value := numbered(name)) is not None:
        found.append(value)
    bracketed = _BRACKETS.match(name)
    if bracketed:
        outer, inner = bracketed["outer"].strip(), bracketed["inner"].strip()
        found.append(Reading(inner, outer))
    for separator in (_DASH, re.compile(r"\s*,\s*"), re.compile(r"(?<=\w)-(?=\w)")):
        parts = [p for p in separator.split(name) if p.strip()]
        for cut in range(1, len(parts)):
            joiner = "-" if separator.pattern.startswith("(?<=") else " "
            left, right = joiner.join(parts[:cut]).strip(), joiner.join(parts[cut:]).strip()
            found.append(Reading(left, right))
            found.append(Reading(right, left))
        if len(parts) > 1:
            break
    words = name.split()
    for cut in range(1, len(words)):
        found.append(Reading(" ".join(words[:cut]), " ".join(words[cut:]), loose=True))
    return [r for r in dict.fromkeys(found) if (r.city or r.number) and (r.district or r.number)]
