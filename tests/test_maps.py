"""Maps: link data from a real registry, pages and CLI, print maps, and Chromium with no network."""
from __future__ import annotations

import gzip
import io
import json
import re
import xml.etree.ElementTree as ET
from gettext import NullTranslations
from pathlib import Path

import numpy
import pytest
from PIL import Image, ImageChops
from babel.support import Translations
from pypdf import PdfReader

import maps
from app import cli, create_app
from maps.static import country_map, france_map
from repertoire.registry import Registry

XSS = "<img src=x onerror=alert(1)>"
ROOT = Path(__file__).resolve().parent.parent
DROM = {"regions": {"01", "02", "03", "04", "06"}, "departements": {"971", "972", "973", "974", "976"}}


def view_of(html: str) -> dict:
    """The view a map page hands to its script."""
    return json.loads(re.search(r'<script type="application/json" id="link_layer_\w+-view">(.*?)</script>', html, re.S).group(1))


# --- data --------------------------------------------------------------------------------

def test_link_rows_draw_every_partnership_with_both_ends_placed(sample_registry):
    partnerships = sample_registry.partnerships()
    rows, missing = maps.link_rows(partnerships)
    placed = [p for p in partnerships if maps.links.has_coordinates(p)]
    assert len(rows) == len(placed) and missing == len(partnerships) - len(placed)
    assert all(len(row) == len(maps.LINK_COLUMNS) for row in rows)


def test_maps_read_only_the_columns_they_show(sample_registry):
    full = sample_registry.matching({"country": "JP"})
    links = sample_registry.matching({"country": "JP"}, columns=list(maps.MAP_COLUMNS))
    assert [p["id"] for p in links] == [p["id"] for p in full]
    assert all(set(p) == set(maps.MAP_COLUMNS) for p in links)
    assert maps.links_view(links, "JP")["rows"] == maps.links_view(full, "JP")["rows"]


def test_great_circle_keeps_longitudes_continuous_over_180():
    points = maps.great_circle(170, -17, -170, -15, steps=8)
    assert all(abs(a[0] - b[0]) < 10 for a, b in zip(points, points[1:]))


@pytest.mark.parametrize("values, field, expected", [
    ({"country": "jp"}, "partner_country", {"JP"}),
    ({"kind": "cooperation"}, "kind", {"cooperation"}),
])
def test_registry_filters_match_the_search_parameters(sample_registry, values, field, expected):
    found = sample_registry.matching(values)
    assert found and {p[field] for p in found} == expected


def test_theme_filter_matches_whole_codes_only(sample_registry):
    found = sample_registry.matching({"theme": "eau"})
    assert found and all("eau" in p["themes"].split(";") for p in found)


def test_country_view_frames_metropolitan_france_and_the_country(sample_registry):
    view = maps.country_view(sample_registry.partnerships(), "DE")
    (south, west), (north, east) = view["bounds"]
    assert 41 < south < 48 and -6 < west < 0 and 53 < north < 56 and 13 < east < 16
    assert {row[4] for row in view["rows"]} == {"DE"}


def test_choropleth_counts_add_up_to_the_partnerships(sample_registry):
    partnerships = sample_registry.partnerships()
    for level, field in (("pays", "partner_country"), ("regions", "region"), ("departements", "departement")):
        view = maps.choropleth_view(partnerships, level)
        assert sum(view["values"].values()) == sum(1 for p in partnerships if p[field])
        assert [c["to"] for c in view["classes"]] == sorted(c["to"] for c in view["classes"])
    keys = {f["properties"]["code"] for f in maps.outline("departements")["features"]}
    assert set(maps.choropleth_view(partnerships, "departements")["values"]) & keys


@pytest.mark.parametrize("level", ["regions", "departements"])
def test_overseas_regions_and_departements_have_outlines(sample_registry, level):
    overseas = {f["properties"]["code"]: f for f in maps.outline(level)["features"] if f["properties"].get("outre_mer")}
    assert set(overseas) == DROM[level]
    for feature in overseas.values():
        rings = [ring for polygon in feature["geometry"]["coordinates"] for ring in polygon]
        assert rings and all(-22 < lat < 17 for ring in rings for _, lat in ring)  # the tropics, not France
    view = maps.choropleth_view(sample_registry.matching(columns=list(maps.MAP_COLUMNS)), level)
    named = {row[0]: row[1] for row in view["table"]}
    assert named[min(set(named) & DROM[level])] in {"Guadeloupe", "Martinique", "La Réunion"}


