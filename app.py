"""Répertoire: the Flask app factory, its views, and the `repertoire` CLI — where the stages meet.

Imports point one way: app.py → web/, index/, maps/ → repertoire/. The map pages are in web/maps.py.
"""
from __future__ import annotations

import getpass
import json as _json
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import click
from flask import Blueprint, Flask, Response, abort, current_app, g, render_template, request, send_file
from flask.cli import FlaskGroup
from werkzeug.middleware.proxy_fix import ProxyFix
from flask_babel import gettext

import index
import maps
import web
from web.accounts import ROLES, AccountError
from web import auth, budget, outreach_cli
from web import maps as web_maps
from web.maps import get_api  # the Python API over this request's registry and the app's index
from web.auth import role_required
from web.throttle import take_turn
from web.jobs import Jobs, Tracker, report_result
from web.staff import columns as survey_columns, instance_vocabulary
from index.facets import FACET_NAMES
from repertoire.export import BINARY_FORMATS, EDITIONS, FORMATS, REJECT_COLUMNS, stream, to_csv, write
from repertoire.ingest import References, ingest_files
from repertoire.inspect import format_inspection, inspect_files
from repertoire.normalize import Vocabulary
from repertoire import undo, unplaced
from repertoire.countries import Countries
from repertoire.pdf import FontError, Options, RepertoireError, cached_repertoire, country_repertoire
from repertoire.pdf.service import Busy, being_made, cache_path
from repertoire.registry import Registry


def create_app(config: dict | None = None) -> Flask:
    """Build the app; runtime state lives in one instance folder (REPERTOIRE_INSTANCE)."""
    instance = Path(os.environ.get("REPERTOIRE_INSTANCE", "instance")).resolve()
    if config and config.get("INSTANCE"):
        instance = Path(config["INSTANCE"]).resolve()
    # Pages, styles and translations are files of the web package (web/templates, web/static,
    # web/translations), found from its own folder: an installed copy needs no checkout.
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True,
                template_folder=str(web.FOLDER / "templates"), static_folder=str(web.FOLDER / "static"))
    app.config.from_mapping(
        REGISTRY=str(instance / "registry.sqlite3"),
        INDEX_DIR=str(instance / "index"),
        CACHE_DIR=str(instance / "cache"),
        COLUMNS=str(instance / "columns.toml"),
        TEMPLATES=str(instance / "templates.json"),  # column mappings staff saved (repertoire/templates.py)
        CHAPTERS_DIR=str(instance / "chapters"),
        JOBS=str(instance / "jobs.sqlite3"),
        MAX_CONTENT_LENGTH=100 * 1024 * 1024,  # survey uploads (web/staff/upload.py)
        REQUEST_BUDGET=float(os.environ.get("REPERTOIRE_REQUEST_BUDGET", 30)),  # seconds (web/budget.py)
        PDF_INLINE_LIMIT=1000,
        MAP_LIMIT=10_000,
        INDEX_CATCH_UP=not (config or {}).get("TESTING"),  # web/catchup.py (tests turn it on themselves)  # links on one web map (/carte): more is slow to draw and unreadable  # partnerships: a bigger book is made by a background job, not a request
        # after an ingest, every country's books are made by a background job (not in tests)
        MAKE_BOOKS_AHEAD=os.environ.get("REPERTOIRE_MAKE_BOOKS_AHEAD", "1") != "0" and not (config or {}).get("TESTING"),
        JSON_SORT_KEYS=False,
        BABEL_TRANSLATION_DIRECTORIES=str(web.FOLDER / "translations"),
        **auth.CONFIG,
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)
    instance.mkdir(parents=True, exist_ok=True)
    proxies = int(app.config.get("PROXIES") or os.environ.get("REPERTOIRE_PROXIES") or 0)
    if proxies:  # behind a reverse proxy: the client's address and scheme, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.teardown_appcontext(close_registry)
    app.register_blueprint(pdf_blueprint)  # --- pdf ---
    app.register_blueprint(web_maps.maps_blueprint)  # --- maps (web/maps.py) ---
    web.init_app(app, get_registry)  # --- search, pages and API ---
    app.extensions.setdefault("during_ingest", []).append(search_index_feed)  # --- search ---
    app.extensions.setdefault("after_ingest", []).append(update_search_index)
    return app


def get_registry() -> Registry:
    """The registry of this request or command, opened once."""
    if "registry" not in g:
        g.registry = Registry(current_app.config["REGISTRY"])
        budget.guard(g.registry.db)  # a request's queries stop at its deadline (web/budget.py)
    return g.registry


