"""The full-text index of the registry (Whoosh only): French analysis, build, search, facets."""
from . import patches

patches.apply()

from .build import BuildReport, build_index, current_generation, indexed_version, update_index, updating  # noqa: E402
from .feed import IndexFeed  # noqa: E402
from .search import IndexMissing, SearchIndex, SearchParams, SearchResult  # noqa: E402

__all__ = ["BuildReport", "IndexFeed", "IndexMissing", "SearchIndex", "SearchParams", "SearchResult",
           "build_index", "current_generation", "indexed_version", "update_index", "updating"]
