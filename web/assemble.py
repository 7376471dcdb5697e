"""What each page and API answer holds, assembled from the registry and the index.

Public pages never show contacts: records pass through `public()` first.
"""
from __future__ import annotations

from collections import Counter
from itertools import groupby

from index import SearchIndex, SearchParams
from index import labels
from repertoire.export import export_rows
from repertoire.registry import Registry

PRIVATE_FIELDS = ("contacts", "partner_key", "partner_geonameid", "funding")


def public(record: dict) -> dict:
    """A partnership without its personal data, themes as a list."""
    out = {k: v for k, v in record.items() if k not in PRIVATE_FIELDS}
    out["themes"] = [t for t in (record.get("themes") or "").split(";") if t]
    out["keywords"] = [k for k in (record.get("keywords") or "").split(";") if k]
    return out


def key_figures(registry: Registry) -> dict:
    """Numbers for the home page: partnerships, French collectivités, countries, by kind."""
    row = registry.iter_rows("SELECT count(*), count(DISTINCT french_id), count(DISTINCT partner_country) FROM partnerships").fetchone()
    kinds = dict(registry.iter_rows("SELECT kind, count(*) FROM partnerships GROUP BY kind ORDER BY 2 DESC").fetchall())
    countries = registry.iter_rows("SELECT partner_country, count(*) FROM partnerships GROUP BY 1 ORDER BY 2 DESC LIMIT 12").fetchall()
    return {"partnerships": row[0], "collectivites": row[1], "countries": row[2],
            "kinds": {k: v for k, v in kinds.items() if k}, "top_countries": [tuple(c) for c in countries]}


def partnership(registry: Registry, pid: str, members: bool = False) -> dict | None:
    """One partnership with its provenance and history; contacts and funding for members only."""
    record = registry.partnership(pid)
    if record is None:
        return None
    history = [h for h in registry.history(pid) if members or h["field"] not in PRIVATE_FIELDS]
    if not members:  # a staff edit names its author (`staff: <email>`): not for the public
        history = [h | {"source": "staff"} if (h["source"] or "").startswith("staff:") else h for h in history]
    private = {"contacts": record.get("contacts"), "funding": record.get("funding")} if members else {}
    return public(record) | private | {"sources": registry.sources(pid), "history": history}


def collectivite(registry: Registry, french_id: str) -> dict | None:
    """A French collectivité and all its partnerships."""
    rows = registry.partnerships("french_id = ?", (french_id,), order="partner_country, partner_name")
    if not rows:
        return None
    first = rows[0]
    return {"french_id": french_id, "name": first["french_name"], "type": first["french_type"],
            "departement": first["departement"], "region": first["region"],
            "countries": dict(Counter(r["partner_country"] for r in rows).most_common()),
            "partnerships": [public(r) for r in rows]}


def country(registry: Registry, code: str, lang: str = "fr") -> dict | None:
    """All partnerships with one country, grouped by French région."""
    code = code.upper()
    rows = registry.partnerships("partner_country = ?", (code,), order="region, french_name, partner_name")
    if not rows:
        return None
    groups = [{"region": region or "", "region_name": labels.region_name(region) if region else "",
               "partnerships": [public(r) for r in members]}
              for region, members in groupby(rows, key=lambda r: r["region"])]
    groups.sort(key=lambda g: (g["region_name"] == "", g["region_name"]))
    return {"code": code, "name": labels.country_name(code, lang), "total": len(rows),
            "groups_of_countries": labels.countries().groups_of(code),
            "kinds": dict(Counter(r["kind"] for r in rows if r["kind"]).most_common()),
            "regions": groups}


def export_search(index: SearchIndex, registry: Registry, params: SearchParams) -> list[dict]:
    """Every partnership a search finds, as export rows (formula-safe writers, no contacts)."""
    result = index.search(SearchParams(params.q, params.filters, params.sort, 1, 10**6), None)
    ids = [hit["id"] for hit in result.hits]
    return export_rows(registry.partnerships_by_ids(ids), registry.source_names(), contacts=False)
