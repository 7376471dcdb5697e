"""The staff's pages, all under /staff/: upload surveys, review rejects, edit partnerships,
edit the répertoires' chapters. One guard for the whole blueprint, so no page can forget it.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from ..auth import require
from ..jobs import Jobs

staff = Blueprint("staff", __name__, url_prefix="/staff")


@staff.before_request
def staff_only() -> None:
    require("staff")


def registry():
    return current_app.extensions["registry"]()


@staff.context_processor
def job_labels() -> dict:
    return {"job_states": {"queued": _("en attente"), "running": _("en cours"), "done": _("terminé"),
                           "failed": _("échoué"), "interrupted": _("interrompu")}}


@staff.route("/")
def dashboard():
    reg = registry()
    figures = {"partnerships": reg.count(),
               "rejects": reg.iter_rows("SELECT count(*) FROM rejects").fetchone()[0],
               "sources": reg.iter_rows("SELECT count(DISTINCT file_hash) FROM sources").fetchone()[0]}
    return render_template("staff/dashboard.html", figures=figures, jobs=Jobs(current_app.config["JOBS"]).recent(5))


from . import chapters, duplicates, edit, rejects, repertoires, upload  # noqa: E402,F401  (their routes join the blueprint)
