"""Rejected rows: the list, per survey file, and a page to mend one (repertoire/review.py)."""
from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Length, Optional

from index import labels
from repertoire import review
from repertoire.places import UnresolvedPlace

from ..labels import lang
from . import after_change, columns, references, registry, staff

PER_PAGE = 50

# Reasons as the core words them (ingest, normalize, places) → French; what follows the
# pattern's groups is survey data, shown as read.
REASONS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"missing French collectivité$", _l("collectivité française absente")),
    (r"missing partner country$", _l("pays partenaire absent")),
    (r"missing partner$", _l("collectivité partenaire absente")),
    (r"incomplete response$", _l("questionnaire incomplet (abandonné avant la fin)")),
    (r"impossible date: since$", _l("date de signature impossible")),
    (r"impossible date: until$", _l("date de fin impossible")),
    (r"unknown country: (?P<x>.*)$", _l("pays inconnu : %(x)s")),
    (r"domestic pair", _l("paire franco-française : le partenaire est en France")),
    (r"unknown collectivité ['\"](?P<x>.*)['\"] in département (?P<d>\S+)$",
     _l("collectivité inconnue : %(x)s (département %(d)s)")),
    (r"unknown collectivité ['\"](?P<x>.*)['\"]$", _l("collectivité inconnue : %(x)s")),
    (r"ambiguous (?:collectivité|intercommunalité) ['\"](?P<x>.*?)['\"]: (?P<y>.*); give the [^;]*$",
     _l("homonymes de « %(x)s » : %(y)s ; précisez la collectivité")),
    (r"unknown French code (?P<x>.*)$", _l("code de collectivité inconnu : %(x)s")),
    (r"unknown département ['\"](?P<x>.*)['\"]$", _l("département inconnu : %(x)s")),
    (r"unknown région ['\"](?P<x>.*)['\"]$", _l("région inconnue : %(x)s")),
    (r"unknown intercommunalité ['\"](?P<x>.*)['\"]$", _l("intercommunalité inconnue : %(x)s")),
    (r"no such rejected row", _l("cette ligne n'est plus rejetée (déjà corrigée ?)")),
))


@staff.app_template_filter("reason")
def reason_label(reason: str | None) -> str:
    """A reject's reason in the page's language (English reasons are the core's)."""
    for pattern, message in REASONS:
        if m := pattern.match(reason or ""):
            return str(message) % m.groupdict() if m.groupdict() else str(message)
    return reason or ""


class MendForm(FlaskForm):
    collectivite = RadioField(_l("Collectivité française"), choices=[], validators=[Optional()])
    collectivite_text = StringField(_l("ou saisissez un code INSEE, un identifiant (commune:14446) ou un nom"),
                                    validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Pays partenaire"), choices=[], validators=[Optional()])
    partner_name = StringField(_l("Collectivité partenaire"), validators=[Optional(), Length(max=300)])
    since = StringField(_l("Année de signature"), validators=[Optional(), Length(max=40)])


@staff.route("/rejets")
def rejects():
    reg = registry()
    page = request.args.get("page", 1, type=int)
    listing = review.rejects_page(reg, request.args.get("source") or None, page, PER_PAGE)
    return render_template("staff/rejects.html", listing=listing, files=review.file_counts(reg))


def mend_form(found: dict, seen: review.Review) -> MendForm:
    """The form with this row's choices: its homonyms or near spellings, every country."""
    places = seen.homonyms or seen.suggestions
    form = MendForm(data={"collectivite": "", "partner_name": seen.partner_name or "", "since": seen.since or ""})
    as_read = _("telle que lue : « %(name)s »", name=seen.french_name) if seen.french_name else _("telle que lue")
    form.collectivite.choices = [("", as_read)] + [
        (c.french_id, f"{c.name} — {labels.departement_name(c.departement)} ({c.departement})" if c.departement else c.name)
        for c in places]
    read = _("tel que lu : « %(name)s »", name=seen.country_text) if seen.country_text else _("tel que lu")
    form.country.choices = [("", read)] + review.country_choices(references(), lang())
    return form


@staff.route("/rejets/<int:rowid>", methods=["GET", "POST"])
def reject(rowid: int):
    reg = registry()
    found = review.reject(reg, rowid) or abort(404)
    seen = review.candidates(reg, found, references(), columns())
    form = mend_form(found, seen)
    outcome = None
    if form.validate_on_submit():
        french_id = form.collectivite.data or None
        if (form.collectivite_text.data or "").strip():
            try:
                french_id = review.find_collectivite(form.collectivite_text.data, references()).french_id
            except UnresolvedPlace as error:
                form.collectivite_text.errors.append(reason_label(str(error)))
        if not form.collectivite_text.errors:
            outcome = review.mend(reg, found["key"], references(), columns(), french_id=french_id,
                                  country=form.country.data or None, partner_name=form.partner_name.data,
                                  since=form.since.data, user=current_user.email)
        if outcome and outcome.mended:
            current_app.logger.info("reject %s %s row %s mended by %s: %s", found["source"], found["sheet"],
                                    found["row"], current_user.email, outcome.partnership_id)
            after_change(reg)
            record = reg.partnership(outcome.partnership_id)
            flash(_("Ligne %(row)s de %(source)s corrigée : %(french)s – %(partner)s (%(verdict)s).",
                    row=found["row"], source=found["source"], french=record["french_name"],
                    partner=record["partner_name"],
                    verdict=_("nouveau partenariat") if outcome.verdict == "mended" else _("fusionnée avec le partenariat existant")))
            return redirect(url_for("pages.partnership", pid=outcome.partnership_id))
    status = 400 if form.errors else 200
    return render_template("staff/reject.html", r=found, seen=seen, form=form, outcome=outcome), status
