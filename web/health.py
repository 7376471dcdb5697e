"""`/healthz`: is this instance able to answer? For a load balancer, a monitor, the load drill.

200 while the registry answers: status `ok`, or `degraded` when the search index is absent, cannot
be read (pages that search answer 503 then, the others still work) or reflects another registry
version than the registry's (`index.version` ≠ `registry.version`: it is catching up, web/catchup.py). 503 when the
registry does not answer: status `down`. Cheap enough to poll: one `count(*)`, one meta row,
and a match-all search for one hit (the index's own document count, numpy only).
"""
from __future__ import annotations

import time
from importlib import metadata

from flask import Blueprint, current_app, jsonify

from index import IndexMissing, SearchParams, current_generation, indexed_version, updating

health = Blueprint("health", __name__)

try:
    VERSION = metadata.version("repertoire")
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    VERSION = "unknown"


def registry_health() -> dict:
    """Whether the registry answers, with its partnership count and version."""
    try:
        registry = current_app.extensions["registry"]()
        return {"ok": True, "partnerships": registry.count(), "version": registry.version()}
    except Exception as error:  # any failure to answer is what this check is for
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def index_health() -> dict:
    """Whether the live index generation is there and answers, with its document count."""
    generation = current_generation(current_app.config["INDEX_DIR"])
    if generation is None:
        return {"ok": False, "present": False}
    try:
        result = current_app.extensions["search_index"].search(SearchParams(per_page=1))
    except IndexMissing:  # swapped out between the two looks: rare, and not a failure
        return {"ok": False, "present": False}
    except Exception as error:
        return {"ok": False, "present": True, "generation": generation.name,
                "error": f"{type(error).__name__}: {error}"}
    return {"ok": True, "present": True, "generation": generation.name, "documents": result.total,
            "version": indexed_version(current_app.config["INDEX_DIR"]),
            "updating": updating(current_app.config["INDEX_DIR"])}


@health.route("/healthz")
def healthz():
    """The instance's health as JSON; 503 when the registry does not answer."""
    start = time.perf_counter()
    registry = registry_health()
    search = index_health()
    # The index reflects a registry version (index/build.py state.json): another one than the
    # registry's means search misses or shows stale partnerships until it catches up.
    search["current"] = search.get("ok") and registry.get("version") == search.get("version")
    status = "down" if not registry["ok"] else "ok" if search["ok"] and search["current"] else "degraded"
    body = {"status": status, "version": VERSION, "registry": registry, "index": search,
            "took_ms": round((time.perf_counter() - start) * 1000, 2)}
    response = jsonify(body)
    response.status_code = 200 if registry["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
