"""The merge rule strong enough to apply on its own: two partnerships of one French collectivité
whose partners the gazetteer placed on the same place, and whose spellings share a word of
that place's name, are one link written twice ("Bad Homburg v. d. Höhe" and "Bad Homburg vor
der Höhe", "Erding" and "Erding (Kreis) (Erding, Stadt)"). They are merged after every ingest,
and each merge is recorded in the kept partnership's history (source `merge rule: same place`).

The shared word guards against a partner placed on a town for want of a better place
("Dongcheng District" on Nanchuan): the gazetteer agrees, the names do not, staff decide.
The weaker pairs (near-identical names on different places or on none) stay for staff in
`repertoire duplicates`; the books print them once, with a note (repertoire/pdf/).
"""
from __future__ import annotations

from .gazetteer import ADMIN_WORDS
from .registry import Registry
from .text import fold

SOURCE = "merge rule: same place"
MIN_WORD = 4  # "Kahl", "Halle": shorter words (am, bei, St) say nothing of a place


def words(name: str | None) -> set[str]:
    """The words of a partner's name that can name a place: folded, without words of status."""
    return {w for w in ADMIN_WORDS.sub(" ", fold(name or "")).split() if len(w) >= MIN_WORD}


def same_link(one: dict, two: dict) -> bool:
    """Whether two partnerships are one link written twice, by the rule above."""
    return (one["french_id"] == two["french_id"] and one["partner_country"] == two["partner_country"]
            and bool(one.get("partner_geonameid")) and one.get("partner_geonameid") == two.get("partner_geonameid")
            and bool(words(one["partner_name"]) & words(two["partner_name"])
                     or words(one.get("partner_key")) & words(two.get("partner_key"))))


def _fullness(p: dict) -> tuple:
    """Which of two spellings to keep: the record that says most, then the latest survey."""
    filled = sum(1 for k in ("status", "since", "since_date", "partner_region", "partner_native", "description",
                             "projects", "themes") if p.get(k))
    return filled, p.get("survey_date") or "", p.get("updated_at") or "", p["id"]


def same_place_groups(registry: Registry) -> list[list[dict]]:
    """Partnerships of one collectivité placed on one gazetteer place, in groups of two or more
    (found by SQL: the rule costs nothing when there is nothing to merge)."""
    sql = ("SELECT p.* FROM partnerships p JOIN (SELECT french_id, partner_country, partner_geonameid "
           "FROM partnerships WHERE partner_geonameid > 0 GROUP BY 1, 2, 3 HAVING count(*) > 1) g "
           "USING (french_id, partner_country, partner_geonameid) ORDER BY p.french_id, p.partner_geonameid, p.id")
    groups: dict[tuple, list[dict]] = {}
    for row in registry.iter_rows(sql):
        record = dict(row)
        groups.setdefault((record["french_id"], record["partner_country"], record["partner_geonameid"]),
                          []).append(record)
    return list(groups.values())


def merge_same_places(registry: Registry) -> list[tuple[dict, dict]]:
    """Merge every pair the rule settles; returns (kept, merged) pairs, the kept as merged."""
    merged: list[tuple[dict, dict]] = []
    for group in same_place_groups(registry):
        group.sort(key=_fullness, reverse=True)
        while group:
            keep = group.pop(0)
            for other in [o for o in group if same_link(keep, o)]:
                group.remove(other)
                keep = registry.merge(keep["id"], other["id"], source=SOURCE)
                merged.append((keep, other))
    return merged
