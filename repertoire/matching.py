"""Matchmaking: which French collectivités to call for a partner request from abroad.

"A town in Senegal looks for a French partner working on water; who should we call?" The
registry knows who is already present in that country or that region abroad, who works on
that theme, where each collectivité is, and (from the official data) how many people live
there. `match` ranks the collectivités by those criteria, each result with its reasons in
words, so that staff can judge the ranking instead of trusting a number.

Scores (out of 100): presence in the country 40 (+4 per further live link, up to +12;
only ended links: 15); no live link there but in another country of its smallest country
group (Sahel rather than Afrique de l'Ouest) 12; in the region asked 15; the theme in that country 20, elsewhere 10;
near the département asked up to 15; comparable population up to 10. A collectivité with
neither the country nor the theme is no candidate: nearness or size alone says nothing of
its experience. Ended links count for little: a partnership that stopped is a contact, not
a competence.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from .model import KINDS, THEMES
from .places import FrenchPlaces
from .registry import Registry
from .text import fold

COUNTRY, COUNTRY_EXTRA, COUNTRY_EXTRA_MAX, ENDED_ONLY = 40, 4, 12, 15
REGION = 15
GROUP = 12  # no live link in the country, but in another of its group (Sahel, Maghreb…): mutualisation
THEME_THERE, THEME_ELSEWHERE = 20, 10
SAME_DEPARTEMENT, SAME_REGION, NEAR_KM, NEAR = 15, 8, 150, 5
SIZE = 10
SIZE_RATIO = 3.0  # populations within a factor 3 are "comparable"


@dataclass
class Request:
    """What a partner from abroad asks for."""

    country: str  # ISO code
    region: str | None = None  # the partner's state, province, region abroad
    theme: str | None = None  # a theme code
    near: str | None = None  # a French département code
    size: int | None = None  # the partner's population

    def problems(self) -> list[str]:
        """What makes the request unusable (unknown codes), in words."""
        found = []
        if not (len(self.country or "") == 2 and self.country.isalpha()):
            found.append(f"unknown country code: {self.country!r}")
        if self.theme and self.theme not in THEMES:
            found.append(f"unknown theme: {self.theme!r} (one of {', '.join(THEMES)})")
        if self.size is not None and self.size <= 0:
            found.append("size: a population, more than 0")
        return found


@dataclass
class Match:
    french_id: str
    french_name: str
    score: int
    reasons: list[str]
    partnerships: list[dict] = field(default_factory=list)
    french_type: str | None = None
    departement: str | None = None
    population: int | None = None

    def to_dict(self) -> dict:
        return {"french_id": self.french_id, "french_name": self.french_name, "score": self.score,
                "reasons": self.reasons, "partnerships": self.partnerships, "french_type": self.french_type,
                "departement": self.departement, "population": self.population}


# Reasons in French and English; {country} and {theme} are names in the language.
WORDS = {
    "country": ("{n} partenariat{s} dans le pays demandé ({country})", "{n} partnership{s} in the country asked ({country})"),
    "country_theme": (", dont {m} sur le thème « {theme} »", ", {m} of them on {theme}"),
    "country_theme_all": (", sur le thème « {theme} »", ", on {theme}"),
    "ended": ("{n} partenariat{s} terminé{s} dans le pays demandé ({country})", "{n} ended partnership{s} in the country asked ({country})"),
    "region": ("déjà présente dans la région demandée ({region})", "already present in the region asked ({region})"),
    "group": ("{n} partenariat{s} dans un pays voisin du groupe « {group} » ({countries})",
              "{n} partnership{s} in a neighbouring country of the group “{group}” ({countries})"),
    "theme": ("travaille sur le thème « {theme} » ({n} partenariat{s}, dans d'autres pays)",
              "works on {theme} ({n} partnership{s}, in other countries)"),
    "same_departement": ("même département que la demande ({name})", "same department as the request ({name})"),
    "same_region": ("même région que la demande ({name})", "same region as the request ({name})"),
    "near": ("à {km} km du département demandé ({name})", "{km} km from the department asked ({name})"),
    "size": ("taille comparable ({population} habitants)", "comparable size ({population} inhabitants)"),
    # the same, said of a page's partnership rather than of a request (« Ils travaillent aussi… »)
    "country_page": ("{n} partenariat{s} avec ce pays ({country})", "{n} partnership{s} with this country ({country})"),
    "ended_page": ("{n} partenariat{s} terminé{s} avec ce pays ({country})", "{n} ended partnership{s} with this country ({country})"),
    "same_departement_page": ("même département ({name})", "same department ({name})"),
    "same_region_page": ("même région ({name})", "same region ({name})"),
    "near_page": ("à {km} km ({name})", "{km} km away ({name})"),
}


def _say(key: str, lang: str, page: bool = False, **values) -> str:
    """A reason in the language; `page`: said of a page's link, not of a request, where a wording exists."""
    key = f"{key}_page" if page and f"{key}_page" in WORDS else key
    n = values.get("n", 1)
    plural = "s" if n and n > 1 else ""
    return WORDS[key][lang == "en"].format(s=plural, **values)


