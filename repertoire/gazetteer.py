"""Partner localities placed from offline GeoNames extracts and administrative areas.

What is searched, per country (loaded once per process, indexed per country on first use):
places of 1,000 inhabitants and more (`repertoire/data/gazetteer.csv.gz`), villages of 500 to 999
(`repertoire/data/gazetteer-villages.csv.gz`), administrative areas — states, provinces, counties,
districts, council areas, London boroughs — (`repertoire/data/admin-areas.csv.gz`) and the districts
of large cities that GeoNames' extracts lack — Seoul's gu, Tokyo's wards, Guangzhou's Tianhe —
each with its parent city (`repertoire/data/districts.csv.gz`); see repertoire/data/README.md.

How a name is matched: folded, against every name and transliteration of each place; then
as a district of a city (districts.py: `City – District`, `District (City)`, `City 6`…):
the district when it lies near one of the places its city may be, else the city when it is
large enough to have districts; then with administrative words (`Gmina`, `County Borough`,
`London Borough of`, `Council`, `Bezirk`) set aside; then a close spelling, when one place
stands out; last, the point a public twinning list gives, with the region its nearest towns agree on.

How one candidate is chosen among homonyms: only candidates inside their country's outline
(outlines.py) count; then the context the survey row gives — the partner's region (matched
against the GeoNames first-level division of each candidate, in English or the country's
language), then a known twinning of the French side near a candidate (`repertoire/data/twinnings.csv.gz`)
— then a place called by that very name before one that only has it as an alternate name,
then size. A name that says it is a district (`Dongcheng District`, `Chuo-ku`, `Bezirk Mitte`,
or `Dongcheng`, which no city but districts bear) designates a district whose name several
cities share: it goes to the district of the city the row names (its region column: `Shenzhen`,
`Hamburg`; the city itself when the gazetteer lacks that city's districts; so does `Śródmieście`,
whose every homonym lies in a larger city), or of the
city the French side's known twinnings point to, else to the district of the largest of those
cities; when no candidate is a district of a city (nothing but villages of that name) and the row
says nothing, the partner stays unplaced rather than placed on a wrong city. A name that says it is an area (`Kent County Council`) prefers an area; otherwise
a town of 1,000 inhabitants or more comes before an area of the same name, and an area
before a village.

A partner that cannot be placed stays without a point, never placed at random.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from importlib.metadata import version as _version
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from unidecode import unidecode

from . import districts, outlines, text
from .datafiles import DATA
from .diskcache import DiskCache
from .outlines import CLAIMS, OUTLINES, inside_many
from .text import fold


# Words of administrative status that surveys add to or drop from a locality's name.
ADMIN_WORDS = re.compile(
    r"\b(gmina|miasto|powiat|stadt|gemeinde|markt|landkreis|kreis|county borough|county|"
    r"borough|city of|city|town of|town|district|municipality of|municipality|municipio de|"
    r"municipio|comune di|comune|concello de|ayuntamiento de|ville de|commune urbaine de|"
    r"commune rurale de|commune de|commune|prefecture|ken|shi|machi|cho|mura|obec|mesto|"
    r"opstina|okres|rajon|oblast|region|province de|province of|province|state of|"
    r"council|metropolitan|council area|unitary authority|regional council|samtgemeinde|"
    r"verbandsgemeinde|komitat|megye|varmegye|kraj|judetul|judet|zupanija|voivodeship|"
    r"bundesland|land|freistaat)\b"
)
# Abbreviations of German place names ("Karlstein a. d. Thaya", "Steszew b. Posen").
_ABBREVIATIONS = ((re.compile(r"\b([ai]) d\b"), r"\1n der"), (re.compile(r"\ba\b"), "am"),
                  (re.compile(r"\bi\b"), "im"), (re.compile(r"\bb\b"), "bei"))
# "London Borough of Camden", "Royal Borough of X", "Municipality of Y", "Province de Z":
# a title of up to two words, a word of status, then "of" — the name is what follows.
_TITLE_OF = re.compile(
    r"^(?:the )?(?:[a-z]+ ){0,2}?(?:borough|district|county|city|municipality|region|province|"
    r"prefecture|state|commune|municipio|comune|town|shire|oblast|voivodeship|department|"
    r"departement|governorate|wilaya|canton) (?:of|de|di|du|del|de la|des|d) "
)
# Words saying that the partner is an administrative area rather than a town.
_AREA_WORDS = re.compile(
    r"\b(county|district|council|province|provincia|region|regione|oblast|kreis|landkreis|"
    r"powiat|okres|borough|department|departamento|prefecture|governorate|wilaya|voivodeship|"
    r"state|land|canton|shire|unitary authority|council area|regional council|samtgemeinde|"
    r"verbandsgemeinde|komitat|megye|varmegye|kraj|judet|zupanija|wojewodztwo|comarca)\b"
)
_BRACKETS = re.compile(r"\s*[(\[].*?[)\]]\s*")
NEAR_KM = 30  # a district within this distance of its city; a twinning point this close
AREA_RANK = 1_000  # an area ranks as a place of this size (below towns, above villages)
BIG_CITY = 100_000  # a city this large is known by its alternate names too
DISTRICT_CITY = 50_000  # a city this large has districts: "City – unknown district" is placed on it
REGION_NEIGHBOURS, REGION_QUORUM = 7, 5  # a point's region: that of its nearest towns, when they agree


@dataclass(frozen=True)
class Locality:
    """A placed partner: where it is, its region, and its name in its own script when known."""

    geonameid: int
    name: str
    admin1: str
    lat: float
    lon: float
    native: str | None
    region: str | None = None  # the name of its first-level division, when known


def name_keys(name: str) -> list[str]:
    """The folded forms under which a partner name is looked up, most exact first."""
    keys = [fold(name)]
    plain = fold(_BRACKETS.sub(" ", name))
    titled = _TITLE_OF.sub("", plain)
    bare = " ".join(ADMIN_WORDS.sub(" ", titled).split())
    expanded = plain
    for pattern, replacement in _ABBREVIATIONS:
        expanded = pattern.sub(replacement, expanded)
    for key in (plain, titled, bare, districts.without_district_words(plain), expanded,
                plain.replace("saint ", "st "), plain.replace("st ", "saint ")):
        if key and key not in keys:
            keys.append(key)
    return keys


def _part_of_city(keys: list[str]) -> str | None:
    """What a name that says it is a part of a city (`Dongcheng District`, `Chuo-ku`) names,
    without its district words, read from its first keys (name_keys); else None."""
    return next((bare for bare in map(districts.part_of_city, keys[:3]) if bare), None)


def km(lat1: float, lon1: float, lat2, lon2):
    """Great-circle distance in kilometres (numpy arrays welcome on the second point)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 6371 * 2 * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def fold_many(names: pd.Series) -> pd.Series:
    """`text.fold` over a column at once (the same result, without a Python call per ASCII name)."""
    values = names.to_numpy(dtype=object).copy()
    latin = names.str.isascii().to_numpy()
    values[~latin] = [unidecode(v) for v in values[~latin]]
    names = pd.Series(values, index=names.index, dtype=object)
    return names.str.lower().str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()


