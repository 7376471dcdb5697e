"""Partners without a point: listed by `repertoire unplaced` and /staff/localiser, placed by
staff with a click on the map, checked inside the country, kept through later surveys."""
from __future__ import annotations

import csv
import io
import re

import pytest

from app import cli
from repertoire import unplaced
from repertoire.countries import Countries
from repertoire.ingest import ingest_files
from repertoire.outlines import inside
from repertoire.registry import Registry

from conftest import MEMBER, STAFF, csrf_token, login, serving, writable_copy

UNPLACED_SQL = "SELECT * FROM partnerships WHERE (partner_lat IS NULL OR partner_lon IS NULL)"


def unplaced_rows(registry: Registry, country: str | None = None) -> list[dict]:
    sql = UNPLACED_SQL + (" AND partner_country = ?" if country else "")
    return [dict(r) for r in registry.iter_rows(sql, [country] if country else [])]


# --- the CLI, on the sample registry (read only) --------------------------------------------

def test_unplaced_lists_every_partnership_without_a_point_once_grouped_by_partner(runner, sample_registry):
    result = runner.invoke(cli, ["unplaced"])
    assert result.exit_code == 0, result.output
    rows = unplaced_rows(sample_registry)
    lines = result.output.strip().splitlines()
    partners = {(r["partner_country"], r["partner_key"]) for r in rows}
    assert len(lines) == len(partners) + 1
    for row in rows:  # every unplaced partnership is named: its partner and its collectivité
        assert any(line.startswith(f"{row['partner_country']}  ") and row["french_name"] in line for line in lines), row
    everyone = sample_registry.iter_rows(
        "SELECT count(*) FROM (SELECT DISTINCT partner_country, partner_key FROM partnerships)").fetchone()[0]
    share = 100 * len(partners) / everyone
    assert lines[-1] == f"{len(partners)} partners of {len(rows)} partnerships unplaced, {share:.1f} % of partners ({everyone})."


def test_unplaced_as_csv_for_one_country_given_by_code_or_name(runner, sample_registry):
    code = max({r["partner_country"] for r in unplaced_rows(sample_registry)} or {"DE"},
               key=lambda c: len(unplaced_rows(sample_registry, c)))
    by_code = runner.invoke(cli, ["unplaced", "--country", code.lower(), "--format", "csv"])
    by_name = runner.invoke(cli, ["unplaced", "--country", Countries().name(code), "--format", "csv"])
    assert by_code.exit_code == 0 and by_code.stdout == by_name.stdout
    table = list(csv.DictReader(io.StringIO(by_code.stdout)))
    assert by_code.stdout.splitlines()[0] == ",".join(unplaced.UNPLACED_COLUMNS)
    expected = unplaced_rows(sample_registry, code)
    assert {r["country"] for r in table} <= {code}
    assert sum(int(r["partnerships"]) for r in table) == len(expected)
    for record in expected:
        line = next(r for r in table if r["partner_key"] == record["partner_key"])
        assert record["french_name"] in line["collectivites"]
        assert line["partner_region"] == (record["partner_region"] or line["partner_region"])
    assert f"{len(table)} partners of {len(expected)} partnerships unplaced" in by_code.stderr


def test_an_unknown_country_is_said_not_listed_empty(runner):
    result = runner.invoke(cli, ["unplaced", "--country", "Narnia"])
    assert result.exit_code == 1 and "unknown country: Narnia" in result.output


def test_a_partner_named_several_ways_is_one_line_with_its_partnerships_counted(tmp_path, sample_registry):
    registry = copy_registry(sample_registry, tmp_path)
    twice = registry.iter_rows("SELECT partner_country, partner_key FROM partnerships GROUP BY 1, 2 "
                               "HAVING count(*) >= 2 ORDER BY 1, 2 LIMIT 1").fetchone()
    registry.db.execute("UPDATE partnerships SET partner_lat = NULL, partner_lon = NULL "
                        "WHERE partner_country = ? AND partner_key = ?", tuple(twice))
    registry.db.commit()
    report = unplaced.unplaced(registry, twice[0])
    line = next(p for p in report.partners if (p.country, p.key) == tuple(twice))
    assert line.partnerships == len(unplaced.partner(registry, *twice)) >= 2
    assert len(line.collectivites) == line.partnerships


