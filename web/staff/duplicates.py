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


@staff.route("/doublons/confirmer")
def confirm():
    """Before a merge: both partnerships side by side, the spelling to keep chosen by staff."""
    reg = registry()
    pair = [reg.partnership(request.args.get(k, "")) for k in ("keep", "other")]
    if not all(pair):
        abort(404)
    return render_template("staff/merge_confirm.html", pair=pair, form=FlaskForm())


@staff.route("/doublons/distincts", methods=["POST"])
def distinct():
    """Staff's answer "not a duplicate", remembered: the pair leaves the list for good."""
    one, two = request.form.get("keep", ""), request.form.get("other", "")
    if not FlaskForm().validate_on_submit() or not one or not two:
        abort(400)
    registry().not_duplicates(one, two)
    flash(_("Noté : ce ne sont pas des doublons."))
    return redirect(url_for("staff.duplicates"))


@staff.route("/doublons/fusion", methods=["POST"])
def merge():
    form = FlaskForm()
    keep, other = request.form.get("keep", ""), request.form.get("other", "")
    if not form.validate_on_submit() or not keep or not other:
        abort(400)
    if request.form.get("spelling") == other:  # the other spelling is kept: it is the one to keep
        keep, other = other, keep
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
