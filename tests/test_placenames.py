"""Partner names as a French reader writes them, and native-script names only when right.

The names come from repertoire/data/placenames.csv.gz (GeoNames alternate names with language tags).
They are checked here against an independent list: the exemplar cities of the Unicode CLDR
(babel), which name the city of each time zone in every language, tied to a place by the
time zone's coordinates (tzdata's zone.tab) and its English name.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from babel import Locale
from babel.core import UnknownLocaleError, get_global
from babel.languages import get_official_languages

from repertoire.gazetteer import Gazetteer
from repertoire.ingest import References, ingest_files
from repertoire.placenames import (english_region, french_name, french_region, names_of, native_name, official_name,
                                   other_names)
from repertoire.registry import Registry, partnership_id
from repertoire.text import fold

ZONES = Path("/usr/share/zoneinfo/zone.tab")
GAZETTEER = Path(__file__).resolve().parent.parent / "repertoire" / "data" / "gazetteer.csv.gz"
FIXTURES = Path(__file__).parent / "fixtures"
# Suffixes of administrative status in Han script: 東京 and 東京都, 乌鲁木齐 and 乌鲁木齐市.
HAN_SUFFIXES = "市町村区都府県县"


# --- the independent list: CLDR exemplar cities of the time zones ------------------------

def _degrees(text: str, width: int) -> float:
    sign, digits = (-1 if text[0] == "-" else 1), text[1:]
    return sign * (int(digits[:width]) + int(digits[width:width + 2]) / 60 + int(digits[width + 2:] or 0) / 3600)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = math.pi / 180
    cos = math.sin(lat1 * r) * math.sin(lat2 * r) + math.cos(lat1 * r) * math.cos(lat2 * r) * math.cos((lon1 - lon2) * r)
    return 6371 * math.acos(min(1.0, cos))


@lru_cache(maxsize=1)
def _gazetteer() -> pd.DataFrame:
    table = pd.read_csv(GAZETTEER, dtype=str, keep_default_na=False)
    return table.astype({"lat": float, "lon": float})


def _place(country: str, names: tuple[str, ...], lat: float, lon: float) -> int | None:
    """The gazetteer place of a time zone's city: one of its names, within 30 km of the zone's point."""
    table = _gazetteer()
    near = table[(table["country"] == country) & ((table["lat"] - lat).abs() < 0.5)
                 & ((table["lon"] - lon).abs() < 0.5 / max(0.1, math.cos(lat * math.pi / 180)))]
    keys = {fold(n) for n in names}
    found = [(_km(lat, lon, plat, plon), int(gid)) for gid, plat, plon, all_names in
             near[["geonameid", "lat", "lon", "names"]].itertuples(index=False)
             if keys & {fold(n) for n in all_names.split("|")}]
    found = [f for f in found if f[0] <= 30]
    return min(found)[1] if found else None


def time_zone_cities():
    """(country, GeoNames id, English name, CLDR locale) of each time zone city placed."""
    english = Locale("en").time_zones
    for line in ZONES.read_text().splitlines():
        if line.startswith("#"):
            continue
        country, coordinates, zone = line.split("\t")[:3]
        m = re.fullmatch(r"([+-]\d+)([+-]\d+)", coordinates)
        lat, lon = _degrees(m.group(1), 2), _degrees(m.group(2), 3)
        name = english.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
        yield country, zone, name, lat, lon


def _key(name: str, country: str) -> str:
    """A name without vowel marks, case, or a Han administrative suffix."""
    plain = unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", name) if unicodedata.category(c) != "Mn")).casefold()
    if len(plain) > 1 and plain[-1] in HAN_SUFFIXES:
        plain = plain[:-1]
    return plain


@lru_cache(maxsize=1)
def native_sample() -> list[tuple[str, str, str, str | None]]:
    """(country, English name, CLDR name in the country's language, our native name) for every
    time zone city of a country written in another script than Latin."""
    likely = get_global("likely_subtags")
    sample = []
    for country, zone, name, lat, lon in time_zone_cities():
        languages = get_official_languages(country, de_facto=True)
        if not languages or likely.get(languages[0], "_Latn").split("_")[1] == "Latn":
            continue
        try:
            local = Locale.parse(languages[0]).time_zones.get(zone, {}).get("city")
        except (UnknownLocaleError, ValueError):
            continue
        gid = _place(country, (name,), lat, lon) if local else None
        if gid:
            sample.append((country, name, local, native_name(gid)))
    return sample


@lru_cache(maxsize=1)
def french_sample() -> list[tuple[str, str, str, str | None]]:
    """(country, English name, CLDR French name, our French name) for every time zone city
    whose French name in the CLDR is not its English one."""
    french, sample = Locale("fr").time_zones, []
    for country, zone, name, lat, lon in time_zone_cities():
        cldr = french.get(zone, {}).get("city")
        if country == "FR" or not cldr or fold(cldr) == fold(name):
            continue
        gid = _place(country, (name, cldr), lat, lon)
        if gid:
            sample.append((country, name, cldr, french_name(gid)))
    return sample


def test_native_names_agree_with_the_cldr_exemplar_cities():
    sample = native_sample()
    given = [s for s in sample if s[3]]
    wrong = [s for s in given if _key(s[3], s[0]) != _key(s[2], s[0])]
    print(f"\nnative names vs CLDR: {len(sample)} cities, {len(given) - len(wrong)} agree, "
          f"{len(wrong)} differ {wrong}, {len(sample) - len(given)} absent")
    assert len(sample) >= 30
    assert len(wrong) <= 0.05 * len(given)  # Hebron: CLDR's own "هيبرون (مدينة الخليل)"
    assert len(given) >= 0.7 * len(sample)  # better absent than wrong: today 74 %


def test_french_names_agree_with_the_cldr_exemplar_cities():
    sample = french_sample()
    given = [s for s in sample if s[3]]
    same = [s for s in given if s[3].replace("’", "'") == s[2].replace("’", "'")]
    print(f"\nFrench names vs CLDR: {len(sample)} cities, {len(same)} agree, "
          f"{[s for s in given if s not in same]} differ, {[s for s in sample if not s[3]]} absent")
    assert len(sample) >= 50
    assert len(same) >= 0.7 * len(given)  # the others: CLDR's older forms (Alma Ata, Rangoun)
    assert len(given) >= 0.85 * len(sample)


# --- names of placed partners ---------------------------------------------------------------

@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


@pytest.mark.parametrize("written, country, french", [
    ("München", "DE", "Munich"), ("Köln", "DE", "Cologne"), ("Warszawa", "PL", "Varsovie"),
    ("London", "GB", "Londres"), ("Tangier", "MA", "Tanger"), ("Beirut", "LB", "Beyrouth"),
    ("Cairo", "EG", "Le Caire"), ("Beijing", "CN", "Pékin"), ("Antwerpen", "BE", "Anvers"),
    ("Aachen", "DE", "Aix-la-Chapelle"), ("Regensburg", "DE", "Ratisbonne"), ("Kraków", "PL", "Cracovie"),
    ("Moskva", "RU", "Moscou"), ("Sankt-Peterburg", "RU", "Saint-Pétersbourg"), ("Basel", "CH", "Bâle"),
    ("Genf", "CH", "Genève"), ("Москва", "RU", "Moscou"),
])
def test_a_place_french_usage_names_gets_its_french_name(gazetteer, written, country, french):
    place = gazetteer.place(written, country)
    assert french_name(place.geonameid, written) == french


@pytest.mark.parametrize("written, country", [("Perm", "RU"), ("Kanazawa", "JP"), ("Öhningen", "DE")])
def test_a_place_without_another_french_name_keeps_the_survey_spelling(gazetteer, written, country):
    place = gazetteer.place(written, country)
    assert place is not None and french_name(place.geonameid, written) is None


def test_a_spelling_naming_something_else_than_the_place_keeps_its_own(gazetteer):
    """A district placed on its town after setting words aside is not the town."""
    munich = gazetteer.place("München", "DE").geonameid
    assert french_name(munich, "Landkreis München") is None
    perm = gazetteer.place("Perm", "RU").geonameid
    assert native_name(perm, "Perm") == "Пермь" and native_name(perm, "Stadt Perm") is None


@pytest.mark.parametrize("written, country, native", [
    ("Tver", "RU", "Тверь"), ("Perm", "RU", "Пермь"), ("Kazan", "RU", "Казань"), ("Tyre", "LB", "صور"),
    ("Kyiv", "UA", "Київ"), ("Tangier", "MA", "طنجة"), ("Beijing", "CN", "北京"),
])
def test_native_names_come_from_the_place_language(gazetteer, written, country, native):
    """Tagged in the country's language: not Твер (Ukrainian) for Тверь, not الصور for Tyre."""
    place = gazetteer.place(written, country)
    assert native_name(place.geonameid, written) == native


def test_a_native_name_is_in_the_country_script_or_absent():
    table = pd.read_csv(Path(__file__).resolve().parent.parent / "repertoire" / "data" / "placenames.csv.gz",
                        dtype=str, keep_default_na=False)
    natives = table[table["native"] != ""]
    assert natives["native"].map(lambda n: all(ord(c) > 0x2FF or not c.isalpha() for c in n)).all()
    assert set(natives["native_source"]) <= {"ru", "uk", "zh", "ar", "agree"}


def test_search_names_add_the_survey_spelling_and_the_local_name():
    warsaw = names_of(756135)
    assert warsaw.french == "Varsovie"
    found = other_names("Varsovie", "warszawa", 756135)
    assert "warszawa" in found and "Varsovie" not in found


# --- wired into ingestion and search ---------------------------------------------------------

def test_sample_partners_are_shown_with_their_french_name(sample_registry):
    shown = {(p["french_name"], p["partner_key"]): p for p in sample_registry.partnerships()}
    # München and Munich, one link written twice, are merged (same_place.py): München an alias
    [munich] = sample_registry.keyed([("commune:33063", "DE", "munchen")]).values()
    assert munich["partner_name"] == "Munich"
    assert shown[("Hazebrouck", "koln")]["partner_name"] == "Cologne"
    assert shown[("Beaugency", "tangier")]["partner_name"] == "Tanger"
    assert shown[("Grenoble", "cairo")]["partner_name"] == "Le Caire"
    assert shown[("Saint-Étienne", "warsaw")]["partner_name"] == "Varsovie"
    assert shown[("Perpignan", "tyre")]["partner_native"] == "صور"
    assert shown[("Amnéville", "perm")]["partner_native"] == "Пермь"
    assert shown[("Besançon", "tver")]["partner_native"] == "Тверь"
    assert shown[("Issy-les-Moulineaux", "dongcheng district")]["partner_native"] != "南川区"


def test_the_shown_name_leaves_the_partnership_identity_alone(sample_registry):
    """Ids are made from the survey's spelling, whatever name is shown."""
    for p in sample_registry.partnerships():
        assert p["id"] == partnership_id(p["french_id"], p["partner_country"], p["partner_key"])


def test_reingesting_gives_the_same_ids_and_keeps_the_french_name(tmp_path, sample_registry):
    registry = Registry(tmp_path / "registry.sqlite3")
    references = References()
    files = [FIXTURES / n for n in ("enquete-partenariats-2024.xlsx", "questionnaire-export.csv",
                                    "reponses-2019.csv", "mise-a-jour-2025.csv")]
    ingest_files(registry, files, references)
    ingest_files(registry, files, references)
    again = {p["id"]: p["partner_name"] for p in registry.partnerships()}
    assert again == {p["id"]: p["partner_name"] for p in sample_registry.partnerships()}
    # a later report writing the local spelling does not turn the French name back
    [munich] = registry.keyed([("commune:33063", "DE", "munchen")]).values()
    assert not any(h.field == "partner_name" for h in registry.history(munich["id"]))
    registry.close()


def _partners(search_index, sample_registry, query: str) -> set[tuple[str, str]]:
    from index import SearchParams
    result = search_index.search(SearchParams(query, {}, per_page=100), sample_registry)
    return {(h["french_name"], h["partner_name"]) for h in result.hits}


def test_the_french_name_finds_partners_written_locally(search_index, sample_registry):
    cologne = _partners(search_index, sample_registry, "Cologne")
    assert {("Hazebrouck", "Cologne"), ("Toulouse", "Cologne"), ("Caen", "Cologne"), ("Lille", "Cologne")} <= cologne


@pytest.mark.parametrize("query", ["Varsovie", "Warszawa", "Warsaw"])
def test_the_french_and_the_local_names_both_find_a_partner(search_index, sample_registry, query):
    assert ("Saint-Étienne", "Varsovie") in _partners(search_index, sample_registry, query)


def test_the_local_name_finds_a_partner_written_in_french(search_index, sample_registry):
    assert ("Lille", "Cologne") in _partners(search_index, sample_registry, "Köln")


# --- first-level divisions (repertoire/data/region-names.csv) ------------------------------

_DIVISION_TYPE = re.compile(r"^\w+(?: \w+)? (?:de la |de l'|de l’|d'|d’|de |du |des )")


def _admin1_rows() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).resolve().parent.parent / "repertoire" / "data" / "admin1.csv",
                       dtype=str, keep_default_na=False)


