"""Names people read for codes: countries, régions, départements, themes, kinds, facets."""
from __future__ import annotations

from functools import lru_cache

from repertoire.places import Countries, FrenchPlaces
from repertoire.reference import reference

FACET_TITLES: dict[str, tuple[str, str]] = {
    "country": ("Pays partenaire", "Partner country"),
    "group": ("Groupe de pays", "Country group"),
    "continent": ("Continent", "Continent"),
    "theme": ("Thématique", "Theme"),
    "kind": ("Type de lien", "Kind of link"),
    "status": ("Statut", "Status"),
    "region": ("Région française", "French region"),
    "departement": ("Département", "Department"),
    "ftype": ("Type de collectivité", "Type of local authority"),
    "decade": ("Décennie de signature", "Decade of signature"),
}


# Facets whose values are codes of a reference vocabulary.
VOCABULARY_OF = {"theme": "themes", "kind": "kinds", "status": "statuses", "ftype": "french_types"}


@lru_cache(maxsize=1)
def countries() -> Countries:
    return Countries()


@lru_cache(maxsize=1)
def french_places() -> FrenchPlaces:
    return FrenchPlaces()


def _pick(pair: tuple[str, str] | None, value: str, lang: str) -> str:
    return pair[1 if lang == "en" else 0] if pair else value


# Names of codes come from the one reference service (repertoire/reference.py).
def country_name(code: str, lang: str = "fr") -> str:
    return reference().country_name(code, lang)


def region_name(code: str) -> str:
    return reference().region_name(code)


def departement_name(code: str) -> str:
    return reference().departement_name(code)


@lru_cache(maxsize=100)
def continent_name(area: str, lang: str = "fr") -> str:
    """A UN M49 region as data/countries.csv names it (`Western Africa`), in French by CLDR
    (`Afrique occidentale`); as given when CLDR has no such region."""
    from babel import Locale

    codes = {name.lower(): code for code, name in Locale("en").territories.items() if code.isdigit()}
    code = codes.get(area.lower())
    return Locale(lang).territories[code].replace("’", "'") if code and lang != "en" else area


def value_label(facet: str, value: str, lang: str = "fr") -> str:
    """The label of one facet value: `JP` → Japon, `eau` → Eau et assainissement."""
    if facet == "country":
        return country_name(value, lang)
    if facet in VOCABULARY_OF:
        return reference().name(VOCABULARY_OF[facet], value, lang)
    if facet == "region":
        return region_name(value)
    if facet == "departement":
        return f"{departement_name(value)} ({value})"
    if facet == "continent":
        return continent_name(value, lang)
    if facet == "group":
        return countries().group_name(value, lang)
    if facet == "decade":
        return f"{value}s" if lang == "en" else f"années {value}"
    return value


def facet_title(facet: str, lang: str = "fr") -> str:
    return _pick(FACET_TITLES.get(facet), facet, lang)
