"""The PDF répertoires: which are up to date, and regenerating them as a background job."""
from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from repertoire.pdf import Options
from repertoire.pdf.service import cache_key

from . import jobs, registry, staff


def countries() -> list[dict]:
    """Every partner country with its count, and whether its cached PDFs match the registry."""
    reg = registry()
    folder = Path(current_app.config["CACHE_DIR"]) / "pdf"
    rows = list(reg.count_by("country").items())
    listed = []
    for code, count in rows:
        fresh = {edition: (folder / f"repertoire-{cache_key(reg, code, Options(members=edition == 'membres', chapters_dir=current_app.config['CHAPTERS_DIR']))}.pdf").exists()
                 for edition in ("public", "membres")}
        listed.append({"code": code, "count": count, "fresh": fresh})
    return listed


@staff.route("/repertoires")
def repertoires():
    return render_template("staff/repertoires.html", countries=countries(), form=FlaskForm(),
                           jobs=[j for j in jobs().recent(20) if j["kind"] == "pdf"][:5])


@staff.route("/repertoires/regenerer", methods=["POST"])
def regenerate():
    form = FlaskForm()
    codes = request.form.getlist("code")
    if not form.validate_on_submit() or not codes or not all(re.fullmatch(r"[A-Z]{2}|all", c) for c in codes):
        abort(400)
    arguments = ["pdf", "--warm"] + (["--all"] if "all" in codes else codes[:1])
    job_id = jobs().create("pdf", current_user.email, codes)
    folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(exist_ok=True)
    jobs().start(job_id, arguments, current_app.instance_path, folder / f"{job_id}.log")
    return redirect(url_for("staff.job", job_id=job_id))
