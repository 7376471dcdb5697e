"""The public pages (server-rendered, no JavaScript needed)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from index import SearchParams
from repertoire.export import FORMATS

from . import assemble, directories
from .auth import role
from .labels import lang
from .throttle import heavy, limited

pages = Blueprint("pages", __name__)
EXPORTS = ("csv", "xlsx", "geojson", "gpkg")  # gpkg: a GeoPackage for QGIS


def _context():
    """The request's registry and the app's search index (given to web.init_app by app.py)."""
    return current_app.extensions["registry"](), current_app.extensions["search_index"]


@pages.route("/")
def home():
    registry, _ = _context()
    return render_template("home.html", figures=assemble.key_figures(registry))


@pages.route("/recherche")
def search():
    registry, index = _context()
    params = SearchParams.from_args(request.args)
    params.lang = lang()
    return render_template("search.html", result=index.search(params, registry), params=params, exports=EXPORTS)


@pages.route("/recherche/export.<fmt>")
@limited("export")  # one export per client at a time, two in all (web/throttle.py)
@heavy
def export(fmt: str):
    """A search's partnerships as a file, streamed: `?edition=donnees` for field names and codes,
    else French headers and names (CSV, XLSX); only the fields the reader's role may see."""
    if fmt not in EXPORTS:
        abort(404)
    _, index = _context()
    edition = "data" if request.args.get("edition") == "donnees" else "readable"
    ids = assemble.search_ids(index, SearchParams.from_args(request.args))
    chosen = FORMATS[fmt]
    name = f"partenariats{'-donnees' if edition == 'data' and len(chosen.editions) > 1 else ''}.{chosen.extension}"
    body = assemble.export_stream(current_app.config["REGISTRY"], ids, fmt, role(), edition)
    # content_type, not mimetype: Flask would add a second "; charset=utf-8" to text/csv's own
    return Response(body, content_type=chosen.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@pages.route("/partenariats/<pid>")
def partnership(pid: str):
    registry, _ = _context()
    record = assemble.partnership(registry, pid, role())
    if record is None:  # merged into another partnership: its address leads there for good
        moved = registry.moved_to(pid) or abort(404)
        return redirect(url_for("pages.partnership", pid=moved, **request.args), 301)
    return render_template("partnership.html", p=record)


def _page() -> int:
    """The page asked for (`?page=`), 1 when absent or not a number."""
    return request.args.get("page", 1, type=int) or 1


@pages.route("/pays")
def countries():
    """Every partner country by continent, with its number of partnerships."""
    registry, _ = _context()
    return render_template("countries.html", continents=directories.countries(registry, lang()))


@pages.route("/collectivites")
@heavy  # groups the whole registry by collectivité (~20,000 at 390,000 partnerships)
def collectivites():
    """Every French collectivité with a partnership, a page at a time, by région if asked."""
    registry, _ = _context()
    region = request.args.get("region", "")
    view = directories.collectivites(registry, lang(), region, _page())
    if region and not view["total"]:
        abort(404)
    return render_template("collectivites.html", view=view)


@pages.route("/collectivites/<path:french_id>")
def collectivite(french_id: str):
    registry, _ = _context()
    view = assemble.collectivite(registry, french_id) or abort(404)
    return render_template("collectivite.html", c=view)


@pages.route("/pays/<code>")
@heavy  # a big country's page takes seconds (web/throttle.py)
def country(code: str):
    registry, _ = _context()
    view = assemble.country(registry, code, lang(), full=False) or abort(404)
    page, shown, contents = directories.paged_groups(view["regions"], _page())
    for group in shown:  # only the partnerships of this page are read in full
        group["partnerships"] = assemble.records(registry, group["partnerships"])
    last = page.start + sum(len(g["partnerships"]) for g in shown)
    return render_template("country.html", country=view, page=page, shown=shown, contents=contents, last=last)
