"""Search behaviour on the sample registry: French analysis, queries, facets, sorting."""
from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.fields import TEXT

from index import SearchParams, build_index, SearchIndex, update_index
from index import analysis
from index.analysis import analyze, stems, words
from index.labels import countries
from index.schema import SCHEMA, document, text
from repertoire.registry import Registry, now


def find(search_index, sample_registry, q="", per_page=20, **filters):
    return search_index.search(SearchParams(q, {k: [v] for k, v in filters.items()}, per_page=per_page), sample_registry)


def partners(result):
    return {h["partner_name"] for h in result.hits}


@pytest.mark.parametrize("query, expected", [
    ("besancon", "Besançon"), ("BESANÇON", "Besançon"), ("kobe", "Kōbe"),
    ("grosshabersdorf", "Großhabersdorf"), ("Issy les Moulineaux", "Issy-les-Moulineaux"),
])
def test_should_match_without_accents_or_hyphens(search_index, sample_registry, query, expected):
    result = find(search_index, sample_registry, query)
    assert any(expected in (h["french_name"], h["partner_name"]) for h in result.hits)


def test_should_remove_elisions():
    assert words("l'eau d'Arménie qu'il jusqu'à") == ["eau", "armenie", "il"]


@pytest.mark.parametrize("sample", ["L'eau d'Arménie, jusqu'à Issy-les-Moulineaux", "西宮市 Nishinomiya",
                                    "Кисловодск (Ставропольский край)", "le la les de du", "Großhabersdorf ßẞ 1990"])
def test_building_analyzes_as_the_whoosh_analyzers(sample):
    assert analyze(sample) == stems(sample) and analyze(sample, stemmed=False) == words(sample)


def test_documents_hold_the_terms_of_their_text(sample_registry):
    for p in sample_registry.partnerships():
        fields, names = document(p, countries())
        assert fields["text"] == stems(text(p, countries()))
        assert analyze(p["french_name"], stemmed=False)[0] in names


def test_analysed_text_gives_the_postings_whoosh_gives_for_the_text(sample_registry):
    plain = TEXT(analyzer=analysis.french, phrase=True)
    for p in sample_registry.partnerships():
        fields, _ = document(p, countries())
        assert sorted(SCHEMA["text"].index(fields["text"])) == sorted(plain.index(text(p, countries())))


def test_should_find_water_projects_with_an_elided_article(search_index, sample_registry):
    assert find(search_index, sample_registry, "l'eau").total == find(search_index, sample_registry, "eau").total > 0


def test_should_stem_plurals(search_index, sample_registry):
    assert find(search_index, sample_registry, "jumelages").total == find(search_index, sample_registry, "jumelage").total > 1000


def test_should_forgive_one_typo_and_suggest_the_spelling(search_index, sample_registry):
    result = find(search_index, sample_registry, "Nishinomya")
    assert "Nishinomiya" in partners(result)
    assert result.suggestion == "nishinomiya"


def test_should_not_forgive_typos_on_short_words(search_index, sample_registry):
    assert find(search_index, sample_registry, "Nra").total == 0


def test_should_find_kanazawa_with_a_typo(tmp_path):
    registry = Registry(tmp_path / "r.sqlite3")
    registry.save([{"id": "p-1", "french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Kanazawa",
                    "partner_key": "kanazawa", "partner_country": "JP", "partner_native": "金沢市", "kind": "jumelage",
                    "themes": "culture", "keywords": ""}], [], [], [])
    build_index(registry, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchParams("Kanazwa")).total == 1
    assert index.search(SearchParams("金沢")).total == 1
    assert index.search(SearchParams("Kanazzaawa")).total == 1  # two typos on a long word
    assert index.search(SearchParams("Kaxazzaawa")).total == 0  # three is too many