def close_registry(exception: BaseException | None = None) -> None:
    registry = g.pop("registry", None)
    if registry is not None:
        registry.close()


# --- CLI -------------------------------------------------------------------------------

@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def cli() -> None:
    """Répertoire des partenariats de coopération décentralisée."""


for _command in outreach_cli.COMMANDS:  # `campaign`, `match` (web/outreach_cli.py)
    cli.add_command(_command)


@cli.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--job", hidden=True, help="Record progress and result for the staff pages (web/jobs.py).")
def ingest_command(files: tuple[str, ...], job: str | None) -> None:
    """Read survey files into the registry and report, per file, what became of each row."""
    with Tracker(current_app.config["JOBS"], job) as tracker, ExitStack() as feeds:
        # What follows the registry (the index) may take the rows as they are saved.
        during = [feeds.enter_context(start(get_registry())) for start in current_app.extensions.get("during_ingest", [])]
        reports = ingest_with_progress(files, tracker, saved=lambda rows: [feed.add(rows) for feed in during])
        count = get_registry().count()
        click.echo(f"Registry: {count} partnerships.")
        tracker.progress(1.0, "index")
        tracker.partial({"files": [report_result(r) for r in reports], "partnerships": count, "phase": "index"})
        try:
            after_ingest(get_registry())
        except Exception as error:  # the registry is committed: the web app brings the index up (web/catchup.py)
            click.secho(f"Index update failed ({type(error).__name__}: {error}); the web app catches up, "
                        "or run `repertoire index --update`.", fg="red", err=True)
        tracker.finish({"files": [report_result(r) for r in reports], "partnerships": count})
    if current_app.config["MAKE_BOOKS_AHEAD"] and any(r.accepted or r.merged for r in reports):
        codes = get_registry().countries()
        if make_ahead(codes, "ingest"):
            click.echo(f"Répertoires: {len(codes)} countries being made by a background job.", err=True)
    if any(report.error for report in reports):
        raise SystemExit(1)


def survey_references() -> References:
    """Reference data for reading surveys, with the instance's extra vocabulary."""
    return References(vocabulary=instance_vocabulary())


@cli.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON (what the upload page shows).")
def inspect_command(files: tuple[str, ...], as_json: bool) -> None:
    """Show how survey files would be read, writing nothing: per sheet, each column's field with its
    confidence and sample values, the questions, and what the rows would become."""
    registry = get_registry() if Path(current_app.config["REGISTRY"]).exists() else None  # none made
    results = inspect_files(files, survey_references(), survey_columns(), registry)
    if as_json:
        click.echo(_json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1))
    else:
        for result in results:
            click.echo(format_inspection(result))
    if any(result.error for result in results):
        raise SystemExit(1)


def after_ingest(registry: Registry) -> None:
    """What follows a change of the registry: the hooks of the sections below (the index)."""
    for hook in current_app.extensions.get("after_ingest", []):
        hook(registry)