# --- placing, in the library ---------------------------------------------------------------

def copy_registry(source: Registry, folder) -> Registry:
    target = Registry(folder / "registry.sqlite3")
    source.db.backup(target.db)
    return target


@pytest.fixture
def lost(tmp_path, sample_registry) -> tuple[Registry, dict]:
    """A copy of the sample registry where one commune's partner has lost its point (whatever
    the gazetteer places today), and that partnership."""
    registry = copy_registry(sample_registry, tmp_path)
    record = dict(registry.iter_rows(
        "SELECT * FROM partnerships WHERE french_type = 'commune' AND partner_country = 'DE' AND partner_lat IS NOT NULL "
        "AND partner_key IN (SELECT partner_key FROM partnerships GROUP BY partner_country, partner_key HAVING count(*) = 1) "
        "ORDER BY id LIMIT 1").fetchone())
    registry.db.execute("UPDATE partnerships SET partner_lat = NULL, partner_lon = NULL, partner_geonameid = NULL WHERE id = ?",
                        (record["id"],))
    registry.db.commit()
    record["point"] = (record.pop("partner_lat"), record.pop("partner_lon"))
    yield registry, record
    registry.close()


def test_a_point_inside_the_country_is_saved_on_the_partner_with_its_history(lost):
    registry, record = lost
    assert (record["partner_country"], record["partner_key"]) in {(p.country, p.key) for p in unplaced.unplaced(registry).partners}
    lat, lon = record["point"]
    changed = unplaced.place(registry, record["partner_country"], record["partner_key"], lat, lon, "agent@reseau.fr")
    assert changed == [record["id"]]
    placed = registry.partnership(record["id"])
    assert (placed["partner_lat"], placed["partner_lon"]) == (round(lat, 5), round(lon, 5))
    assert placed["updated_at"] > record["updated_at"]
    history = {h.field: h for h in registry.history(record["id"])}
    assert history["partner_lat"].source == "staff: agent@reseau.fr" and history["partner_lat"].old is None
    assert (record["partner_country"], record["partner_key"]) not in {(p.country, p.key) for p in unplaced.unplaced(registry).partners}


def test_a_point_outside_the_country_is_refused_and_nothing_changes(lost):
    registry, record = lost
    version = registry.version()
    for lat, lon in ((48.8566, 2.3522), (0, 0)):  # Paris for a German partner; the null island
        with pytest.raises(unplaced.PlacingError) as refused:
            unplaced.place(registry, record["partner_country"], record["partner_key"], lat, lon, "agent@reseau.fr")
        assert refused.value.code == "outside"
    with pytest.raises(unplaced.PlacingError) as refused:
        unplaced.place(registry, record["partner_country"], record["partner_key"], 95, 10, "agent@reseau.fr")
    assert refused.value.code == "range"
    assert registry.partnership(record["id"])["partner_lat"] is None and registry.version() == version


def test_a_point_placed_by_staff_survives_a_later_survey_of_that_link(lost, tmp_path, references):
    registry, record = lost
    lat, lon = record["point"]
    lat, lon = round(lat + 0.01, 5), round(lon - 0.01, 5)  # not where the gazetteer would put it
    unplaced.place(registry, record["partner_country"], record["partner_key"], lat, lon, "agent@reseau.fr")
    later = tmp_path / "enquete-2031.csv"  # a later year: its values win over the registry's
    later.write_text("Commune;Département;Ville partenaire;Pays;Depuis;Nature;Domaines\n"
                     f"{record['french_name']};{record['departement']};{record['partner_name']};"
                     f"{Countries().name(record['partner_country'])};1999;Coopération;eau\n", encoding="utf-8")
    report, = ingest_files(registry, [later], references)
    assert (report.merged, report.rejected) == (1, 0), report.rejects
    after = registry.partnership(record["id"])
    assert after["since"] == 1999 and "eau" in after["themes"]  # the survey did update the link
    assert (after["partner_lat"], after["partner_lon"]) == (lat, lon)  # and kept staff's point


