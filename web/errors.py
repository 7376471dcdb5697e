"""One error handler: JSON under /api/, a friendly page elsewhere; never a traceback."""
from __future__ import annotations

import sqlite3

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from index import IndexMissing

from . import budget


def wants_json() -> bool:
    return request.path.startswith("/api/")


def handle(error: Exception):
    if isinstance(error, SecurityError):  # a Host not in TRUSTED_HOSTS: no URL can be built for it
        return Response(_("Nom d'hôte non reconnu."), status=400, mimetype="text/plain")
    if budget.interrupted(error):  # the request's SQL ran past its budget (web/budget.py)
        error = budget.OverBudget()
    if isinstance(error, IndexMissing):
        status, message = 503, _("L'index de recherche n'est pas encore construit (commande « repertoire index »).")
    elif isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        # an ingest holds the registry for a whole file; a write waits 30 s, then says so
        status, message = 503, _("Le registre est occupé par un import en cours : réessayez dans un instant.")
    elif isinstance(error, HTTPException):
        status, message = error.code or 500, error.description
    else:
        current_app.logger.exception("unhandled error on %s", request.path)
        status, message = 500, InternalServerError.description
    headers = {"Retry-After": "30"} if status == 503 else {}
    if isinstance(error, HTTPException):  # Retry-After, Allow, WWW-Authenticate… of the error itself
        headers |= {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if wants_json():
        return jsonify({"error": {"status": status, "message": message}}), status, headers
    return render_template("error.html", status=status, message=message), status, headers


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle)
    app.register_error_handler(Exception, handle)
