"""Survey upload: files dropped in the browser are inspected first — the mapping of their
columns shown and corrected before anything is written (repertoire/inspect.py), corrections
saved as template mappings (repertoire/templates.py) — then become a background ingest whose
progress and result the staff watch (web/jobs.py); the index follows, maps and PDFs read the
new registry."""
from __future__ import annotations

import json
import re
import secrets
import unicodedata
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.exceptions import RequestEntityTooLarge

from repertoire.inspect import FileInspection, inspect_files
from repertoire.model import SURVEY_FIELDS
from repertoire.templates import TemplateError

from . import columns, jobs, references, registry, staff, template_store

SURVEY_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")
MAX_FILES = 20
PREVIEW_ROWS = 20_000  # rows predicted per sheet before the ingest: a large file is previewed on its start
MANIFEST = "upload.json"

# What a column may be read as, in the words staff choose from ("" leaves the column out).
FIELD_LABELS: dict[str, str] = {
    "": _l("— ignorer cette colonne —"),
    "french_name": _l("Collectivité française (nom)"),
    "french_code": _l("Code de la collectivité française (INSEE, SIREN)"),
    "departement": _l("Département"),
    "french_type": _l("Type de collectivité française"),
    "partner_name": _l("Collectivité partenaire"),
    "partner_country": _l("Pays du partenaire"),
    "partner_region": _l("Région du partenaire (État, province…)"),
    "kind": _l("Type de lien"),
    "status": _l("Statut"),
    "since": _l("Depuis (année ou date de signature)"),
    "until": _l("Jusqu'à (année ou date de fin)"),
    "themes": _l("Thématiques"),
    "description": _l("Description"),
    "projects": _l("Projets"),
    "funding": _l("Financements"),
    "contacts": _l("Contacts (données personnelles)"),
    "submitted": _l("Date de réponse au questionnaire"),
    "progress": _l("Avancement du questionnaire"),
    "theme_flag": _l("Case à cocher d'une thématique"),
}
assert set(FIELD_LABELS) == {"", "theme_flag", *SURVEY_FIELDS}, "a survey field has no label"


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("Fichiers d'enquête"))


class MappingForm(FlaskForm):
    """The CSRF token; the columns' choices are read from the request (one select per column)."""


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
        token = secrets.token_hex(8)
        folder = uploads() / token
        folder.mkdir(parents=True)
        for name, storage in kept:
            storage.save(folder / name)
            if (folder / name).stat().st_size == 0:
                flash(_("%(name)s : fichier vide.", name=name), "error")
        (folder / MANIFEST).write_text(json.dumps({"files": [n for n, _ in kept], "user": current_user.email,
                                                   "job": None}, ensure_ascii=False), encoding="utf-8")
        current_app.logger.info("upload by %s: %s, %s", current_user.email, token, [n for n, _ in kept])
        return redirect(url_for("staff.mapping", token=token))
    return render_template("staff/upload.html", form=form, limits=limits(), jobs=jobs().recent())


def uploads() -> Path:
    return Path(current_app.instance_path) / "uploads"


def pending(token: str) -> tuple[Path, dict]:
    """An upload's folder and manifest (404 for anything else)."""
    folder = uploads() / token
    if not re.fullmatch(r"[0-9a-f]{16}", token) or not (folder / MANIFEST).is_file():
        abort(404)
    return folder, json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def inspect(paths: list[Path]) -> list[FileInspection]:
    """What ingesting the files would do, with the saved template mappings; nothing written."""
    return inspect_files(paths, references(), columns(), registry(), max_rows=PREVIEW_ROWS)


@staff.app_template_filter("field_label")
def field_label(code: str | None) -> str:
    """A survey field in the words staff read."""
    return str(FIELD_LABELS.get(code or "", code))


