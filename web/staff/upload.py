"""Survey upload: files dropped in the browser become a background ingest whose progress and
result the staff watch (web/jobs.py); the index follows, maps and PDFs read the new registry."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.exceptions import RequestEntityTooLarge

from . import jobs, staff

SURVEY_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")
MAX_FILES = 20


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Fichiers d'enquête"))


def safe_name(filename: str) -> str:
    """The file's own name (accents kept: it is shown as the source of every row), without
    any folder, control character or leading dot."""
    name = unicodedata.normalize("NFC", Path(filename.replace("\\", "/")).name)
    name = re.sub(r"[^\w .()\-]", "_", name).strip(" .")
    return name[:120] or "enquete"


def check_upload(files) -> tuple[list, list[str]]:
    """The files to ingest, and a message for each one refused."""
    kept, refused, names = [], [], set()
    for storage in files:
        if not storage or not storage.filename:
            continue
        name = safe_name(storage.filename)
        if Path(name).suffix.lower() not in SURVEY_EXTENSIONS:
            refused.append(_("%(name)s : type de fichier non pris en charge (attendu : %(types)s).",
                             name=name, types=", ".join(SURVEY_EXTENSIONS)))
        elif name.lower() in names:
            refused.append(_("%(name)s : envoyé deux fois.", name=name))
        else:
            names.add(name.lower())
            kept.append((name, storage))
    if len(kept) > MAX_FILES:
        refused.append(_("Trop de fichiers : %(n)d au plus par envoi.", n=MAX_FILES))
        kept = []
    return kept, refused


@staff.route("/import", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        kept, refused = check_upload(form.files.data or [])
        for message in refused:
            flash(message, "error")
        if not kept:
            if not refused:
                flash(_("Choisissez au moins un fichier."), "error")
            return render_template("staff/upload.html", form=form, limits=limits(), jobs=jobs().recent()), 400
        job_id = jobs().create("ingest", current_user.email, [name for name, _ in kept])
        folder = Path(current_app.instance_path) / "uploads" / job_id
        folder.mkdir(parents=True)
        paths = []
        for name, storage in kept:
            storage.save(folder / name)
            if (folder / name).stat().st_size == 0:
                flash(_("%(name)s : fichier vide.", name=name), "error")
            paths.append(str(folder / name))
        jobs().start(job_id, ["ingest", *paths], current_app.instance_path, folder / "job.log")
        current_app.logger.info("upload by %s: job %s, %s", current_user.email, job_id, [n for n, _ in kept])
        return redirect(url_for("staff.job", job_id=job_id))
    return render_template("staff/upload.html", form=form, limits=limits(), jobs=jobs().recent())


@staff.errorhandler(RequestEntityTooLarge)
def too_large(error):
    message = _("Envoi trop volumineux : %(mb)d Mo au plus par envoi.", mb=limits()["mb"])
    return render_template("error.html", status=413, message=message), 413


def limits() -> dict:
    return {"mb": (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
            "files": MAX_FILES, "types": ", ".join(SURVEY_EXTENSIONS)}


@staff.route("/travaux/<job_id>")
def job(job_id: str):
    found = jobs().get(job_id) if re.fullmatch(r"[0-9a-f]{16}", job_id) else None
    if found is None:
        abort(404)
    return render_template("staff/job.html", job=found)