def _number(value: int, lang: str) -> str:
    from babel.numbers import format_decimal
    return format_decimal(value, locale="en" if lang == "en" else "fr")


@lru_cache(maxsize=2)
def populations(places: FrenchPlaces) -> dict[str, int]:
    """french_id → population, from the official data: communes as etalab gives them,
    départements and régions as the sum of their communes, EPCI as the sum of their members."""
    communes = places.communes
    numbers = pd.to_numeric(communes["population"], errors="coerce")
    found = {f"commune:{code}": int(n) for code, n in zip(communes.index, numbers) if n == n}
    for level, column in (("departement", "departement"), ("region", "region")):
        for code, total in numbers.groupby(communes[column]).sum().items():
            if total > 0:
                found[f"{level}:{code}"] = int(total)
    if "population" in places.epci:
        for siren, n in zip(places.epci.index, pd.to_numeric(places.epci["population"], errors="coerce")):
            if n == n:
                found[f"epci:{siren}"] = int(n)
    return found


def _km(a: tuple, b: tuple) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def _same_region(asked: str, written: str | None) -> bool:
    """A partner's region written by a survey against the one asked: folded, either containing
    the other (`Dakar` / `Région de Dakar`)."""
    if not written:
        return False
    one, two = fold(asked), fold(written)
    return bool(one) and (one == two or f" {one} " in f" {two} " or f" {two} " in f" {one} ")


def match(registry: Registry, request: Request, places: FrenchPlaces, country_name, limit: int = 10,
          lang: str = "fr", exclude: set[str] | frozenset = frozenset(), page: bool = False,
          elsewhere: bool = True, groups: dict[str, set[str]] | None = None) -> list[Match]:
    """The French collectivités that fit the request best, with their reasons.

    `country_name(code, lang)` names a country in the language of the reasons; `exclude`
    leaves out collectivités (the one whose page shows "they work there too"), and `page` words
    the reasons for that page ("avec ce pays" rather than "dans le pays demandé"). Without
    `elsewhere`, collectivités working on the theme in other countries only are left out: the
    candidates are then found through the country's index alone (a page's "they work there
    too" stays a few milliseconds at 100,000 partnerships, where the theme needs a full scan).
    `groups` (Countries.groups): the smallest group of the country asked gives its neighbours.
    """
    say = lambda key, **values: _say(key, lang, page, **values)  # noqa: E731
    theme_name = THEMES[request.theme][lang == "en"] if request.theme else ""
    country = country_name(request.country, lang)
    group_name, neighbours = _smallest_group(groups or {}, request.country)
    by_french = _counts(registry, request, elsewhere, neighbours)
    people = populations(places)
    near = places.record(f"departement:{request.near}") if request.near else None
    results = []
    for french_id, c in by_french.items():
        if french_id in exclude:
            continue
        score, reasons = 0, []
        if c["live"]:
            score += COUNTRY + min(COUNTRY_EXTRA * (c["live"] - 1), COUNTRY_EXTRA_MAX)
            reason = say("country", n=c["live"], country=country)
            if c["theme_there"]:
                score += THEME_THERE
                reason += say("country_theme" if c["theme_there"] < c["live"] else "country_theme_all",
                              m=c["theme_there"], theme=theme_name)
            reasons.append(reason)
        elif c["there"]:
            score += ENDED_ONLY
            reasons.append(say("ended", n=c["there"], country=country))
        if not c["live"] and c["group_live"]:
            score += GROUP
            reasons.append(say("group", n=c["group_live"], group=group_name,
                               countries=", ".join(country_name(x, lang) for x in c["group_countries"])))
        if request.region and (hits := [r for r in c["regions"] if _same_region(request.region, r)]):
            score += REGION
            reasons.append(say("region", region=hits[0]))
        if request.theme and not c["theme_there"] and c["theme_elsewhere"]:
            score += THEME_ELSEWHERE
            reasons.append(say("theme", n=c["theme_elsewhere"], theme=theme_name))
        if not score:
            continue
        first = c
        if near is not None:
            if first["departement"] and first["departement"] == request.near:
                score += SAME_DEPARTEMENT
                reasons.append(say("same_departement", name=near.name))
            elif first["region"] and first["region"] == near.region:
                score += SAME_REGION
                reasons.append(say("same_region", name=_region_name(places, near.region)))
            elif first["french_lat"] is not None and near.lat is not None:
                km = _km((first["french_lat"], first["french_lon"]), (float(near.lat), float(near.lon)))
                if km <= NEAR_KM:
                    score += NEAR
                    reasons.append(say("near", km=round(km), name=near.name))
        population = people.get(french_id)
        if request.size and population:
            ratio = abs(math.log(population / request.size)) / math.log(SIZE_RATIO)
            if ratio < 1:
                score += round(SIZE * (1 - ratio))
                reasons.append(say("size", population=_number(population, lang)))
        results.append(Match(french_id, first["french_name"], score, reasons, [], first["french_type"],
                             first["departement"], population))
    results.sort(key=lambda m: (-m.score, m.french_name))
    results = results[:limit]
    for result in results:  # its current partnerships, the country asked first
        current = registry.partnerships("french_id = ? AND coalesce(status, '') != 'termine'", [result.french_id],
                                        order="partner_country != ?, partner_country, partner_name".replace("?", _quoted(request.country)))
        result.partnerships = [_brief(r) for r in current]
    return results