def ingest_with_progress(files: tuple[str, ...], tracker: Tracker, saved=None) -> list:
    """Ingest file after file under a progress bar over the bytes read; print each report."""
    registry = get_registry()
    columns = survey_columns()
    references = survey_references()
    sizes = {path: Path(path).stat().st_size if Path(path).is_file() else 0 for path in files}
    total = sum(sizes.values()) or 1
    with click.progressbar(length=total, label="Ingestion", file=sys.stderr) as bar:
        reports, done = [], 0
        for path in files:
            def advance(_, share: float, path=path) -> None:
                bar.update(done + int(share * sizes[path]) - bar.pos)
                tracker.progress(bar.pos / total, Path(path).name)
            reports += ingest_files(registry, [path], references, columns, progress=advance, saved=saved)
            # committed: the job page says so even if this process dies before the end
            tracker.partial({"files": [report_result(r) for r in reports], "partnerships": registry.count(),
                             "phase": "registry"})
            done += sizes[path]
            bar.update(done - bar.pos)
    for report in reports:
        if report.error:
            click.secho(f"{report.source}: ERROR — {report.error}", fg="red", err=True)
            continue
        line = (f"{report.source}: {report.read} rows read, {report.accepted} accepted, "
                f"{report.merged} merged, {report.rejected} rejected")
        if report.unchanged:
            line += f", {report.unchanged} already ingested (unchanged)"
        click.echo(line)
        if report.campaign:  # a campaign answer (repertoire/campaign.py)
            c = report.campaign
            click.echo(f"    campaign answer of {c['survey_date']}: {c['confirmed']} confirmed unchanged, {c['changed']} changed, "
                       f"{c['ended']} ended ({c['deleted']} by a deleted row)")
        for reject in report.rejects[:20]:
            where = f"{reject.sheet}, " if reject.sheet else ""
            click.echo(f"    {where}row {reject.row}: {reject.reason}")
        if len(report.rejects) > 20:
            click.echo(f"    … and {len(report.rejects) - 20} more (see `repertoire rejects`)")
        if report.cut:  # values longer than their field allows (repertoire/normalize.py FIELD_LIMITS)
            click.echo(f"    {len(report.cut)} values cut to their field's length (the whole cell stays in the provenance):")
            for note in report.cut[:10]:
                click.echo(f"      {note}")
        for name, counts in report.unmapped.items():  # words staff may add to the vocabulary files
            if counts:
                top = ", ".join(f"{text} ({n})" for text, n in counts.most_common(10))
                click.echo(f"    {name} not recognised ({len(counts)} distinct; vocabulary/{Vocabulary.FILES[name]}): {top}")
    return reports


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True)
@click.option("--edition", type=click.Choice(EDITIONS), default="data", show_default=True,
              help="data: field names and codes, comma-separated; readable: French headers and names, "
                   "';'-separated (CSV and XLSX). Ingest reads both back.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.option("--members", "--contacts", "members", is_flag=True,
              help="Members' edition: adds funding and contacts (personal data).")
def export_command(fmt: str, edition: str, output: str | None, members: bool) -> None:
    """Export every partnership, one row each, with the fields the public (or members) may see."""
    if fmt in BINARY_FORMATS and not output:
        raise click.UsageError(f"{fmt.upper()} needs -o FILE")
    registry = get_registry()
    role = "member" if members else "public"
    if output:
        with open(output, "wb") as handle:
            write(registry.stream(), fmt, handle, role, edition)
        click.echo(f"{registry.count()} partnerships written to {output}", err=True)
        return
    out = sys.stdout.buffer
    for number, piece in enumerate(stream(registry.stream(), fmt, role, edition)):
        out.write(piece.removeprefix("\ufeff".encode()) if number == 0 else piece)
    out.flush()


