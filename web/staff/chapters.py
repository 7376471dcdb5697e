"""The répertoires' editorial chapters (foreword, the country's local government…): one
Markdown file per country in the instance's CHAPTERS_DIR, previewed here, typeset by
repertoire/pdf/chapters.py. The PDF cache keys on the chapter file's content
(repertoire/pdf/service.py `cache_key`), so the next PDF after a save carries it.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from index import labels
from repertoire.pdf.chapters import MARKDOWN, SAMPLES, chapter_file
from repertoire.text import fold

from . import registry, staff

TEXT_LIMIT = 200_000


class ChapterForm(FlaskForm):
    text = TextAreaField(_l("Texte du chapitre (Markdown)"), validators=[Length(max=TEXT_LIMIT)])
    preview = SubmitField(_l("Prévisualiser"))
    save = SubmitField(_l("Enregistrer"))


def preview_html(text: str) -> Markup:
    """The Markdown as HTML for the preview, read as the PDF reads it (raw HTML escaped)."""
    return Markup(MARKDOWN.render(text))


def write_chapter(folder: Path, code: str, text: str) -> Path:
    """Write `<CC>.md` atomically: a temporary file beside it, then os.replace, so that a PDF
    being made reads the old text or the new, never half of one."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{code}.md"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{code}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def chapters_dir() -> Path:
    return Path(current_app.config["CHAPTERS_DIR"])


def origin(code: str) -> str:
    """`instance`, `sample` or `none`: where the PDF takes the country's chapter from."""
    found = chapter_file(code, chapters_dir())
    if found is None:
        return "none"
    return "sample" if found.parent == SAMPLES else "instance"


@staff.route("/chapitres")
def chapters():
    rows = sorted(registry().count_by("country").items())
    countries = [{"code": code, "count": count, "origin": origin(code)} for code, count in rows]
    countries.sort(key=lambda c: fold(labels.country_name(c["code"])))
    return render_template("staff/chapters.html", countries=countries)


@staff.route("/chapitres/<code>", methods=["GET", "POST"])
def chapter(code: str):
    code = code.upper()
    if len(code) != 2 or code not in labels.countries().table.index:
        abort(404)
    found = chapter_file(code, chapters_dir())
    form = ChapterForm(data={"text": found.read_text(encoding="utf-8") if found else ""})
    preview = None
    if form.validate_on_submit():
        text = (form.text.data or "").replace("\r\n", "\n").replace("\r", "\n")
        if form.save.data:
            write_chapter(chapters_dir(), code, text.rstrip("\n") + "\n" if text.strip() else "")
            current_app.logger.info("chapter %s saved by %s (%d characters)", code, current_user.email, len(text))
            flash(_("Chapitre enregistré : le prochain répertoire PDF de ce pays le contiendra."))
            return redirect(url_for("staff.chapter", code=code))
        preview = preview_html(text)
    elif not form.errors and found:
        preview = preview_html(form.text.data or "")
    return render_template("staff/chapter.html", code=code, form=form, preview=preview, origin=origin(code),
                           path=chapters_dir() / f"{code}.md"), 400 if form.errors else 200