def _smallest_group(groups: dict[str, set[str]], code: str) -> tuple[str, frozenset[str]]:
    """The most specific country group of a country (Sahel rather than Afrique de l'Ouest)."""
    mine = sorted((len(codes), name) for name, codes in groups.items() if code in codes)
    return (mine[0][1], frozenset(groups[mine[0][1]]) - {code}) if mine else ("", frozenset())


def _region_name(places: FrenchPlaces, code: str) -> str:
    return places.regions.loc[code, "nom"] if code in places.regions.index else code


def _quoted(code: str) -> str:
    """An ISO code as an SQL literal (checked: two letters)."""
    return f"'{code}'" if len(code) == 2 and code.isalpha() else "''"


def _counts(registry: Registry, request: Request, elsewhere: bool = True,
            neighbours: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Per French collectivité with a link in the country or on the theme: its links there (live,
    on the theme), its live links on the theme elsewhere, the partner regions of its live links
    there, and where it is. Counted by SQLite in one pass: at 100,000 partnerships, reading
    the rows into Python took seconds, too slow for a partnership page. `neighbours`: the
    other countries of the request's country group, whose live links are counted too."""
    on_theme = "instr(';' || themes || ';', ?) > 0"
    in_group = ",".join("?" * len(neighbours - {request.country})) or "NULL"
    live = "coalesce(status, '') != 'termine'"
    mark = f";{request.theme or ''};"
    sql = (f"SELECT french_id, max(french_name), max(french_type), max(departement), max(region), "
           f"max(french_lat), max(french_lon), "
           f"sum(partner_country = ?), sum(partner_country = ? AND {live}), "
           f"sum(partner_country = ? AND {live} AND {on_theme}), sum(partner_country != ? AND {live} AND {on_theme}), "
           f"group_concat(CASE WHEN partner_country = ? AND {live} THEN partner_region END, char(31)), "
           f"group_concat(DISTINCT CASE WHEN partner_country IN ({in_group}) AND {live} THEN partner_country END), "
           f"sum(partner_country IN ({in_group}) AND {live}) "
           f"FROM partnerships WHERE partner_country IN (?, {in_group})"
           + (f" OR {on_theme}" if request.theme and elsewhere else "") + " GROUP BY french_id")
    code = request.country
    group = sorted(neighbours - {code})
    params = ([code, code, code, mark, code, mark, code] + group + group + [code] + group
              + ([mark] if request.theme and elsewhere else []))
    found = {}
    for row in registry.iter_rows(sql, params):
        found[row[0]] = {"french_name": row[1], "french_type": row[2], "departement": row[3], "region": row[4],
                         "french_lat": row[5], "french_lon": row[6], "there": row[7], "live": row[8],
                         "theme_there": row[9] if request.theme else 0, "theme_elsewhere": row[10] if request.theme else 0,
                         "regions": list(dict.fromkeys((row[11] or "").split("\x1f"))) if row[11] else [],
                         "group_countries": sorted((row[12] or "").split(",")) if row[12] else [], "group_live": row[13] or 0}
    return found


def _brief(record: dict) -> dict:
    """A partnership as a match lists it (public fields only)."""
    return {"id": record["id"], "partner_name": record["partner_name"], "partner_country": record["partner_country"],
            "partner_region": record["partner_region"], "kind": record["kind"], "status": record["status"],
            "since": record["since"], "themes": [t for t in (record["themes"] or "").split(";") if t]}


def kind_label(code: str | None, lang: str = "fr") -> str:
    return KINDS[code][lang == "en"] if code in KINDS else ""
