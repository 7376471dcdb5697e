"""Reject reasons are codes with parameters (repertoire/reasons.py): the registry stores them
so, each reader words them in its language, and a registry made before codes still reads.
"""
from __future__ import annotations

import sqlite3
import string

from repertoire.ingest import ingest_files
from repertoire.reasons import ENGLISH, FIELD_PARAMS, Reason
from repertoire.registry import Registry
from web.staff.rejects import REASONS, reason_label

from conftest import FIXTURES, STAFF, login

# the rejects table as registries made before reason codes have it
OLD_REJECTS = """CREATE TABLE rejects (
    source TEXT NOT NULL, file_hash TEXT NOT NULL, sheet TEXT NOT NULL, row INTEGER NOT NULL,
    reason TEXT NOT NULL, raw TEXT, ingested_at TEXT,
    PRIMARY KEY (file_hash, sheet, row))"""


def sample(code: str) -> Reason:
    """A reason of this code with a value for each of its parameters (a field's name for `field`)."""
    names = {name for _, name, _, _ in string.Formatter().parse(ENGLISH[code]) if name}
    return Reason(code, **{name: "since" if name in FIELD_PARAMS else f"Xq{name.upper()}" for name in names})


def test_a_registry_made_before_reason_codes_opens_and_keeps_its_sentences(tmp_path, references):
    path = tmp_path / "registry.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(OLD_REJECTS)
        db.execute("INSERT INTO rejects VALUES ('vieux.csv', 'h0', '', 7, 'pays inconnu : Atlantide', '{}', '2020-01-01')")
    registry = Registry(path)
    Registry(path).close()  # opened twice: the columns are added once
    [old] = registry.rejects()
    assert (old["reason"], old["reason"].code, old["reason"].params) == ("pays inconnu : Atlantide", None, {})
    report = ingest_files(registry, [FIXTURES / "questionnaire-export.csv"], references)[0]
    assert report.rejected and all(r.reason.code for r in report.rejects)
    stored = {(r["source"], r["row"]): r["reason"] for r in registry.rejects()}
    for reject in report.rejects:  # stored as code and parameters, read back the same
        again = stored[(reject.source, reject.row)]
        assert (again.code, again.params, str(again)) == (reject.reason.code, reject.reason.params, str(reject.reason))
    assert stored[("vieux.csv", 7)] == "pays inconnu : Atlantide"
    registry.close()


def test_every_reason_code_has_a_french_message_and_an_english_translation(app):
    assert set(REASONS) == set(ENGLISH)
    for code in ENGLISH:
        reason = sample(code)
        with app.test_request_context("/?lang=fr"):
            french = reason_label(reason)
            assert reason_label(reason.to_dict()) == french  # as a job's saved result holds it
        with app.test_request_context("/?lang=en"):
            english = reason_label(reason)
        assert french != english, code
        for value in reason.quoted():  # the survey's words, as read, in both
            assert value in french and value in english, (code, value)
        if "field" in reason.params:  # a field by its label, never its name
            assert "Depuis" in french and "Since" in english and "since" not in french


def test_a_sentence_stored_before_codes_is_shown_as_written_in_either_language(app):
    for lang in ("fr", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            assert reason_label("unknown country: Atlantide") == "unknown country: Atlantide"
            assert reason_label({"code": None, "params": {}, "text": "pays inconnu"}) == "pays inconnu"
            assert reason_label(None) == ""


def test_the_rejects_page_words_reasons_in_the_readers_language(app, accounts):
    client = app.test_client()
    login(client, STAFF)
    french = client.get("/staff/rejets?lang=fr").get_data(as_text=True)
    english = client.get("/staff/rejets?lang=en").get_data(as_text=True)
    assert "pays inconnu : Atlantide" in french and "unknown country: Atlantide" not in french
    assert "unknown country: Atlantide" in english and "pays inconnu" not in english
    assert "questionnaire incomplet" in french and "incomplete questionnaire" in english


def test_every_reject_of_the_sample_surveys_is_stored_with_its_code(sample_registry):
    rejects = sample_registry.rejects()
    assert rejects and all(r["reason"].code in ENGLISH for r in rejects), [str(r["reason"]) for r in rejects if not r["reason"].code]
    codes = {r["reason"].code for r in rejects}
    assert {"incomplete_response", "unknown_country"} <= codes
