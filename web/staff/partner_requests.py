"""Partner requests from abroad, recorded by staff, each with the collectivités matchmaking suggests."""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from index import labels
from repertoire import partner_requests
from repertoire.model import THEMES
from repertoire.collation import sort_key

from ..labels import lang
from ..matchmaking import find, request_from_args
from . import registry, staff

SUGGESTED = 5


@staff.route("/demandes", methods=["GET", "POST"])
def partner_request_list():
    form = FlaskForm()
    reg = registry()
    problems = []
    if request.method == "POST" and form.validate_on_submit():
        requester = (request.form.get("requester") or "").strip()[:300]
        wanted, problems = request_from_args(request.form)
        until = (request.form.get("until") or "").strip()
        if not requester:
            problems.append(_("Qui demande ? (nom de la collectivité étrangère)"))
        if wanted is None and not problems:
            problems.append(_("Le pays du demandeur est nécessaire."))
        if until:
            try:
                date.fromisoformat(until)
            except ValueError:
                problems.append(_("Date limite : une date (AAAA-MM-JJ)."))
        if not problems:
            partner_requests.add(reg, {"requester": requester, "country": wanted.country, "region": wanted.region,
                                       "theme": wanted.theme, "near": wanted.near, "size": wanted.size,
                                       "description": (request.form.get("description") or "").strip()[:partner_requests.TEXT_LIMIT] or None,
                                       "until": until or None}, current_user.email)
            flash(_("Demande enregistrée : %(who)s.", who=requester))
            return redirect(url_for("staff.partner_request_list"))
    rows = [r | {"until_date": _date(r["until"]), "created_date": _date(r["created_at"])}
            for r in partner_requests.open_requests(reg)]  # dates shown in the page's language
    suggestions = {row["id"]: find(partner_requests.as_request(row), limit=SUGGESTED) for row in rows}
    codes = sorted(labels.countries().table.index, key=lambda c: sort_key(lang())(labels.country_name(c, lang())))
    return render_template("staff/partner_requests.html", rows=rows, suggestions=suggestions, form=form,
                           problems=problems, values=request.form, themes=list(THEMES),
                           countries=[(c, labels.country_name(c, lang())) for c in codes if c != "FR"],
                           departements=sorted(labels.french_places().departements["nom"].items())), 400 if problems else 200


@staff.route("/demandes/<int:request_id>/close", methods=["POST"])
def partner_request_close(request_id: int):
    if FlaskForm().validate_on_submit() and partner_requests.close(registry(), request_id):
        flash(_("Demande close."))
    return redirect(url_for("staff.partner_request_list"))


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