def test_world_outlines_are_split_at_the_antimeridian():
    for name in ("monde", "monde-50m"):
        for feature in maps.outline(name)["features"]:
            g = feature["geometry"]
            polygons = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
            for ring in (r for poly in polygons for r in poly):
                lons = [pt[0] for pt in ring]
                assert max(lons) - min(lons) < 300, feature["properties"]["name"]


class Recorder(NullTranslations):
    """Translations that note every message asked for."""

    def __init__(self):
        super().__init__()
        self.asked: list[tuple[str, ...]] = []

    def gettext(self, message):
        self.asked.append((message,))
        return message

    def ngettext(self, singular, plural, n):
        self.asked.append((singular, plural))
        return singular if n == 1 else plural


def test_every_text_of_the_maps_has_an_english_translation(sample_registry):
    recorder, partnerships = Recorder(), sample_registry.matching(columns=list(maps.MAP_COLUMNS))
    maps.world_view(partnerships, translations=recorder)
    maps.country_view(partnerships, "JP", translations=recorder)
    maps.collectivite_view(partnerships, partnerships[0]["french_id"], translations=recorder)
    for level in ("pays", "regions", "departements"):
        maps.choropleth_view(partnerships, level, translations=recorder)
    maps.select_options({}, {}, translations=recorder)
    catalog = Translations.load(ROOT / "web" / "translations", ["en"])._catalog
    missing = [m for m in set(recorder.asked) if not catalog.get(m[0] if len(m) == 1 else (m[0], 1))]
    assert len(recorder.asked) > 30 and missing == []


# --- pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/carte", "/carte?country=JP&theme=culture", "/carte/pays/JP",
                                 "/carte/repartition/pays", "/carte/repartition/regions",
                                 "/carte/repartition/departements"])
