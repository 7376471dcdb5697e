"""Values derived from reference data kept between processes (repertoire/diskcache.py)."""
from __future__ import annotations

import os

from repertoire.diskcache import KEPT, DiskCache
from repertoire.gazetteer import Gazetteer


def test_a_country_read_from_the_cache_is_the_country_built_from_the_data(tmp_path, monkeypatch):
    monkeypatch.setenv("REPERTOIRE_CACHE", str(tmp_path))
    built, cached = Gazetteer(), Gazetteer()
    for code in ("DE", "JP", "SN", "PL"):
        fresh = built._country(code)
        assert cached._cache.get(code) is not None  # kept by the first
        again = cached._country(code)
        assert again.index == fresh.index and list(again.main) == list(fresh.main)
    assert cached.place("Kōbe", "JP") == built.place("Kōbe", "JP")
    assert cached.place("Budapest XIII. kerület", "HU") == built.place("Budapest XIII. kerület", "HU")


def test_changed_inputs_make_a_new_cache_and_the_oldest_go(tmp_path):
    data = tmp_path / "places.csv"
    caches = []
    for n in range(KEPT + 1):
        data.write_text("a" * n)
        cache = DiskCache("places", [data], root=tmp_path / "cache")
        assert cache.get("FR") is None and cache.folder not in [c.folder for c in caches]
        cache.put("FR", {"paris": [n]})
        os.utime(cache.folder, (n, n))
        caches.append(cache)
    assert not caches[0].folder.exists() and all(c.folder.exists() for c in caches[1:])
    assert caches[-1].get("FR") == {"paris": [KEPT]}


def test_the_same_files_in_another_checkout_share_the_cache(tmp_path):
    for checkout in ("one", "two"):
        (tmp_path / checkout).mkdir()
        (tmp_path / checkout / "places.csv").write_text("same content")
    first = DiskCache("places", [tmp_path / "one" / "places.csv"], root=tmp_path / "cache")
    first.put("FR", [1])
    assert DiskCache("places", [tmp_path / "two" / "places.csv"], root=tmp_path / "cache").get("FR") == [1]


def test_an_unreadable_or_unwritable_cache_is_only_slower(tmp_path):
    cache = DiskCache("places", [], root=tmp_path / "cache")
    cache.put("FR", [1, 2])
    (cache.folder / "FR.marshal").write_bytes(b"\x00garbage")
    assert cache.get("FR") is None
    (tmp_path / "file").write_text("")
    blocked = DiskCache("places", [], root=tmp_path / "file")  # a folder that cannot be made
    assert blocked.put("DE", [3]) == [3] and blocked.get("DE") is None
