"""The web layer: public pages and the JSON API as blueprints, Flask-Babel, error pages.

Every view is a blueprint here (flaskr's auth/blog, microblog's main/api): pages, API, maps
(maps.py), books (books.py), staff pages; the commands are cli.py's and outreach_cli.py's.
app.py keeps the factory, the command group and the table of blueprints.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, g, request
from flask_babel import Babel, get_translations
from werkzeug.routing import IntegerConverter

from index import SearchIndex

from . import auth, budget, catchup, errors, labels, logs, matchmaking, survey_form
from .api import api
from .health import health
from .pages import pages
from .staff import staff

LANGUAGES = ("fr", "en")
FOLDER = Path(__file__).resolve().parent  # templates/, static/, translations/ beside this file


class SQLiteInteger(IntegerConverter):
    """`<int:…>` in a route: a number SQLite can hold (64-bit signed), else no route (404).

    Werkzeug's own converter takes any length of digits; SQLite raised OverflowError on
    /staff/rejets/99999999999999999999 and the page answered 500.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, 2**63 - 1 if max is None else max, signed)


def select_locale() -> str:
    """French unless English was asked for (?lang=en, then remembered in a cookie)."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    return lang if lang in LANGUAGES else "fr"


def relative_location(response):
    """A redirect names a path of this site, never a host taken from the request: Werkzeug's
    308 (a missing trailing slash) copied a forged Host header into its Location."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.host:
            response.headers["Location"] = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return response


def request_translations():
    """The request's catalogue, looked up once per request (in `g`, beside the locale Flask-Babel
    keeps there). Flask-Babel's own template callables look it up again for each string, and a
    results page has about fifty; outside a request or app context, Flask-Babel's answer."""
    try:
        found = g.get("translations")
        if found is None:
            found = g.translations = get_translations()
        return found
    except RuntimeError:  # no app context
        return get_translations()


def install_gettext(app: Flask) -> None:
    """Jinja's `_`, `ngettext`… as Flask-Babel installs them, through request_translations()."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)


def init_app(app: Flask, get_registry) -> None:
    """Register pages, API, translations, template helpers and error handlers.

    `get_registry()` opens the request's registry (app.py's); one SearchIndex per app keeps
    the live index generation open between requests.
    """
    app.url_map.converters["int"] = SQLiteInteger
    # The host names this site answers to (REPERTOIRE_HOSTS="repertoire.example.org,…"): any
    # other Host header is refused with 400. Unset, every host is served, redirects stay relative.
    hosts = app.config.get("TRUSTED_HOSTS") or [h.strip() for h in os.environ.get("REPERTOIRE_HOSTS", "").split(",") if h.strip()]
    app.config["TRUSTED_HOSTS"] = hosts or None
    app.after_request(relative_location)
    logs.init_app(app)  # one JSON line per request (LOG_JSON)
    budget.init_app(app)  # each request's deadline (REQUEST_BUDGET)
    catchup.init_app(app)  # the index follows the registry, even after a killed update
    app.extensions["registry"] = get_registry
    app.extensions["search_index"] = search_index = SearchIndex(app.config["INDEX_DIR"])
    # A server's first request starts loading what searches read queries with; a command never does.
    app.before_request(search_index.load_lexicon)
    Babel(app, locale_selector=select_locale)
    install_gettext(app)
    auth.init_app(app)  # sessions, CSRF on every form, login rate limits
    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(health)
    app.register_blueprint(staff)
    app.register_blueprint(matchmaking.matchmaking)  # « Trouver un partenaire », /api/match
    app.register_blueprint(survey_form.survey)  # the campaign's signed web form
    app.context_processor(labels.template_helpers)
    app.context_processor(matchmaking.template_helpers)  # « Ils travaillent aussi… »
    app.context_processor(survey_form.template_helpers)  # « à vérifier »
    errors.init_app(app)

    @app.after_request
    def remember_language(response):
        if request.args.get("lang") in LANGUAGES:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
        return response