def test_division_names_agree_with_the_french_names_of_the_cities_they_are_named_after():
    """An independent source: GeoNames' French names of cities (placenames.csv.gz). A division
    named after its city (Hamburg, Aomori Prefecture, Sfax Governorate, Oblast de Moscou) must
    carry the city's French name, its type words set apart."""
    regions = pd.read_csv(Path(__file__).resolve().parent.parent / "repertoire" / "data" / "region-names.csv",
                          dtype=str, keep_default_na=False)
    table = _gazetteer()
    keyed = table.assign(key=table["name"].map(fold))
    groups = {k: g for k, g in keyed.groupby(["country", "admin1"])}
    same, differ = 0, []
    for country, admin1, french, english in regions[["country", "admin1", "french", "english"]].itertuples(index=False):
        places = groups.get((country, admin1))
        bare_english = re.sub(r" (Prefecture|Province|Governorate|Region|Oblast|District|State|County|City)$", "", english)
        if places is None:
            continue
        named = places[places["key"] == fold(bare_english)]
        if named.empty:
            continue
        city = names_of(int(named.iloc[named["population"].astype(float).argmax()]["geonameid"]))
        if city and city.french:
            if fold(_DIVISION_TYPE.sub("", french)) == fold(city.french):
                same += 1
            else:
                differ.append((country, french, city.french))
    print(f"\ndivisions named after a city: {same} agree, {len(differ)} differ {differ}")
    assert same + len(differ) >= 150
    assert len(differ) <= 0.15 * (same + len(differ))  # the others: Bône, Édesse, Pusan — older forms