@cli.command("rejects")
@click.option("--format", "fmt", type=click.Choice(["csv", "text"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False))
def rejects_command(fmt: str, output: str | None) -> None:
    """List the rejected survey rows: file, sheet, row, reason and the raw values."""
    rejects = get_registry().rejects()
    if fmt == "csv" or output:
        text = to_csv(rejects, REJECT_COLUMNS)
    else:
        text = "".join(f"{r['source']}\t{r['sheet']}\t{r['row']}\t{r['reason']}\n" for r in rejects)
        text += f"{len(rejects)} rejected rows\n"
    if output:
        Path(output).write_text(text, encoding="utf-8-sig")
        click.echo(f"{len(rejects)} rejected rows written to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("duplicates")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
def duplicates_command(fmt: str) -> None:
    """List partnerships that look like two spellings of one link (to review, then merge)."""
    pairs = get_registry().probable_duplicates()
    rows = [{"keep": a["id"], "other": b["id"], "french_name": a["french_name"], "country": a["partner_country"],
             "partner": a["partner_name"], "other_partner": b["partner_name"], "why": why} for a, b, why in pairs]
    if fmt == "csv":
        click.echo(to_csv(rows, ["keep", "other", "french_name", "country", "partner", "other_partner", "why"]), nl=False)
        return
    for row in rows:
        click.echo(f"{row['keep']} {row['other']}  {row['french_name']} – {row['partner']} / {row['other_partner']} "
                   f"({row['country']}): {row['why']}")
    click.echo(f"{len(rows)} probable duplicates; merge one with `repertoire merge KEEP OTHER`.")


@cli.command("unplaced")
@click.option("--country", help="Partner country (ISO code or name).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
def unplaced_command(country: str | None, fmt: str) -> None:
    """List the partners without a point on the map, to place by hand (/staff/localiser)."""
    code = Countries().code(country) if country else None
    if country and not code:
        raise click.ClickException(f"unknown country: {country} (an ISO code such as DE, or a name)")
    report = unplaced.unplaced(get_registry(), code)
    if fmt == "csv":
        click.echo(to_csv([p.row() for p in report.partners], unplaced.UNPLACED_COLUMNS), nl=False)
        click.echo(report.summary(), err=True)
        return
    for p in report.partners:
        click.echo(f"{p.country}  {p.name}" + (f" [{p.region}]" if p.region else "") +
                   f"  {p.partnerships} partnership{'s' if p.partnerships > 1 else ''}: {', '.join(p.collectivites)}")
    click.echo(report.summary() + ".")


@cli.command("merge")
@click.argument("keep")
@click.argument("other")
def merge_command(keep: str, other: str) -> None:
    """Merge partnership OTHER into KEEP: provenance, history and themes move over."""
    registry = get_registry()
    try:
        kept = registry.merge(keep, other)
    except (KeyError, ValueError) as error:
        raise click.ClickException(str(error).strip("'\"")) from None
    click.echo(f"{other} merged into {keep} ({kept['french_name']} – {kept['partner_name']}); "
               f"{registry.count()} partnerships.")
    after_ingest(registry)

@cli.command("undo-import")
@click.argument("source")
@click.option("--yes", is_flag=True, help="Undo without asking (scripts).")
@click.option("--by", "user", default=lambda: f"cli: {getpass.getuser()}", show_default="cli: your login",
              help="Who undoes it, as the history records.")
def undo_import_command(source: str, yes: bool, user: str) -> None:
    """Undo the import of a file (its name, or the start of its hash): the partnerships only it
    reports and its rejects leave, the others get their values back; the history records it."""
    registry = get_registry()
    files = [f for f in undo.imported_files(registry) if source in (f.source, f.file_hash) or
             (len(source) >= 8 and f.file_hash.startswith(source))]
    if not files:
        raise click.ClickException(f"no imported file {source!r}: `repertoire rejects` and /staff/imports list them")
    if len(files) > 1:
        raise click.ClickException(f"{len(files)} files are named {source}: give the start of one's hash: "
                                   + ", ".join(f"{f.file_hash[:12]} ({f.ingested_at[:16]})" for f in files))
    plan = undo.plan(registry, files[0].file_hash)
    click.echo(f"{plan.source}: {len(plan.removed)} partnerships leave, {len(plan.reverted)} reported by other "
               f"files too get their previous values back, {plan.rejects} rejected rows leave.")
    if not yes:
        click.confirm("Undo this import?", abort=True)
    undo.undo_import(registry, files[0].file_hash, user)
    click.echo(f"Import of {plan.source} undone; {registry.count()} partnerships.")
    after_ingest(registry)


@cli.group("user")
def user_group() -> None:
    """Accounts of staff and members (the public needs none)."""


@user_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="staff: everything; member: contacts and members' PDFs.")
@click.password_option(help="Asked twice when not given: at least 10 characters, hard to guess (zxcvbn), not the e-mail.")
def user_add_command(email: str, role: str, password: str) -> None:
    """Create an account, or give an existing one this role and password."""
    try:
        user = current_app.extensions["accounts"].add(email, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{user.email}: {user.role}")


@user_group.command("list")
def user_list_command() -> None:
    """The accounts, their role and last login."""
    for user in current_app.extensions["accounts"].all():
        click.echo(f"{user['email']}\t{user['role']}\tlast login: {user['last_login'] or 'never'}")


@user_group.command("remove")
@click.argument("email")
def user_remove_command(email: str) -> None:
    """Delete an account (its sessions end at their next request)."""
    if not current_app.extensions["accounts"].remove(email):
        raise click.ClickException(f"no account {email}")
    click.echo(f"{email} removed")


# --- search ---------------------------------------------------------------------------
# Full-text search (index/, issue 3): the index is rebuilt by `repertoire index`, brought up
# to date after `repertoire ingest`; pages and the JSON API are the web/ blueprints.


def search_index_feed(registry: Registry) -> index.IndexFeed:
    """during_ingest hook: a large ingest is indexed as it goes, on the other core (index/feed.py)."""
    feed = current_app.extensions["index_feed"] = index.IndexFeed(registry, current_app.config["INDEX_DIR"])
    return feed


def update_search_index(registry: Registry) -> None:
    """after_ingest hook: index what the ingestion changed (a first build if none exists)."""
    feed = current_app.extensions.pop("index_feed", None)
    report = (feed.finish() if feed else index.update_index(registry, current_app.config["INDEX_DIR"]))
    click.echo(f"Index: {report.documents} partnerships indexed in {report.seconds:.1f} s.")


@cli.command("index")
@click.option("--procs", type=int, help="Indexing processes (default: 2 from 20,000 partnerships).")
@click.option("--update", is_flag=True, help="Only what changed since the index's registry version (what follows an ingest).")
@click.option("--job", hidden=True, help="Record progress and result for the staff pages (web/jobs.py).")
def index_command(procs: int | None, update: bool, job: str | None) -> None:
    """Rebuild the search index aside, then swap it in (a running app answers throughout)."""
    if update or job:
        with Tracker(current_app.config["JOBS"], job) as tracker:
            report = index.update_index(get_registry(), current_app.config["INDEX_DIR"])
            line = f"Index: {report.documents} partnerships indexed in {report.seconds:.1f} s ({report.generation})."
            tracker.finish({"lines": [line]})
        click.echo(line)
        return
    report = index.build_index(get_registry(), current_app.config["INDEX_DIR"], procs=procs)
    click.echo(f"Index: {report.documents} partnerships in {report.seconds:.1f} s ({report.generation}).")


@cli.command("search")
@click.argument("query", required=False, default="")
@click.option("--country", multiple=True, help="Partner country (ISO code or name), repeatable.")
@click.option("--theme", multiple=True, help="Theme code (e.g. eau, culture), repeatable.")
@click.option("--region", multiple=True, help="French région code (e.g. 44), repeatable.")
@click.option("--kind", multiple=True, help="Kind: jumelage, cooperation, amitie, intention, contact.")
@click.option("--status", multiple=True, help="Status: actif, en_sommeil, termine.")
@click.option("--sort", type=click.Choice(list(index.search.SORTS)), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the /api/search document).")
def search_command(query, country, theme, region, kind, status, sort, limit, page, as_json) -> None:
    """Search partnerships: free text in French (accents, typos, ET/OU/SAUF) and filters."""
    filters = {k: list(v) for k, v in dict(country=country, theme=theme, region=region, kind=kind, status=status).items() if v}
    try:
        result = get_api().search(query, sort=sort, limit=limit, page=page, **filters)
    except index.IndexMissing:
        raise click.ClickException("No search index yet: run `repertoire index`.")
    if as_json:
        click.echo(_json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{result.total} partnerships" + (f" — did you mean: {result.suggestion}?" if result.suggestion else ""))
    for hit in result.hits:
        click.echo(f"{hit['id']}  {hit['french_name']} – {hit['partner_name']} ({hit['partner_country']})"
                   f"  {hit['kind'] or ''} {hit['since'] or ''}")
    for name in FACET_NAMES[:3]:
        top = ", ".join(f"{v} {n}" for v, n in list(result.facets[name].items())[:8])
        click.echo(f"  {name}: {top}")


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
def serve_command(host: str, port: int) -> None:
    """Start the web app (development server; use gunicorn 'app:create_app()' in production)."""
    from werkzeug.serving import run_simple

    # Flask's app.run() refuses to start from inside its own CLI; serve the app directly.
    click.echo(f"Répertoire: http://{host}:{port}/ (registry: {current_app.config['REGISTRY']})")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


# --- maps ------------------------------------------------------------------------------
# The map pages are web/maps.py's; `repertoire map` writes the same page as one file.


@cli.command("map")
@click.argument("query", required=False)
@click.option("--country", help="Partner country (ISO code, e.g. JP).")
@click.option("--theme", type=click.Choice(list(maps.filters.THEMES)), help="Theme code.")
@click.option("--kind", type=click.Choice(list(maps.filters.KINDS)), help="Kind of partnership.")
@click.option("--region", help="French région code (e.g. 44).")
@click.option("--colour-by", "colour_by", type=click.Choice(["kind", "theme"]), default="kind", show_default=True)
@click.option("--lang", type=click.Choice(web.LANGUAGES), default="fr", show_default=True, help="Language of the page.")
@click.option("--base-url", default="", help="Site address for links to partnership pages (none by default).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
def map_command(query, country, theme, kind, region, colour_by, lang, base_url, output) -> None:
    """Write a map of links as one self-contained HTML file that opens offline from disk."""
    filters = {k: [v] for k, v in dict(country=country, theme=theme, kind=kind, region=region).items() if v}
    detail = base_url.rstrip("/") + "/partenariats/" if base_url else ""
    # Templates and translations read the request: the language is that of a request for it.
    with current_app.test_request_context(f"/carte?lang={lang}"):
        chosen, note = web_maps.map_partnerships(index.SearchParams(query or "", filters))
        options = dict(color_by=colour_by, detail_url=detail, **web_maps.map_language())
        if country and len(filters) == 1 and not query:
            view = maps.country_view(chosen, country, **options)
        else:
            view = maps.world_view(chosen, **options)
        html = web_maps.render_map(view, inline=True, note=note)
    Path(output).write_text(html, encoding="utf-8")
    if note:
        click.echo("Note: no search index (run `repertoire index`): filters applied with SQL, QUERY matched against names.", err=True)
    click.echo(f"{len(chosen)} partnerships ({view['missing']} without coordinates) mapped to {output}", err=True)


# --- pdf -------------------------------------------------------------------------------
# Country répertoires (issue 5): repertoire.pdf typesets, maps/ draws the print maps, and
# this section hands them to it (repertoire/ never imports maps/).


pdf_blueprint = Blueprint("pdf", __name__)


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


@pdf_blueprint.route("/pays/<code>/repertoire.pdf")
def country_pdf(code: str):
    """The public répertoire of a country (never any contact)."""
    return send_repertoire(code, members=False)


@pdf_blueprint.route("/pays/<code>/repertoire-membres.pdf")
@role_required("member")
def country_pdf_members(code: str):
    """The members' edition, with contacts: members and staff only."""
    return send_repertoire(code, members=True)


@cli.command("pdf")
@click.argument("countries", nargs=-1)
@click.option("--all", "all_countries", is_flag=True, help="Every partner country, one file each (-o is a folder).")
@click.option("-o", "--output", type=click.Path(), help="File to write (a folder with --all).")
@click.option("--members", is_flag=True, help="Members' edition: includes contacts (personal data).")
@click.option("--no-map", is_flag=True, help="Leave out the maps (links, and the French collectivités).")
@click.option("--warm", is_flag=True, help="Make the cached files the web app serves (both editions) instead.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="Language of the book: en for the English edition (partners abroad).")
@click.option("--job", hidden=True, help="Record progress and result for the staff pages (web/jobs.py).")
def pdf_command(countries: tuple[str, ...], all_countries: bool, output: str | None, members: bool, no_map: bool,
                warm: bool, job: str | None, lang: str) -> None:
    """Typeset the répertoire of a partner country (ISO code, e.g. JP) as a PDF."""
    if bool(countries) == all_countries or (len(countries) > 1 and not warm):
        raise click.UsageError("Give a COUNTRY code, or --all with -o FOLDER.")
    registry = get_registry()
    codes = [c.upper() for c in countries] or registry.countries()
    if warm:
        os.nice(10)  # a background job: requests come first
        with Tracker(current_app.config["JOBS"], job) as tracker:
            warm_repertoires(codes, tracker)
        return
    if all_countries:
        if not output:
            raise click.UsageError("--all needs -o FOLDER")
        Path(output).mkdir(parents=True, exist_ok=True)
        targets = [(code, Path(output) / f"repertoire-{code.lower()}.pdf") for code in codes]
    else:
        targets = [(codes[0], Path(output or f"repertoire-{codes[0].lower()}{'-en' if lang == 'en' else ''}.pdf"))]
    for code, path in targets:
        rows = registry.matching({"country": code})
        links, france = (None, None) if no_map else print_maps(rows, code, lang)
        options = Options(members=members, chapters_dir=current_app.config["CHAPTERS_DIR"],
                          map_image=links, france_image=france, lang=lang)
        try:
            data = country_repertoire(registry, code, options)
        except (RepertoireError, FontError) as exc:
            raise click.ClickException(str(exc)) from exc
        path.write_bytes(data)
        click.echo(f"{code}: {len(rows)} partnerships → {path} ({len(data) // 1024} KB)", err=True)


def warm_repertoires(codes: list[str], tracker: Tracker) -> None:
    """Make both editions of each country's cached PDF (what /pays/CC/repertoire.pdf sends)."""
    lines = []
    for done, code in enumerate(codes):
        tracker.progress(done / len(codes), code)
        for members in (False, True):
            try:
                path = repertoire_file(code, members)
            except RepertoireError as exc:
                lines.append(f"{code}: {exc}")
                break
            lines.append(f"{code} ({'membres' if members else 'public'}): {path.stat().st_size // 1024} Ko")
        click.echo(lines[-1], err=True)
    tracker.finish({"lines": lines})
