"""Values derived from reference data kept between processes (repertoire/diskcache.py)."""
from __future__ import annotations

from repertoire.diskcache import DiskCache
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


def test_changed_inputs_make_a_new_cache_and_the_old_one_goes(tmp_path):
    data = tmp_path / "places.csv"
    data.write_text("a")
    old = DiskCache("places", [data], root=tmp_path / "cache")
    old.put("FR", {"paris": [0]})
    data.write_text("ab")
    new = DiskCache("places", [data], root=tmp_path / "cache")
    assert new.get("FR") is None and new.folder != old.folder
    new.put("FR", {"paris": [1]})
    assert not old.folder.exists() and new.get("FR") == {"paris": [1]}


def test_an_unreadable_or_unwritable_cache_is_only_slower(tmp_path):
    cache = DiskCache("places", [], root=tmp_path / "cache")
    cache.put("FR", [1, 2])
    (cache.folder / "FR.marshal").write_bytes(b"\x00garbage")
    assert cache.get("FR") is None
    (tmp_path / "file").write_text("")
    blocked = DiskCache("places", [], root=tmp_path / "file")  # a folder that cannot be made
    assert blocked.put("DE", [3]) == [3] and blocked.get("DE") is None