def test_suggestions_are_inside_the_country_and_look_like_a_part_of_the_name(lost, references):
    from rapidfuzz import fuzz
    from repertoire.text import fold
    registry = lost[0]
    offered = 0
    for partner in unplaced.unplaced(registry).partners:
        parts = [fold(p) for p in re.split(r"[,;/()]+", partner.name + "," + (partner.region or "")) if p.strip()]
        for suggestion in unplaced.suggestions(registry, partner.country, partner.key, references.gazetteer, inside):
            offered += 1
            assert inside(partner.country, suggestion.lat, suggestion.lon), (partner, suggestion)
            if suggestion.origin == "gazetteer":
                assert max(fuzz.partial_ratio(fold(suggestion.name), p) for p in parts) >= unplaced.SIMILAR
    assert offered >= 1  # the partner the fixture unplaced is found again, at least


def test_a_point_known_for_the_partner_is_offered_first(lost, references):
    registry, record = lost
    country, key = record["partner_country"], record["partner_key"]
    # another collectivité twinned with the same partner, placed: its point is offered
    other = dict(record, id="p-test000001", french_id="commune:00000", partner_lat=record["point"][0],
                 partner_lon=record["point"][1])
    registry.save([other], [], [], [])
    offered = unplaced.suggestions(registry, country, key, references.gazetteer, inside)
    assert offered[0].origin == "known" and (offered[0].lat, offered[0].lon) == tuple(round(v, 5) for v in record["point"])


# --- the staff page -----------------------------------------------------------------------

@pytest.fixture
def writable(tmp_path, sample_instance, sample_index, references):
    """An app on a copy of the sample instance, one partner without its point."""
    app = writable_copy(tmp_path, sample_instance, references)
    registry = Registry(app.config["REGISTRY"])
    record = dict(registry.iter_rows("SELECT * FROM partnerships WHERE partner_country = 'DE' AND partner_lat IS NOT NULL "
                                     "ORDER BY id LIMIT 1").fetchone())
    registry.db.execute("UPDATE partnerships SET partner_lat = NULL, partner_lon = NULL "
                        "WHERE partner_country = ? AND partner_key = ?", (record["partner_country"], record["partner_key"]))
    registry.db.commit()
    registry.close()
    app.lost = record
    return app


def place_url(record: dict) -> str:
    return f"/staff/localiser/{record['partner_country']}/{record['partner_key']}"


def test_the_list_and_the_map_page_are_for_staff_only(writable):
    record = writable.lost
    anonymous, member, staff = writable.test_client(), writable.test_client(), writable.test_client()
    login(member, MEMBER)
    login(staff, STAFF)
    for url in ("/staff/localiser", place_url(record)):
        assert anonymous.get(url).status_code == 302
        assert member.get(url).status_code == 403
    listing = staff.get("/staff/localiser?pays=DE").get_data(as_text=True)
    assert record["partner_name"] in listing and record["french_name"] in listing
    assert f'href="{place_url(record).replace(" ", "%20")}"' in listing
    dashboard = staff.get("/staff/").get_data(as_text=True)
    registry = Registry(writable.config["REGISTRY"])
    assert f'<a href="/staff/localiser">{len(unplaced.unplaced(registry).partners)}</a>' in dashboard
    registry.close()
    assert "Partners to place" in staff.get("/staff/localiser?lang=en").get_data(as_text=True)
    page = staff.get(place_url(record)).get_data(as_text=True)
    assert 'id="place-map"' in page and 'name="lat"' in page and 'name="lon"' in page
    assert "vendor/leaflet/leaflet.js" in page and "https://" not in page.split("<footer")[0].split("</head>")[0]
    assert staff.get("/staff/localiser/DE/no%20such%20partner").status_code == 404


def test_placing_by_post_saves_inside_and_refuses_outside_with_a_message(writable):
    record = writable.lost
    staff = writable.test_client()
    login(staff, STAFF)
    url = place_url(record)
    outside = staff.post(url, data={"lat": "48,8566", "lon": "2,3522", "csrf_token": csrf_token(staff, url)})
    assert outside.status_code == 400
    assert "n&#39;est pas dans le pays du partenaire (Allemagne)" in outside.get_data(as_text=True)
    no_token = staff.post(url, data={"lat": "52.52", "lon": "13.40"})
    assert no_token.status_code == 400 and "jeton de sécurité" in no_token.get_data(as_text=True)
    registry = Registry(writable.config["REGISTRY"])
    assert registry.partnership(record["id"])["partner_lat"] is None
    lat, lon = record["partner_lat"], record["partner_lon"]
    saved = staff.post(url, data={"lat": f"{lat}".replace(".", ","), "lon": f"{lon}", "csrf_token": csrf_token(staff, url)})
    assert saved.status_code == 302 and "/staff/localiser?pays=DE" in saved.headers["Location"]
    placed = registry.partnership(record["id"])
    assert (placed["partner_lat"], placed["partner_lon"]) == (round(lat, 5), round(lon, 5))
    assert any(h.source == f"staff: {STAFF[0]}" and h.field == "partner_lon" for h in registry.history(record["id"]))
    listing = staff.get("/staff/localiser?pays=DE").get_data(as_text=True)
    assert "placé" in listing and place_url(record).replace(" ", "%20") not in listing
    # the search index followed: its stamp moved past the change
    assert staff.get(f"/api/search?q={record['partner_name']}&country=DE").json["total"] >= 1
    registry.close()


