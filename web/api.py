"""The JSON API: the same data as the pages, as the public sees them whoever asks (repertoire.fields)."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request

from index import SearchParams

from . import assemble

api = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).with_name("openapi.json")


def _context():
    """The request's registry and the app's search index (given to web.init_app by app.py)."""
    return current_app.extensions["registry"](), current_app.extensions["search_index"]


@api.route("/search")
def search():
    registry, index = _context()
    return jsonify(index.search(SearchParams.from_args(request.args), registry).to_dict())


@api.route("/partnerships/<pid>")
def partnership(pid: str):
    registry, _ = _context()
    return jsonify(assemble.partnership(registry, pid, "public") or abort(404, description=f"no partnership {pid}"))


@api.route("/collectivites/<path:french_id>")
def collectivite(french_id: str):
    registry, _ = _context()
    return jsonify(assemble.collectivite(registry, french_id) or abort(404, description=f"no partnership of {french_id}"))


@api.route("/countries/<code>")
def country(code: str):
    registry, _ = _context()
    lang = request.args.get("lang", "fr")
    return jsonify(assemble.country(registry, code, lang) or abort(404, description=f"no partnership with {code}"))


@api.route("/openapi.json")
def openapi():
    return jsonify(json.loads(OPENAPI.read_text(encoding="utf-8")))