@staff.app_template_filter("alternative_label")
def alternative_label(alternative: tuple[str, float]) -> str:
    """Another field a column could be, and its score: `Pays du partenaire (45 %)`."""
    return f"{field_label(alternative[0])} ({round(alternative[1] * 100)} %)"


def choice_name(f: int, s: int, c: int) -> str:
    return f"col-{f}-{s}-{c}"


def corrections(inspections: list[FileInspection], chosen) -> tuple[list[tuple], list[str]]:
    """The sheets whose mapping staff changed, as (signature, {column: field}, file name), and
    what cannot be saved (an unknown field, one field on two columns)."""
    changed, problems = [], []
    for f, result in enumerate(inspections):
        for s, sheet in enumerate(result.sheets):
            mapping, differs = {}, False
            for column in sheet.layout.columns:
                current = column.field or ""
                value = chosen.get(choice_name(f, s, column.index), current)
                if value not in FIELD_LABELS:
                    problems.append(_("%(column)s : champ inconnu.", column=column.name))
                    value = current
                mapping[column.name] = value
                differs |= value != current
            twice = sorted({v for v in mapping.values() if v not in ("", "theme_flag") and list(mapping.values()).count(v) > 1})
            for value in twice:
                problems.append(_("%(file)s%(sheet)s : « %(field)s » est choisi pour plusieurs colonnes.", file=result.source,
                                  sheet=f" ({sheet.sheet})" if sheet.sheet else "", field=FIELD_LABELS[value]))
            if differs and not twice:
                changed.append((sheet.layout.signature, mapping, result.source))
    return changed, problems


@staff.route("/import/<token>", methods=["GET", "POST"])
def mapping(token: str):
    """The mapping of the uploaded files, corrected and previewed again until staff ingest them."""
    folder, manifest = pending(token)
    if manifest.get("job"):
        return redirect(url_for("staff.job", job_id=manifest["job"]))
    paths = [folder / name for name in manifest["files"]]
    form = MappingForm()
    inspections = inspect(paths)
    status = 200
    if form.validate_on_submit():
        changed, problems = corrections(inspections, request.form)
        for message in problems:
            flash(message, "error")
        if problems or not save_templates(changed):
            status = 400
        else:
            if changed:
                inspections = inspect(paths)  # read again, with the saved mappings
            if request.form.get("action") == "ingest":
                return redirect(url_for("staff.job", job_id=start_ingest(folder, manifest)))
    return render_template("staff/mapping.html", token=token, form=form, inspections=inspections,
                           labels=FIELD_LABELS, choice_name=choice_name, preview_rows=PREVIEW_ROWS), status


def save_templates(changed: list[tuple]) -> bool:
    """Keep staff's corrections as the template mappings of their sheet shapes; False (and a
    message) when the store cannot be written."""
    try:
        for signature, chosen, source in changed:
            template_store().save(signature, chosen, name=source)
    except (TemplateError, OSError) as error:  # the choices were checked: a store that cannot write
        flash(_("Modèle non enregistré : %(error)s", error=str(error)), "error")
        return False
    if changed:
        current_app.logger.info("template mappings saved by %s: %s", current_user.email,
                                [(signature, source) for signature, _, source in changed])
        flash(ngettext("Correspondance enregistrée comme modèle pour %(num)d feuille : les fichiers de même forme la reprendront.",
                       "Correspondances enregistrées comme modèles pour %(num)d feuilles : les fichiers de même forme les reprendront.",
                       len(changed)))
    return True


def start_ingest(folder: Path, manifest: dict) -> str:
    """The ingest job of an upload, started once (a second post goes to the same job)."""
    job_id = jobs().create("ingest", current_user.email, manifest["files"])
    manifest["job"] = job_id
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    jobs().start(job_id, ["ingest", *[str(folder / name) for name in manifest["files"]]],
                 current_app.instance_path, folder / "job.log")
    current_app.logger.info("ingest by %s: job %s, %s", current_user.email, job_id, manifest["files"])
    return job_id


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
