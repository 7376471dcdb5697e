"""The one reference service: names of countries, French régions and départements, and the
labels of the closed vocabularies (kinds, statuses, themes, types of collectivité) — from a
code to its name in French or English, and back.

Pages, API, exports, maps, the index and the PDF ask it rather than keeping their own lists.
Names of régions and départements come from data/ (the COG), country names from
data/countries.csv (CLDR via world-countries); reading a country written any way (`Allemagne`,
`GERMANY`, `RFA`) is `Countries.code`, loaded only when asked for (babel and pycountry).

>>> reference().name("countries", "DE"), reference().name("regions", "44", "en")
('Allemagne', 'Grand Est')
>>> reference().code("themes", "Eau et assainissement"), reference().code("kinds", "Twinning")
('eau', 'jumelage')
"""
from __future__ import annotations

import csv
from functools import cached_property, lru_cache
from pathlib import Path

from .datafiles import DATA
from .model import FRENCH_TYPES, KINDS, STATUS_LABELS, THEMES
from .text import fold

# Closed vocabularies: code → (French label, English label), defined in model.py.
VOCABULARIES: dict[str, dict[str, tuple[str, str]]] = {
    "kinds": KINDS, "statuses": STATUS_LABELS, "themes": THEMES, "french_types": FRENCH_TYPES,
}
# Vocabularies of places, named from data/.
PLACES = ("countries", "regions", "departements")


class Reference:
    """Codes and their names; one instance per process (`reference()`)."""

    def __init__(self, data: Path = DATA):
        self.data = data

    def _table(self, name: str, *columns: str) -> dict[str, tuple[str, ...]]:
        with open(self.data / name, encoding="utf-8") as handle:
            return {row["code"]: tuple(row[c] for c in columns) for row in csv.DictReader(handle)}

    @cached_property
    def tables(self) -> dict[str, dict[str, tuple[str, str]]]:
        """Every vocabulary as code → (French name, English name)."""
        regions = {code: (name, name) for code, (name,) in self._table("regions.csv", "nom").items()}
        departements = {code: (name, name) for code, (name,) in self._table("departements.csv", "nom").items()}
        countries = self._table("countries.csv", "name_fr", "name_en")
        return VOCABULARIES | {"countries": countries, "regions": regions, "departements": departements}

    @cached_property
    def _codes(self) -> dict[str, dict[str, str]]:
        """Folded name in either language, or the code itself → code, per vocabulary."""
        found: dict[str, dict[str, str]] = {}
        for vocabulary, table in self.tables.items():
            found[vocabulary] = {}
            for code, pair in table.items():
                for text in (code, *pair):
                    found[vocabulary].setdefault(fold(text), code)
        return found

    @cached_property
    def countries(self):
        """Country names read any way → ISO code (repertoire.countries; babel and pycountry)."""
        from .countries import Countries

        return Countries(self.data)

    def name(self, vocabulary: str, code: str | None, lang: str = "fr") -> str:
        """The name of a code in `lang`; the code itself when the vocabulary lacks it."""
        if not code:
            return ""
        pair = self.tables[vocabulary].get(code)
        return (pair[1] if lang == "en" else pair[0]) if pair else code

    def code(self, vocabulary: str, text: str | None) -> str | None:
        """The code a name (French or English, any case or accents) or a code stands for; None if none."""
        if not text:
            return None
        found = self._codes[vocabulary].get(fold(text))
        if found is None and vocabulary == "countries":
            return self.countries.code(text)
        return found

    def codes(self, vocabulary: str) -> list[str]:
        """The codes of a vocabulary, in its order."""
        return list(self.tables[vocabulary])

    def options(self, vocabulary: str, lang: str = "fr") -> list[tuple[str, str]]:
        """(code, name) pairs of a vocabulary, for forms and legends."""
        return [(code, self.name(vocabulary, code, lang)) for code in self.tables[vocabulary]]

    def country_name(self, code: str | None, lang: str = "fr") -> str:
        return self.name("countries", code, lang)

    def region_name(self, code: str | None) -> str:
        return self.name("regions", code)

    def departement_name(self, code: str | None) -> str:
        return self.name("departements", code)

    def groups_of(self, country: str) -> list[str]:
        """The working groups of countries (Sahel, Méditerranée…) a country belongs to."""
        return self.countries.groups_of(country)


@lru_cache(maxsize=1)
def reference() -> Reference:
    """The process's reference service, read once."""
    return Reference()
