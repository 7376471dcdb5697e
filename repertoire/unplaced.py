"""Partners without a point: a list for staff (`repertoire unplaced`, /staff/localiser), never a
silent gap, and the point staff place by hand, checked inside the partner's country.

A partner is a (country, folded name) pair, as the registry keys it: every partnership with
that partner gets the point at once. A point placed here is stored like a gazetteer's, in
`partner_lat`/`partner_lon`, and a later survey leaves it alone: ingest.merge_into updates
the fields of UPDATED_FIELDS only, never the coordinates (tests/test_unplaced.py holds it).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

from rapidfuzz import fuzz

from .gazetteer import Gazetteer
from .model import HistoryEntry
from .registry import Registry, now
from .text import fold

# The columns of `repertoire unplaced --format csv` (the CLI contract).
UNPLACED_COLUMNS = ("country", "partner", "partner_region", "partnerships", "collectivites", "partner_key")
DECIMALS = 5  # about a metre: more is noise from a click
SIMILAR = 80  # rapidfuzz partial ratio between a suggested place's name and the part of the name it answers
_PARTS = re.compile(r"[,;/()\[\]]+")

Inside = Callable[[str, float, float], bool]


@dataclass
class UnplacedPartner:
    """One partner that no partnership of it places on the map."""

    country: str
    key: str
    name: str
    region: str | None
    partnerships: int = 0
    collectivites: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def row(self) -> dict:
        """A flat row for CSV (UNPLACED_COLUMNS)."""
        return {"country": self.country, "partner": self.name, "partner_region": self.region or "",
                "partnerships": self.partnerships, "collectivites": "; ".join(self.collectivites),
                "partner_key": self.key}


@dataclass
class UnplacedReport:
    """The unplaced partners, and the figures that put them in proportion."""

    partners: list[UnplacedPartner]
    partnerships: int  # partnerships without a point
    all_partners: int  # distinct partners in the registry (in the country asked for)

    @property
    def share(self) -> float:
        """Unplaced partners as a percentage of all partners."""
        return 100 * len(self.partners) / self.all_partners if self.all_partners else 0.0

    def summary(self) -> str:
        """The total line of the CLI."""
        return (f"{len(self.partners)} partners of {self.partnerships} partnerships unplaced, "
                f"{self.share:.1f} % of partners ({self.all_partners})")


@dataclass(frozen=True)
class Suggestion:
    """A point staff may take for a partner, and where it comes from."""

    name: str
    lat: float
    lon: float
    origin: str  # "known": another partnership of this partner; "gazetteer": a part of its name


class PlacingError(ValueError):
    """A point staff cannot record: `code` says why (rendered in French at the edges)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def unplaced(registry: Registry, country: str | None = None) -> UnplacedReport:
    """Partners with at least one partnership without a point, by country then name.

    >>> report = unplaced(registry, "DE")
    >>> report.partners[0].name, report.partners[0].collectivites
    ('Dillingen/Saar', ['Creutzwald (57)'])
    """
    where, params = ("AND partner_country = ?", [country]) if country else ("", [])
    sql = ("SELECT id, partner_country, partner_key, partner_name, partner_region, french_name, departement "
           "FROM partnerships WHERE (partner_lat IS NULL OR partner_lon IS NULL) " + where +
           " ORDER BY partner_country, partner_key, french_name")
    partners: dict[tuple[str, str], UnplacedPartner] = {}
    spellings: dict[tuple[str, str], dict[str, int]] = {}
    count = 0
    for row in registry.iter_rows(sql, params):
        count += 1
        key = (row["partner_country"], row["partner_key"])
        partner = partners.setdefault(key, UnplacedPartner(key[0], key[1], row["partner_name"], None))
        partner.partnerships += 1
        partner.ids.append(row["id"])
        partner.region = partner.region or row["partner_region"]
        where_french = f"{row['french_name']} ({row['departement']})" if row["departement"] else row["french_name"]
        if where_french not in partner.collectivites:
            partner.collectivites.append(where_french)
        names = spellings.setdefault(key, {})
        names[row["partner_name"]] = names.get(row["partner_name"], 0) + 1
    for key, partner in partners.items():  # the spelling most surveys wrote
        partner.name = max(spellings[key].items(), key=lambda item: (item[1], -len(item[0])))[0]
    total_sql = "SELECT count(*) FROM (SELECT DISTINCT partner_country, partner_key FROM partnerships" + \
                (" WHERE partner_country = ?" if country else "") + ")"
    total = registry.iter_rows(total_sql, params).fetchone()[0]
    return UnplacedReport(list(partners.values()), count, total)


