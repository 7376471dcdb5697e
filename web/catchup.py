"""The search index catches up with the registry by itself.

The index records which registry version it reflects (index/build.py `state.json`). An
ingest commits the registry, then updates the index; an ingest killed between the two (kill -9
in its index phase, issue 13) left search 100,000 rows behind, `/healthz` "ok", for good. So
the app compares the two versions at its first request and then every CATCH_UP_EVERY seconds
(two small reads), and when they differ and no build or update is running, starts
`repertoire index --update` as a background job (web/jobs.py): whichever worker notices first
starts it, the others find the index's lock held.
"""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask, current_app

import index

from repertoire.registry import Registry

from .jobs import Jobs


def versions() -> tuple[str | None, str | None]:
    """(registry version, version the live index reflects); None for what cannot be read."""
    try:
        registry = current_app.extensions["registry"]().version()
    except Exception:  # the registry's own health is /healthz's business
        registry = None
    return registry, index.indexed_version(current_app.config["INDEX_DIR"])


def behind() -> bool:
    """Whether the index reflects another registry version than the registry's (an index
    never built counts as behind once the registry holds something)."""
    registry, indexed = versions()
    return registry is not None and registry != "0" and registry != indexed


def catch_up(reason: str = "catch-up") -> str | None:
    """Start a background index update when the index is behind and none runs; its job id."""
    index_dir = current_app.config["INDEX_DIR"]
    if not behind() or index.updating(index_dir):
        return None
    jobs = Jobs(current_app.config["JOBS"])
    running = [j for j in jobs.recent(5) if j["kind"] == "index" and j["status"] in ("queued", "running")]
    if running:
        return None
    job_id = jobs.create("index", reason, ["index --update"])
    logs = Path(current_app.instance_path) / "jobs"
    logs.mkdir(exist_ok=True)
    jobs.start(job_id, ["index", "--update"], current_app.instance_path, logs / f"{job_id}.log")
    current_app.logger.warning("search index behind the registry: update started (job %s)", job_id)
    return job_id


def init_app(app: Flask) -> None:
    """Look at the first request, then every CATCH_UP_EVERY seconds (INDEX_CATCH_UP on)."""
    if not app.config.get("INDEX_CATCH_UP", True):
        return
    every = float(app.config.get("CATCH_UP_EVERY", 30))
    last = [float("-inf")]

    @app.before_request
    def look() -> None:
        if time.monotonic() - last[0] < every:
            return
        last[0] = time.monotonic()
        try:
            catch_up()
        except Exception as error:  # a request is never refused for this
            current_app.logger.warning("index catch-up check failed: %s", error)


# --- during and after an ingest (create_app hooks them in; web/cli.py and the staff pages call them)

def search_index_feed(registry: Registry) -> index.IndexFeed:
    """during_ingest hook: a large ingest is indexed as it goes, on the other core (index/feed.py)."""
    feed = current_app.extensions["index_feed"] = index.IndexFeed(registry, current_app.config["INDEX_DIR"])
    return feed


def update_search_index(registry: Registry) -> None:
    """after_ingest hook: index what the ingestion changed (a first build if none exists)."""
    feed = current_app.extensions.pop("index_feed", None)
    report = (feed.finish() if feed else index.update_index(registry, current_app.config["INDEX_DIR"]))
    click.echo(f"Index: {report.documents} partnerships indexed in {report.seconds:.1f} s.")

