"""The Python API, for notebooks and scripts: one instance of the répertoire, opened by path.

    import repertoire
    r = repertoire.open()                  # the instance of REPERTOIRE_INSTANCE, or ./instance
    r.search("eau", country="BF")          # the result of `repertoire search --json`
    r.partnerships(country="JP")           # a pandas DataFrame
    r.geodataframe(theme="culture")        # a geopandas GeoDataFrame (EPSG:4326)
    r.map(country="AM")                    # a folium.Map (displays in Jupyter)
    r.pdf("JP", "japon.pdf")               # the country's répertoire

The CLI and the web app read and draw through the same functions: this is the layer where the
stages meet (registry, search index, maps, books), as app.py is for the web. It is the one
module of repertoire/ that reaches index/ and maps/, and only inside its methods, so that
`import repertoire` stays light and the other modules of repertoire/ import neither.

Filters, everywhere: `country`, `theme`, `region`, `departement`, `kind`, `status`,
`french_id` — one value or a list (any of them); `query` a search in French through the
index (accents, typos, stemming) when there is one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from .registry import Registry

if TYPE_CHECKING:  # heavy imports only when used
    import folium
    import geopandas

    from index.search import SearchResult

DEFAULT_INSTANCE = "instance"


class Repertoire:
    """One instance folder: its registry (registry.sqlite3), search index (index/), chapters.

    The web app hands its own `registry` (one per request) and `index` (kept open between
    requests) instead of opening new ones.
    """

    def __init__(self, instance: Path | str, registry: Registry | None = None, index=None):
        self.instance = Path(instance).resolve()
        self.registry_path = self.instance / "registry.sqlite3"
        if registry is None and not self.registry_path.exists():
            raise FileNotFoundError(f"no registry in {self.instance} (registry.sqlite3): "
                                    "run `repertoire ingest` there, or give the instance folder")
        self._own_registry = registry is None
        self.registry = registry if registry is not None else Registry(self.registry_path)
        self._index = index

    def __repr__(self) -> str:
        return f"<Repertoire {self.instance}: {self.registry.count()} partnerships>"

    def __enter__(self) -> "Repertoire":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._own_registry:
            self.registry.close()

    # --- search --------------------------------------------------------------------

    @property
    def index(self):
        """The search index of the instance (index/), opened on first use."""
        if self._index is None:
            from index import SearchIndex

            self._index = SearchIndex(str(self.instance / "index"))
        return self._index

    def search(self, query: str = "", *, sort: str = "relevance", limit: int = 20, page: int = 1,
               **filters: str | Iterable[str]) -> "SearchResult":
        """A search in French with facets: the object `repertoire search --json` prints
        (`.to_dict()`), whose `.hits` are the partnerships of the page. Raises
        index.IndexMissing when the instance has no index yet (`repertoire index`)."""
        from index import SearchParams

        params = SearchParams(query, _lists(filters), sort, page, limit)
        return self.index.search(params, self.registry)

    # --- tables --------------------------------------------------------------------

    def records(self, query: str = "", *, columns: list[str] | None = None, fallback: bool = True,
                limit: int | None = None, **filters: str | Iterable[str]) -> list[dict]:
        """The partnerships that match, as the registry's dicts (only `columns` when given), in
        the registry's order, or by name when there is a `query`; the first `limit` when given.
        A query goes through the search index; without one (`repertoire index` not run) names
        are searched with SQL LIKE, or index.IndexMissing is raised when `fallback` is False."""
        if not query:
            return self.registry.matching(filters, columns, limit=limit)
        from index import IndexMissing, SearchParams
        from index.search import FILTER_NAMES, MAX_PER_PAGE

        lists = _lists(filters)
        searched = {k: v for k, v in lists.items() if k in FILTER_NAMES}
        rest = {k: v for k, v in lists.items() if k not in FILTER_NAMES}
        try:
            ids, params = [], SearchParams(query, searched, "name", 1, MAX_PER_PAGE)
            while True:
                result = self.index.search(params)
                ids += [hit["id"] for hit in result.hits]
                if params.page >= result.pages:
                    break
                params.page += 1
        except IndexMissing:
            if not fallback:
                raise
            return self.registry.matching(dict(filters, q=query), columns, limit=limit)
        return self.by_ids(ids[:limit] if limit is not None and not rest else ids, columns, **rest)[:limit]

    def by_ids(self, ids: list[str], columns: list[str] | None = None, **filters: str | Iterable[str]) -> list[dict]:
        """Partnerships by id, in the order of `ids` (a search's), those that pass `filters`."""
        found: dict[str, dict] = {}
        read = columns and list(dict.fromkeys(["id", *columns]))
        for start in range(0, len(ids), 30_000):  # SQLite takes 32,766 parameters
            for row in self.registry.matching(dict(filters, id=ids[start:start + 30_000]), read):
                found[row["id"]] = row
        return [found[i] for i in ids if i in found]

    def partnerships(self, query: str = "", **filters: str | Iterable[str]) -> pd.DataFrame:
        """The partnerships that match, one row each, every public and stored field as a column."""
        rows = self.records(query, **filters)
        return pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=["id"])

    def geodataframe(self, query: str = "", *, geometry: str = "link", **filters: str | Iterable[str]) -> "geopandas.GeoDataFrame":
        """The same as a GeoDataFrame in EPSG:4326 (repertoire/geodata.py): the great-circle
        `link` active, `french_point` and `partner_point` beside it."""
        from .geodata import geodataframe

        return geodataframe(self.records(query, **filters), geometry=geometry)

    # --- maps and books ------------------------------------------------------------

    def map(self, query: str = "", *, level: str | None = None, color_by: str = "kind", locale: str = "fr",
            **filters: str | Iterable[str]) -> "folium.Map":
        """A folium.Map of the links that match (maps/folium_map.py), every asset inside it: it
        displays in Jupyter and `m.save("carte.html")` opens offline. One partner `country`
        alone frames both ends; `level` (`pays`, `regions`, `departements`) counts per area."""
        from maps import make_map

        records = self.records(query, **filters)
        countries = _lists(filters).get("country", [])
        country = countries[0].upper() if len(countries) == 1 and not level else None
        french = _lists(filters).get("french_id", [])
        return make_map(records, country=country, collectivite=french[0] if len(french) == 1 and not country else None,
                        level=level, color_by=color_by, detail_url="", locale=locale,
                        translations=_translations(locale))

    def pdf(self, country: str, path: Path | str | None = None, *, members: bool = False, maps: bool = True) -> Path:
        """Typeset the répertoire of a partner country (ISO code) into `path` (default
        repertoire-cc.pdf in the current folder), with its print maps; returns the path."""
        from repertoire.pdf import Options, country_repertoire

        code = country.upper()
        target = Path(path or f"repertoire-{code.lower()}.pdf")
        links = france = None
        if maps:
            from maps import static

            rows = self.registry.matching({"country": code})
            links, france = static.country_map(rows, code), static.france_map(rows)
        options = Options(members=members, chapters_dir=str(self.instance / "chapters"),
                          map_image=links, france_image=france)
        target.write_bytes(country_repertoire(self.registry, code, options))
        return target


def _lists(filters: dict) -> dict[str, list[str]]:
    """Filters as lists of values (the search's form), empty ones left out."""
    out = {}
    for name, value in filters.items():
        values = [value] if isinstance(value, str) else list(value or [])
        if values := [v for v in values if v]:
            out[name] = values
    return out


def _translations(locale: str):
    """The app's English catalogue (web/translations) for `locale="en"`, the French source otherwise."""
    from gettext import NullTranslations
    from importlib.util import find_spec

    if locale != "en":
        return NullTranslations()
    from babel.support import Translations

    web = find_spec("web")  # its folder, without importing Flask
    return Translations.load(str(Path(web.submodule_search_locations[0]) / "translations"), ["en"])


def open(instance: Path | str | None = None) -> Repertoire:  # noqa: A001  (repertoire.open, like io.open)
    """The répertoire of an instance folder: `instance`, else $REPERTOIRE_INSTANCE, else ./instance."""
    return Repertoire(instance or os.environ.get("REPERTOIRE_INSTANCE") or DEFAULT_INSTANCE)
