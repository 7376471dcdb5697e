"""The campaign's web form: the pre-filled survey of one collectivité behind a signed link, no account.

The link carries the collectivité's id signed with the app's secret key (itsdangerous, as
Flask's sessions are): whoever has it may answer for that collectivité, and nobody can make
one for another. The form shows what the workbook shows, and its answer goes through the same
code (repertoire/campaign.py): rows left as sent are confirmed, edited fields change, a link
marked ended or removed gets the status `termine`, new rows take the usual checks. The values
shown are signed into the page too, so that the answer is compared with what was sent.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from index import labels
from repertoire import campaign
from repertoire.ingest import _record_file
from repertoire.model import FileReport, KINDS, STATUS_LABELS, THEMES
from repertoire.collation import sort_key

survey = Blueprint("survey", __name__)
LINK_DAYS = 400  # a campaign's link lasts the year of the campaign and its reminders
NEW_ROWS = 3
MAX_ROWS = 500


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"repertoire-campaign-{purpose}")


def signed_link(french_id: str) -> str:
    """The address of a collectivité's form, to send by e-mail."""
    return url_for("survey.form", token=_signer("link").dumps(french_id), _external=True)


def _french_id(token: str) -> str:
    try:
        return _signer("link").loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        abort(410, description="Ce lien d'enquête a expiré : demandez-en un nouveau à l'équipe du réseau.")
    except BadSignature:
        abort(404, description="Lien d'enquête inconnu.")


def _registry():
    return current_app.extensions["registry"]()


def _choices() -> dict:
    lang = "en" if str(request.args.get("lang") or request.cookies.get("lang")) == "en" else "fr"
    pick = lambda d: [(code, labels[lang == "en"]) for code, labels in d.items()]  # noqa: E731
    codes = sorted(labels.countries().table.index, key=lambda c: sort_key(lang)(labels.country_name(c, lang)))
    return {"kinds": pick(KINDS), "statuses": pick(STATUS_LABELS), "themes": pick(THEMES),
            "countries": [(c, labels.country_name(c, lang)) for c in codes if c != "FR"]}


@survey.route("/enquete/<token>", methods=["GET", "POST"])
def form(token: str):
    french_id = _french_id(token)
    registry = _registry()
    links = campaign.links_of(registry, [french_id])
    place = labels.french_places().record(french_id)
    name = links[0]["french_name"] if links else place.name if place else abort(404)
    if request.method == "POST":
        return _answer(token, french_id, name)
    sent = {r["id"]: campaign.sent_values(r) | {"french_id": french_id} for r in links}
    return render_template("survey_form.html", name=name, links=links, choices=_choices(), new_rows=NEW_ROWS,
                           sent=_signer("sent").dumps(sent), token=token)


def _row(prefix: str) -> dict:
    """A form row as an answer row's values: codes for a known link (campaign.coded reads them),
    the French labels for a new one (read by the survey vocabularies, as a workbook's are)."""
    get = lambda name: (request.form.get(f"{prefix}-{name}") or "").strip() or None  # noqa: E731
    values = _values(prefix, get)
    if prefix.startswith("new"):
        values["kind"] = KINDS[values["kind"]][0] if values["kind"] in KINDS else values["kind"]
        values["status"] = STATUS_LABELS[values["status"]][0] if values["status"] in STATUS_LABELS else values["status"]
        values["themes"] = [THEMES[t][0] for t in values["themes"]]
    return values


def _values(prefix: str, get) -> dict:
    return {"partner_name": get("partner_name"), "partner_country": get("partner_country"),
            "partner_region": get("partner_region"), "kind": get("kind"), "status": get("status"),
            "since": get("since"), "until": get("until"), "description": get("description"),
            "themes": [t for t in request.form.getlist(f"{prefix}-themes") if t in THEMES]}


def _answer(token: str, french_id: str, name: str):
    try:
        sent = _signer("sent").loads(request.form.get("sent", ""), max_age=LINK_DAYS * 86400)
    except BadSignature:
        abort(400, description="Formulaire altéré : rechargez la page du lien reçu.")
    today = date.today().isoformat()
    answer = campaign.Answer([french_id], today, sent, channel="web")
    for number, pid in enumerate(request.form.getlist("pid")[:MAX_ROWS], start=1):
        if pid in sent and not request.form.get(f"{pid}-gone"):
            answer.rows.append(campaign.AnswerRow(campaign.LINKS_SHEET, number, _row(pid), pid, french_id))
    for number in range(1, NEW_ROWS + 1):
        values = _row(f"new{number}")
        if values["partner_name"] or values["partner_country"]:
            answer.rows.append(campaign.AnswerRow(campaign.NEW_SHEET, number, values, None, french_id))
    payload = json.dumps([french_id, sorted(request.form.items(multi=True))], ensure_ascii=False, default=str)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    source = f"formulaire-web-{french_id.replace(':', '-')}-{today}"
    from .staff import after_change, columns, references  # the staff's loaded references, shared

    refs = references()
    registry = _registry()
    report = FileReport(source)
    with registry.transaction():
        chunks = campaign.record_answer(registry, Path(source), digest, answer, refs, report)
        _record_file(registry, Path(source), digest, refs, columns(), report, None, chunks)
    after_change(registry)
    return render_template("survey_thanks.html", name=name, report=report, token=token)


def stale_links(french_id: str) -> set[str]:
    """The ids of a collectivité's links « à vérifier » (no confirmation for STALE_YEARS years)."""
    return campaign.stale_ids(_registry(), "p.french_id = ?", [french_id])


def template_helpers() -> dict:
    return {"stale_links": stale_links}