class Country:
    """The places and areas of one country, indexed by folded name."""

    def __init__(self, code: str, places: pd.DataFrame, cache: DiskCache | None = None):
        self.code = code
        self.places = places.reset_index(drop=True)
        self.lat = self.places["lat"].to_numpy(float)
        self.lon = self.places["lon"].to_numpy(float)
        self.population = self.places["population"].to_numpy(float)
        self.is_area = (self.places["kind"] == "area").to_numpy()
        # a city district's parent city (its GeoNames id; 0 for other places)
        self.city = self.places["city"].fillna(0).to_numpy(np.int64) if "city" in self.places \
            else np.zeros(len(self.places), dtype=np.int64)
        self.admin1 = self.places["admin1"].to_numpy(object)
        self.columns = {name: self.places[name].to_numpy(object) for name in ("geonameid", "name", "native")}
        self._numbered: dict[tuple[str, int], list[int]] | None = None
        self._parts: dict[str, list[int]] | None = None
        kept = cache.get(code) if cache else None
        if kept:
            main, self.index, inside, self._parts, self._numbered = kept
            self._inside = np.frombuffer(inside, dtype=np.int8).copy()
        else:
            main, self.index = _name_index(self.places)
            self._inside = np.full(len(self.places), -1, dtype=np.int8)  # -1: not checked yet (usable)
            if cache:
                # What the first look-ups would work out from the whole index, worked out once and
                # kept with it: which points lie inside the country (checked one look-up at a time,
                # a third of placing a large survey's partners) and the district readings of every
                # name (half a second of an ingest's first block, for 50 countries).
                self._inside[:] = inside_many([code] * len(self.places), self.lat, self.lon)
                cache.put(code, (main, self.index, self._inside.tobytes(), self.parts(), self.numbered()))
        self.main = np.array(main, dtype=object)  # folded main names: each place's first name
        self._hosts: dict[int, int] = {}

    @cached_property
    def spellings(self) -> tuple[list[str], list[int]]:
        """The index's keys sorted by length (in index order within a length), and their
        lengths: the keys of a range of lengths are a slice (close spellings)."""
        keys = sorted(self.index, key=len)
        return keys, [len(k) for k in keys]

    @cached_property
    def _big(self) -> np.ndarray:
        """The places large enough to have districts (DISTRICT_CITY), for host()."""
        return np.flatnonzero(~self.is_area & (self.population >= DISTRICT_CITY))

    @cached_property
    def _towns(self) -> np.ndarray:
        """The towns whose first-level division is known, for admin1_near()."""
        return np.flatnonzero(~self.is_area & (self.admin1 != ""))

    def usable(self, positions) -> tuple[int, ...]:
        """The positions whose point lies inside the country (outlines.py), checked once each."""
        positions = list(positions)
        unknown = [p for p in positions if self._inside[p] < 0]
        if unknown:
            self._inside[unknown] = inside_many([self.code] * len(unknown), self.lat[unknown], self.lon[unknown])
        return tuple(p for p in positions if self._inside[p] == 1)

    def numbered(self) -> dict[tuple[str, int], list[int]]:
        """Places whose name is a city and a district number (`Budapest XIII. kerület`)."""
        if self._numbered is None:
            self._numbered = {}
            for key, positions in self.index.items():
                if " " in key:
                    reading = districts.numbered(key)
                    if reading:
                        self._numbered.setdefault((fold(reading.city), reading.number), []).extend(positions)
        return self._numbered

    def parts(self) -> dict[str, list[int]]:
        """Places one of whose names says they are a part of a city (`Dongcheng Qu`,
        `Bezirk Hamburg-Mitte`, `Guro-gu`), by that name without its district words."""
        if self._parts is None:
            self._parts = {}
            for key, positions in self.index.items():
                bare = districts.part_of_city(key)
                if bare:
                    found = self._parts.setdefault(bare, [])
                    found.extend(p for p in positions if p not in found)
        return self._parts

    def host(self, position: int) -> int | None:
        """The largest city (a place of DISTRICT_CITY inhabitants or more, larger than this
        one) within NEAR_KM of a place: the city it may be a district of, else None. A city
        district of districts.csv.gz has its parent city named by the data."""
        if position not in self._hosts and self.city[position]:  # a district: the city the data names
            parent = np.flatnonzero(self.columns["geonameid"] == self.city[position])
            self._hosts[position] = int(parent[0]) if len(parent) else -1
        if position not in self._hosts:
            big = self._big[self.population[self._big] > self.population[position]]
            near = big[km(self.lat[position], self.lon[position], self.lat[big], self.lon[big]) <= NEAR_KM]
            self._hosts[position] = int(near[np.argmax(self.population[near])]) if len(near) else -1
        found = self._hosts[position]
        return None if found < 0 else found

    def admin1_near(self, lat: float, lon: float) -> str:
        """The first-level division of a point the gazetteer holds no place for (a twinning
        list's point): the one its nearest towns all share — at least REGION_QUORUM of the
        REGION_NEIGHBOURS nearest, within NEAR_KM — else "" (near a boundary, or nothing near).
        Checked on gazetteer towns themselves: 3 wrong in 3,090 answered, 28 % left blank."""
        reach = NEAR_KM / 111  # degrees of latitude; first a box, then the true distances
        towns = self._towns[(np.abs(self.lat[self._towns] - lat) <= reach) &
                          (np.abs(self.lon[self._towns] - lon) <= reach / max(0.1, np.cos(np.radians(lat))))]
        if not len(towns):
            return ""
        distance = km(lat, lon, self.lat[towns], self.lon[towns])
        nearest = np.argsort(distance)[:REGION_NEIGHBOURS]
        codes = set(self.admin1[towns[nearest[distance[nearest] <= NEAR_KM]]])
        within = int((distance[nearest] <= NEAR_KM).sum())
        return codes.pop() if within >= REGION_QUORUM and len(codes) == 1 else ""


