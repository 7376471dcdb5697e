"""Countries: names in French or English, any case or accents → ISO 3166-1 alpha-2.

Names come from babel (CLDR) and repertoire/data/countries.csv (world-countries), not a hand list;
repertoire/data/vocabulary/country-aliases.txt adds what people write that the libraries lack.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .text import fold, load_rules, strip_articles
from .datafiles import DATA


class Countries:
    """ISO 3166-1 alpha-2 codes from names in French or English, any case or accents."""

    def __init__(self, data: Path = DATA):
        from babel import Locale

        table = pd.read_csv(data / "countries.csv", dtype=str, keep_default_na=False)
        self.table = table.set_index("code")
        self.names: dict[str, str] = {}
        for locale in ("fr", "en", "de", "es", "it", "pt"):  # the languages surveys come in (issue 10)
            for code, label in Locale(locale).territories.items():
                if len(code) == 2 and code.isalpha():
                    self.names.setdefault(fold(label), code)
        for row in table.itertuples(index=False):
            for label in (row.name_fr, row.name_en, row.official_fr, row.code, row.alpha3):
                if label:
                    self.names.setdefault(fold(label), row.code)
        for label, code in _pycountry_names():
            self.names.setdefault(fold(label), code)
        self.names.update(load_rules(data / "vocabulary" / "country-aliases.txt"))
        self.groups, self.group_names = _load_groups(data / "vocabulary" / "country-groups.txt")

    @lru_cache(maxsize=10_000)
    def code(self, text: str | None) -> str | None:
        """`Allemagne`, `GERMANY`, `Côte d'Ivoire`, `DE` → ISO code; None if none."""
        if not text:
            return None
        key = fold(text)
        if key in self.names:
            return self.names[key]
        key = strip_articles(key)
        return self.names.get(key)

    def name(self, code: str, locale: str = "fr") -> str:
        """The short name of a country in French (default) or English."""
        if code in self.table.index:
            return self.table.loc[code, "name_fr" if locale == "fr" else "name_en"]
        return code

    def group_name(self, group: str, locale: str = "fr") -> str:
        """A country group's label in French (its value in searches) or English."""
        return self.group_names.get(group, group) if locale == "en" else group

    def groups_of(self, code: str) -> list[str]:
        return [group for group, codes in self.groups.items() if code in codes]


SURVEY_LANGUAGES = ("fr", "en", "de", "es", "it", "pt")
_BRACKETS = re.compile(r"\s*\[.*?\]")
_JOINED = re.compile(r"\s+(?:and|et|und|y|e|ed)\s+(?:d')?")


def _pycountry_names() -> Iterator[tuple[str, str]]:
    """Names that CLDR's short names lack, from pycountry (ISO 3166) and its translations:
    official names in the survey languages (`Bundesrepublik Deutschland`), the lands an official
    name joins (`Great Britain`, `Irlande du Nord` of the United Kingdom; `Trinidad`), and the
    constituent countries ISO lists as subdivisions (England, Scotland, Wales → GB)."""
    import gettext

    import pycountry

    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
                    for language in SURVEY_LANGUAGES]
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            label = getattr(country, attribute, None)
            if not label:
                continue
            for translation in translations:
                local = translation.gettext(label)
                yield local, country.alpha_2
                if attribute == "official_name" and " of " in local:
                    lands = _JOINED.split(local.split(" of ", 1)[1])
                    if len(lands) > 1:  # `… of Great Britain and Northern Ireland`, not `… of Korea`
                        yield from ((land.removeprefix("the "), country.alpha_2) for land in lands)
    for subdivision in pycountry.subdivisions:
        if subdivision.type == "Country":
            yield _BRACKETS.sub("", subdivision.name), subdivision.country_code
    yield from _initials(translations)


# Words an official name's initials leave out, and the heads of compounds they spell
# (`Bundesrepublik` gives B and R).
_SMALL_WORDS = {"of", "the", "and", "de", "du", "des", "d", "la", "le", "les", "et", "der", "die", "und",
                "del", "y", "e", "di", "da", "do", "dos"}
_COMPOUND_TAILS = ("republik", "republic", "staaten", "reich", "konigreich")


def _initials(translations: list) -> Iterator[tuple[str, str]]:
    """Initials of countries' names and official names in the survey languages (USA, RDC,
    RFA, BRD, EAU, UAE), three letters or more; initials two countries share are left out."""
    import pycountry

    seen: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name"):
            if not (label := getattr(country, attribute, None)):
                continue
            for translation in translations:
                letters = ""
                for word in fold(translation.gettext(label)).split():
                    if word in _SMALL_WORDS:
                        continue
                    head = next((word[:-len(t)] for t in _COMPOUND_TAILS if word.endswith(t) and len(word) > len(t) + 2), "")
                    letters += (head[0] + word[len(head)]) if head else word[0]
                if len(letters) >= 3:
                    seen.setdefault(letters, set()).add(country.alpha_2)
    return ((letters, codes.pop()) for letters, codes in seen.items() if len(codes) == 1)


def _load_groups(path: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Groups (French label → codes) and their English labels (French label → English)."""
    groups, english = {}, {}
    for line in open(path, encoding="utf-8"):
        if "=>" in line and not line.startswith("#"):
            labels, codes = line.split("=>")
            french, _, other = (part.strip() for part in labels.partition("|"))
            groups[french] = {c.strip() for c in codes.split(",")}
            english[french] = other or french
    return groups, english
