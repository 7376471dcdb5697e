"""The Python API for notebooks: `repertoire.open()` and what it returns, on the sample surveys."""
from __future__ import annotations

import json

import folium
import geopandas as gpd
import pandas as pd
import pytest

import repertoire
from app import cli


@pytest.fixture(scope="module")
def r(sample_instance, sample_index):
    with repertoire.open(sample_instance) as opened:
        yield opened


def test_open_reads_the_instance_named_by_the_environment(sample_instance, monkeypatch):
    monkeypatch.setenv("REPERTOIRE_INSTANCE", str(sample_instance))
    with repertoire.open() as opened:
        assert opened.instance == sample_instance.resolve()
        assert str(opened.registry.count()) in repr(opened)


def test_open_refuses_a_folder_without_a_registry_with_a_message(tmp_path):
    with pytest.raises(FileNotFoundError, match="no registry in .*repertoire ingest"):
        repertoire.open(tmp_path)


def test_search_gives_the_result_of_the_cli_json(r, runner):
    result = r.search("culture", country="DE", limit=50)
    printed = runner.invoke(cli, ["search", "culture", "--country", "DE", "--limit", "50", "--json"])
    assert printed.exit_code == 0, printed.output
    timeless = lambda document: {k: v for k, v in document.items() if k != "took_ms"}  # noqa: E731
    assert timeless(json.loads(printed.output)) == timeless(json.loads(json.dumps(result.to_dict(), ensure_ascii=False)))
    assert result.total > 0 and all(hit["partner_country"] == "DE" for hit in result.hits)


def test_partnerships_are_a_dataframe_filtered_like_the_search(r, sample_registry):
    japan = r.partnerships(country="jp")
    assert isinstance(japan, pd.DataFrame) and len(japan) == len(sample_registry.matching({"country": "JP"}))
    assert set(japan["partner_country"]) == {"JP"} and {"french_name", "partner_name", "themes"} <= set(japan.columns)
    several = r.partnerships(country=["JP", "DE"], kind="jumelage")
    assert set(several["partner_country"]) == {"JP", "DE"} and set(several["kind"]) == {"jumelage"}
    water = r.partnerships(theme="eau")
    assert len(water) and all("eau" in t.split(";") for t in water["themes"])


def test_a_query_goes_through_the_french_search(r):
    # Accents and case folded by the index: the SQL LIKE of names would not find Besançon this way.
    found = r.partnerships("besancon")
    assert len(found) and found["french_name"].str.contains("Besançon").any()
    assert len(r.partnerships("besancon", country="DE")) <= len(found)


def test_geodataframe_has_links_and_both_ends_in_wgs84(r):
    frame = r.geodataframe(country="AM")
    assert isinstance(frame, gpd.GeoDataFrame) and frame.crs.to_epsg() == 4326
    assert frame.geometry.name == "link" and {"french_point", "partner_point"} <= set(frame.columns)
    placed = frame[frame["partner_point"].notna() & frame["french_point"].notna()]
    assert len(placed) and all(placed.geometry.notna())
    first = placed.iloc[0]
    assert first["partner_point"].x == pytest.approx(first["partner_lon"]) and first["french_point"].y == pytest.approx(first["french_lat"])
    points = r.geodataframe(country="AM", geometry="partner_point")
    assert points.geometry.name == "partner_point" and points.total_bounds[0] > 40  # Armenia lies east of 40°E


def test_map_is_a_folium_map_that_displays_in_a_notebook(r):
    m = r.map(country="AM")
    assert isinstance(m, folium.Map)
    html = m._repr_html_()  # what Jupyter shows: the page in an iframe, every asset inside it
    assert "RepertoireMap.drawOn" in html and "L.markerClusterGroup" in html
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "code.jquery" not in html
    assert m.repertoire_view["title"] == "Partenariats avec : Arménie"
    assert r.map(country="AM", locale="en").repertoire_view["title"] == "Partnerships with: Armenia"
    choropleth = r.map(level="regions")
    assert choropleth.repertoire_view["mode"] == "choropleth" and sum(choropleth.repertoire_view["values"].values()) > 1000


def test_survey_text_that_looks_like_a_template_stays_text_in_the_map(r):
    from maps import make_map

    row = r.registry.matching({"country": "AM"})[0] | {"partner_name": "{{ 7 * 7 }} {% if 1 %}x{% endif %}"}
    html = make_map([row]).get_root().render()
    assert "{{ 7 * 7 }} {% if 1 %}x{% endif %}" in html


def test_pdf_writes_the_country_book(r, tmp_path):
    path = r.pdf("AM", tmp_path / "armenie.pdf", maps=False)
    assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size > 10_000


def test_the_registry_writes_the_sql_of_filters_counts_and_orders_itself(sample_registry):
    rows = sample_registry.matching()
    by_country = sample_registry.count_by("country")
    assert sum(by_country.values()) == len(rows) == sample_registry.count()
    assert list(by_country.values()) == sorted(by_country.values(), reverse=True)
    assert sample_registry.count({"country": "DE"}) == by_country["DE"] == len(sample_registry.matching({"country": "de"}))
    assert sample_registry.countries() == sorted(by_country)
    ordered = sample_registry.matching({"country": "AM"}, order=("since", "id"))
    assert [p["since"] or 0 for p in ordered] == sorted(p["since"] or 0 for p in ordered)
    for bad in ({"pays": "DE"}, {"country; DROP TABLE partnerships": "x"}):
        with pytest.raises(ValueError, match="unknown filter"):
            sample_registry.matching(bad)
    with pytest.raises(ValueError, match="unknown columns"):
        sample_registry.matching({"country": "DE"}, order=("since; DROP TABLE partnerships",))
    assert sample_registry.count() == len(rows)  # nothing was run
