"""Partnerships as a GeoDataFrame (repertoire/geodata.py): geometries, the antimeridian, area counts."""
from __future__ import annotations

from collections import Counter

import pytest

from repertoire.geodata import area_counts, geodataframe, link_geometry


def test_every_partnership_keeps_its_row_and_unplaced_ends_have_no_geometry(sample_registry):
    rows = sample_registry.matching()
    frame = geodataframe(rows)
    assert list(frame["id"]) == [p["id"] for p in rows] and frame.crs.to_epsg() == 4326
    unplaced = [p["partner_lat"] is None or p["french_lat"] is None for p in rows]
    assert any(unplaced) and list(frame["link"].isna()) == unplaced
    assert list(frame["partner_point"].isna()) == [p["partner_lat"] is None for p in rows]


def test_an_arc_over_the_antimeridian_is_split_there_and_stays_within_180_degrees():
    # Papeete (French Polynesia) and Tokyo: the short way crosses 180°.
    arc = link_geometry({"french_lat": -17.54, "french_lon": -149.57, "partner_lat": 35.68, "partner_lon": 139.69})
    assert arc.geom_type == "MultiLineString" and len(arc.geoms) == 2
    west, east = sorted(arc.geoms, key=lambda part: part.bounds[0])
    assert west.bounds[0] == pytest.approx(-180) and east.bounds[2] == pytest.approx(180)
    assert arc.bounds[0] >= -180 and arc.bounds[2] <= 180
    assert west.coords[0] == pytest.approx((-149.57, -17.54), abs=1e-3)  # it starts at Papeete
    # Paris and Tokyo: no crossing, one line from one end to the other.
    line = link_geometry({"french_lat": 48.86, "french_lon": 2.35, "partner_lat": 35.68, "partner_lon": 139.69})
    assert line.geom_type == "LineString" and line.coords[-1] == pytest.approx((139.69, 35.68), abs=1e-3)


@pytest.mark.parametrize("level, field", [("pays", "partner_country"), ("regions", "region"),
                                          ("departements", "departement")])
def test_area_counts_add_up_to_the_partnerships_of_each_area(sample_registry, level, field):
    rows = sample_registry.matching()
    counts = area_counts(geodataframe(rows, links=False), level)
    key = counts.columns[0]
    assert dict(zip(counts[key], counts["partnerships"])) == dict(Counter(p[field] for p in rows if p[field]))
    assert counts.geometry.notna().mean() > 0.95  # areas joined to their outlines