@pytest.mark.parametrize("country", ["DE", "JP", "MA", "IT", "ES", "AT", "BE", "CN", "PL", "RU", "SN", "US"])
def test_every_division_of_a_country_gets_one_name_of_its_own(country):
    rows = _admin1_rows()
    names = [french_region(country, name) for name in rows.loc[rows["country"] == country, "name"]]
    assert None not in names and len(set(names)) == len(names)


def test_nearly_every_division_in_the_world_has_a_name_to_print():
    """Without two agreeing sources a division gets none (the partner's region is then left
    blank, never guessed): GeoNames' transliterations such as Madanīn for Médenine."""
    rows = _admin1_rows()
    named = sum(1 for country, name in rows[["country", "name"]].itertuples(index=False) if french_region(country, name))
    print(f"\n{named} of {len(rows)} divisions named")
    assert named >= 0.95 * len(rows)  # 3,763 of 3,922


@pytest.mark.parametrize("country, geonames, printed", [
    ("PR", "Bayamón", "Bayamón"),  # Puerto Rico's municipios, Hong Kong's districts: no ISO 3166-2 entry
    ("HK", "Sham Shui Po", "Sham Shui Po"),
    ("LV", "Rucavas", "Rucava"),  # GeoNames' genitive; the nominative the English title gives
    ("NC", "South Province", None),  # English words: not the name on the ground (Province Sud)
    ("QA", "Baladīyat ar Rayyān", None),  # a transliteration no title agrees with
])
def test_a_division_without_iso_entry_gets_its_name_only_when_two_sources_agree_on_a_proper_name(
        country, geonames, printed):
    assert french_region(country, geonames) == printed
    assert english_region(country, geonames) == printed


