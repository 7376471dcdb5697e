"""Country répertoires as PDF files on the site (/pays/CC/repertoire.pdf, issue 5).

repertoire.pdf typesets a book, maps/ draws its print maps (repertoire/ never imports maps/),
and this module hands them over: it sends a cached book, makes a small one within the
request's budget, and leaves a big one to a background job (`repertoire pdf --warm`). The
`repertoire pdf` command (web/cli.py) makes books with the same functions.
"""
from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_babel import gettext

from repertoire.pdf import FontError, Options, RepertoireError, cached_repertoire
from repertoire.pdf.service import Busy, being_made, cache_path
from repertoire.registry import Registry

from .auth import role_required
from .jobs import Jobs
from .throttle import take_turn

books = Blueprint("pdf", __name__)  # endpoints pdf.country_pdf, pdf.country_pdf_members


def get_registry() -> Registry:
    """The registry of this request or command (app.py opens it)."""
    return current_app.extensions["registry"]()


def print_maps(partnerships: list[dict], code: str, lang: str = "fr") -> tuple[bytes | None, bytes | None]:
    """The print maps of a country (maps/static.py): its links, and the French collectivités
    concerned; None for a map that cannot be drawn."""
    from maps import static

    drawn = []
    for name, draw in (("links", lambda: static.country_map(partnerships, code, lang=lang)),
                       ("France", lambda: static.france_map(partnerships, lang=lang))):
        try:
            drawn.append(draw())
        except Exception as exc:  # a map failure must not cost the répertoire
            current_app.logger.warning("print map (%s) of %s failed: %s", name, code, exc)
            drawn.append(None)
    return drawn[0], drawn[1]


def repertoire_file(code: str, members: bool = False, wait: float | None = None, lang: str = "fr") -> Path:
    """The cached PDF of a country, made on demand until the registry changes (once however
    many ask: repertoire/pdf/service.py); Busy when another maker holds it beyond `wait` s."""
    registry = get_registry()
    options = Options(members=members, chapters_dir=current_app.config["CHAPTERS_DIR"], lang=lang)
    return cached_repertoire(registry, code, current_app.config["CACHE_DIR"], options, wait=wait,
                             maps=lambda: print_maps(registry.matching({"country": code}), code, lang))


def partner_count(code: str) -> int:
    """Partnerships with a country; 0 for a code that is not one (answered before any work)."""
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        return 0
    return get_registry().count({"country": code.upper()})


def make_ahead(codes: list[str], user: str) -> str | None:
    """Start a background job making both editions of these countries' PDFs (`repertoire pdf
    --warm`), unless one was started for them and this registry version less than ten minutes
    ago; its job id."""
    folder = Path(current_app.config["CACHE_DIR"]) / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    # one job per registry version and set of countries: a later ingest starts its own
    marker = folder / f"warm-{get_registry().version()}-{'-'.join(codes) if len(codes) < 5 else 'all'}.queued"
    for old in folder.glob("warm-*.queued"):
        if old != marker and time.time() - old.stat().st_mtime > 600:
            old.unlink(missing_ok=True)
    try:
        if time.time() - marker.stat().st_mtime < 600:
            return None
    except FileNotFoundError:
        pass
    marker.touch()
    jobs = Jobs(current_app.config["JOBS"])
    job_id = jobs.create("pdf", user, codes)
    logs = Path(current_app.instance_path) / "jobs"
    logs.mkdir(exist_ok=True)
    jobs.start(job_id, ["pdf", "--warm", *codes], current_app.instance_path, logs / f"{job_id}.log")
    return job_id


def book_in_preparation(code: str):
    """503 with Retry-After: the book is being made by a background job."""
    response = render_template("error.html", status=503, message=gettext(
        "Le répertoire de ce pays est en préparation : réessayez dans quelques minutes."))
    return Response(response, status=503, headers={"Retry-After": "60", "Cache-Control": "no-store"})


def send_repertoire(code: str, members: bool):
    """A country's PDF: unknown codes answer 404 at once; a cached file is sent; a small book is
    made within the request's budget (others asking meanwhile wait for that one); a big one
    (over PDF_INLINE_LIMIT partnerships) is left to a background job, and the answer is 503
    Retry-After, as it is when another maker takes longer than half the budget."""
    count = partner_count(code)
    if not count:
        abort(404, description=gettext("Aucun partenariat avec ce pays."))
    code = code.upper()
    lang = "en" if request.args.get("lang") == "en" else "fr"  # the English edition, for partners abroad
    path = cache_path(get_registry(), code, current_app.config["CACHE_DIR"],
                      Options(members=members, chapters_dir=current_app.config["CHAPTERS_DIR"], lang=lang))
    if not path.exists():
        if count > current_app.config["PDF_INLINE_LIMIT"]:
            if not being_made(path):
                make_ahead([code], "auto")
            return book_in_preparation(code)
    release = take_turn() if not path.exists() else None  # making one: a heavy turn (web/throttle.py)
    try:
        path = repertoire_file(code, members, wait=current_app.config["REQUEST_BUDGET"] / 2, lang=lang)
        handle = path.open("rb")  # open now: a newer version may replace the file while it is sent
    except Busy:
        return book_in_preparation(code)
    except RepertoireError as exc:
        abort(404, description=str(exc))
    except FontError as exc:
        abort(503, description=str(exc))
    finally:
        if release is not None:
            release()
    name = f"repertoire-{code.lower()}{'-membres' if members else ''}{'-en' if lang == 'en' else ''}.pdf"
    return send_file(handle, mimetype="application/pdf", download_name=name, max_age=3600,
                     last_modified=path.stat().st_mtime)


@books.route("/pays/<code>/repertoire.pdf")
def country_pdf(code: str):
    """The public répertoire of a country (never any contact)."""
    return send_repertoire(code, members=False)


@books.route("/pays/<code>/repertoire-membres.pdf")
@role_required("member")
def country_pdf_members(code: str):
    """The members' edition, with contacts: members and staff only."""
    return send_repertoire(code, members=True)
