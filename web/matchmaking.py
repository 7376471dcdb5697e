"""« Trouver un partenaire »: the matchmaking page, /api/match, and "Ils travaillent aussi…" on the
partnership and collectivité pages (repertoire/matching.py ranks; this module asks and shows)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from index import labels
from repertoire.matching import Match, Request, match
from repertoire.model import THEMES
from repertoire.collation import sort_key

from .labels import lang

matchmaking = Blueprint("matchmaking", __name__)
ALSO_LIMIT = 5
SIZE_MAX = 100_000_000


def _registry():
    return current_app.extensions["registry"]()


def request_from_args(args) -> tuple[Request | None, list[str]]:
    """The request a form or an API call describes, or the problems that stop it (in French)."""
    problems = []
    country_text = (args.get("country") or "").strip()
    code = labels.countries().code(country_text) if country_text else None
    if not country_text:
        return None, []
    if not code:
        problems.append(_("pays inconnu : %(value)s", value=country_text))
    theme = (args.get("theme") or "").strip() or None
    if theme and theme not in THEMES:
        problems.append(_("thématique inconnue : %(value)s", value=theme))
    near = (args.get("near") or "").strip() or None
    if near and (near := labels.french_places().departement_code(near)) is None:
        problems.append(_("département inconnu : %(value)s", value=args.get("near")))
    size_text = (args.get("size") or "").strip().replace(" ", "").replace("\u202f", "")
    size = None
    if size_text:
        if not size_text.isdigit() or not 0 < int(size_text) <= SIZE_MAX:
            problems.append(_("population : un nombre d'habitants, pas « %(value)s »", value=args.get("size")))
        else:
            size = int(size_text)
    region = (args.get("region") or "").strip()[:200] or None
    if problems:
        return None, problems
    return Request(code, region, theme, near, size), []


def find(request_: Request, limit: int = 10, exclude: frozenset = frozenset(), page: bool = False) -> list[Match]:
    """Ranked collectivités; on a page (`page`), only those present in the country (matching.match)."""
    return match(_registry(), request_, labels.french_places(), labels.country_name, limit=limit, lang=lang(),
                 exclude=exclude, page=page, elsewhere=not page, groups=None if page else labels.countries().groups)


@matchmaking.route("/trouver-un-partenaire")
def find_partner():
    wanted, problems = request_from_args(request.args)
    results = find(wanted, limit=20) if wanted else []
    codes = _registry().countries()
    countries = sorted(((c, labels.country_name(c, lang())) for c in codes), key=lambda pair: sort_key(lang())(pair[1]))
    departements = sorted(labels.french_places().departements["nom"].items(), key=lambda pair: pair[0])
    return render_template("match.html", results=results, wanted=wanted, problems=problems, args=request.args,
                           countries=countries, departements=departements, themes=list(THEMES)), 400 if problems else 200


@matchmaking.route("/api/match")
def api_match():
    wanted, problems = request_from_args(request.args)
    if problems or wanted is None:
        abort(400, description="; ".join(problems) or _("le pays est nécessaire (code ISO ou nom)"))
    limit = request.args.get("limit", "10")
    limit = min(max(int(limit), 1), 100) if limit.isdigit() else 10
    return jsonify({"results": [m.to_dict() for m in find(wanted, limit)]})


def also_working(country: str, themes: list[str] | None = None, departement: str | None = None,
                 exclude: str | None = None) -> list[Match]:
    """Other collectivités present in `country` (on its first theme first, nearest first): « Ils
    travaillent aussi au … / sur … » on a partnership or collectivité page."""
    wanted = Request(country, theme=(themes or [None])[0], near=departement)
    return find(wanted, limit=ALSO_LIMIT, exclude=frozenset({exclude}) if exclude else frozenset(), page=True)


def template_helpers() -> dict:
    return {"also_working": also_working}
