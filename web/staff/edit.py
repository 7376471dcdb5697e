"""Editing a partnership by hand: its fields, checked against the vocabularies, into the
history as `staff: <email>` (repertoire/editing.py says how a later survey meets an edit)."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from repertoire import editing
from repertoire.model import KINDS, STATUSES, THEMES, UNSPECIFIED
from repertoire.normalize import FIRST_YEAR

from ..labels import label
from . import after_change, references, registry, staff
from .rejects import reason_label


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (WTForms' documented recipe)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EditForm(FlaskForm):
    partner_name = StringField(_l("Collectivité partenaire"), validators=[InputRequired(), Length(max=editing.NAME_LIMIT)])
    partner_region = StringField(_l("Région, province, préfecture"), validators=[Optional(), Length(max=editing.NAME_LIMIT)])
    kind = SelectField(_l("Type de lien"), choices=[])
    status = SelectField(_l("Statut"), choices=[])
    since = IntegerField(_l("Depuis (année)"), validators=[Optional(), NumberRange(FIRST_YEAR, date.today().year + 1)])
    until = IntegerField(_l("Jusqu'à (année)"), validators=[Optional(), NumberRange(FIRST_YEAR, date.today().year + 50)])
    themes = CheckboxesField(_l("Thématiques"), choices=[])
    description = TextAreaField(_l("Description"), validators=[Length(max=editing.TEXT_LIMIT)])
    projects = TextAreaField(_l("Projets"), validators=[Length(max=editing.TEXT_LIMIT)])
    funding = TextAreaField(_l("Financements"), validators=[Length(max=editing.TEXT_LIMIT)])
    contacts = TextAreaField(_l("Contacts (données personnelles : membres seulement)"), validators=[Length(max=editing.TEXT_LIMIT)])
    # the partnership's updated_at when the form was filled: a save over a newer state is refused
    version = HiddenField()


def edit_form(record: dict) -> EditForm:
    """The form filled with the partnership (on GET) or the posted values, with its choices."""
    initial = {name: record.get(name) for name in editing.EDITABLE}
    initial["themes"] = [t for t in (record.get("themes") or "").split(";") if t]
    initial["kind"], initial["status"] = record.get("kind") or "", record.get("status") or ""
    initial["version"] = record.get("updated_at") or ""
    form = EditForm(data=initial)
    unset = ("", _("— non renseigné —"))
    form.kind.choices = [unset] + [(code, label("kind", code)) for code in KINDS]
    form.status.choices = [("", label("status", UNSPECIFIED))] + [(code, label("status", code)) for code in STATUSES]
    form.themes.choices = [(code, label("theme", code)) for code in THEMES]
    return form


def shown_changes(form: EditForm, changes: list[dict]) -> list[dict]:
    """History rows as staff read them: the form's label of each field, labels of codes."""
    def value(name: str, text: str | None) -> str:
        if not text:
            return ""
        if name in ("kind", "status"):
            return str(label(name, text))
        if name == "themes":
            return ", ".join(str(label("theme", t)) for t in text.split(";") if t)
        return text
    rows = [h._asdict() if hasattr(h, "_asdict") else dict(h) for h in changes]  # HistoryEntry or dict
    return [h | {"field": str(getattr(form, h["field"]).label.text) if hasattr(form, h["field"]) else h["field"],
                 "old": value(h["field"], h["old"]), "new": value(h["field"], h["new"])} for h in rows]


@staff.route("/partenariats/<pid>", methods=["GET", "POST"])
def edit(pid: str):
    reg = registry()
    record = reg.partnership(pid) or abort(404)
    form = edit_form(record)
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in editing.EDITABLE}
        changed, conflict = None, None
        try:
            changed = editing.edit(reg, pid, changes, current_user.email, references().gazetteer,
                                   version=form.version.data or None)  # absent: a form without it
        except editing.EditError as error:
            getattr(form, error.field).errors.append(reason_label(error.reason))
        except editing.EditConflict as error:
            conflict = error
        if conflict is not None:
            # Nothing saved: the page shows what changed meanwhile beside this person's values,
            # and a second save (now over the current version) records them knowingly.
            current_app.logger.warning("edit conflict on %s by %s", pid, current_user.email)
            form.version.data = conflict.current or ""
            flash(_("Ce partenariat a été modifié entre-temps : rien n'a été enregistré. Comparez avec les "
                    "modifications ci-dessous, puis enregistrez à nouveau pour confirmer vos valeurs."), "error")
            return render_template("staff/edit.html", p=reg.partnership(pid), form=form, history=reg.history(pid),
                                   sources=reg.sources(pid), conflict=shown_changes(form, conflict.changes)), 409
        if not form.errors:  # an EditError marked a field: the form comes back with it (400)
            if changed:
                current_app.logger.info("partnership %s edited by %s: %s", pid, current_user.email, changed)
                after_change(reg)
                flash(_("Enregistré : %(fields)s.", fields=", ".join(str(getattr(form, f).label.text) if hasattr(form, f) else f
                                                               for f in changed)))
            else:
                flash(_("Aucune modification."))
            return redirect(url_for("staff.edit", pid=pid))
    if form.errors:
        flash(_("Modifications refusées : corrigez les champs signalés."), "error")
    return render_template("staff/edit.html", p=record, form=form, history=reg.history(pid),
                           sources=reg.sources(pid)), 400 if form.errors else 200
