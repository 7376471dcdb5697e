"""The `repertoire campaign` and `repertoire match` commands: the survey campaign out, and who to
call for a partner request (repertoire/campaign.py, repertoire/matching.py do the work)."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from index import labels
from repertoire import campaign, matching
from repertoire.model import THEMES


def _registry():
    return current_app.extensions["registry"]()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


@click.command("campaign")
@with_appcontext
@click.argument("french_id", required=False)
@click.option("--all", "everyone", is_flag=True, help="Every collectivité of the registry (-o is a folder).")
@click.option("--by", "grouping", type=click.Choice(["collectivite", "departement"]), default="collectivite",
              show_default=True, help="With --all: one workbook per collectivité, or per département.")
@click.option("-o", "--output", type=click.Path(), help="Workbook to write (a folder with --all).")
def campaign_command(french_id: str | None, everyone: bool, grouping: str, output: str | None) -> None:
    """Write the pre-filled survey of a collectivité (FRENCH_ID such as commune:25056): its current
    partnerships, an empty block for new ones, drop-down lists; read back by `repertoire ingest`."""
    if bool(french_id) == everyone:
        raise click.UsageError("Give a FRENCH_ID, or --all with -o FOLDER.")
    registry = _registry()
    name = labels.countries().name
    if french_id:
        if registry.french_name(french_id) is None:
            place = labels.french_places().record(french_id)
            if place is None:
                raise click.ClickException(f"unknown collectivité: {french_id} (commune:<INSEE>, departement:<code>, "
                                           "region:<code> or epci:<SIREN>)")
            names = {french_id: place.name}
        else:
            names = {}
        path = Path(output or f"enquete-{_slug(french_id)}.xlsx")
        count = campaign.write_workbook(registry, [french_id], path, name, names)
        campaign.record_event(registry, [french_id], "sent", "xlsx", path.name)
        click.echo(f"{french_id}: {count} partnership{'' if count == 1 else 's'} → {path}", err=True)
        return
    if not output:
        raise click.UsageError("--all needs -o FOLDER")
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[str]] = {}
    for fid, dep in registry.collectivites():
        key = fid if grouping == "collectivite" else f"departement-{dep or 'sans'}"
        groups.setdefault(key, []).append(fid)
    links = 0
    for key, ids in groups.items():
        path = folder / f"enquete-{_slug(key)}.xlsx"
        links += campaign.write_workbook(registry, ids, path, name)
        campaign.record_event(registry, ids, "sent", "xlsx", path.name)
    click.echo(f"{len(groups)} workbooks, {links} partnerships → {folder}", err=True)


@click.command("match")
@with_appcontext
@click.option("--country", required=True, help="The partner's country (ISO code or name).")
@click.option("--region", help="The partner's region, state or province.")
@click.option("--theme", type=click.Choice(list(THEMES)), help="Theme of the request.")
@click.option("--near", help="A French département (code, e.g. 35) the partner would like to be near.")
@click.option("--size", type=click.IntRange(min=1), help="The partner's population.")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True, help="Language of the reasons.")
@click.option("--json", "as_json", is_flag=True, help="Print {\"results\": [...]} as JSON.")
def match_command(country, region, theme, near, size, limit, lang, as_json) -> None:
    """Rank the French collectivités that fit a partner request from abroad, with their reasons."""
    code = labels.countries().code(country)
    if not code:
        raise click.ClickException(f"unknown country: {country} (an ISO code such as SN, or a name)")
    places = labels.french_places()
    if near and (near := places.departement_code(near)) is None:
        raise click.ClickException("unknown département for --near (a code such as 35 or 2A, or a name)")
    request = matching.Request(code, region, theme, near, size)
    results = matching.match(_registry(), request, places, labels.country_name, limit=limit, lang=lang,
                             groups=labels.countries().groups)
    if as_json:
        click.echo(json.dumps({"results": [m.to_dict() for m in results]}, ensure_ascii=False, indent=1))
        return
    for rank, result in enumerate(results, start=1):
        click.echo(f"{rank}. {result.french_name} ({result.french_id}) — score {result.score}")
        for reason in result.reasons:
            click.echo(f"     · {reason}")
        links = ", ".join(f"{p['partner_name']} ({p['partner_country']})" for p in result.partnerships[:6])
        more = len(result.partnerships) - 6
        click.echo(f"     {links}" + (f" … +{more}" if more > 0 else ""))
    if not results:
        click.echo("No collectivité of the registry is present in that country or works on that theme.")


COMMANDS = (campaign_command, match_command)