def test_an_update_indexes_new_names_and_their_spelling(tmp_path):
    registry = Registry(tmp_path / "r.sqlite3")
    kanazawa = {"id": "p-1", "french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Kanazawa",
                "partner_key": "kanazawa", "partner_country": "JP", "kind": "jumelage", "updated_at": "2025-01-01"}
    registry.save([kanazawa], [], [], [])
    build_index(registry, tmp_path / "index")
    nishinomiya = kanazawa | {"id": "p-2", "partner_name": "Nishinomiya", "partner_key": "nishinomiya",
                              "updated_at": "2025-02-01"}
    registry.save([nishinomiya], [("p-2", "f.csv", "hash", "s", 2, None, "new", None, None, None)], [], [])
    assert update_index(registry, tmp_path / "index").documents == 1
    result = SearchIndex(tmp_path / "index").search(SearchParams("Nishinomya"))
    assert result.total == 1 and result.suggestion == "nishinomiya"
    registry.save([kanazawa | {"partner_name": "Toyama", "updated_at": "2025-03-01"}],
                  [("p-1", "g.csv", "hash2", "s", 2, None, "changed", None, None, None)], [], [])
    assert update_index(registry, tmp_path / "index").documents == 1
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchParams("Toyama")).total == 1 and index.search(SearchParams("Kanazawa")).total == 0
    assert index.search(SearchParams("*")).total == 2


@pytest.mark.parametrize("query", ["西宮市", "西宮", "Nishinomiya", "Кисловодск", "Kislovodsk"])
def test_should_find_names_in_other_scripts_and_romanized(search_index, sample_registry, query):
    assert find(search_index, sample_registry, query).total >= 1


def test_should_search_country_names_in_french_and_english(search_index, sample_registry):
    fr = find(search_index, sample_registry, "Allemagne")
    en = find(search_index, sample_registry, "Germany")
    assert fr.total == en.total == fr.facets["country"]["DE"]


def test_should_search_theme_labels_in_english(search_index, sample_registry):
    assert find(search_index, sample_registry, "water").total == find(search_index, sample_registry, "theme:eau").total > 0


def test_should_match_phrases_in_order_only(search_index, sample_registry):
    assert find(search_index, sample_registry, '"Issy les Moulineaux"').total > 0
    assert find(search_index, sample_registry, '"Moulineaux Issy"').total == 0


@pytest.mark.parametrize("french, english", [("culture ET jeunesse", "culture AND jeunesse"),
                                             ("culture OU jeunesse", "culture OR jeunesse"),
                                             ("Japon SAUF Kobe", "Japon NOT Kobe")])
def test_should_understand_french_operators(search_index, sample_registry, french, english):
    assert find(search_index, sample_registry, french).total == find(search_index, sample_registry, english).total


def test_boolean_operators_combine_as_sets(search_index, sample_registry):
    both = find(search_index, sample_registry, "culture AND jeunesse").total
    either = find(search_index, sample_registry, "culture OR jeunesse").total
    culture = find(search_index, sample_registry, "culture").total
    assert both < culture < either
    assert find(search_index, sample_registry, "culture NOT jeunesse").total == culture - both


def test_should_filter_by_fields_in_the_query(search_index, sample_registry):
    result = find(search_index, sample_registry, "pays:Japon theme:culture")
    assert result.total > 0 and set(result.facets["country"]) == {"JP"}
    assert all("culture" in h["themes"] for h in result.hits)
    years = find(search_index, sample_registry, "annee:1990-1999", per_page=500)
    assert years.total > 0 and all(1990 <= h["since"] <= 1999 for h in years.hits)


@pytest.mark.parametrize("query", ['"unbalanced', "a AND", "AND", "NOT", "OR OR", "*", "\\", "x" * 2000,
                                   "((((", "pays:", ":::", "é" * 300, "kob*", "annee:abc", "\x00"])
def test_any_input_gives_an_answer_or_a_message(search_index, sample_registry, query):
    result = find(search_index, sample_registry, query)
    assert result.total >= 0
    assert result.total > 0 or result.messages or result.suggestion is None


def test_long_input_is_cut_with_a_message(search_index, sample_registry):
    assert "truncated" in find(search_index, sample_registry, "culture " * 400).messages


def test_star_lists_everything(search_index, sample_registry):
    assert find(search_index, sample_registry, "*").total == sample_registry.count()


def test_empty_query_with_filters_lists_every_match(search_index, sample_registry):
    result = find(search_index, sample_registry, "", country="JP")
    assert result.total == len(sample_registry.partnerships("partner_country = 'JP'"))


