"""Redacting the history: staff take a value out of a partnership's history (an old description
that held a name, a phone number); the value moves to an audit log only staff read (issue 13)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from . import after_change, registry, staff


@staff.route("/partenariats/<pid>/historique/<int:history_id>/masquer/<side>", methods=["POST"])
def redact(pid: str, history_id: int, side: str):
    """Redact the `old` or `new` value of one history row of partnership `pid`."""
    reg = registry()
    if side not in ("old", "new") or not any(h.id == history_id for h in reg.history(pid)):
        abort(404)
    try:
        reg.redact(history_id, side, current_user.email, request.form.get("reason", ""))
    except ValueError:
        flash(_("Cette valeur est déjà masquée."), "error")
    else:
        current_app.logger.info("history row %s (%s) of %s redacted by %s", history_id, side, pid, current_user.email)
        after_change(reg)
        flash(_("Valeur retirée de l’historique ; elle reste dans le journal des masquages."))
    return redirect(url_for("pages.partnership", pid=pid))


@staff.route("/journal")
def redactions():
    """The audit log of redactions: what was taken out of which history, by whom, when."""
    return render_template("staff/redactions.html", entries=registry().redactions())
