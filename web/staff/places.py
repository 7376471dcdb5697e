"""Placing partners by hand: the partners no gazetteer placed (repertoire/unplaced.py), and for
one of them a map of its country where a click sets the point — or two numbers typed in,
without JavaScript. The point is checked inside the country's outline before it is saved."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from index import labels
from repertoire import unplaced
from repertoire.outlines import inside

from ..labels import lang
from . import after_change, references, registry, staff

PER_PAGE = 50


def _decimal(text):
    """A French reader types `48,85`: the comma is a decimal point here."""
    return text.strip().replace(",", ".") if isinstance(text, str) else text


class PointForm(FlaskForm):
    lat = StringField(_l("Latitude"), validators=[InputRequired(), Length(max=30)], filters=[_decimal])
    lon = StringField(_l("Longitude"), validators=[InputRequired(), Length(max=30)], filters=[_decimal])


def refusal(error: unplaced.PlacingError, country: str) -> str:
    """Why a point was refused, in the page's language."""
    if error.code == "outside":
        return _("Ce point n'est pas dans le pays du partenaire (%(country)s) : placez-le à l'intérieur de son contour.",
                 country=labels.country_name(country, lang()))
    if error.code == "range":
        return _("Ce n'est pas un point sur la Terre : latitude entre -90 et 90, longitude entre -180 et 180.")
    return _("Latitude et longitude sont des nombres, en degrés décimaux (ex. 48.8566 et 2.3522).")


@staff.route("/localiser")
def unplaced_partners():
    everything = unplaced.unplaced(registry())
    country = (request.args.get("pays") or "").upper() or None
    report = unplaced.unplaced(registry(), country) if country else everything
    countries: dict[str, int] = {}
    for p in everything.partners:
        countries[p.country] = countries.get(p.country, 0) + 1
    pages = max(1, -(-len(report.partners) // PER_PAGE))
    page = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown = report.partners[(page - 1) * PER_PAGE: page * PER_PAGE]
    return render_template("staff/unplaced.html", report=report, shown=shown, country=country, page=page,
                           pages=pages, countries=sorted(countries.items(), key=lambda c: labels.country_name(c[0], lang())))


@staff.route("/localiser/<country>/<key>", methods=["GET", "POST"])
def place_partner(country: str, key: str):
    reg = registry()
    records = unplaced.partner(reg, country, key) or abort(404)
    placed = next((r for r in records if r["partner_lat"] is not None and r["partner_lon"] is not None), None)
    form = PointForm(data={"lat": placed["partner_lat"], "lon": placed["partner_lon"]} if placed else None)
    if form.validate_on_submit():
        try:
            changed = unplaced.place(reg, country, key, form.lat.data, form.lon.data, current_user.email)
        except unplaced.PlacingError as error:
            form.lat.errors.append(refusal(error, country))
        else:
            name = records[0]["partner_name"]
            if changed:
                current_app.logger.info("partner %s/%s placed by %s at %s, %s (%d partnerships)", country, key,
                                        current_user.email, form.lat.data, form.lon.data, len(changed))
                after_change(reg)
                flash(ngettext("%(name)s placé : %(num)d partenariat sur la carte.",
                               "%(name)s placé : %(num)d partenariats sur la carte.", len(changed), name=name))
            else:
                flash(_("%(name)s était déjà à ce point.", name=name))
            return redirect(url_for("staff.unplaced_partners", pays=country))
    if form.errors:
        flash(_("Point refusé : voyez le message sous les champs."), "error")
    offered = unplaced.suggestions(reg, country, key, references().gazetteer, inside)
    return render_template("staff/place.html", records=records, country=country, key=key, form=form,
                           placed=placed, suggestions=offered), 400 if form.errors else 200