# --- in Chromium --------------------------------------------------------------------------

@pytest.fixture
def served(writable):
    with serving(writable) as url:
        yield url


@pytest.mark.browser
def test_a_click_on_the_map_fills_the_point_and_saving_places_the_partner(writable, served, offline_page, tmp_path):
    page, record = offline_page, writable.lost
    hostile = record["partner_name"] + ' <img src=x onerror="window.__xss=1">'  # a name from a survey is text
    registry = Registry(writable.config["REGISTRY"])
    registry.db.execute("UPDATE partnerships SET partner_name = ? WHERE id = ?", (hostile, record["id"]))
    registry.db.commit()
    registry.close()
    page.goto(served + "/connexion")
    page.fill("input[name=email]", STAFF[0])
    page.fill("input[name=password]", STAFF[1])
    page.click("main form.stacked button[type=submit]")
    page.wait_for_url("**/")
    page.goto(served + "/staff/localiser?pays=DE")
    page.click(f"a[href='{place_url(record).replace(' ', '%20')}']")
    page.wait_for_selector("#place-map[data-ready='1']")
    box = page.locator("#place-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # Germany's middle
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert inside("DE", lat, lon)
    assert page.locator("#place-map .leaflet-interactive").count() >= 1  # the point is drawn
    page.mouse.move(box["x"] + box["width"] / 2 + 1, box["y"] + box["height"] / 2)  # its tooltip: the name
    page.wait_for_selector(".leaflet-tooltip")
    assert hostile in page.inner_text(".leaflet-tooltip") and page.evaluate("typeof window.__xss") == "undefined"
    page.click("form.place-point button[type=submit]")
    page.wait_for_url("**/staff/localiser?pays=DE")
    assert "placé" in page.inner_text("main")
    assert page.external == [] and page.errors == []
    registry = Registry(writable.config["REGISTRY"])
    placed = registry.partnership(record["id"])
    assert (placed["partner_lat"], placed["partner_lon"]) == (lat, lon)
    registry.close()


def test_the_command_has_help_and_is_in_the_readme(runner):
    from pathlib import Path
    result = runner.invoke(cli, ["unplaced", "--help"])
    assert result.exit_code == 0 and "Usage" in result.output
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "repertoire unplaced" in readme and "/staff/localiser" in readme


def test_a_later_link_to_a_partner_staff_placed_takes_its_point(tmp_path, references):
    registry = Registry(tmp_path / "registry.sqlite3")
    first = tmp_path / "enquete-2024.csv"
    first.write_text("Commune;Département;Ville partenaire;Pays\nNancy;54;Oberwaldhausen-Neumühle;Allemagne\n",
                     encoding="utf-8")
    ingest_files(registry, [first], references)
    [partner] = unplaced.unplaced(registry).partners  # no gazetteer knows it
    unplaced.place(registry, "DE", partner.key, 49.51, 8.62, "agent@reseau.fr")
    later = tmp_path / "enquete-2025.csv"  # another French collectivité reports the same partner
    later.write_text("Commune;Département;Ville partenaire;Pays\nMetz;57;Oberwaldhausen-Neumühle;Allemagne\n",
                     encoding="utf-8")
    report, = ingest_files(registry, [later], references)
    assert report.accepted == 1
    assert unplaced.unplaced(registry).partners == []
    [metz] = registry.partnerships("french_id = ?", ["commune:57463"])
    assert (metz["partner_lat"], metz["partner_lon"]) == (49.51, 8.62)
    registry.close()
