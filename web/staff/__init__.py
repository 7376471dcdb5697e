"""The staff's pages, all under /staff/: upload surveys, review rejects, edit partnerships,
edit the répertoires' chapters. One guard for the whole blueprint, so no page can forget it.
"""
from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_babel import gettext as _

from index import labels
from repertoire import unplaced
from repertoire.columns import ColumnMap
from repertoire.ingest import References
from repertoire.normalize import Vocabulary
from repertoire.templates import TemplateStore
from repertoire.registry import Registry

from ..auth import require
from ..jobs import Jobs

staff = Blueprint("staff", __name__, url_prefix="/staff")


@staff.before_request
def staff_only() -> None:
    require("staff")


_loading = threading.Lock()


def registry() -> Registry:
    return current_app.extensions["registry"]()


def jobs() -> Jobs:
    """The app's jobs table (web/jobs.py), opened once."""
    if "jobs" not in current_app.extensions:
        current_app.extensions["jobs"] = Jobs(current_app.config["JOBS"])
    return current_app.extensions["jobs"]


def references() -> References:
    """Reference data, loaded once per app (a few seconds), sharing the places the labels use;
    the vocabularies with the instance's own words, as `repertoire ingest` reads them."""
    extensions = current_app.extensions
    if "references" not in extensions:
        with _loading:
            if "references" not in extensions:
                extensions["references"] = References(places=labels.french_places(), countries=labels.countries(),
                                                      vocabulary=instance_vocabulary())
    return extensions["references"]


def instance_vocabulary() -> Vocabulary:
    """The vocabularies, with the words staff added in the instance's `vocabulary/` folder."""
    return Vocabulary(extra=Path(current_app.instance_path) / "vocabulary")


def template_store() -> TemplateStore:
    """The column mappings staff saved (repertoire/templates.py)."""
    return TemplateStore(current_app.config["TEMPLATES"])


def columns() -> ColumnMap:
    """How survey columns are read in this instance: its extra headers and its saved mappings."""
    return ColumnMap.load(current_app.config["COLUMNS"], templates=template_store())


def after_change(reg: Registry) -> None:
    """The search index (and whatever else hooks in, web/catchup.py's after_ingest hook) follows the registry."""
    for hook in current_app.extensions.get("after_ingest", []):
        hook(reg)


@staff.context_processor
def job_labels() -> dict:
    return {"job_states": {"queued": _("en attente"), "running": _("en cours"), "done": _("terminé"),
                           "failed": _("échoué"), "interrupted": _("interrompu")},
            "unmapped_fields": {"kind": _("Type de partenariat"), "status": _("Statut"), "themes": _("Thématiques")}}


@staff.route("/")
def dashboard():
    reg = registry()
    figures = {"partnerships": reg.count(),
               "rejects": reg.reject_count(),
               "sources": reg.survey_file_count(),
               "unplaced": len(unplaced.unplaced(reg).partners)}
    return render_template("staff/dashboard.html", figures=figures, jobs=jobs().recent(5))


from . import chapters, duplicates, edit, history, imports, places, rejects, repertoires, upload  # noqa: E402,F401  (their routes join the blueprint)
from . import campaign, partner_requests  # noqa: E402,F401  (issue 16: survey campaign, partner requests)