def test_morocco_s_regions_are_those_of_2015_as_iso_names_them():
    """The Wikipedia links of the source are of 1997's regions: where they disagree with GeoNames'
    codes the official ISO name (pycountry) is printed, never a region that no longer exists."""
    import pycountry

    official = {official_name(s.name) for s in pycountry.subdivisions.get(country_code="MA") if s.parent_code is None}
    rows = _admin1_rows()
    printed = {french_region("MA", name) for name in rows.loc[rows["country"] == "MA", "name"]}
    assert printed <= official and len(printed) == 12


@pytest.mark.parametrize("country, written, french, english", [
    ("AT", "Niederösterreich", "Basse-Autriche", "Lower Austria"), ("AT", "Kärnten", "Carinthie", None),
    ("US", "North Carolina", "Caroline du Nord", "North Carolina"), ("CA", "British Columbia", "Colombie-Britannique", None),
    ("AU", "New South Wales", "Nouvelle-Galles du Sud", None), ("NL", "Noord-Holland", "Hollande-Septentrionale", None),
    ("GR", "Attica", "Attique", None), ("PT", "Lisboa", "Lisbonne", None), ("RU", "Moscow Oblast", "Oblast de Moscou", None),
    ("DE", "Nordrhein-Westfalen", "Rhénanie-du-Nord-Westphalie", "North Rhine-Westphalia"),
    ("IT", "Puglia", "Pouilles", "Apulia"), ("ES", "Castilla y León", "Castille-et-León", None),
])
def test_a_division_written_any_way_gets_its_french_and_english_names(country, written, french, english):
    assert french_region(country, written) == french
    assert english is None or english_region(country, french) == english


