"""The imported files, and undoing one (repertoire/undo.py): a file that was not a survey
leaves with its partnerships and rejects, after staff confirm what will go."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from repertoire import undo

from . import after_change, registry, staff


@staff.route("/imports")
def imports():
    """Every file the registry holds rows of, newest first, and the imports undone."""
    reg = registry()
    return render_template("staff/imports.html", files=undo.imported_files(reg), undone=undo.undone_imports(reg))


@staff.route("/imports/<file_hash>/annuler", methods=["GET", "POST"])
def undo_import(file_hash: str):
    """GET: what undoing the file would do, and a button; POST (CSRF-checked): undo it."""
    reg = registry()
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            done = undo.undo_import(reg, file_hash, current_user.email)
        except KeyError:
            abort(404)
        current_app.logger.info("import of %s (%s) undone by %s: %d partnerships removed, %d reverted, %d rejects",
                                done.source, file_hash, current_user.email, len(done.removed), len(done.reverted), done.rejects)
        after_change(reg)
        flash(_("Import de %(source)s annulé.", source=done.source))
        return redirect(url_for("staff.imports"))
    plan = undo.plan(reg, file_hash) or abort(404)
    file = next(f for f in undo.imported_files(reg) if f.file_hash == file_hash)
    return render_template("staff/undo_import.html", plan=plan, file=file, form=form)
