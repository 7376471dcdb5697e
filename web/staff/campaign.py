"""The survey campaign for staff: who was sent a survey, who answered, how many links wait for a
confirmation; each collectivité's pre-filled workbook and the signed link of its web form."""
from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, render_template, request, send_file

from index import labels
from repertoire import campaign

from ..survey_form import signed_link
from . import registry, staff


@staff.route("/campagne")
def campaign_overview():
    rows = campaign.overview(registry())
    shown = request.args.get("voir", "")
    if shown == "a-verifier":
        rows = [r for r in rows if r["to_verify"]]
    elif shown == "sans-reponse":
        rows = [r for r in rows if r["sent"] and not r["answered"]]
    totals = {"collectivites": len(campaign.overview(registry())) if shown else len(rows),
              "sent": sum(1 for r in rows if r["sent"]), "answered": sum(1 for r in rows if r["answered"]),
              "to_verify": sum(r["to_verify"] for r in rows)}
    return render_template("staff/campaign.html", rows=rows, totals=totals, shown=shown,
                           years=campaign.STALE_YEARS)


def _known(french_id: str) -> str:
    """The collectivité's name; 404 for one the registry and the reference do not know."""
    row = registry().iter_rows("SELECT french_name FROM partnerships WHERE french_id = ? LIMIT 1", [french_id]).fetchone()
    if row:
        return row[0]
    place = labels.french_places().record(french_id)
    return place.name if place else abort(404)


@staff.route("/campagne/classeur/<path:french_id>")
def campaign_workbook(french_id: str):
    """The pre-filled workbook of one collectivité (recorded as sent)."""
    name = _known(french_id)
    reg = registry()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"enquete-{french_id.replace(':', '-')}.xlsx"
        campaign.write_workbook(reg, [french_id], path, labels.countries().name, {french_id: name})
        data = path.read_bytes()
    campaign.record_event(reg, [french_id], "sent", "xlsx", path.name)
    from io import BytesIO
    return send_file(BytesIO(data), download_name=path.name, as_attachment=True,
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
