"""Country outlines, to check that a partner's point lies in the partner's country.

A wrong point is worse than none (DESIGN: "absent rather than wrong"): a homonym in a
neighbouring country, a twinning list's slip, a click beside the border. Every point the
registry keeps for a partner is therefore tested against the outline of its country, from
the Natural Earth 1:50m shapes shipped for the maps (`repertoire/data/world/countries-50m.geojson`),
loaded once per process with geopandas.

The test is lenient where the outlines are coarse, strict where they are clear:

* a point within `TOLERANCE_DEGREES` (about 10 km) of its country's outline is inside: the
  1:50m shapes are simplified to 0.03°, and a harbour town falls just off the coast;
* a point at sea, in no country's outline, is inside when it lies within
  `SEA_REACH_DEGREES` of its country: 1:50m leaves out small islands (San Andrés,
  the Penghu islands) that are its country's all the same;
* a point in another country's outline is outside, unless its country claims that land
  in `repertoire/data/claims.geojson` (areas where GeoNames, the gazetteer's source, puts a country's
  towns while Natural Earth draws another's border: Crimea, the Golan, the West Bank
  settlements); that file is built from the gazetteer, not written by hand;
* (0, 0), the point a missing coordinate often becomes, is never a place;
* a country without an outline (the smallest territories) cannot be checked: its points
  are accepted.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .datafiles import DATA

OUTLINES = DATA / "world" / "countries-50m.geojson"
CLAIMS = DATA / "claims.geojson"
TOLERANCE_DEGREES = 0.09  # ≈ 10 km north–south, less east–west away from the equator
SEA_REACH_DEGREES = 9.0  # ≈ 1,000 km: the farthest small islands left out at 1:50m


class Outlines:
    """One geometry per ISO alpha-2 code, with the areas each country's towns lie in."""

    def __init__(self, path: Path = OUTLINES, claims: Path = CLAIMS):
        drawn = gpd.read_file(path)
        drawn = drawn[drawn["iso"] != ""][["iso", "geometry"]].reset_index(drop=True)
        drawn["geometry"] = drawn.geometry.make_valid()
        # Natural Earth's drawing alone tells which land is another country's.
        self.drawn: gpd.GeoDataFrame = drawn
        parts = drawn
        if claims.exists():
            parts = pd.concat([drawn, gpd.read_file(claims)[["iso", "geometry"]]], ignore_index=True)
        self._parts: dict[str, list] = {}
        for iso, geometry in zip(parts["iso"], parts.geometry):
            self._parts.setdefault(iso, []).append(geometry)
        self._shapes: dict[str, object] = {}

    def known(self, country: str) -> bool:
        """Tell whether the country has an outline to check against."""
        return country in self._parts

    def shape(self, country: str):
        """The country's outline with its claims, as one valid (prepared) shapely geometry."""
        if country not in self._shapes:
            shape = shapely.make_valid(shapely.union_all(self._parts[country]))
            shapely.prepare(shape)
            self._shapes[country] = shape
        return self._shapes[country]

    def inside_many(self, countries: Iterable[str], lats: Iterable[float], lons: Iterable[float]) -> np.ndarray:
        """For each point, whether it lies in its country (see the module's rules).

        Points are taken country by country: a prepared-polygon test settles most of them at
        once; only those off their outline are measured and joined to the others' outlines.
        """
        countries = np.asarray(list(countries), dtype=object)
        lats = np.asarray(list(lats), dtype=float)
        lons = np.asarray(list(lons), dtype=float)
        result = ~(np.isnan(lats) | np.isnan(lons) | ((lats == 0) & (lons == 0)))
        strays = []
        for country in (set(countries) if len(countries) > 1 else countries):
            if country not in self._parts:
                continue
            rows = np.flatnonzero((countries == country) & result)
            if not len(rows):
                continue
            shape = self.shape(country)
            inside = shapely.contains_xy(shape, lons[rows], lats[rows])
            off = rows[~inside]
            if len(off):
                near = shapely.dwithin(shape, shapely.points(lons[off], lats[off]), TOLERANCE_DEGREES)
                strays.extend((row, country) for row in off[~near])
        if strays:
            rows = np.array([row for row, _ in strays])
            own = gpd.GeoSeries([self.shape(country) for _, country in strays])
            points = gpd.GeoSeries(gpd.points_from_xy(lons[rows], lats[rows]))
            # Distances in degrees, on purpose (the tolerances are in degrees): no CRS, no warning.
            distance = own.distance(points).to_numpy()
            landed = gpd.sjoin(gpd.GeoDataFrame(geometry=points.set_crs(self.drawn.crs)), self.drawn,
                               predicate="within", how="inner")
            on_land = np.zeros(len(rows), dtype=bool)
            on_land[landed.index.unique()] = True
            result[rows] = ~on_land & (distance <= SEA_REACH_DEGREES)
        return result

    def inside(self, country: str, lat: float, lon: float) -> bool:
        """Whether one point lies in its country.

        >>> outlines().inside("DE", 52.52, 13.40), outlines().inside("DE", 48.85, 2.35)
        (True, False)
        """
        return bool(self.inside_many([country], [lat], [lon])[0])


@lru_cache(maxsize=1)
def outlines() -> Outlines:
    """The outlines, loaded on first use and kept for the life of the process."""
    return Outlines()


def inside(country: str, lat: float, lon: float) -> bool:
    """Whether a point lies in the country of that ISO alpha-2 code."""
    return outlines().inside(country, lat, lon)


def inside_many(countries: Iterable[str], lats: Iterable[float], lons: Iterable[float]) -> np.ndarray:
    """`inside` for many points at once (vectorised: ~1 s for 160,000 points)."""
    return outlines().inside_many(countries, lats, lons)
