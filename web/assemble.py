"""What each page and API answer holds, assembled from the registry and the index.

Every record passes through the table of fields (repertoire.fields) with the reader's role:
the public never sees funding or contacts, nor the values of the history (issue 13).
"""
from __future__ import annotations

from collections import Counter
from itertools import groupby
from typing import Iterator

from index import SearchIndex, SearchParams
from index import labels
from repertoire import fields
from repertoire.export import stream
from repertoire.model import HistoryEntry
from repertoire.collation import sort_key
from repertoire.registry import Registry
from repertoire.undo import EVENT as UNDO_EVENT

def public(record: dict, role: str = "public") -> dict:
    """A partnership as `role` may see it, themes and keywords as lists."""
    out = fields.visible(record, role)
    out["themes"] = [t for t in (record.get("themes") or "").split(";") if t]
    out["keywords"] = [k for k in (record.get("keywords") or "").split(";") if k]
    return out


def history(entries: list[HistoryEntry], role: str) -> list[dict]:
    """The history as `role` may read it: the public sees which field changed, when and from
    which file — never a value (an old description may hold a name, a phone number); members
    see the values of the fields they may see; staff see everything, row ids and redactions
    included. Values staff redacted are None for everyone (the audit log keeps them)."""
    shown = []
    for entry in entries:
        if entry.field not in fields.EVENTS and not fields.seen_by(entry.field, role):
            continue
        row = {"field": entry.field, "source": entry.source, "changed_at": entry.changed_at}
        if role == "public":
            for author in ("staff", UNDO_EVENT):  # staff edits and undos name their author: not for the public
                if (entry.source or "").startswith(author + ":"):
                    row["source"] = author
        else:
            row |= {"old": entry.old, "new": entry.new, "redacted": entry.redacted}
        if role == "staff":
            row["id"] = entry.id
        shown.append(row)
    return shown


def key_figures(registry: Registry) -> dict:
    """Numbers for the home page: partnerships, French collectivités, countries, by kind."""
    kinds = registry.count_by("kind")
    countries = {code: n for code, n in registry.count_by("country").items() if code}
    return {"partnerships": registry.count(), "collectivites": len(registry.count_by("french_id")),
            "countries": len(countries), "kinds": {k: v for k, v in kinds.items() if k},
            "top_countries": list(countries.items())[:12]}


def partnership(registry: Registry, pid: str, role: str = "public") -> dict | None:
    """One partnership with its provenance and history, as `role` may see them."""
    record = registry.partnership(pid)
    if record is None:
        return None
    return public(record, role) | {"sources": registry.sources(pid), "history": history(registry.history(pid), role)}


def collectivite(registry: Registry, french_id: str) -> dict | None:
    """A French collectivité and all its partnerships."""
    rows = registry.matching({"french_id": french_id}, order=("partner_country", "partner_name"))
    if not rows:
        return None
    first = rows[0]
    return {"french_id": french_id, "name": first["french_name"], "type": first["french_type"],
            "departement": first["departement"], "region": first["region"],
            "countries": dict(Counter(r["partner_country"] for r in rows).most_common()),
            "partnerships": [public(r) for r in rows]}


# What the country page reads of each partnership to group and sort them: the page fills in
# the full records of the few it shows (at 390,000 partnerships a big country has tens of
# thousands; reading and filtering every full record took seconds).
SORTED_BY = ("id", "region", "french_name", "partner_name", "kind")


def country(registry: Registry, code: str, lang: str = "fr", full: bool = True) -> dict | None:
    """All partnerships with one country, grouped by French région, in the locale's order;
    with `full=False` each partnership is only its SORTED_BY fields (see `records`)."""
    code = code.upper()
    rows = registry.matching({"country": code}, columns=None if full else SORTED_BY,
                             order=("region", "french_name", "partner_name"))
    if not rows:
        return None
    key = sort_key(lang)  # the locale's collation: Île-de-France among the I, Évry among the E
    shown = public if full else (lambda r: r)
    groups = [{"region": region or "", "region_name": labels.region_name(region) if region else "",
               "partnerships": [shown(r) for r in sorted(members, key=lambda r: (key(r["french_name"]), key(r["partner_name"])))]}
              for region, members in groupby(rows, key=lambda r: r["region"])]
    groups.sort(key=lambda g: (g["region_name"] == "", key(g["region_name"])))
    return {"code": code, "name": labels.country_name(code, lang), "total": len(rows),
            "groups_of_countries": labels.countries().groups_of(code),
            "kinds": dict(Counter(r["kind"] for r in rows if r["kind"]).most_common()),
            "regions": groups}


def records(registry: Registry, partnerships: list[dict], role: str = "public") -> list[dict]:
    """The full records of these partnerships (as `role` may see them), in their order."""
    return [public(r, role) for r in registry.partnerships_by_ids([p["id"] for p in partnerships])]


def search_ids(index: SearchIndex, params: SearchParams, page_size: int = 5000) -> Iterator[str]:
    """Every id a search finds, in its order, read a page at a time (memory stays bounded)."""
    page = 1
    while True:
        result = index.search(SearchParams(params.q, params.filters, params.sort, page, page_size), None)
        yield from (hit["id"] for hit in result.hits)
        if page >= result.pages:
            return
        page += 1


def export_stream(registry_path: str, ids: Iterator[str], fmt: str, role: str, edition: str) -> Iterator[bytes]:
    """An export of the partnerships of `ids` in pieces, read through a connection of its own:
    a streamed response outlives its request's registry (closed at teardown)."""
    registry = Registry(registry_path)
    try:
        yield from stream(registry.stream(ids), fmt, role, edition)
    finally:
        registry.close()
