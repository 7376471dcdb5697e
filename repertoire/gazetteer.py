"""Partner localities placed from an offline GeoNames extract (data/gazetteer.csv.gz).

Matched by name within the partner's country: the name as written, alternate names and
transliterations, folded; administrative words (`Gmina`, `County Borough`, `Stadt`) set
aside; the most populous place on ties; a close spelling only when one place stands out.
A partner that cannot be placed stays without a point, never placed at random.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from .text import fold

DATA = Path(__file__).resolve().parent.parent / "data"

# Words of administrative status that surveys add to or drop from a locality's name.
ADMIN_WORDS = re.compile(
    r"\b(gmina|miasto|powiat|stadt|gemeinde|markt|landkreis|kreis|county borough|county|"
    r"borough|city of|city|town of|town|district|municipality of|municipality|municipio de|"
    r"municipio|comune di|comune|concello de|ayuntamiento de|ville de|commune urbaine de|"
    r"commune rurale de|commune de|commune|prefecture|ken|shi|machi|cho|mura|obec|mesto|"
    r"opstina|okres|rajon|oblast|region|province de|province of|province|state of)\b"
)
_BRACKETS = re.compile(r"\s*[(\[].*?[)\]]\s*")


@dataclass(frozen=True)
class Locality:
    """A placed partner: where it is, and its name in its own script when known."""

    geonameid: int
    name: str
    admin1: str
    lat: float
    lon: float
    native: str | None


def name_keys(name: str) -> list[str]:
    """The folded forms under which a partner name is looked up, most exact first."""
    keys = [fold(name)]
    plain = fold(_BRACKETS.sub(" ", name))
    bare = " ".join(ADMIN_WORDS.sub(" ", plain).split())
    for key in (plain, bare, plain.replace("saint ", "st "), plain.replace("st ", "saint ")):
        if key and key not in keys:
            keys.append(key)
    return keys


class Gazetteer:
    """Lazy per-country indexes over the GeoNames extract."""

    def __init__(self, path: Path = DATA / "gazetteer.csv.gz", pairs: Path = DATA / "twinnings.csv.gz"):
        self.path = path
        self.pairs = pairs
        self._by_country: dict[str, pd.DataFrame] | None = None
        self._indexes: dict[str, dict[str, list[int]]] = {}
        self._known: dict[tuple[str, str], tuple[float, float, str]] | None = None

    def _country(self, country: str) -> tuple[pd.DataFrame, dict[str, list[int]]]:
        if self._by_country is None:
            table = pd.read_csv(self.path, dtype={"admin1": str, "native": str, "names": str},
                                keep_default_na=False)
            table["population"] = pd.to_numeric(table["population"], errors="coerce").fillna(0)
            self._by_country = {code: group.reset_index(drop=True)
                                for code, group in table.groupby("country")}
        places = self._by_country.get(country)
        if places is None:
            return pd.DataFrame(), {}
        if country not in self._indexes:
            index: dict[str, list[int]] = {}
            for position, names in enumerate(places["names"]):
                for variant in {fold(n) for n in names.split("|")}:
                    if variant:
                        index.setdefault(variant, []).append(position)
            self._indexes[country] = index
        return places, self._indexes[country]

    @lru_cache(maxsize=50_000)
    def place(self, name: str, country: str) -> Locality | None:
        """The locality a partner name designates in its country, or None.

        >>> Gazetteer().place("Erevan", "AM").name
        'Yerevan'
        """
        places, index = self._country(country)
        if not index:
            return None
        for key in name_keys(name):
            if key in index:
                return self._best(places, index[key])
        # a close spelling ("Kanazwa"), only when one candidate stands clearly first
        key = name_keys(name)[-1]
        if len(key) < 5:
            return None
        found = process.extract(key, list(index), scorer=fuzz.ratio, score_cutoff=90, limit=2)
        if found and (len(found) == 1 or found[0][1] - found[1][1] >= 3 or
                      set(index[found[0][0]]) == set(index[found[1][0]])):
            return self._best(places, index[found[0][0]])
        return self._from_known_pairs(name, country)

    def _from_known_pairs(self, name: str, country: str) -> Locality | None:
        """Last resort: the point a public list of twinnings gives for that partner."""
        if self._known is None:
            pairs = pd.read_csv(self.pairs, dtype=str, keep_default_na=False)
            pairs = pairs[(pairs["partner_lat"] != "") & (pairs["partner_lon"] != "")]
            self._known = {(c, k): (float(lat), float(lon), n) for c, k, lat, lon, n in
                           pairs[["country", "partner_key", "partner_lat", "partner_lon", "partner_name"]].itertuples(index=False)}
        known = self._known.get((country, fold(name)))
        return Locality(0, known[2], "", known[0], known[1], None) if known else None

    @staticmethod
    def _best(places: pd.DataFrame, positions: list[int]) -> Locality:
        row = places.iloc[max(positions, key=lambda p: places["population"].iat[p])]
        return Locality(int(row["geonameid"]), row["name"], row["admin1"],
                        float(row["lat"]), float(row["lon"]), row["native"] or None)