def _name_index(places: pd.DataFrame) -> tuple[list[str], dict[str, list[int]]]:
    """Each place's folded main name, and every folded name → the positions of its places."""
    variants = places["names"].str.split("|").explode().astype(str)
    keys = fold_many(variants).to_numpy()
    index: dict[str, list[int]] = {}
    for key, position in zip(keys, variants.index.to_numpy()):
        if key:
            found = index.setdefault(key, [])
            if not found or found[-1] != position:
                found.append(int(position))
    return keys[~variants.index.duplicated()].tolist(), index


class Gazetteer:
    """Lazy per-country indexes over the GeoNames extracts and the administrative areas."""

    def __init__(self, path: Path = DATA / "gazetteer.csv.gz", pairs: Path = DATA / "twinnings.csv.gz",
                 villages: Path = DATA / "gazetteer-villages.csv.gz", areas: Path = DATA / "admin-areas.csv.gz",
                 admin1: Path = DATA / "admin1.csv", city_districts: Path = DATA / "districts.csv.gz"):
        self.path, self.pairs, self.villages, self.areas, self.admin1_path = path, pairs, villages, areas, admin1
        self.city_districts = city_districts
        self._by_country: dict[str, pd.DataFrame] | None = None
        self._countries: dict[str, Country | None] = {}
        self._known: dict[tuple[str, str], tuple[float, float, str]] | None = None
        self._twinned: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] | None = None
        self._admin1_names: dict[tuple[str, str], str] | None = None
        # The name indexes, which points lie inside their country, the district readings of the
        # names and the region names, kept between processes for these files and this code
        # (diskcache.py).
        self._cache = DiskCache("gazetteer", [path, villages, areas, city_districts, Path(__file__), Path(text.__file__),
                                              admin1, OUTLINES, CLAIMS, Path(outlines.__file__), Path(districts.__file__)],
                                [_version("Unidecode"), _version("pandas")])

    # ---- loading -------------------------------------------------------------------------

    def _load(self) -> dict[str, pd.DataFrame]:
        if self._by_country is None:
            read = dict(dtype={"admin1": str, "native": str, "names": str, "country": str}, keep_default_na=False)
            towns = pd.read_csv(self.path, **read).assign(kind="place")
            parts = [towns]
            if self.villages.exists():
                parts.append(pd.read_csv(self.villages, **read).assign(kind="place", native=""))
            if self.areas.exists():
                areas = pd.read_csv(self.areas, **read)
                parts.append(areas.assign(kind="area", geonameid=0, population=0, native=""))
            if self.city_districts.exists():  # no population: a town of the same name comes first
                wards = pd.read_csv(self.city_districts, **read)
                parts.append(wards.assign(kind="district", geonameid=0, population=0, native="", names=wards["name"]))
            table = pd.concat(parts, ignore_index=True)
            table["population"] = pd.to_numeric(table["population"], errors="coerce").fillna(0)
            self._by_country = {code: group for code, group in table.groupby("country")}
        return self._by_country

    def _country(self, country: str) -> Country | None:
        if country not in self._countries:
            places = self._load().get(country)
            self._countries[country] = Country(country, places, self._cache) if places is not None else None
        return self._countries[country]

    # ---- placing -------------------------------------------------------------------------

    def place(self, name: str, country: str, region: str | None = None,
              french_id: str | None = None) -> Locality | None:
        """The locality a partner name designates in its country, or None.

        `region` (the partner's state, province… as the survey gives it) and `french_id`
        (the French side, whose known twinnings point to one homonym) settle homonyms.

        >>> Gazetteer().place("Erevan", "AM").name
        'Yerevan'
        """
        if not name or not country:
            return None
        settled = self._settled(name, country, region or None)
        if settled is None:
            return None
        chosen, positions, prefer_area, key, region, parts = settled
        if french_id and len(positions) > 1 and self.twinned_points(french_id, country) is not None:
            return self._choose(country, positions, prefer_area, key, region, french_id, parts)
        return chosen

    @lru_cache(maxsize=200_000)
    def _settled(self, name: str, country: str, region: str | None) -> tuple | None:
        """The place chosen without the French side, and what a French side could change."""
        name, carried = self._split_region(name, country)
        region = region or carried
        found = self._candidates(name, country)
        if region and (found is None or found[3] or self._all_in_cities(country, found[0])):
            # "Jung-gu" of Busan, "Bezirk Mitte" of Hamburg, "Śródmieście" of Łódź: a district
            # named by the region column's city, when none of the places of that name lies in
            # that region.
            codes = self._region_codes(country, region)
            if found is None or not any(self._country(country).admin1[p] in codes for p in found[0]):
                via = self._in_region_city(country, name, region)
                if via:
                    return self._choose(country, via, False, None, None, None), (), False, None, region, False
        if found is None:
            known = self._from_known_pairs(name, country)
            return (known, (), False, None, region, False) if known else None
        positions, prefer_area, key, parts = found
        chosen = self._choose(country, positions, prefer_area, key, region, None, parts)
        return chosen, positions, prefer_area, key, region, parts

    @lru_cache(maxsize=100_000)
    def _candidates(self, name: str, country: str) -> tuple[tuple[int, ...], bool, str | None, bool] | None:
        """Positions of the places a name may designate (inside their country), or None.

        The whole name first (a hyphenated town is not a district), then the shapes of a
        district of a city, then the name without its administrative words, then a close
        spelling. A name that says it is a district (`Dongcheng District`, `Bezirk Mitte`)
        gets the places of that name and those named as a district of that name, flagged as
        parts of a city for `_choose`.

        The last element tells whether the name says it is a part of a city.
        """
        places = self._country(country)
        if places is None:
            return None
        prefer_area = bool(_AREA_WORDS.search(fold(name)))
        keys = name_keys(name)
        part = _part_of_city(keys)
        found = self._usable(places, places.index.get(keys[0], ()))
        if found and part:  # "Leninskyi District": also the Leninskyi Raion of other cities
            found = self._usable(places, dict.fromkeys(list(found) + places.index.get(part, []) +
                                                       places.parts().get(part, [])))
            return found, prefer_area, part, True
        if found:
            named = places.parts().get(keys[0])
            if named and not any(places.main[p] == keys[0] and places.population[p] >= DISTRICT_CITY and
                                 places.host(p) is None for p in found):
                # "Dongcheng": no city of that name, but districts so named (Dongcheng Qu of Beijing)
                return self._usable(places, dict.fromkeys(list(found) + named)), prefer_area, keys[0], True
            return found, prefer_area, keys[0], False
        if part:  # before the city shapes: "Chuo-ku" is not a district "ku" of a city "Chuo"
            found = self._usable(places, dict.fromkeys(places.index.get(part, []) + places.parts().get(part, [])))
            if found:
                return found, False, part, True
        district = self._district(places, name)
        if district:
            return district, False, None, False
        for key in keys[1:]:
            found = self._usable(places, places.index.get(key, ()))
            if found:
                return found, prefer_area, key, False
        found = self._close_spelling(places, keys[-1])
        return (found, prefer_area, None, bool(part)) if found else None

    def _split_region(self, name: str, country: str) -> tuple[str, str | None]:
        """`Springfield (Illinois)`, `Arlington, Texas`: the name, and the region it carries."""
        if "(" not in name and "," not in name and "[" not in name:
            return name, None
        match = re.match(r"^(?P<name>[^()\[\],]+?)\s*(?:[(\[](?P<inner>[^()\[\]]+)[)\]]|,\s*(?P<tail>[^,]+))\s*$", name)
        if match:
            region = (match["inner"] or match["tail"]).strip()
            if not ADMIN_WORDS.sub(" ", fold(region)).strip():  # "(Verbandsgemeinde)": a status, not a place
                return match["name"].strip(), None
            if self._region_codes(country, region):
                return match["name"].strip(), region
        return name, None

    @staticmethod
    def _usable(places: Country, positions) -> tuple[int, ...]:
        return places.usable(positions) if positions else ()

    def _exact(self, places: Country, name: str) -> tuple[int, ...]:
        for key in name_keys(name):
            found = self._usable(places, places.index.get(key, ()))
            if found:
                return found
        return ()

    def _district(self, places: Country, name: str) -> tuple[int, ...]:
        """A district of a city (districts.py): the district near its city, else the city.

        A reading whose district lies near one of the places its city may be wins first
        (`Alphen-Chaam`: the Alphen near Chaam, not Alphen aan den Rijn); else, with the
        district in brackets, the district wherever it is (`Frankenthal (Pfalz)`); else the
        city of the first reading whose city is known.
        """
        readings = districts.readings(name)
        fallback: tuple[int, ...] = ()
        for reading in readings:
            if not reading.city:  # "XIX. kerület": the one city whose districts have numbers
                parts = [p for (city, number), found in places.numbered().items() if number == reading.number
                         for p in found]
                if parts and len({districts.numbered(places.main[p]).city for p in parts
                                  if districts.numbered(places.main[p])}) == 1:
                    return places.usable(parts)
                continue
            cities = [p for p in self._exact(places, reading.city) if not places.is_area[p]]
            if not cities:
                continue
            if reading.number is not None:
                names = {fold(reading.city)} | {fold(n) for c in cities for n in places.places["names"].iat[c].split("|")}
                parts = [p for n in names for p in places.numbered().get((n, reading.number), [])]
            else:
                parts = list(self._exact(places, reading.district))
            if parts:
                lats, lons = places.lat[cities], places.lon[cities]
                parts = list(places.usable(parts))
                near = [p for p in parts if (km(places.lat[p], places.lon[p], lats, lons) <= NEAR_KM).any()]
                if near or (parts and reading.number is not None):  # "City XIII": its name says whose
                    return tuple(near or parts)
            if not fallback and not reading.loose:
                bracketed = reading.district and name.rstrip().endswith((")", "]")) and \
                    name.startswith(reading.district)
                city = max(cities, key=lambda p: places.population[p])
                in_brackets = name.rstrip().endswith((")", "]")) and name.startswith(reading.district or "")
                if bracketed and parts:
                    fallback = tuple(parts)
                elif in_brackets or places.population[city] >= DISTRICT_CITY:  # a city with districts,
                    fallback = (city,)  # not a merged municipality ("Aue-Fallstein")
        return fallback

    def _close_spelling(self, places: Country, key: str) -> tuple[int, ...] | None:
        """A close spelling ("Kanazwa"), only when one candidate stands clearly first."""
        if len(key) < 5:
            return None
        keys, lengths = places.spellings
        # fuzz.ratio is 100 (1 - d / (a + b)) for an edit distance d >= |a - b|: a score of 90
        # needs |a - b| <= (a + b) / 10, so only keys of those lengths are compared (a fifth).
        shortest, longest = math.ceil(len(key) * 9 / 11), math.floor(len(key) * 11 / 9)
        window = keys[bisect_left(lengths, shortest):bisect_right(lengths, longest)]
        found = process.extract(key, window, scorer=fuzz.ratio, score_cutoff=90, limit=2)
        if found and (len(found) == 1 or found[0][1] - found[1][1] >= 3 or
                      set(places.index[found[0][0]]) == set(places.index[found[1][0]])):
            return self._usable(places, places.index[found[0][0]]) or None
        return None

    def _choose(self, country: str, positions: tuple[int, ...], prefer_area: bool, key: str | None,
                region: str | None, french_id: str | None, parts: bool = False) -> Locality | None:
        """One candidate: the row's context first (its region, or a city it names; the French
        side's known twinnings), then the rank below.

        For a name that says it is a district (`parts`), a district's name is shared by many
        cities (Dongcheng, Futian, Mitte): only a place named as such a district, or lying
        within NEAR_KM of a larger city, can be it; without context, the one of the largest
        city. None when the context names no candidate and none is a part of a city: better
        unplaced than placed on a village of the same name.
        """
        places = self._country(country)
        pool = list(positions)
        if len(pool) > 1 and region:
            codes = self._region_codes(country, region)
            pool = [p for p in pool if places.admin1[p] in codes] or self._near_city(places, pool, region) or pool
            if len(pool) > 1 and parts:  # a region that is a city (Ulsan, whose name also tags Busan's division)
                pool = self._near_city(places, pool, region) or pool
        if len(pool) > 1 and french_id:
            twinned = self.twinned_points(french_id, country)
            if twinned is not None:
                lats, lons = twinned
                close = [p for p in pool if (km(places.lat[p], places.lon[p], lats, lons) <= NEAR_KM).any()]
                pool = close or pool
        if parts:
            named = set(places.parts().get(key, ()))
            in_city = [p for p in pool if p in named or places.host(p) is not None or places.is_area[p]]
            if not in_city and len(pool) == len(positions) and (len(pool) > 1 or key is None):
                return None  # homonyms or a near spelling, none a district, nothing in the row to tell
            pool = in_city or pool

            def city_size(p: int) -> tuple:
                host = places.host(p)
                return (places.population[host] if host is not None else places.population[p], p in named,
                        places.population[p])

            return self._locality(country, max(pool, key=city_size))

        def rank(p: int) -> tuple:
            area = bool(places.is_area[p])
            size = AREA_RANK if area else places.population[p]
            # A place called so before a place also called so: "Marion" is the village of that
            # name, not Reseda (once Marion), unless the other is a city whose old or foreign
            # names are in common use ("Köln" for Cologne).
            called = key is None or places.main[p] == key or size >= BIG_CITY
            return (area == prefer_area if prefer_area else True, called, size)

        return self._locality(country, max(pool, key=rank))

    @lru_cache(maxsize=100_000)
    def _locality(self, country: str, position: int) -> Locality:
        places = self._country(country)
        admin1 = places.admin1[position]
        return Locality(int(places.columns["geonameid"][position]), places.columns["name"][position], admin1,
                        float(places.lat[position]), float(places.lon[position]),
                        places.columns["native"][position] or None, self.admin1_name(country, admin1))

    # ---- context -------------------------------------------------------------------------

    def _all_in_cities(self, country: str, positions: tuple[int, ...]) -> bool:
        """Homonyms that all lie within a larger city (Śródmieście of Warsaw, of Wrocław…)."""
        places = self._country(country)
        return len(positions) > 1 and all(places.host(p) is not None for p in positions)

    def _in_region_city(self, country: str, name: str, region: str) -> tuple[int, ...]:
        """A district name read with the region column as its city (`Hamburg` + `Bezirk Mitte`
        → Hamburg-Mitte; `Busan` + `Jung-gu` → Busan when the gazetteer lacks its districts)."""
        places = self._country(country)
        keys = name_keys(name)
        bare = _part_of_city(keys) or keys[0]
        if places is None or not bare:
            return ()
        for key in (fold(f"{region} {bare}"), fold(f"{bare} {region}")):
            found = self._usable(places, places.index.get(key, ()))
            if found:
                return found
        return self._district(places, f"{region} – {name}")

    def _near_city(self, places: Country, pool: list[int], region: str) -> list[int]:
        """The candidates within NEAR_KM of a town the region column names (`Shenzhen`
        given as the region of `Futian District`), else nothing."""
        towns = [p for p in self._exact(places, region) if not places.is_area[p]]
        if not towns:
            return []
        lats, lons = places.lat[towns], places.lon[towns]
        return [p for p in pool if p not in towns and (km(places.lat[p], places.lon[p], lats, lons) <= NEAR_KM).any()]

    def admin1_name(self, country: str, code: str) -> str | None:
        """The name of a GeoNames first-level division (`DE`, `02` → Bavaria)."""
        if self._admin1_names is None:
            table = pd.read_csv(self.admin1_path, dtype=str, keep_default_na=False) if self.admin1_path.exists() \
                else pd.DataFrame(columns=["country", "admin1", "name"])
            self._admin1_names = {(c, a): n for c, a, n in table[["country", "admin1", "name"]].itertuples(index=False)}
        return self._admin1_names.get((country, code)) if code else None

    def _region_codes(self, country: str, region: str) -> frozenset[str]:
        """GeoNames admin1 codes a region written by a survey may designate."""
        return self._region_codes_cached(country, fold(region))

    @lru_cache(maxsize=10_000)
    def _region_codes_cached(self, country: str, region: str) -> frozenset[str]:
        known, bare = self._region_names(country)
        for key in name_keys(region):
            if key in known:
                return frozenset(known[key])
        stripped = " ".join(ADMIN_WORDS.sub(" ", region).split())
        found = bare.get(stripped)
        if stripped and found:
            return frozenset(found)
        return frozenset()

    @lru_cache(maxsize=400)
    def _region_names(self, country: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Folded names of a country's first-level divisions and areas → admin1 codes (kept in
        the disk cache: folding every area's names was a tenth of a large ingest's first blocks)."""
        kept = self._cache.get(f"regions-{country}")
        if kept:
            return kept
        self.admin1_name("", "")
        known: dict[str, set[str]] = {}
        for (code, admin1), name in self._admin1_names.items():
            if code == country:
                known.setdefault(fold(name), set()).add(admin1)
        places = self._load().get(country)
        if places is not None:
            for names, admin1 in places.loc[places["kind"] == "area", ["names", "admin1"]].itertuples(index=False):
                for name in names.split("|"):
                    known.setdefault(fold(name), set()).add(admin1)
        return self._cache.put(f"regions-{country}", (known, self._bare_keys(known)))

    @staticmethod
    def _bare_keys(known: dict[str, set[str]]) -> dict[str, set[str]]:
        """Region names without their administrative words ("Gomel Oblast" → gomel)."""
        bare: dict[str, set[str]] = {}
        for name, codes in known.items():
            bare.setdefault(" ".join(ADMIN_WORDS.sub(" ", name).split()), set()).update(codes)
        return bare

    def twinned_points(self, french_id: str, country: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Points of the partners a public list says this French commune is twinned with."""
        if self._twinned is None:
            pairs = pd.read_csv(self.pairs, dtype=str, keep_default_na=False)
            pairs = pairs[(pairs["partner_lat"] != "") & (pairs["partner_lon"] != "")]
            points: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for insee, code, lat, lon in pairs[["insee", "country", "partner_lat", "partner_lon"]].itertuples(index=False):
                points.setdefault((f"commune:{insee}", code), []).append((float(lat), float(lon)))
            self._twinned = {key: (np.array([p[0] for p in value]), np.array([p[1] for p in value]))
                             for key, value in points.items()}
        return self._twinned.get((french_id, country))

    def _from_known_pairs(self, name: str, country: str) -> Locality | None:
        """Last resort: the point a public list of twinnings gives for that partner."""
        if self._known is None:
            pairs = pd.read_csv(self.pairs, dtype=str, keep_default_na=False)
            pairs = pairs[(pairs["partner_lat"] != "") & (pairs["partner_lon"] != "")]
            self._known = {(c, k): (float(lat), float(lon), n) for c, k, lat, lon, n in
                           pairs[["country", "partner_key", "partner_lat", "partner_lon", "partner_name"]].itertuples(index=False)}
        known = self._known.get((country, fold(name)))
        if not known or not inside_many([country], [known[0]], [known[1]])[0]:
            return None
        places = self._country(country)
        admin1 = places.admin1_near(known[0], known[1]) if places is not None else ""
        return Locality(0, known[2], admin1, known[0], known[1], None, self.admin1_name(country, admin1))
