"""How French collectivités are written: titles, type words, hints, folding.

The grammar `places.py` reads names with (`Ville de …`, `CC …`, `Conseil départemental de …`,
`Nancy (54)`, a "type" column); each rule here only proposes a rewrite, and `places.py` tries
it after the name as written, so that no rule can eat part of a real name.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .text import fold, strip_articles

PAREN = re.compile(r"\s*[(\[]([^)\]]*)[)\]]\s*$")
# `Nancy - 54`, `Nancy, 54`, `NANCY 54`, `Arue 987`, `Ajaccio 2A`
_TRAILING_DEPT = re.compile(r"(?:\s*[-,]\s*|\s+)(\d[\dab]|9[78]\d)\s*$", re.I)

# Leading words that say which level of collectivité a name is (folded): (title, level).
PREFIXES: tuple[tuple[str, str], ...] = tuple(dict(
    (fold(title), level)
    for level, titles in {
        "departement": ["conseil départemental", "conseil general", "département", "cd"],
        "region": ["conseil régional", "région", "collectivité territoriale", "collectivité de", "cr"],
        "epci": ["communauté d'agglomération", "communauté de communes", "communauté urbaine",
                 "métropole", "eurométropole", "agglomération", "établissement public territorial",
                 "ca", "cc", "cu", "ept"],
        "commune": ["ville", "mairie", "commune", "municipalité", "cité"],
    }.items()
    for title in titles
).items())
_TITLES = dict(PREFIXES)
_TITLE_LENGTHS = sorted({len(title.split()) for title in _TITLES}, reverse=True)
EPCI_ABBREVIATIONS = {"cc": "communaute de communes", "ca": "communaute d agglomeration",
                      "cu": "communaute urbaine", "metro": "metropole"}
# Words of a "type" column → level, looked for in this order: the more specific first
# (`Communauté de communes` holds the word "commune" but is an intercommunalité). A COM is
# looked up with the départements, where its code lives.
TYPE_WORDS: dict[str, str] = {
    "communaute": "epci", "intercommunalite": "epci", "metropole": "epci", "agglomeration": "epci",
    "syndicat": "epci", "epci": "epci", "collectivite d outre mer": "departement",
    "collectivite territoriale": "region", "region": "region", "departement": "departement",
    "commune": "commune", "ville": "commune", "municipalite": "commune",
}


def fold_place(text: str) -> str:
    """Fold a French place name: `St-Jean` and `Saint Jean` are one name."""
    return _fold_place(text)


@lru_cache(maxsize=200_000)
def _fold_place(text: str) -> str:
    words = fold(text).split()
    return " ".join("saint" if w == "st" else "sainte" if w == "ste" else w for w in words)


def split_hint(name: str) -> tuple[str, str | None]:
    """`Nancy (54)`, `Nyons (Drôme)`, `Nancy - 54`, `Arue 987` → (name, hint)."""
    if m := PAREN.search(name):
        return name[: m.start()], m.group(1)
    if m := _TRAILING_DEPT.search(name):
        return name[: m.start()], m.group(1)
    return name, None


def level_from_type(type_text: str | None) -> str | None:
    """`Communauté de communes` → `epci`, `Région` → `region`; None when it says nothing."""
    if not type_text:
        return None
    folded = fold(type_text)
    return next((level for word, level in TYPE_WORDS.items() if word in folded), None)


def strip_title(folded: str) -> tuple[str | None, str | None]:
    """`ville de nancy` → (`commune`, `de nancy`); (None, None) without a title."""
    words = folded.split()
    for length in _TITLE_LENGTHS:
        if len(words) > length and (level := _TITLES.get(" ".join(words[:length]))):
            return level, " ".join(words[length:])
    return None, None


def after_title(rest: str, level: str) -> str:
    """What a title names: `de le coteau` → `le coteau`, `du havre` → `le havre` (communes
    keep their article), `de l essonne` → `essonne`."""
    if level != "commune":
        return strip_articles(rest)
    words = rest.split()
    if words and words[0] in ("de", "d") and len(words) > 1:
        return " ".join(words[1:])
    if words and words[0] in ("du", "des") and len(words) > 1:
        return " ".join(["le" if words[0] == "du" else "les"] + words[1:])
    return rest


def epci_full_forms(name: str) -> set[str]:
    """An EPCI's official name folded, with `CC`/`CA`/`CU` spelt out and without its acronym."""
    forms = set()
    for text in {name, PAREN.sub("", name)}:
        words = fold_place(text).split()
        forms.add(" ".join(words))
        if words and words[0] in EPCI_ABBREVIATIONS:
            forms.add(" ".join(EPCI_ABBREVIATIONS[words[0]].split() + words[1:]))
    return forms