def partner(registry: Registry, country: str, key: str) -> list[dict]:
    """Every partnership of one partner (its country and folded name)."""
    return registry.partnerships("partner_country = ? AND partner_key = ?", [country, key])


def suggestions(registry: Registry, country: str, key: str, gazetteer: Gazetteer,
                inside: Inside | None = None, limit: int = 8) -> list[Suggestion]:
    """Points to offer staff for a partner: where other partnerships of it are placed, then
    what the gazetteer finds for each part of its written names and its region
    (`Kozarac, Prijedor` → Prijedor; `Lauenburg/ Elbe` → Lauenburg). Offered, never taken:
    a part may be a homonym. Only points inside the country when `inside` is given."""
    records = partner(registry, country, key)
    found: dict[tuple[float, float], Suggestion] = {}

    def offer(name: str, lat, lon, origin: str) -> None:
        if lat is None or lon is None:
            return
        point = (round(float(lat), 3), round(float(lon), 3))
        if point not in found and (inside is None or inside(country, float(lat), float(lon))):
            found[point] = Suggestion(name, round(float(lat), DECIMALS), round(float(lon), DECIMALS), origin)

    for record in records:
        offer(record["partner_name"], record["partner_lat"], record["partner_lon"], "known")
    texts = list(dict.fromkeys([r["partner_name"] for r in records] + [r["partner_region"] for r in records if r["partner_region"]]))
    for text in texts:
        parts = [p.strip() for p in _PARTS.split(text) if len(p.strip()) > 2]
        for part in dict.fromkeys([text] + parts):
            locality = gazetteer.place(part, country)
            # a guess from a close spelling must still look like what was written
            if locality is not None and fuzz.partial_ratio(fold(locality.name), fold(part)) >= SIMILAR:
                offer(locality.name, locality.lat, locality.lon, "gazetteer")
    return list(found.values())[:limit]


def check_point(country: str, lat: float, lon: float, inside: Inside) -> tuple[float, float]:
    """The point rounded, or PlacingError: not a coordinate, or outside the country."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise PlacingError("number", "latitude and longitude must be numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise PlacingError("range", f"not a point on Earth: {lat}, {lon}")
    if not inside(country, lat, lon):
        raise PlacingError("outside", f"{lat:.4f}, {lon:.4f} is outside {country}")
    return round(lat, DECIMALS), round(lon, DECIMALS)


def place(registry: Registry, country: str, key: str, lat: float, lon: float, user: str,
          inside: Inside | None = None) -> list[str]:
    """Put a partner on the map: the point on every partnership of it; the ids changed.

    Checked inside the partner's country (repertoire/outlines.py by default); each change
    goes to the history as `staff: <user>`. A gazetteer id no longer describes a moved
    point, so it is cleared (and the history keeps it). PlacingError when refused.

    >>> place(registry, "DE", "dillingen saar", 49.355, 6.728, "agent@reseau.fr")
    ['p-1c0e5d2b7a']
    """
    if inside is None:
        from .outlines import inside
    lat, lon = check_point(country, lat, lon, inside)
    with registry.transaction():
        records = partner(registry, country, key)
        if not records:
            raise PlacingError("unknown", f"no partnership with partner {key!r} in {country}")
        stamp = now()
        who = (f"staff: {user}", "", 0, stamp)
        changed, history = [], []
        for record in records:
            if (record["partner_lat"], record["partner_lon"]) == (lat, lon):
                continue
            for name, value in (("partner_lat", lat), ("partner_lon", lon), ("partner_geonameid", None)):
                old = record.get(name)
                if old != value:
                    history.append(HistoryEntry(record["id"], name, None if old is None else str(old),
                                                 None if value is None else str(value), *who))
                    record[name] = value
            record["updated_at"] = stamp
            changed.append(record)
        if changed:
            registry.save(changed, [], [], history)
    return [record["id"] for record in changed]
