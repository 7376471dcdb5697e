"""The merge rule that applies on its own: one collectivité, one gazetteer place, a shared word."""
from __future__ import annotations

from repertoire.ingest import ingest_files
from repertoire.registry import Registry
from repertoire.same_place import SOURCE, same_link


def test_two_spellings_of_one_place_become_one_partnership_with_the_merge_in_its_history(tmp_path, references):
    survey = tmp_path / "twice.csv"
    survey.write_text("Collectivité;Département;Collectivité partenaire;Pays;Date;Statut;Thématiques\n"
                      "Cabourg;14;Bad Homburg v. d. Höhe;Allemagne;1956;;culture\n"
                      "Cabourg;14;Bad Homburg vor der Höhe;Allemagne;1971;Actif;sport\n"
                      "Bordeaux;33;München;Allemagne;1964;;\n"
                      "Bordeaux;33;Munich;Allemagne;1964;Actif;\n"
                      "Bastia;2B;Erding (Kreis) (Erding, Stadt);Allemagne;1988;;\n"
                      "Bastia;2B;Erding;Allemagne;1961;Actif;\n"
                      "Vierzon;18;Bitterfeld;Allemagne;1959;;\n"
                      "Bourges;18;Bitterfeld-Wolfen;Allemagne;1987;;\n", encoding="utf-8")
    registry = Registry(tmp_path / "r.sqlite3")
    [report] = ingest_files(registry, [survey], references)
    assert report.accepted + report.merged == 8
    rows = {(p["french_name"], p["partner_country"]): p for p in registry.partnerships()}
    assert len(rows) == 5  # one link each for Cabourg, Bordeaux, Bastia; Vierzon and Bourges apart
    cabourg = rows[("Cabourg", "DE")]
    assert set(cabourg["themes"].split(";")) == {"culture", "jeunesse"} and cabourg["status"] == "actif"
    assert len(registry.sources(cabourg["id"])) == 2
    merged = [h for h in registry.history(cabourg["id"]) if h["field"] == "merged"]
    assert merged and merged[0]["source"] == SOURCE
    assert registry.partnerships("french_name = 'Bastia'")[0]["partner_name"] == "Erding"
    again = ingest_files(registry, [survey], references)[0]
    assert again.unchanged == 8 and registry.count() == 5  # re-ingesting changes nothing


def test_a_place_chosen_for_want_of_a_better_one_does_not_merge_names_that_share_no_word():
    one = dict(french_id="commune:75056", partner_country="CN", partner_geonameid=1, partner_name="Dongcheng District",
               partner_key="dongcheng district")
    two = dict(one, partner_name="Nanchuan", partner_key="nanchuan")
    assert not same_link(one, two)
    assert same_link(one, dict(one, partner_name="Dongcheng", partner_key="dongcheng"))
    assert not same_link(one, dict(one, french_id="commune:69123"))
    assert not same_link(one, dict(one, partner_geonameid=None)) and not same_link(dict(one, partner_geonameid=None),
                                                                                   dict(one, partner_geonameid=None))