def test_map_pages_load_everything_from_the_app(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="map"' in html and "RepertoireMap.drawOn" in html
    assert ("L.markerClusterGroup" in html) == ("repartition" not in url)  # folium's cluster, for links
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200


def test_map_of_a_collectivite_and_unknown_pages(client, sample_registry):
    french_id = sample_registry.partnerships()[0]["french_id"]
    assert client.get(f"/carte/collectivite/{french_id}").status_code == 200
    assert client.get("/carte/pays/ZZ").status_code == 404
    assert client.get("/carte/repartition/cantons").status_code == 404
    assert client.get("/carte/contours/monde.geojson").get_json()["type"] == "FeatureCollection"


@pytest.mark.parametrize("url", ["/carte?country=DE", "/carte/pays/DE"])
def test_a_map_over_its_limit_draws_the_first_links_and_says_how_many_there_are(app, sample_registry, sample_index, url):
    total = sample_registry.count_by("country")["DE"]
    limit, before = total // 3, app.config["MAP_LIMIT"]
    app.config["MAP_LIMIT"] = limit
    try:
        page = app.test_client().get(url).get_data(as_text=True)
    finally:
        app.config["MAP_LIMIT"] = before
    assert len(view_of(page)["rows"]) <= limit < total
    shown, of = (f"{n:,}".replace(",", "\u202f") for n in (limit, total))  # 1 275: a thin space
    assert f"Carte des {shown} premiers partenariats sur {of}" in page


def test_map_pages_are_part_of_the_site_in_french_and_english(client):
    french = client.get("/carte/pays/JP").get_data(as_text=True)
    assert '<html lang="fr">' in french and '<header class="site">' in french and '<footer class="site">' in french
    assert 'hreflang="en"' in french and 'id="map-list-body"' in french
    assert view_of(french)["title"] == "Partenariats avec : Japon"
    english = client.get("/carte/pays/JP?lang=en").get_data(as_text=True)
    view = view_of(english)
    assert '<html lang="en">' in english and 'hreflang="fr"' in english and "By partner country" in english
    assert view["title"] == "Partnerships with: Japan" and view["ui"]["legend_kind"] == "Colour by kind"
    assert view["ui"]["links_here"] == ["{n} link", "{n} links"] and view["labels"]["kinds"]["jumelage"] == "Twinning"
    filters = client.get("/carte?q=eau&country=MA&lang=en").get_data(as_text=True)
    assert 'value="eau"' in filters and '<option value="MA" selected>Morocco</option>' in filters
    assert 'id="q"' not in filters  # the form holds the query: no second search box in the header


def test_map_pages_and_outlines_are_gzipped_for_browsers_that_accept_it(client):
    plain = client.get("/carte", headers={"Accept-Encoding": "identity"})
    packed = client.get("/carte", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    outline = client.get("/carte/contours/monde-50m.geojson", headers={"Accept-Encoding": "gzip"})
    assert outline.headers["Content-Encoding"] == "gzip" and outline.cache_control.max_age == 86400
    assert json.loads(gzip.decompress(outline.get_data())) == maps.outline("monde-50m")


def test_the_country_page_link_leads_to_its_map(client):
    response = client.get("/pays/jp/carte?lang=en")
    assert response.status_code == 302 and response.headers["Location"].endswith("/carte/pays/JP?lang=en")


def test_survey_text_is_json_escaped_inside_the_page(tmp_path, sample_registry):
    app = _app_with_xss_partner(tmp_path, sample_registry)
    html = app.test_client().get("/carte/pays/JP").get_data(as_text=True)
    assert XSS not in html and "\\u003cimg src=x onerror=alert(1)\\u003e" in html


def test_cli_writes_a_self_contained_map(runner, tmp_path, sample_registry):
    target = tmp_path / "japon.html"
    result = runner.invoke(cli, ["map", "--country", "JP", "-o", str(target)])
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)=', html)  # every asset inlined
    assert "L.markerClusterGroup" in html and ".leaflet-container" in html
    view = view_of(html)
    expected = {p["id"] for p in sample_registry.partnerships("partner_country = ?", ["JP"])}
    assert {row[0] for row in view["rows"] + view["unplaced"]} == expected


def test_cli_writes_a_map_in_english(runner, tmp_path):
    target = tmp_path / "japan.html"
    result = runner.invoke(cli, ["map", "--country", "JP", "--lang", "en", "-o", str(target)])
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and view_of(html)["title"] == "Partnerships with: Japan"
    assert 'class="site"' not in html  # no site header in a file: its links would lead nowhere


def test_cli_map_has_help():
    from click.testing import CliRunner
    result = CliRunner().invoke(cli, ["map", "--help"])
    assert result.exit_code == 0 and "self-contained" in result.output


# --- print -------------------------------------------------------------------------------

def test_country_map_is_a_one_page_vector_pdf(sample_registry):
    pdf = country_map(sample_registry.partnerships("partner_country = ?", ["JP"]), "JP")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert not reader.pages[0].images  # vector, no raster inside
    assert country_map(sample_registry.partnerships("partner_country = ?", ["JP"]), "JP") == pdf  # reproducible


def test_country_and_france_maps_as_svg(sample_registry):
    partnerships = sample_registry.partnerships("partner_country = ?", ["DE"])
    for svg in (country_map(partnerships, "DE", fmt="svg"), france_map(partnerships, fmt="svg")):
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and len(svg) < 2_000_000


def test_print_maps_accept_no_partnership_and_refuse_unknown_formats():
    assert PdfReader(io.BytesIO(country_map([], "JP"))).pages
    assert PdfReader(io.BytesIO(france_map([]))).pages
    with pytest.raises(ValueError):
        france_map([], fmt="gif")


# --- browser -----------------------------------------------------------------------------

def _app_with_xss_partner(tmp_path: Path, sample_registry: Registry):
    """An app whose registry holds one Japanese partner named like an HTML injection."""
    partnership = dict(sample_registry.partnerships("partner_country = ? AND partner_lat IS NOT NULL", ["JP"])[0])
    partnership.update(id="p-xss", partner_name=XSS, partner_key="xss", french_name="Ville <b>test</b>")
    registry = Registry(tmp_path / "instance" / "registry.sqlite3")
    registry.save([partnership], [], [], [])
    registry.close()
    return create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})


def _open_map(page, url: str):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("html[data-map-ready='1'][data-list-ready='1']", timeout=15000)
    return dialogs


@pytest.mark.browser
def test_map_page_requests_nothing_outside_the_app(live_server, offline_page, sample_registry):
    dialogs = _open_map(offline_page, f"{live_server}/carte/pays/JP")
    assert offline_page.external == [] and offline_page.errors == [] and dialogs == []
    count = len(sample_registry.partnerships("partner_country = ?", ["JP"]))
    assert offline_page.locator("#map-list-body tbody tr").count() == count
    assert offline_page.locator(".leaflet-overlay-pane canvas").count() >= 1
    assert offline_page.locator(".rm-legend input[type=checkbox]").count() >= 1


