"""The web layer: public pages and the JSON API as blueprints, Flask-Babel, error pages.

app.py passed ~600 lines once search, pages and API joined the maps and PDF sections, so
the search views live here as blueprints (flaskr's auth/blog, microblog's main/api), and
app.py keeps the factory, the CLI and the table of blueprints.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

from index import SearchIndex

from . import auth, errors, labels, logs
from .api import api
from .health import health
from .pages import pages
from .staff import staff

LANGUAGES = ("fr", "en")
FOLDER = Path(__file__).resolve().parent  # templates/, static/, translations/ beside this file


def select_locale() -> str:
    """French unless English was asked for (?lang=en, then remembered in a cookie)."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGUAGES else "fr"


def init_app(app: Flask, get_registry) -> None:
    """Register pages, API, translations, template helpers and error handlers.

    `get_registry()` opens the request's registry (app.py's); one SearchIndex per app keeps
    the live index generation open between requests.
    """
    logs.init_app(app)  # one JSON line per request (LOG_JSON)
    app.extensions["registry"] = get_registry
    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"])
    Babel(app, locale_selector=select_locale)
    auth.init_app(app)  # sessions, CSRF on every form, login rate limits
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.register_blueprint(staff)
    app.context_processor(labels.template_helpers)
    errors.init_app(app)

    @app.after_request
    def remember_language(response):
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
        return response