def test_a_registry_written_with_iso_s_french_translations_still_finds_its_division():
    """Registries built before region-names.csv hold pycountry's French (« Turinge »)."""
    import gettext

    import pycountry

    translated = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    for country in ("DE", "AT", "IT", "ES"):
        for division in (s for s in pycountry.subdivisions.get(country_code=country) if s.parent_code is None):
            assert french_region(country, translated.gettext(division.name)) == french_region(country, division.name)


# --- native names printed beside a partner -------------------------------------------------

def test_an_alternate_name_of_a_place_does_not_get_that_place_s_native_name():
    """GeoNames lists a locality's other names (Amaji's names hold Ichikawa, the town it lies
    in): a survey writing one of them names something else, and the locality's native name
    (甘地) would be printed wrong. Over the whole table: the native name comes with the
    place's own names only, or with a spelling it transliterates to."""
    table = pd.read_csv(Path(__file__).resolve().parent.parent / "repertoire" / "data" / "placenames.csv.gz",
                        dtype=str, keep_default_na=False)
    mains = {(c, fold(n)) for c, n in table[["country", "name"]].itertuples(index=False)}
    homonyms = 0
    for gid, country, name, native, keys in table.loc[table["native"] != "", ["geonameid", "country", "name", "native",
                                                                              "keys"]].itertuples(index=False):
        for key in keys.split("|"):
            if key != fold(name) and (country, key) in mains:  # another place's main name
                homonyms += 1
                given = native_name(int(gid), key)
                assert given is None or fold(native) == key or names_of(int(gid)).reads_as(key)
    assert homonyms >= 50
    ichikawa = names_of(11777305)
    assert (ichikawa.name, ichikawa.native) == ("Amaji", "甘地") and native_name(11777305, "Ichikawa") is None
    assert native_name(11777305, "Amaji") == "甘地"


@pytest.mark.parametrize("country", ["JP", "RU", "CN", "MA", "AM", "LB"])
def test_a_book_prints_native_names_only_for_the_name_they_write(sample_registry, country):
    from repertoire.pdf.content import native

    rows = sample_registry.partnerships("partner_country = ?", [country])
    printed = [(p, native(p)) for p in rows if native(p)]
    for p, value in printed:
        place = names_of(p["partner_geonameid"])
        written = p["partner_key"] or p["partner_name"]
        # the survey's own writing, or the place's native name for the name the survey wrote
        assert value in (p["partner_name"], p["partner_key"]) or not (place and value == place.native) \
            or place.reads_as(written), (p["partner_name"], value)
    assert not any(value == "甘地" for _, value in printed)
