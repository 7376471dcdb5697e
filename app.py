"""Répertoire: the Flask app factory and the `repertoire` command group — where the stages meet.

This file only wires: the app's configuration, its blueprints (pages, API, maps, books and
staff pages, all in web/) and the hooks that keep the search index up with the registry;
the commands are web/cli.py's and web/outreach_cli.py's. Imports point one way:
app.py → web/ → index/, maps/ → repertoire/.
"""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app, g, has_request_context
from werkzeug.middleware.proxy_fix import ProxyFix

import web
from web import books, budget, auth, catchup, outreach_cli
from web.process_end import CommandGroup
from web.registry_pool import RegistryPool
from web import cli as commands
from web import maps as web_maps
from repertoire.registry import Registry


def create_app(config: dict | None = None) -> Flask:
    """Build the app; runtime state lives in one instance folder (REPERTOIRE_INSTANCE)."""
    instance = Path(os.environ.get("REPERTOIRE_INSTANCE", "instance")).resolve()
    if config and config.get("INSTANCE"):
        instance = Path(config["INSTANCE"]).resolve()
    # Pages, styles and translations are files of the web package (web/templates, web/static,
    # web/translations), found from its own folder: an installed copy needs no checkout.
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True,
                template_folder=str(web.FOLDER / "templates"), static_folder=str(web.FOLDER / "static"))
    app.config.from_mapping(
        REGISTRY=str(instance / "registry.sqlite3"),
        INDEX_DIR=str(instance / "index"),
        CACHE_DIR=str(instance / "cache"),
        COLUMNS=str(instance / "columns.toml"),
        TEMPLATES=str(instance / "templates.json"),  # column mappings staff saved (repertoire/templates.py)
        CHAPTERS_DIR=str(instance / "chapters"),
        JOBS=str(instance / "jobs.sqlite3"),
        MAX_CONTENT_LENGTH=100 * 1024 * 1024,  # survey uploads (web/staff/upload.py)
        REQUEST_BUDGET=float(os.environ.get("REPERTOIRE_REQUEST_BUDGET", 30)),  # seconds (web/budget.py)
        PDF_INLINE_LIMIT=1000,  # partnerships: a bigger book is made by a background job, not a request
        MAP_LIMIT=10_000,  # links on one web map (/carte): more is slow to draw and unreadable
        INDEX_CATCH_UP=not (config or {}).get("TESTING"),  # web/catchup.py (tests turn it on themselves)
        # after an ingest, every country's books are made by a background job (not in tests)
        MAKE_BOOKS_AHEAD=os.environ.get("REPERTOIRE_MAKE_BOOKS_AHEAD", "1") != "0" and not (config or {}).get("TESTING"),
        JSON_SORT_KEYS=False,
        BABEL_TRANSLATION_DIRECTORIES=str(web.FOLDER / "translations"),
        **auth.CONFIG,
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)
    instance.mkdir(parents=True, exist_ok=True)
    proxies = int(app.config.get("PROXIES") or os.environ.get("REPERTOIRE_PROXIES") or 0)
    if proxies:  # behind a reverse proxy: the client's address and scheme, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.extensions["registry_pool"] = RegistryPool()
    app.teardown_appcontext(close_registry)
    app.register_blueprint(books.books)  # country répertoires as PDF (web/books.py)
    app.register_blueprint(web_maps.maps_blueprint)  # map pages (web/maps.py)
    web.init_app(app, get_registry)  # search, pages, API, staff pages
    # the search index follows the registry: fed during an ingest, updated after (web/catchup.py)
    app.extensions.setdefault("during_ingest", []).append(catchup.search_index_feed)
    app.extensions.setdefault("after_ingest", []).append(catchup.update_search_index)
    return app


def get_registry() -> Registry:
    """The registry of this request or command, opened once; a request takes the one its
    thread's previous request left open (web/registry_pool.py)."""
    if "registry" not in g:
        if has_request_context():
            g.registry = current_app.extensions["registry_pool"].take(current_app.config["REGISTRY"])
            g.registry_pooled = True
        else:
            g.registry = Registry(current_app.config["REGISTRY"])
        budget.guard(g.registry.db)  # a request's queries stop at its deadline (web/budget.py)
    return g.registry


def close_registry(exception: BaseException | None = None) -> None:
    registry = g.pop("registry", None)
    if registry is None:
        return
    if g.pop("registry_pooled", False):
        current_app.extensions["registry_pool"].give_back(registry)
    else:
        registry.close()


# --- CLI -------------------------------------------------------------------------------

@click.group(cls=CommandGroup, create_app=create_app, add_default_commands=True)
def cli() -> None:
    """Répertoire des partenariats de coopération décentralisée."""


for _command in outreach_cli.COMMANDS:  # `campaign`, `match` (web/outreach_cli.py)
    cli.add_command(_command)

for _command in commands.COMMANDS:  # every other command (web/cli.py)
    cli.add_command(_command)