def test_facets_count_the_whole_result_set(search_index, sample_registry):
    result = find(search_index, sample_registry, "jumelage")
    assert set(result.facets) == {"country", "group", "theme", "kind", "status", "region", "departement", "ftype", "decade"}
    assert sum(result.facets["country"].values()) == result.total
    assert sum(result.facets["decade"].values()) <= result.total
    assert result.facets["group"]


@pytest.mark.parametrize("query, filters", [("", {}), ("jumelage", {}), ("", {"country": "MA"}), ("culture", {"group": "Union européenne"})])
def test_themes_and_groups_counted_as_the_registry_holds_them(search_index, sample_registry, query, filters):
    """Facets of several values a document: each theme's count is the number of matching
    partnerships the registry gives that theme, largest first; filtering by a group keeps
    as many partnerships as its count said."""
    result = find(search_index, sample_registry, query, **filters)
    themes: dict[str, int] = {}
    for page in range(1, result.total // 1000 + 2):
        every = search_index.search(SearchParams(query, {k: [v] for k, v in filters.items()}, page=page, per_page=1000),
                                    sample_registry)
        for hit in every.hits:
            for theme in set(hit["themes"]):
                themes[theme] = themes.get(theme, 0) + 1
    assert result.facets["theme"] == themes and list(result.facets["theme"].values()) == sorted(themes.values(), reverse=True)
    if "group" in filters:
        assert result.facets["group"][filters["group"]] == result.total
        return
    for group, count in list(result.facets["group"].items())[:4]:
        assert find(search_index, sample_registry, query, **filters, group=group).total == count


def test_facet_filters_narrow_results(search_index, sample_registry):
    result = find(search_index, sample_registry, "", kind="cooperation", status="actif")
    assert set(result.facets["kind"]) == {"cooperation"} and set(result.facets["status"]) == {"actif"}


def test_sorting_by_name_and_year(search_index, sample_registry):
    by_year = search_index.search(SearchParams("", {"country": ["JP"]}, sort="year", per_page=100), sample_registry)
    years = [h["since"] for h in by_year.hits if h["since"]]
    assert years == sorted(years)
    by_name = search_index.search(SearchParams("", {"country": ["IT"]}, sort="name", per_page=50), sample_registry)
    assert [h["french_name"][0] for h in by_name.hits] == sorted(h["french_name"][0] for h in by_name.hits) or by_name.total


def test_pages_do_not_overlap(search_index, sample_registry):
    first = search_index.search(SearchParams("jumelage", page=1, per_page=10), sample_registry)
    second = search_index.search(SearchParams("jumelage", page=2, per_page=10), sample_registry)
    assert not {h["id"] for h in first.hits} & {h["id"] for h in second.hits}
    assert first.pages == -(-first.total // 10)


def test_snippets_are_highlighted_and_escaped(search_index, sample_registry):
    hit = find(search_index, sample_registry, "éducation").hits[0]
    assert "<mark" in str(hit["snippet"])
    from index.search import snippet
    assert "<script>" not in str(snippet("<script>alert(1)</script> eau", {"eau"}))


def test_results_never_carry_contacts(search_index, sample_registry):
    assert all("contacts" not in h for h in find(search_index, sample_registry, "jumelage").hits)


QUERIES = ["jumelage", "Japon", "culture OR jeunesse", '"Issy les Moulineaux"', "Nishinomya", "eau NOT culture", ""]


def test_two_processes_build_the_same_index_as_one(tmp_path, sample_registry):
    build_index(sample_registry, tmp_path / "one", procs=1)
    build_index(sample_registry, tmp_path / "two", procs=2)
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    for q in QUERIES:
        a, b = one.search(SearchParams(q, per_page=50)), two.search(SearchParams(q, per_page=50))
        assert (a.total, a.facets, a.suggestion) == (b.total, b.facets, b.suggestion)
        assert [(h["id"], h["score"]) for h in a.hits] == [(h["id"], h["score"]) for h in b.hits]


def test_a_failed_build_leaves_the_live_index_in_place(tmp_path):
    registry = Registry(tmp_path / "r.sqlite3")
    nancy = {"id": "p-2", "french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Kanazawa",
             "partner_key": "kanazawa", "partner_country": "JP", "kind": "jumelage", "since": 1955}
    registry.save([nancy], [], [], [])
    live = build_index(registry, tmp_path / "index").generation
    registry.save([nancy | {"id": "p-1", "partner_key": "k", "since": "not a year"}], [], [], [])
    with pytest.raises(RuntimeError, match="ValueError"):  # p-1 is in the other process's share
        build_index(registry, tmp_path / "index", procs=2)
    assert [p.name for p in (tmp_path / "index").glob("gen-*")] == [live]
    assert SearchIndex(tmp_path / "index").search(SearchParams("Kanazawa")).total == 1


def test_an_update_follows_writes_made_right_after_it_and_merges(tmp_path):
    """A staff edit in the same second as the last update is indexed; a merged-away
    partnership leaves the index."""
    registry = Registry(tmp_path / "r.sqlite3")
    base = {"french_id": "commune:54395", "french_name": "Nancy", "partner_country": "DE", "kind": "jumelage"}
    registry.save([base | {"id": "p-1", "partner_name": "Karlsruhe", "partner_key": "karlsruhe", "updated_at": now()},
                   base | {"id": "p-2", "partner_name": "Karlsruh", "partner_key": "karlsruh", "updated_at": now()}],
                  [], [], [])
    build_index(registry, tmp_path / "index")
    stamp = now()
    registry.save([registry.partnership("p-1") | {"partner_region": "Bade-Wurtemberg", "updated_at": stamp}], [], [],
                  [("p-1", "partner_region", None, "Bade-Wurtemberg", "staff: a@b.fr", "", 0, stamp)])
    assert update_index(registry, tmp_path / "index").documents == 1
    assert SearchIndex(tmp_path / "index").search(SearchParams("Wurtemberg")).total == 1
    registry.merge("p-1", "p-2")
    update_index(registry, tmp_path / "index")
    ids = [hit["id"] for hit in SearchIndex(tmp_path / "index").search(SearchParams("*")).hits]
    assert ids == ["p-1"]


def _segment_files(folder) -> dict[str, bytes]:
    """The files inside each segment of an index folder, by name without the segment's id."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage
    storage = FileStorage(str(folder))
    files = {}
    for n, segment in enumerate(sorted(name for name in storage.list() if name.endswith(".seg"))):
        inside = CompoundStorage(storage.open_file(segment), use_mmap=False)
        key = segment.split("_")[1].split(".")[0]
        files.update({f"{n}:{name.replace(key, '')}": inside.open_file(name).read() for name in inside.list()})
    return files


def _contents(folder) -> tuple:
    """Every term's postings (docnum, weight, value, block lengths), the columns and lengths."""
    from whoosh import index as whoosh_index
    reader = whoosh_index.open_dir(str(folder)).reader()
    postings = []
    for field, term in reader.all_terms():
        m = reader.postings(field, term)
        while m.is_active():
            postings.append((field, term, m.id(), m.weight(), m.value(), m.block_min_length(), m.block_max_length()))
            m.next()
    columns = {name: list(reader.column_reader(name)) for name in ("id", "year", "sortname", "country", "themes")}
    lengths = [reader.doc_field_length(d, "text") for d in range(reader.doc_count_all())]
    return postings, columns, lengths, reader.field_length("text"), sorted(reader.all_doc_ids())


def _written_by_both(tmp_path: Path, documents: list[dict]) -> tuple[dict, dict]:
    """The segment files Whoosh's writer and index/segment.py's BulkWriter write for the same documents."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter
    from index.segment import CODEC, BulkWriter
    for name, writer_class in (("whoosh", SegmentWriter), ("bulk", BulkWriter)):
        (tmp_path / name).mkdir()
        writer = writer_class(whoosh_index.create_in(tmp_path / name, SCHEMA), codec=CODEC)
        for fields in documents:
            writer.add_document(**fields)
        writer.commit()
    return _segment_files(tmp_path / "whoosh"), _segment_files(tmp_path / "bulk")


def test_the_bulk_writer_writes_the_files_whoosh_writes(tmp_path, sample_registry):
    documents = [document(p, countries())[0] for p in sample_registry.partnerships(order="id")]
    whoosh_files, bulk_files = _written_by_both(tmp_path, documents)
    assert len(whoosh_files) > 10 and whoosh_files == bulk_files


def test_compressed_and_uncompressed_segments_merge_into_the_same_index(tmp_path, sample_registry):
    """BulkWriter writes its postings blocks uncompressed (segment.CODEC); an index whose older
    segments Whoosh wrote compressed still reads and merges them."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter
    from index.segment import BulkWriter
    documents = [document(p, countries())[0] for p in sample_registry.partnerships(order="id")[:400]]
    for name, second in (("whoosh", SegmentWriter), ("mixed", BulkWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(tmp_path / name, SCHEMA)
        writer = SegmentWriter(ix)  # Whoosh's default codec: zlib-compressed blocks
        for fields in documents[:200]:
            writer.add_document(**fields)
        writer.commit(merge=False)
        writer = second(ix)
        for fields in documents[200:]:
            writer.add_document(**fields)
        writer.commit(optimize=True)
    assert _contents(tmp_path / "whoosh") == _contents(tmp_path / "mixed")


def test_the_bulk_writer_merges_segments_and_deletes_as_whoosh_does(tmp_path, sample_registry):
    """Segments merged at commit (their postings and columns after the new documents'),
    deleted documents left out."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter
    from index.segment import BulkWriter
    documents = [document(p, countries())[0] for p in sample_registry.partnerships(order="id")[:600]]
    for name, writer_class in (("whoosh", SegmentWriter), ("bulk", BulkWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(tmp_path / name, SCHEMA)
        for start in range(0, 500, 100):  # five small segments, then one commit that merges them
            writer = writer_class(ix)
            for fields in documents[start:start + 100]:
                writer.add_document(**fields)
            writer.commit(merge=False)
        writer = writer_class(ix)
        for docnum in range(0, 500, 7):
            writer.delete_document(docnum)
        for fields in documents[500:]:
            writer.add_document(**fields)
        writer.commit(optimize=True)
        assert len(ix._segments()) == 1
    assert _contents(tmp_path / "whoosh") == _contents(tmp_path / "bulk")


def test_the_bulk_writer_writes_columns_with_gaps_and_many_values_as_whoosh_does(tmp_path, sample_registry):
    """Columns written in one pass (index/segment.py): documents without a value, more than
    256 distinct values (references switch from bytes to shorts), values longer than 255
    bytes (lengths switch to shorts), as Whoosh's column writers write them one by one."""
    documents = [document(p, countries())[0] for p in sample_registry.partnerships(order="id")[:700]]
    for n, fields in enumerate(documents):
        if n % 3 == 0:
            del fields["french"], fields["sortname"]  # gaps in a RefBytes and a VarBytes column
        if n % 5 == 0:
            fields["names"] = fields["names"] * 40  # past 255 bytes
    assert len({f.get("french") for f in documents}) > 256
    whoosh_files, bulk_files = _written_by_both(tmp_path, documents)
    assert whoosh_files == bulk_files

# --- what a query names (issue 11) -----------------------------------------------------------

def test_judged_queries_find_what_they_ask_first(search_index, sample_registry):
    """The judged queries of tests/fixtures/judged_queries.json (bench_search.py reports the
    same figures): before issue 11, nDCG@10 0.62 and the first result right for 63 %."""
    from bench_search import judged_queries, relevance
    judged = judged_queries()
    assert len(judged) >= 150 and len({q["category"] for q in judged}) >= 10
    report = relevance(search_index, sample_registry, judged)
    assert report["ndcg"] >= 0.95 and report["first"] >= 0.95, report["ndcg"]


@pytest.mark.parametrize("query, facet, value", [
    # none of these is in the judged set: names, adjectives and regions the data gives
    ("Tunisie", "country", "TN"), ("tunisiennes", "country", "TN"), ("Cameroun", "country", "CM"),
    ("camerounais", "country", "CM"), ("franco-italien", "country", "IT"), ("franco-québécois", None, None),
    ("Portuguese", "country", "PT"), ("Hungarian", "country", "HU"), ("Afrique centrale", "continent", "Middle Africa"),
    ("Asie centrale", "continent", "Central Asia"), ("Europe du Nord", "continent", "Northern Europe"),
    ("Western Africa", "continent", "Western Africa"), ("Grands Lacs", None, None), ("Moyen-Orient", "group", "Proche et Moyen-Orient"),
    ("Océan Indien", "group", "Océan Indien"), ("Caraïbes", "continent", "Caribbean"), ("sportives", "theme", "jeunesse"),
    ("assainissement", "theme", "eau"), ("Gironde", "departement", "33"), ("Grand Est", "region", "44"),
    ("charte d'amitié", "kind", "amitie"), ("Villeneuve-sur-Lot", None, None), ("Saint-Étienne", None, None),
])
def test_queries_name_countries_regions_groups_themes_and_places(query, facet, value):
    from index.understand import understand
    concepts = understand(query).concepts
    if facet is None:
        assert not concepts or all(c.facet != "departement" for c in concepts)
    else:
        assert [(c.facet, c.value) for c in concepts] == [(facet, value)]


def test_a_theme_word_ranks_partnerships_of_that_theme_before_names_that_look_like_it(search_index, sample_registry):
    hits = find(search_index, sample_registry, "santé", per_page=10).hits
    assert all("sante" in h["themes"] for h in hits)
    assert find(search_index, sample_registry, "santé").understood == [
        {"facet": "theme", "value": "sante", "words": "santé", "label": "Santé et action sociale"}]
    english = search_index.search(SearchParams("Afrique", lang="en"), sample_registry).understood
    assert english == [{"facet": "continent", "value": "Africa", "words": "Afrique", "label": "Africa"}]


@pytest.mark.parametrize("query", ["Afrique", "Maghreb", "Sahel", "Afrique de l'Ouest", "marocain", "sénégalaise"])
def test_continents_groups_and_adjectives_mean_partners_in_those_countries(search_index, sample_registry, query):
    result = find(search_index, sample_registry, query, per_page=50)
    africa = {c for c, row in countries().table.iterrows() if row.region == "Africa"}
    assert result.total >= 5 and all(h["partner_country"] in africa for h in result.hits)


@pytest.mark.parametrize("query", ["Saint-Étienne", "saint etienne", "St-Etienne", "ST ETIENNE", "St. Étienne", "S. Etienne",
                                   "Ste Etienne"])
def test_saint_st_ste_are_one_word_and_a_whole_name_comes_first(search_index, sample_registry, query):
    result = find(search_index, sample_registry, query, per_page=20)
    expected = len(sample_registry.partnerships("french_name = 'Saint-Étienne'"))
    assert [h["french_name"] for h in result.hits[:expected]] == ["Saint-Étienne"] * expected


def test_words_that_match_no_partnership_together_show_those_matching_most(search_index, sample_registry):
    result = find(search_index, sample_registry, "coopération Maroc jeunesse")
    assert result.total > 0 and "partial" in result.messages and not result.filters
    for h in result.hits:  # none is a cooperation with Morocco on youth; each is two of them
        assert (h["kind"] == "cooperation") + (h["partner_country"] == "MA") + ("jeunesse" in h["themes"]) >= 2


def test_plain_search_reads_no_word_as_a_field(search_index, sample_registry):
    params = SearchParams("Maroc jeunesse", plain=True)
    assert search_index.search(params, sample_registry).understood == []
    assert SearchParams.from_args({"q": "Maroc", "plain": "1"}).plain


@pytest.mark.parametrize("query", ["NOT NOT a", "SAUF SAUF eau", "NOT NOT NOT", "OR AND NOT", "a NOT NOT (b", "~~~ ^^^"])
def test_doubled_operators_answer_on_the_page_and_the_api(client, sample_index, query):
    assert client.get("/recherche", query_string={"q": query}).status_code == 200
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 200 and response.get_json()["total"] >= 0


def test_the_page_says_what_it_understood_and_offers_plain_text(client, sample_index):
    page = client.get("/recherche", query_string={"q": "coopération Maroc jeunesse"}).get_data(as_text=True)
    assert "Compris" in page and "Pays partenaire : <strong>Maroc</strong>" in page
    assert "plain=1" in page and "retirez un filtre" not in page
    english = client.get("/recherche", query_string={"q": "Morocco youth", "lang": "en"}).get_data(as_text=True)
    assert "Partner country: <strong>Morocco</strong>" in english
    plain = client.get("/recherche", query_string={"q": "Maroc", "plain": "1"}).get_data(as_text=True)
    assert "Compris" not in plain


def test_an_update_is_warmed_aside_while_searches_answer_from_the_live_generation(tmp_path, monkeypatch):
    """The first search after an update no longer stalls while the new generation is read:
    it answers from the one it has until the new one is ready, then the next search uses it."""
    import threading
    registry = Registry(tmp_path / "r.sqlite3")
    nancy = {"id": "p-1", "french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Kanazawa",
             "partner_key": "kanazawa", "partner_country": "JP", "kind": "jumelage", "updated_at": "2025-01-01"}
    registry.save([nancy], [], [], [])
    build_index(registry, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    assert index.search(SearchParams("Kanazawa")).total == 1
    registry.save([nancy | {"id": "p-2", "partner_name": "Toyama", "partner_key": "toyama", "updated_at": "2025-02-01"}],
                  [], [], [])
    build_index(registry, tmp_path / "index")
    release = threading.Event()
    load = SearchIndex._load
    monkeypatch.setattr(SearchIndex, "_load", staticmethod(lambda generation: release.wait(10) and load(generation)))
    monkeypatch.setattr(SearchIndex, "WARM_WAIT", 0.01)
    monkeypatch.setattr(SearchIndex, "WARM_FROM", 0)  # as a large index
    assert index.search(SearchParams("Toyama")).total == 0  # the live generation answers meanwhile
    release.set()
    index._warming.join(10)
    assert index.search(SearchParams("Toyama")).total == 1


def test_an_index_built_without_a_field_documents_now_have_is_rebuilt_by_an_update(tmp_path):
    from whoosh import index as whoosh_index
    from whoosh.fields import Schema
    registry = Registry(tmp_path / "r.sqlite3")
    registry.save([{"id": "p-1", "french_id": "commune:54395", "french_name": "Nancy", "partner_name": "Kanazawa",
                    "partner_key": "kanazawa", "partner_country": "JP", "kind": "jumelage"}], [], [], [])
    live = build_index(registry, tmp_path / "index").generation
    older = Schema(**{name: SCHEMA[name] for name in SCHEMA.names() if name not in ("names", "place")})
    whoosh_index.create_in(tmp_path / "index" / live, older)  # as an index of an earlier version
    registry.save([registry.partnership("p-1") | {"partner_region": "Ishikawa"}], [], [], [])
    report = update_index(registry, tmp_path / "index")
    assert report.full and SearchIndex(tmp_path / "index").search(SearchParams("Ishikawa")).total == 1


@pytest.mark.parametrize("phrase, slop", [(["cooper", "decentralis"], 1), (["jumelag", "entre"], 3),
                                          (["cooper", "cooper", "cooper"], 99), (["eau", "potabl"], 5),
                                          (["cultur", "jeunes"], 20), (["sant", "sant"], 7)])
def test_phrases_with_a_slop_find_what_whoosh_finds_at_a_bounded_slop(search_index, sample_registry, phrase, slop):
    """Phrases are matched on position arrays (a slop of 99 took seconds through Whoosh's
    matchers at 100,000 partnerships); the slop is bounded, and within it the documents are
    Whoosh's own."""
    from whoosh import query as Q
    from index.engine import MAX_SLOP
    search_index.search(SearchParams("x"))
    searcher, _, _, engine = search_index._state
    expected = set(searcher.docs_for_query(Q.Phrase("text", phrase, slop=min(slop, MAX_SLOP))))
    assert set(engine.phrase(phrase, slop).tolist()) == expected


@pytest.mark.browser
def test_in_a_browser_the_page_names_what_it_understood_and_one_click_searches_plain_text(offline_page, live_server,
                                                                                           sample_index):
    page = offline_page
    page.goto(live_server + "/")
    page.get_by_label("Rechercher un partenariat").fill("Maroc jeunesse")
    page.keyboard.press("Enter")
    understood = page.locator("p.understood")
    assert "Pays partenaire : Maroc" in understood.inner_text() and "Jeunesse et sport" in understood.inner_text()
    assert all("Maroc" in hit for hit in page.locator(".hit").all_inner_texts())
    page.locator("a.plain-search").click()
    assert "plain=1" in page.url and "simple texte" in page.locator("p.understood").inner_text()
    assert not page.errors and not page.external
