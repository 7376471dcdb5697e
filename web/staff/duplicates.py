"""Probable duplicates (two spellings of one link) for staff to fold: `repertoire merge` in the browser."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from . import after_change, registry, staff


@staff.route("/doublons")
def duplicates():
    pairs = registry().probable_duplicates()
    return render_template("staff/duplicates.html", pairs=pairs, form=FlaskForm())


@staff.route("/doublons/fusion", methods=["POST"])
def merge():
    form = FlaskForm()
    keep, other = request.form.get("keep", ""), request.form.get("other", "")
    if not form.validate_on_submit() or not keep or not other:
        abort(400)
    reg = registry()
    try:
        kept = reg.merge(keep, other)
    except (KeyError, ValueError) as error:
        flash(_("Fusion impossible : %(reason)s", reason=str(error).strip("'\"")), "error")
        return redirect(url_for("staff.duplicates"))
    current_app.logger.info("merge %s into %s by %s", other, keep, current_user.email)
    after_change(reg)
    flash(_("Fusionné : %(name)s – %(partner)s.", name=kept["french_name"], partner=kept["partner_name"]))
    return redirect(url_for("staff.duplicates"))
