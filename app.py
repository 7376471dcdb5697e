"""Répertoire: the Flask app factory, its views, and the `repertoire` CLI — where the stages meet.

Imports point one way: app.py → index/, maps/ → repertoire/.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import FlaskGroup

from repertoire.export import FORMATS, REJECT_COLUMNS, export_rows, inert, to_csv, write
from repertoire.ingest import References, ingest_files
from repertoire.columns import ColumnMap
from repertoire.registry import Registry


def create_app(config: dict | None = None) -> Flask:
    """Build the app; runtime state lives in one instance folder (REPERTOIRE_INSTANCE)."""
    instance = Path(os.environ.get("REPERTOIRE_INSTANCE", "instance")).resolve()
    if config and config.get("INSTANCE"):
        instance = Path(config["INSTANCE"]).resolve()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.config.from_mapping(
        REGISTRY=str(instance / "registry.sqlite3"),
        INDEX_DIR=str(instance / "index"),
        CACHE_DIR=str(instance / "cache"),
        COLUMNS=str(instance / "columns.toml"),
        CHAPTERS_DIR=str(instance / "chapters"),
        JSON_SORT_KEYS=False,
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)
    instance.mkdir(parents=True, exist_ok=True)
    app.teardown_appcontext(close_registry)
    return app


def get_registry() -> Registry:
    """The registry of this request or command, opened once."""
    if "registry" not in g:
        g.registry = Registry(current_app.config["REGISTRY"])
    return g.registry


def close_registry(exception: BaseException | None = None) -> None:
    registry = g.pop("registry", None)
    if registry is not None:
        registry.close()


# --- CLI -------------------------------------------------------------------------------

@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=True)
def cli() -> None:
    """Répertoire des partenariats de coopération décentralisée."""


@cli.command("ingest")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def ingest_command(files: tuple[str, ...]) -> None:
    """Read survey files into the registry and report, per file, what became of each row."""
    registry = get_registry()
    columns = ColumnMap.load(current_app.config["COLUMNS"])
    references = References()
    failed = 0
    with click.progressbar(files, label="Ingestion", file=sys.stderr,
                           item_show_func=lambda f: f and Path(f).name) as bar:
        reports = [report for path in bar for report in ingest_files(registry, [path], references, columns)]
    for report in reports:
        if report.error:
            failed += 1
            click.secho(f"{report.source}: ERROR — {report.error}", fg="red", err=True)
            continue
        line = (f"{report.source}: {report.read} rows read, {report.accepted} accepted, "
                f"{report.merged} merged, {report.rejected} rejected")
        if report.unchanged:
            line += f", {report.unchanged} already ingested (unchanged)"
        click.echo(line)
        for reject in report.rejects[:20]:
            where = f"{reject.sheet}, " if reject.sheet else ""
            click.echo(f"    {where}row {reject.row}: {reject.reason}")
        if len(report.rejects) > 20:
            click.echo(f"    … and {len(report.rejects) - 20} more (see `repertoire rejects`)")
    click.echo(f"Registry: {registry.count()} partnerships.")
    for hook in current_app.extensions.get("after_ingest", []):
        hook(registry)
    if failed:
        raise SystemExit(1)


@cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: standard output).")
@click.option("--contacts", is_flag=True, help="Include contacts (members' edition; personal data).")
def export_command(fmt: str, output: str | None, contacts: bool) -> None:
    """Export every partnership, one row each."""
    registry = get_registry()
    rows = export_rows(registry.partnerships(), registry.source_names(), contacts=contacts)
    data = write(rows, fmt, Path(output) if output else None)
    if not output:
        click.echo(data.decode("utf-8-sig") if fmt != "xlsx" else "", nl=False)
        if fmt == "xlsx":
            raise click.UsageError("XLSX needs -o FILE")
    else:
        click.echo(f"{len(rows)} partnerships written to {output}", err=True)


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
