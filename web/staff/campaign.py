"""The survey campaign for staff: who was sent a survey, who answered, how many links wait for a
confirmation; each collectivité's pre-filled workbook and the signed link of its web form."""
from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path

from flask import abort, render_template, request, send_file

from index import labels
from repertoire import campaign

from ..survey_form import signed_link
from . import registry, staff

PER_PAGE = 200  # collectivités per page (a network's campaign counts thousands)


@staff.route("/campagne")
def campaign_overview():
    everyone = campaign.overview(registry())
    rows = everyone
    shown = request.args.get("voir", "")
    departement = request.args.get("departement", "")
    if departement:
        rows = [r for r in rows if r["departement"] == departement]
    if shown == "a-verifier":
        rows = [r for r in rows if r["to_verify"]]
    elif shown == "sans-reponse":
        rows = [r for r in rows if r["sent"] and not r["answered"]]
    totals = {"collectivites": len(rows),
              "sent": sum(1 for r in rows if r["sent"]), "answered": sum(1 for r in rows if r["answered"]),
              "to_verify": sum(r["to_verify"] for r in rows)}
    departements = sorted({r["departement"] for r in everyone if r["departement"]})
    pages = max(1, -(-len(rows) // PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    return render_template("staff/campaign.html", rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE], totals=totals,
                           shown=shown, departement=departement, departements=departements,
                           years=campaign.STALE_YEARS, page=page, pages=pages)


def _known(french_id: str) -> str:
    """The collectivité's name; 404 for one the registry and the reference do not know."""
    if name := registry().french_name(french_id):
        return name
    place = labels.french_places().record(french_id)
    return place.name if place else abort(404)


@staff.route("/campagne/classeur/<path:french_id>")
def campaign_workbook(french_id: str):
    """The pre-filled workbook of one collectivité (recorded as sent)."""
    return _send_workbook([french_id], f"enquete-{french_id.replace(':', '-')}.xlsx", {french_id: _known(french_id)})


@staff.route("/campagne/departement/<code>.xlsx")
def campaign_departement_workbook(code: str):
    """One workbook for the collectivités of a département that the registry holds (recorded as sent)."""
    ids = [french_id for french_id, _ in registry().collectivites(departement=code)]
    return _send_workbook(ids, f"enquete-departement-{code}.xlsx") if ids else abort(404)


def _send_workbook(french_ids: list[str], name: str, names: dict | None = None):
    reg = registry()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        campaign.write_workbook(reg, french_ids, path, labels.countries().name, names)
        data = path.read_bytes()
    campaign.record_event(reg, french_ids, "sent", "xlsx", name)
    return send_file(BytesIO(data), download_name=name, as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@staff.route("/campagne/lien/<path:french_id>", methods=["GET", "POST"])
def campaign_link(french_id: str):
    """The signed link of a collectivité's web form; recorded as sent when staff say they sent it."""
    name = _known(french_id)
    link = signed_link(french_id)
    recorded = False
    if request.method == "POST":
        campaign.record_event(registry(), [french_id], "sent", "web", "")
        recorded = True
    return render_template("staff/campaign_link.html", name=name, french_id=french_id, link=link, recorded=recorded)