@pytest.mark.browser
def test_outlines_and_arcs_are_seen_on_the_page(live_server, offline_page):
    """What a person sees: the page's styles must not squeeze the layers Leaflet draws on."""
    _open_map(offline_page, f"{live_server}/carte/pays/JP")
    sizes = offline_page.evaluate("""() => [...document.querySelectorAll('#map canvas')].map(c =>
        [c.getBoundingClientRect().width, c.width / window.devicePixelRatio])""")
    assert sizes and all(shown == pytest.approx(drawn, abs=1) for shown, drawn in sizes), sizes
    def shot():
        return Image.open(io.BytesIO(offline_page.locator("#map").screenshot())).convert("RGB")
    with_arcs = shot()
    pixels = numpy.asarray(with_arcs, dtype=int)
    land = (numpy.abs(pixels - [0xf4, 0xf1, 0xea]).sum(axis=2) < 12).mean()  # the outlines' fill
    assert land > 0.05, "no land to be seen"
    offline_page.evaluate("document.querySelector('#map canvas.rm-arcs').style.visibility = 'hidden'")
    changed = ImageChops.difference(with_arcs, shot()).convert("L").point(lambda v: 255 if v > 40 else 0)
    assert changed.histogram()[255] > 200, "no arc to be seen"


@pytest.mark.browser
def test_choropleth_page_works_offline(live_server, offline_page):
    _open_map(offline_page, f"{live_server}/carte/repartition/departements")
    assert offline_page.external == [] and offline_page.errors == []
    assert offline_page.locator("#map-list-body tbody tr").count() > 50
    insets = offline_page.locator("#map-insets figcaption").all_text_contents()
    assert len(insets) == 5 and "Guadeloupe : 2" in insets and "Mayotte : 0" in insets
    # Framed on metropolitan France, not on the whole world that the DROM outlines span.
    west, south, east, north = offline_page.evaluate("window.repertoireMap.getBounds().toBBoxString()").split(",")
    assert -12 < float(west) < -4 and 8 < float(east) < 16 and 38 < float(south) < 43 and 50 < float(north) < 54


@pytest.mark.browser
def test_survey_text_shows_as_text_in_popups_tooltips_and_table(tmp_path, sample_registry, offline_page):
    app = _app_with_xss_partner(tmp_path, sample_registry)
    target = tmp_path / "xss.html"
    result = app.test_cli_runner().invoke(cli, ["map", "-o", str(target), "--base-url", "http://127.0.0.1"])
    assert result.exit_code == 0, result.output
    dialogs = _open_map(offline_page, target.as_uri())
    # A real click on the middle of the line: lines are drawn on a canvas, the script finds them.
    offline_page.locator("#map").scroll_into_view_if_needed()
    point = offline_page.evaluate("""() => {
        const map = window.repertoireMap, box = map.getContainer().getBoundingClientRect();
        const p = map.latLngToContainerPoint(window.repertoireArcs.middle(0));
        return {x: box.left + p.x, y: box.top + p.y}; }""")
    offline_page.mouse.click(point["x"], point["y"])
    offline_page.wait_for_selector(".rm-popup", timeout=5000)
    text = offline_page.evaluate("""() => {
        const map = window.repertoireMap, dots = [];
        map.eachLayer(l => { if (l instanceof L.CircleMarker) dots.push(l); });
        const popup = document.querySelector('.rm-popup').textContent;
        dots.forEach(d => d.openTooltip());
        const tooltips = Array.from(document.querySelectorAll('.leaflet-tooltip'), t => t.textContent);
        return {popup, tooltips, images: document.querySelectorAll('#map img, #map-list-body img').length,
                table: document.querySelector('#map-list-body tbody').textContent};
    }""")
    assert XSS in text["popup"] and "Ville <b>test</b>" in text["popup"]
    assert len(text["tooltips"]) == 2, text
    assert any(XSS in t for t in text["tooltips"]) and any("Ville <b>test</b>" in t for t in text["tooltips"])
    assert XSS in text["table"]
    assert text["images"] == 0 and dialogs == [] and offline_page.external == []


@pytest.mark.browser
def test_english_map_and_legend_boxes_that_hide_lines(live_server, offline_page):
    _open_map(offline_page, f"{live_server}/carte/pays/JP?lang=en")
    assert offline_page.locator(".rm-legend legend").text_content() == "Colour by kind"
    assert offline_page.locator("#map-list-body thead").text_content() == "PartnershipKind, year — Themes"
    offline_page.locator("#map").scroll_into_view_if_needed()
    click = """() => { const map = window.repertoireMap, box = map.getContainer().getBoundingClientRect();
        const p = map.latLngToContainerPoint(window.repertoireArcs.middle(0));
        return {x: box.left + p.x, y: box.top + p.y}; }"""
    point = offline_page.evaluate(click)
    offline_page.mouse.click(point["x"], point["y"])
    assert offline_page.locator(".rm-popup a").text_content() == "Partnership details"
    offline_page.locator(".leaflet-popup-close-button").click()
    offline_page.locator(".rm-popup").wait_for(state="detached")  # after its fade
    for box in offline_page.locator(".rm-legend input[type=checkbox]").all():
        box.uncheck()
    offline_page.mouse.click(point["x"], point["y"])
    offline_page.wait_for_timeout(300)
    assert offline_page.locator(".rm-popup").count() == 0  # hidden lines are not found by a click


