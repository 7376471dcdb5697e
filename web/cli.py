"""The `repertoire` commands: ingest, inspect, export, rejects, duplicates, unplaced, merge,
undo-import, user, index, search, serve, map and pdf.

app.py makes the command group (it needs the app factory) and adds these, as it adds
web/outreach_cli.py's; they run in the app's context and use the same functions as the
pages (web/maps.py, web/books.py, web/jobs.py), so the imports point one way: app.py → web/
→ index/, maps/, repertoire/.
"""
from __future__ import annotations

import getpass
import json as _json
import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

import index
import maps
from index.facets import FACET_NAMES
from repertoire import undo, unplaced
from repertoire.countries import Countries
from repertoire.export import BINARY_FORMATS, EDITIONS, FORMATS, REJECT_COLUMNS, stream, to_csv, write
from repertoire.ingest import References, ingest_files
from repertoire.inspect import format_inspection, inspect_files
from repertoire.normalize import Vocabulary
from repertoire.pdf import FontError, Options, RepertoireError, country_repertoire
from repertoire.registry import Registry

from . import LANGUAGES
from . import maps as web_maps
from .accounts import ROLES, AccountError
from .books import make_ahead, print_maps, repertoire_file
from .jobs import BACKGROUND_NICENESS, Tracker, report_result, yield_cpu
from .maps import get_api  # the Python API over this command's registry and the app's index
from .staff import columns as survey_columns, instance_vocabulary


def get_registry() -> Registry:
    """The registry of this command (app.py opens it once per app context)."""
    return current_app.extensions["registry"]()


@click.command("ingest")
@with_appcontext
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


@click.command("inspect")
@with_appcontext
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


@click.command("export")
@with_appcontext
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


@click.command("rejects")
@with_appcontext
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


@click.command("duplicates")
@with_appcontext
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


@click.command("unplaced")
@with_appcontext
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


@click.command("merge")
@with_appcontext
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

@click.command("undo-import")
@with_appcontext
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
    if plan.kept:
        click.echo(f"{len(plan.kept)} of those it created and later files confirmed keep their values "
                   f"(they lose only this file as a source).")
    if not yes:
        click.confirm("Undo this import?", abort=True)
    undo.undo_import(registry, files[0].file_hash, user)
    click.echo(f"Import of {plan.source} undone; {registry.count()} partnerships.")
    after_ingest(registry)


@click.group("user", cls=AppGroup)  # its commands run in the app context
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


@click.command("index")
@with_appcontext
@click.option("--procs", type=int, help="Indexing processes (default: 2 from 20,000 partnerships).")
@click.option("--update", is_flag=True, help="Only what changed since the index's registry version (what follows an ingest).")
@click.option("--nice", "niceness", type=click.IntRange(0, 19), default=BACKGROUND_NICENESS, show_default=True,
              help="Niceness of the build: a running app's searches get the CPU first (0: no lower priority).")
@click.option("--job", hidden=True, help="Record progress and result for the staff pages (web/jobs.py).")
def index_command(procs: int | None, update: bool, niceness: int, job: str | None) -> None:
    """Rebuild the search index aside, then swap it in (a running app answers throughout)."""
    yield_cpu(niceness=niceness)  # the live index answers meanwhile: the build is background work
    if update or job:
        with Tracker(current_app.config["JOBS"], job) as tracker:
            report = index.update_index(get_registry(), current_app.config["INDEX_DIR"])
            line = f"Index: {report.documents} partnerships indexed in {report.seconds:.1f} s ({report.generation})."
            tracker.finish({"lines": [line]})
        click.echo(line)
        return
    report = index.build_index(get_registry(), current_app.config["INDEX_DIR"], procs=procs)
    click.echo(f"Index: {report.documents} partnerships in {report.seconds:.1f} s ({report.generation}).")


@click.command("search")
@with_appcontext
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


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
def serve_command(host: str, port: int) -> None:
    """Start the web app (development server; use gunicorn 'app:create_app()' in production)."""
    from werkzeug.serving import run_simple

    # Flask's app.run() refuses to start from inside its own CLI; serve the app directly.
    click.echo(f"Répertoire: http://{host}:{port}/ (registry: {current_app.config['REGISTRY']})")
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


@click.command("map")
@with_appcontext
@click.argument("query", required=False)
@click.option("--country", help="Partner country (ISO code, e.g. JP).")
@click.option("--theme", type=click.Choice(list(maps.filters.THEMES)), help="Theme code.")
@click.option("--kind", type=click.Choice(list(maps.filters.KINDS)), help="Kind of partnership.")
@click.option("--region", help="French région code (e.g. 44).")
@click.option("--colour-by", "colour_by", type=click.Choice(["kind", "theme"]), default="kind", show_default=True)
@click.option("--lang", type=click.Choice(LANGUAGES), default="fr", show_default=True, help="Language of the page.")
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


@click.command("pdf")
@with_appcontext
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
        yield_cpu()  # a background job: requests come first
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
        click.echo(f"{code}: {len(rows)} partnership{'' if len(rows) == 1 else 's'} → {path} ({len(data) // 1024} KB)", err=True)


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


COMMANDS = [ingest_command, inspect_command, export_command, rejects_command, duplicates_command,
            unplaced_command, merge_command, undo_import_command, user_group, index_command, search_command, serve_command,
            map_command, pdf_command]
