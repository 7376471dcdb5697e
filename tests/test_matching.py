"""Matchmaking on the sample registry: rankings judged by hand from the samples' links.

In the samples, three communes have a live link in Senegal on water (Longvic with Diawara in
Matam, Pont-Sainte-Maxence with Linguère, Saint-Herblain with N'Diaganiao), others a link in
Senegal on other themes, and many work on water elsewhere. Who should a Senegalese town
looking for help on water call first? Those three; then the ones present in Senegal; then
those who know water elsewhere.
"""
from __future__ import annotations

import json

import pytest

from index import labels
from repertoire.matching import Request, match, populations


@pytest.fixture(scope="module")
def places():
    return labels.french_places()


def ranked(sample_registry, places, **request) -> list:
    return match(sample_registry, Request(**request), places, labels.country_name, limit=50)


def senegal(sample_registry, theme: str | None = None) -> dict[str, set[str]]:
    """French ids with a live link in Senegal, and those with one on `theme` (read by SQL)."""
    rows = sample_registry.partnerships("partner_country = 'SN' AND coalesce(status, '') != 'termine'")
    return {"present": {r["french_id"] for r in rows},
            "theme": {r["french_id"] for r in rows if theme in (r["themes"] or "").split(";")}}


def test_water_in_senegal_first_then_senegal_then_water_elsewhere(sample_registry, places):
    known = senegal(sample_registry, "eau")
    assert len(known["theme"]) >= 2 and len(known["present"]) > len(known["theme"])
    results = ranked(sample_registry, places, country="SN", theme="eau")
    tiers = [2 if r.french_id in known["theme"] else 1 if r.french_id in known["present"] else 0 for r in results]
    assert tiers == sorted(tiers, reverse=True)
    assert tiers[:len(known["theme"])] == [2] * len(known["theme"])
    assert 0 in tiers, "collectivités working on water elsewhere come after"
    first = results[0]
    assert any("Sénégal" in reason and "Eau et assainissement" in reason for reason in first.reasons)
    assert first.partnerships[0]["partner_country"] == "SN"
    elsewhere = next(r for r in results if r.french_id not in known["present"])
    assert any("d'autres pays" in reason for reason in elsewhere.reasons)


def test_the_region_asked_and_the_departement_near_reorder_the_water_communes(sample_registry, places):
    water = {r["french_id"]: r for r in sample_registry.partnerships(
        "partner_country = 'SN' AND (';' || themes || ';') LIKE '%;eau;%'")}
    one = next(r for r in water.values() if r["partner_region"])
    results = ranked(sample_registry, places, country="SN", theme="eau", region=one["partner_region"])
    assert results[0].french_id == one["french_id"]
    assert any(one["partner_region"] in reason for reason in results[0].reasons)
    other = next(r for r in water.values() if r["french_id"] != results[0].french_id and r["departement"])
    near = ranked(sample_registry, places, country="SN", theme="eau", near=other["departement"])
    assert near[0].french_id == other["french_id"]
    assert "même département que la demande" in " ".join(near[0].reasons)


def test_comparable_size_favours_the_collectivite_of_the_partners_population(sample_registry, places):
    people = populations(places)
    present = sorted(senegal(sample_registry)["present"], key=lambda f: people.get(f, 0))
    small, big = present[0], present[-1]
    assert people[big] > 10 * people[small]
    for target, other in ((small, big), (big, small)):
        results = {r.french_id: r for r in ranked(sample_registry, places, country="SN", size=people[target])}
        assert any("taille comparable" in reason for reason in results[target].reasons)
        assert not any("taille comparable" in reason for reason in results[other].reasons)


def test_reasons_speak_english_when_asked(sample_registry, places):
    result = match(sample_registry, Request("SN", theme="eau"), places, labels.country_name, lang="en")[0]
    assert any("Senegal" in reason and "Water and sanitation" in reason for reason in result.reasons)


def test_a_country_with_no_link_finds_nobody_but_those_working_on_the_theme(sample_registry, places):
    codes = {r[0] for r in sample_registry.iter_rows("SELECT DISTINCT partner_country FROM partnerships")}
    empty = next(c for c in ("AQ", "BV", "HM", "TF", "UM") if c not in codes)
    assert ranked(sample_registry, places, country=empty) == []
    results = ranked(sample_registry, places, country=empty, theme="eau")
    assert results and all(r.score == 10 for r in results)


def test_the_match_command_prints_the_json_contract(runner):
    from app import cli
    result = runner.invoke(cli, ["match", "--country", "Sénégal", "--theme", "eau", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert len(data["results"]) == 3
    assert set(data["results"][0]) >= {"french_id", "french_name", "score", "reasons", "partnerships"}
    assert data["results"][0]["score"] >= data["results"][1]["score"] >= data["results"][2]["score"]
    bad = runner.invoke(cli, ["match", "--country", "Atlantis"])
    assert bad.exit_code != 0 and "unknown country" in bad.output and "Traceback" not in bad.output


def test_same_region_names_the_region_of_the_departement_asked(sample_registry, places):
    """A collectivité of Occitanie asked near the Aveyron is « même région (Occitanie) »."""
    results = ranked(sample_registry, places, country="DE", near="12")
    same = [r for r in results if r.departement and r.departement != "12"
            and places.departements.loc[r.departement, "region"] == places.departements.loc["12", "region"]]
    assert same
    assert all("même région que la demande (Occitanie)" in r.reasons for r in same)


def test_collectivites_in_a_neighbouring_country_of_the_group_come_after_those_present(sample_registry, places):
    """Chad: who is there first; then who works in another country of the Sahel (the smallest
    group holding Chad), never someone with links elsewhere only."""
    groups = labels.countries().groups
    sahel = next(codes for name, codes in sorted(groups.items(), key=lambda g: len(g[1])) if "TD" in codes)
    results = match(sample_registry, Request("TD"), places, labels.country_name, limit=200, groups=groups)
    present = {r["french_id"] for r in sample_registry.partnerships("partner_country = 'TD' AND coalesce(status, '') != 'termine'")}
    neighbours = {r["french_id"] for r in sample_registry.partnerships(
        f"partner_country IN ({','.join('?' * len(sahel))}) AND partner_country != 'TD' "
        "AND coalesce(status, '') != 'termine'", sorted(sahel))} - present
    assert present and neighbours
    assert [r.french_id in present for r in results] == [True] * len(present) + [False] * len(neighbours)
    assert {r.french_id for r in results} == present | neighbours
    assert all("pays voisin du groupe" in " ".join(r.reasons) for r in results[len(present):])
    assert match(sample_registry, Request("TD"), places, labels.country_name, limit=200) == results[:len(present)]