def _cluster_numbers(page) -> list[int]:
    """The numbers on the clusters drawn now, once markercluster has placed them."""
    page.wait_for_timeout(300)
    return [int(n) for n in page.locator(".marker-cluster span").all_text_contents()]


@pytest.mark.browser
def test_legend_boxes_filter_the_clusters_and_the_list_whose_links_name_both_sides(live_server, offline_page):
    _open_map(offline_page, f"{live_server}/carte/pays/DE")
    view = json.loads(offline_page.evaluate("JSON.stringify(window.link_layer_repertoire_view)"))
    kind, drawn = view["columns"].index("kind"), view["rows"]
    # Zoomed out on Europe, France's places and Germany's each make a cluster or a few: their
    # numbers count partnerships (each once), not places: together, every link drawn, twice.
    offline_page.evaluate("() => { window.repertoireMap.setView([50, 6], 3, {animate: false}); }")
    numbers = _cluster_numbers(offline_page)
    clusters = offline_page.evaluate("""() => { const out = [];
        window.repertoireCluster._featureGroup.eachLayer(c => { if (!(c instanceof L.MarkerCluster)) return;
            const ids = new Set(), places = c.getAllChildMarkers();
            places.forEach(m => m.options.place.rows.forEach(r => ids.add(r[0])));
            out.push({shown: Number(c._icon.textContent), places: places.length, partnerships: ids.size}); });
        return out; }""")
    assert sorted(c["shown"] for c in clusters) == sorted(numbers) and len(numbers) >= 2
    assert all(c["shown"] == c["partnerships"] for c in clusters)  # each partnership once
    assert any(c["partnerships"] > c["places"] for c in clusters)  # not the number of places

    rows = offline_page.locator("#map-list-body tbody tr")
    assert rows.count() == min(500, len(drawn) + len(view["unplaced"]))
    first = offline_page.locator("#map-list-body tbody a").first.text_content()
    french, partner = drawn[0][2], drawn[0][3]
    assert any(french in a and partner in a and " – " in a
               for a in offline_page.locator("#map-list-body tbody a").all_text_contents()[:50]), first

    order = view["order"]["kinds"]
    kinds = sorted({row[kind] or "" for row in drawn}, key=lambda k: order.index(k) if k in order else 999)
    boxes = offline_page.locator(".rm-legend input[type=checkbox]")
    assert boxes.count() == len(kinds) and len(kinds) >= 2
    boxes.nth(0).uncheck()  # the first kind of the legend (vocabulary order)
    gone = sum(1 for row in drawn if (row[kind] or "") == kinds[0])
    remaining = len(drawn) - gone + len(view["unplaced"])
    assert offline_page.locator("#map-list-body caption").text_content().endswith(f"({remaining})")
    numbers_after = _cluster_numbers(offline_page)
    assert sum(numbers_after) < sum(numbers) and max(numbers_after, default=0) <= len(drawn) - gone
    for i in range(boxes.count()):
        boxes.nth(i).uncheck()
    assert _cluster_numbers(offline_page) == []
    assert offline_page.locator("#map-list-body tbody tr").count() == len(view["unplaced"])
    boxes.nth(0).check()
    assert offline_page.locator("#map-list-body caption").text_content().endswith(f"({gone + len(view['unplaced'])})")


def test_the_print_map_names_partner_regions_as_the_book_does(sample_registry):
    """Regions come from the reference by whatever spelling the registry holds (an older
    ISO French form, the German name), in the map's language; one group per division."""
    partnerships = sample_registry.partnerships("partner_country = ?", ["DE"])
    older = {"Thüringen": "Turinge", "Nordrhein-Westfalen": "Rhénanie du Nord-Westfalie"}
    written = [dict(p, partner_region=older.get(p["partner_region"], p["partner_region"])) for p in partnerships]
    for lang, expected in (("fr", "Thuringe"), ("en", "Thuringia")):
        text = PdfReader(io.BytesIO(country_map(written, "DE", lang=lang))).pages[0].extract_text()
        assert expected in text and "Turinge" not in text and "Westfalie" not in text, lang
