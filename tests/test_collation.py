"""Names sorted by the locale's collation (repertoire/collation.py)."""
from __future__ import annotations

from repertoire.collation import sort_key


def test_lists_sort_accented_names_in_their_place():
    names = ["Zambie", "États-Unis", "Italie", "Île-de-France", "Espagne", "Égypte", "Allemagne"]
    assert sorted(names, key=sort_key("fr")) == ["Allemagne", "Égypte", "Espagne", "États-Unis", "Île-de-France", "Italie", "Zambie"]
