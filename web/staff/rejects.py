"""Rejected rows: the list, per survey file, and a page to mend one (repertoire/review.py)."""
from __future__ import annotations

from typing import Mapping

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Length, Optional

from index import labels
from repertoire import fields, review
from repertoire.places import UnresolvedPlace
from repertoire.reasons import FIELD_PARAMS, Reason

from ..labels import lang
from . import after_change, columns, references, registry, staff

PER_PAGE = 50

# Reject reasons by code (repertoire/reasons.py), in French, translated by Flask-Babel; their
# parameters are survey data, shown as read, except `field`, a field's label in the page's language.
REASONS: dict[str, LazyString] = {
    "incomplete_response": _l("questionnaire incomplet (abandonné avant la fin)"),
    "missing_field": _l("champ obligatoire vide : %(field)s"),
    "impossible_date": _l("date impossible : %(field)s"),
    "unknown_country": _l("pays inconnu : %(text)s"),
    "domestic_pair": _l("paire franco-française : le partenaire est en France"),
    "unknown_collectivite": _l("collectivité inconnue : %(name)s"),
    "unknown_collectivite_in_departement": _l("collectivité inconnue : %(name)s (département %(departement)s)"),
    "unknown_departement": _l("département inconnu : %(name)s"),
    "unknown_region": _l("région inconnue : %(name)s"),
    "unknown_epci": _l("intercommunalité inconnue : %(name)s"),
    "unknown_french_code": _l("code de collectivité inconnu : %(code)s"),
    "ambiguous_commune": _l("homonymes de « %(name)s » : %(candidates)s ; précisez le département"),
    "ambiguous_commune_in_departement": _l("homonymes de « %(name)s » : %(candidates)s ; précisez le code INSEE"),
    "ambiguous_epci": _l("homonymes de « %(name)s » : %(candidates)s ; précisez le département ou le SIREN"),
    "not_a_french_id": _l("code de collectivité française invalide : %(code)s"),
    "unknown_value": _l("valeur inconnue pour %(field)s : %(text)s"),
    "not_a_number": _l("nombre attendu pour %(field)s : %(text)s"),
    "partnership_gone": _l("partenariat absent du registre (fusionné ou supprimé depuis l'envoi de l'enquête)"),
    # values refused on the edit form, or in a campaign answer (repertoire/editing.py)
    "not_a_year": _l("%(field)s : « %(text)s » n'est pas une année"),
    "year_out_of_range": _l("%(field)s : année hors de %(first)s–%(last)s (%(year)s)"),
    "not_in_vocabulary": _l("%(field)s : valeur inconnue « %(text)s »"),
    "too_long": _l("%(field)s : trop long (%(length)s caractères, %(limit)s au plus)"),
    "not_editable": _l("%(field)s : champ non modifiable"),
    "partner_name_needed": _l("%(field)s : un partenariat doit nommer son partenaire"),
    "ends_before_start": _l("%(field)s : fin (%(until)s) avant le début (%(since)s)"),
    "partner_taken": _l("%(field)s : un autre partenariat de cette collectivité a ce partenaire : %(other)s "
                        "(fusionnez-les depuis la page des doublons)"),
    "no_such_reject": _l("cette ligne n'est plus rejetée (déjà corrigée ?)"),
}


@staff.app_template_filter("reason")
def reason_label(reason: Reason | Mapping | str | None) -> str:
    """A reject's reason in the page's language, from its code; a reason recorded before codes
    existed (a bare sentence) is shown as written."""
    found = Reason.of(reason)
    if found is None:
        return ""
    if found.code not in REASONS:
        return str(found)
    params = dict(found.params)
    for name in FIELD_PARAMS:
        if name in params and params[name] in fields.BY_NAME:
            params[name] = fields.label(params[name], lang())
    return str(REASONS[found.code]) % params


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
                form.collectivite_text.errors.append(reason_label(error.reason))
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
