"""The survey campaign: pre-filled workbooks written, filled in with openpyxl as a collectivité
would, and read back by `ingest` — confirmations, exact changes, ended links, new links."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from openpyxl import load_workbook

from repertoire import campaign
from repertoire.countries import Countries
from repertoire.ingest import ingest_files
from repertoire.registry import Registry


@pytest.fixture
def registry(tmp_path, sample_instance):
    """A writable copy of the sample registry (SQLite's backup: the WAL's pages included)."""
    target = tmp_path / "registry.sqlite3"
    source = sqlite3.connect(sample_instance / "registry.sqlite3")
    copy = sqlite3.connect(target)
    source.backup(copy)
    copy.close(), source.close()
    registry = Registry(target)
    yield registry
    registry.close()


def busiest(registry: Registry) -> str:
    """The collectivité with the most links in the samples (its workbook has the most rows)."""
    return registry.iter_rows("SELECT french_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]


def snapshot(registry: Registry) -> dict[str, dict]:
    return {p["id"]: p for p in registry.partnerships()}


def history_since(registry: Registry, last: int) -> list[tuple]:
    return [tuple(r) for r in registry.iter_rows(
        "SELECT partnership_id, field, old, new, changed_at FROM history WHERE id > ? ORDER BY id", [last])]


def last_history(registry: Registry) -> int:
    return registry.iter_rows("SELECT coalesce(max(id), 0) FROM history").fetchone()[0]


def write(registry: Registry, tmp_path, french_ids: list[str]):
    path = tmp_path / "enquete-2026.xlsx"
    count = campaign.write_workbook(registry, french_ids, path, Countries().name)
    return path, count


def test_the_workbook_lists_the_links_with_hidden_ids_drop_down_lists_and_french_instructions(registry, tmp_path):
    fid = busiest(registry)
    path, count = write(registry, tmp_path, [fid])
    links = registry.partnerships("french_id = ?", [fid])
    assert count == len(links) > 5
    book = load_workbook(path)
    assert book.sheetnames[0] == campaign.HELP_SHEET
    assert "Comment répondre" in [c.value for c in book[campaign.HELP_SHEET]["A"]]
    sheet = book[campaign.LINKS_SHEET]
    assert sheet.column_dimensions["A"].hidden
    assert {sheet.cell(r, 1).value for r in range(2, count + 2)} == {p["id"] for p in links}
    partners = {sheet.cell(r, 3).value for r in range(2, count + 2)}
    assert partners == {p["partner_name"] for p in links}
    assert book[campaign.STATE_SHEET].sheet_state == "veryHidden"
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert len(lists) >= 4 and all(v.formula1.startswith(f"'{campaign.LISTS_SHEET}'!") for v in lists)
    assert any(v.type == "whole" for v in sheet.data_validations.dataValidation)
    statuses = [c.value for c in book[campaign.LISTS_SHEET]["B"] if c.value]
    assert "Terminé" in statuses and "Actif" in statuses
    assert campaign.is_campaign_workbook(path)


def test_an_unchanged_answer_changes_nothing_but_a_confirmation_dated_by_the_answer(registry, tmp_path, references):
    fid = busiest(registry)
    path, count = write(registry, tmp_path, [fid])
    book = load_workbook(path)
    book[campaign.HELP_SHEET][campaign.ANSWER_DATE_CELL] = date(2026, 3, 14)
    book.save(path)
    before, last = snapshot(registry), last_history(registry)
    report = ingest_files(registry, [path], references)[0]
    assert report.error is None and report.rejected == 0 and report.accepted == 0
    assert report.campaign["confirmed"] == count
    assert snapshot(registry) == before
    assert {(h[1], h[3], h[4]) for h in history_since(registry, last)} == {("confirmed", "2026-03-14", "2026-03-14")}
    assert len(history_since(registry, last)) == count
    again = ingest_files(registry, [path], references)[0]
    assert again.unchanged == count and snapshot(registry) == before
    assert len(history_since(registry, last)) == count


def test_edits_deletions_and_new_rows_come_back_as_exactly_those_changes(registry, tmp_path, references):
    fid = busiest(registry)
    path, count = write(registry, tmp_path, [fid])
    book = load_workbook(path)
    sheet = book[campaign.LINKS_SHEET]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    rows = {sheet.cell(r, 1).value: r for r in range(2, count + 2)}
    before = snapshot(registry)
    active = [pid for pid in rows if before[pid]["status"] != "termine"]
    status_edit, year_edit, theme_edit, ended, deleted = active[:5]
    new_status = "En sommeil" if before[status_edit]["status"] != "en_sommeil" else "Actif"
    sheet.cell(rows[status_edit], col["Statut"], new_status)
    sheet.cell(rows[year_edit], col["Depuis (année)"], 1987)
    themes = [sheet.cell(rows[theme_edit], col[f"Thématique {n}"]).value for n in range(1, 4)]
    empty = themes.index(None) if None in themes else None
    if empty is not None:
        sheet.cell(rows[theme_edit], col[f"Thématique {empty + 1}"], "Numérique")
    sheet.cell(rows[ended], col["Statut"], "Terminé")
    sheet.delete_rows(rows[deleted])
    new = book[campaign.NEW_SHEET]
    new_header = [c.value for c in new[1]]
    for name, value in {"Collectivité partenaire": "Ziguinchor", "Pays": "Sénégal", "Type de lien": "Coopération décentralisée",
                        "Statut": "Actif", "Depuis (année)": 2025, "Thématique 1": "Eau et assainissement"}.items():
        new.cell(2, new_header.index(name) + 1, value)
    new.cell(3, new_header.index("Collectivité partenaire") + 1, "Nowhere")  # no country: rejected, nothing else lost
    book[campaign.HELP_SHEET][campaign.ANSWER_DATE_CELL] = "02/04/2026"
    book.save(path)
    last = last_history(registry)

    report = ingest_files(registry, [path], references)[0]

    after = snapshot(registry)
    changes = {(h[0], h[1]): (h[2], h[3]) for h in history_since(registry, last) if h[1] != "confirmed"}
    code = {"En sommeil": "en_sommeil", "Actif": "actif"}[new_status]
    expected = {(status_edit, "status"): (before[status_edit]["status"], code),
                (year_edit, "since"): (str(before[year_edit]["since"]) if before[year_edit]["since"] else None, "1987"),
                (ended, "status"): (before[ended]["status"], "termine"),
                (deleted, "status"): (before[deleted]["status"], "termine")}
    if before[year_edit].get("since_date"):
        expected[(year_edit, "since_date")] = (before[year_edit]["since_date"], None)
    if empty is not None:
        expected[(theme_edit, "themes")] = (before[theme_edit]["themes"], None)
    for key, value in expected.items():
        assert key in changes, key
        if value[1] is not None:
            assert changes[key] == value
    assert set(changes) <= set(expected) | {(p, "themes") for p in [theme_edit]}
    if empty is not None:
        assert "numerique" in after[theme_edit]["themes"].split(";")
        assert set(before[theme_edit]["themes"].split(";")) - {""} <= set(after[theme_edit]["themes"].split(";"))
    assert all(h[4] == "2026-04-02" for h in history_since(registry, last))
    assert deleted in after, "a deleted row never deletes the partnership"
    untouched = set(before) - {status_edit, year_edit, theme_edit, ended, deleted}
    assert all(after[p] == before[p] for p in untouched)
    added = set(after) - set(before)
    assert len(added) == 1
    link = after[added.pop()]
    assert (link["french_id"], link["partner_country"], link["themes"], link["since"]) == (fid, "SN", "eau", 2025)
    assert report.accepted == 1 and report.rejected == 1
    reason = report.rejects[0].reason
    assert (reason.code, reason.params) == ("missing_field", {"field": "partner_country"})
    assert "partner_country" in reason and report.rejects[0].sheet == campaign.NEW_SHEET
    assert report.campaign == {"confirmed": count - 5, "changed": 4, "ended": 2, "deleted": 1, "survey_date": "2026-04-02"}


def test_a_value_outside_the_lists_rejects_its_row_with_file_row_and_reason(registry, tmp_path, references):
    fid = busiest(registry)
    path, count = write(registry, tmp_path, [fid])
    book = load_workbook(path)
    sheet = book[campaign.LINKS_SHEET]
    header = [c.value for c in sheet[1]]
    sheet.cell(3, header.index("Statut") + 1, "peut-être bientôt")
    book.save(path)
    before = snapshot(registry)
    report = ingest_files(registry, [path], references)[0]
    assert report.rejected == 1 and report.rejects[0].row == 3 and "peut-être bientôt" in report.rejects[0].reason
    assert (report.rejects[0].reason.code, report.rejects[0].reason.params["field"]) == ("not_in_vocabulary", "status")
    assert report.campaign["confirmed"] == count - 1
    assert snapshot(registry) == before


def test_a_departement_workbook_holds_each_of_its_collectivites(registry, tmp_path, references):
    dep = registry.iter_rows("SELECT departement FROM partnerships WHERE departement IS NOT NULL GROUP BY 1 "
                             "ORDER BY count(DISTINCT french_id) DESC LIMIT 1").fetchone()[0]
    ids = [r[0] for r in registry.iter_rows("SELECT DISTINCT french_id FROM partnerships WHERE departement = ? ORDER BY 1", [dep])]
    path, count = write(registry, tmp_path, ids)
    answer = campaign.read_answer(path)
    assert len(ids) > 1 and answer.french_ids == ids
    assert {r.french_id for r in answer.rows} == set(ids) and len(answer.rows) == count


def test_links_not_confirmed_for_three_years_are_to_verify_until_an_answer_confirms_them(registry, tmp_path, references):
    stale = campaign.stale_ids(registry, today=date(2026, 12, 5))
    dates = campaign.last_confirmed(registry)
    assert stale and all(dates[p] < "2023-12-05" for p in stale)
    fid = registry.iter_rows(f"SELECT french_id FROM partnerships WHERE id IN ({','.join('?' * len(stale))}) LIMIT 1",
                             list(stale)).fetchone()[0]
    mine = {p["id"] for p in registry.partnerships("french_id = ?", [fid])} & stale
    path, _ = write(registry, tmp_path, [fid])
    ingest_files(registry, [path], references)
    assert not mine & campaign.stale_ids(registry, today=date.today())
    row = next(r for r in campaign.overview(registry) if r["french_id"] == fid)
    assert row["answered"]["channel"] == "xlsx" and row["to_verify"] == 0


def test_the_book_marks_a_link_to_verify(registry):
    import io

    from pypdf import PdfReader

    from repertoire.pdf import country_repertoire

    code, = registry.iter_rows("SELECT partner_country FROM partnerships GROUP BY 1 HAVING count(*) = 2 ORDER BY 1 LIMIT 1").fetchone()
    old, recent = registry.partnerships("partner_country = ?", [code], order="id")
    with registry.transaction():  # one link last reported in 2015, the other confirmed this year
        registry.db.execute("UPDATE partnerships SET survey_date = '2015', status = 'actif' WHERE id = ?", [old["id"]])
        registry.db.execute("UPDATE partnerships SET survey_date = ?, status = 'actif' WHERE id = ?",
                            [date.today().isoformat(), recent["id"]])
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(country_repertoire(registry, code))).pages)
    text = " ".join(text.split())
    assert text.count("à vérifier") == 1
    entry = text.split("à vérifier")[0][-400:]
    assert old["partner_name"].split()[0] in entry


def test_a_workbook_whose_hidden_ids_were_removed_is_refused_whole_with_a_message(registry, tmp_path, references):
    fid = busiest(registry)
    path, _ = write(registry, tmp_path, [fid])
    book = load_workbook(path)
    book[campaign.LINKS_SHEET].delete_cols(1)
    book.save(path)
    before = snapshot(registry)
    report = ingest_files(registry, [path], references)[0]
    assert "hidden column 'id' was removed" in report.error
    assert snapshot(registry) == before


def test_the_campaign_command_writes_one_workbook_or_one_per_departement(tmp_path, sample_instance, references):
    from app import cli
    from conftest import writable_copy
    app = writable_copy(tmp_path, sample_instance, references)
    runner = app.test_cli_runner()
    registry = Registry(app.config["REGISTRY"])
    fid = busiest(registry)
    one = runner.invoke(cli, ["campaign", fid, "-o", str(tmp_path / "one.xlsx")])
    assert one.exit_code == 0, one.output
    assert campaign.read_answer(tmp_path / "one.xlsx").french_ids == [fid]
    kept = [r[0] for r in registry.iter_rows("SELECT departement FROM partnerships WHERE departement IS NOT NULL "
                                             "GROUP BY 1 ORDER BY count(*) DESC LIMIT 3")]
    with registry.transaction():  # three départements: one workbook each, in seconds
        registry.db.execute(f"DELETE FROM partnerships WHERE departement NOT IN ({','.join('?' * len(kept))}) "
                            "OR departement IS NULL", kept)
    result = runner.invoke(cli, ["campaign", "--all", "--by", "departement", "-o", str(tmp_path / "deps")])
    assert result.exit_code == 0, result.output
    departements = {r[0] or "sans" for r in registry.iter_rows("SELECT DISTINCT departement FROM partnerships")}
    files = sorted((tmp_path / "deps").glob("*.xlsx"))
    assert len(files) == len(departements)
    answers = [campaign.read_answer(f) for f in files]
    assert sum(len(a.sent) for a in answers) == registry.count()
    sent = {r["french_id"] for r in campaign.overview(registry) if r["sent"]}
    assert sent == {r[0] for r in registry.iter_rows("SELECT DISTINCT french_id FROM partnerships")}
    for args in (["campaign"], ["campaign", "--all"], ["campaign", "commune:00000"]):
        bad = runner.invoke(cli, args)
        assert bad.exit_code != 0 and "Traceback" not in bad.output and ("Give a FRENCH_ID" in bad.output
                                                                         or "needs -o" in bad.output
                                                                         or "unknown collectivité" in bad.output)


def test_a_partner_renamed_in_the_answer_keeps_its_partnership_and_the_old_spelling_as_an_alias(registry, tmp_path, references):
    fid = busiest(registry)
    path, count = write(registry, tmp_path, [fid])
    book = load_workbook(path)
    sheet = book[campaign.LINKS_SHEET]
    pid, old_name = sheet.cell(2, 1).value, sheet.cell(2, 3).value
    sheet.cell(2, 3, old_name + " (ville)")
    book.save(path)
    before = registry.count()
    ingest_files(registry, [path], references)
    assert registry.count() == before
    assert registry.partnership(pid)["partner_name"] == old_name + " (ville)"
    record = registry.partnership(pid)
    aliases = {r[0] for r in registry.iter_rows("SELECT partner_key FROM aliases WHERE partnership_id = ?", [pid])}
    assert record["partner_key"] not in aliases and len(aliases) == 1  # the new spelling, besides the key of the old
