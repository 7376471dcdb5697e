"""Staff review (issue 6): rejected rows mended, partnerships edited, répertoire chapters.

Every test writes, so each one works on its own copy of the sample instance; the forms
are posted with the CSRF token read from the page, as a browser does.
"""
from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from repertoire import editing, review
from repertoire.columns import ColumnMap
from repertoire.ingest import ingest_files
from repertoire.registry import Registry

from conftest import MEMBER, STAFF, csrf_token, login, writable_copy

MONTIGNY_ROW = ("questionnaire-export.csv", 221)
ATLANTIDE_ROW = ("enquete-partenariats-2024.xlsx", 1405)
MONTIGNY_45 = "p-4efbf2232e"  # Montigny (Loiret) – Johannesberg, from reponses-2019.csv


@pytest.fixture
def writable(tmp_path, sample_instance, sample_index, references):
    """An app on a copy of the sample instance, with a staff and a member account."""
    return writable_copy(tmp_path, sample_instance, references)


@pytest.fixture
def staff(writable):
    client = writable.test_client()
    assert login(client, STAFF).status_code == 302
    return client


@pytest.fixture
def registry(writable):
    opened = Registry(writable.config["REGISTRY"])
    yield opened
    opened.close()


def post(client, path: str, data: dict, **kwargs):
    """Post a form with the token of the page that shows it."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)}, **kwargs)


def reject_url(client, source: str, row: int) -> str:
    """The mend page of a row, found as staff find it: in the list of the file's rejects."""
    listing = client.get(f"/staff/rejets?source={source}").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td>[^<]*</td><td>[^<]*</td><td>(\d+)</td>.*?href=\"(/staff/rejets/\d+)\"", listing, re.S)
    return dict(rows)[str(row)]


def reported_rows(instance) -> dict[str, int]:
    """Rows read per file when the sample surveys were ingested (conftest writes them down)."""
    lines = (instance / "ingest-reports.txt").read_text().splitlines()
    return {line.split()[0]: int(line.split()[1]) for line in lines}


def test_montigny_is_mended_by_picking_the_calvados_commune(writable, staff, registry, sample_instance):
    url = reject_url(staff, *MONTIGNY_ROW)
    page = staff.get(url).get_data(as_text=True)
    assert "Montigny — Calvados (14)" in page and page.count('name="collectivite"') == 6  # as read + 5 homonyms
    assert "Johannesberg" in page and "homonymes" in page

    response = post(staff, url, {"collectivite": "commune:14446", "country": "", "partner_name": "Johannesberg",
                                 "since": "1956.0"})
    assert response.status_code == 302
    pid = response.headers["Location"].rsplit("/", 1)[1]
    record = registry.partnership(pid)
    assert (record["french_id"], record["partner_name"], record["partner_country"]) == ("commune:14446", "Johannesberg", "DE")
    assert (record["kind"], record["since"], record["themes"]) == ("jumelage", 1956, "jeunesse")
    assert not [r for r in registry.rejects() if (r["source"], r["row"]) == MONTIGNY_ROW]
    assert [(s["source"], s["row"], s["verdict"]) for s in registry.sources(pid)] == [(*MONTIGNY_ROW, "mended")]
    staff_entries = [h for h in registry.history(pid) if h.source == f"staff: {STAFF[0]}"]
    assert {h["field"] for h in staff_entries} == {"mended", "french_id"} and staff_entries[0]["row"] == 221
    counts = {f["source"]: f for f in review.file_counts(registry)}["questionnaire-export.csv"]
    assert counts["rows"] == reported_rows(sample_instance)["questionnaire-export.csv"]
    assert (counts["mended"], counts["rejected"]) == (1, 6)
    # the flash on the public page, and the search index followed
    assert "corrigée" in staff.get(f"/partenariats/{pid}").get_data(as_text=True)
    found = staff.get("/api/search?q=Montigny Johannesberg&region=28").get_json()
    assert pid in [hit["id"] for hit in found["results"]]
    # the page of a mended row is gone, and posting it again changes nothing
    assert staff.get(url).status_code == 404


def test_a_country_correction_mends_an_unknown_country(writable, staff, registry):
    url = reject_url(staff, *ATLANTIDE_ROW)
    assert "pays inconnu : Atlantide" in staff.get(url).get_data(as_text=True)
    # sent again unchanged: still rejected, the reason shown, the values kept
    again = post(staff, url, {"collectivite": "", "country": "", "partner_name": "Santa Vittoria d'Alba"})
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "toujours rejetée : pays inconnu : Atlantide" in page
    assert 'value="Santa Vittoria d&#39;Alba"' in page
    assert len(registry.rejects()) == 12

    response = post(staff, url, {"collectivite": "", "country": "IT", "partner_name": "Santa Vittoria d'Alba"})
    assert response.status_code == 302
    pid = response.headers["Location"].rsplit("/", 1)[1]
    record = registry.partnership(pid)
    assert (record["french_name"], record["partner_country"]) == ("Vers-Pont-du-Gard", "IT")
    verdicts = {(s["source"], s["row"]): s["verdict"] for s in registry.sources(pid)}
    assert verdicts[ATLANTIDE_ROW] == "mended, merged"  # the link was known from another row
    assert {"field": "partner_country", "old": "Atlantide", "new": "IT", "source": f"staff: {STAFF[0]}"}.items() <= \
        [h for h in registry.history(pid) if h.field == "partner_country"][0]._asdict().items()
    assert len(registry.rejects()) == 11


def test_an_unknown_collectivite_typed_by_staff_is_refused_with_its_reason(staff, registry):
    url = reject_url(staff, *ATLANTIDE_ROW)
    response = post(staff, url, {"collectivite_text": "Nulle-Part-sur-Rien", "country": "IT"})
    assert response.status_code == 400
    assert "collectivité inconnue : Nulle-Part-sur-Rien" in response.get_data(as_text=True)
    assert len(registry.rejects()) == 12


def test_an_abandoned_questionnaire_stays_rejected(writable, registry, references):
    found = [r for r in registry.iter_rows("SELECT rowid FROM rejects WHERE reason = 'incomplete response'")][0]
    row = review.reject(registry, found[0])
    outcome = review.mend(registry, row["key"], references, ColumnMap.load(), partner_name="Hanovre", country="DE")
    assert not outcome.mended and outcome.reason == "incomplete response"
    assert review.reject(registry, found[0]) is not None


def test_an_edit_of_status_and_themes_shows_in_history_and_on_the_public_page(staff, registry):
    url = f"/staff/partenariats/{MONTIGNY_45}"
    page = staff.get(url).get_data(as_text=True)
    assert 'value="Johannesberg"' in page and "Culture et patrimoine" in page
    version = registry.version()
    response = post(staff, url, {"partner_name": "Johannesberg", "kind": "jumelage", "status": "en_sommeil",
                                 "since": "1990", "themes": ["culture", "eau"]})
    assert response.status_code == 302
    record = registry.partnership(MONTIGNY_45)
    assert (record["status"], record["themes"]) == ("en_sommeil", "culture;eau")
    assert registry.version() != version  # PDF and map caches key on it
    edits = {h.field: h for h in registry.history(MONTIGNY_45) if h.source == f"staff: {STAFF[0]}"}
    assert set(edits) == {"status", "themes"}
    assert (edits["themes"].old, edits["themes"].new) == ("culture;education;jeunesse", "culture;eau")
    public = staff.get(f"/partenariats/{MONTIGNY_45}").get_data(as_text=True)
    facts = public.split("Historique")[0]  # the history names the themes before the edit
    assert "En sommeil" in facts and "Eau et assainissement" in facts and "Éducation, formation" not in facts
    assert "Enregistré" in public or "Enregistré" in staff.get(url).get_data(as_text=True)


def test_an_unknown_status_is_refused_with_a_message(staff, registry):
    url = f"/staff/partenariats/{MONTIGNY_45}"
    response = post(staff, url, {"partner_name": "Johannesberg", "kind": "jumelage", "status": "fini", "themes": ["culture"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Modifications refusées" in page and "choix valide" in page
    assert registry.partnership(MONTIGNY_45)["themes"] == "culture;education;jeunesse"


@pytest.mark.parametrize("changes, field", [
    ({"status": "fini"}, "status"),
    ({"kind": "twinning"}, "kind"),
    ({"themes": ["culture", "sport"]}, "themes"),
    ({"since": "1789"}, "since"),
    ({"since": 1990, "until": 1980}, "until"),
    ({"partner_name": "  "}, "partner_name"),
    ({"french_id": "commune:75056"}, "french_id"),
])
def test_edit_refuses_values_outside_the_vocabularies(registry, changes, field):
    with pytest.raises(editing.EditError) as error:
        editing.edit(registry, MONTIGNY_45, changes, STAFF[0])
    assert error.value.field == field
    assert not [h for h in registry.history(MONTIGNY_45) if h.source.startswith("staff")]


def test_a_later_survey_overwrites_an_edit_and_an_older_one_does_not(registry, references, tmp_path):
    editing.edit(registry, MONTIGNY_45, {"status": "termine"}, STAFF[0])
    header = "Collectivité française;Département;Collectivité partenaire;Pays partenaire;Statut\n"
    older = tmp_path / "rappel-2019.csv"
    older.write_text(header + "Montigny;45;Johannesberg;Allemagne;en sommeil\n", encoding="utf-8")
    ingest_files(registry, [older], references)
    assert registry.partnership(MONTIGNY_45)["status"] == "termine"
    later = tmp_path / f"enquete-{date.today().year + 1}.csv"
    later.write_text(header + "Montigny;45;Johannesberg;Allemagne;actif\n", encoding="utf-8")
    ingest_files(registry, [later], references)
    assert registry.partnership(MONTIGNY_45)["status"] == "actif"
    sources = [h.source for h in registry.history(MONTIGNY_45) if h.field == "status"]
    assert sources[-2:] == [f"staff: {STAFF[0]}", later.name]


def test_a_new_partner_spelling_keeps_the_old_one_as_an_alias(registry, references, tmp_path):
    editing.edit(registry, MONTIGNY_45, {"partner_name": "Johannesberg (Bayern)"}, STAFF[0])
    survey = tmp_path / "enquete-2030.csv"
    survey.write_text("Collectivité française;Département;Collectivité partenaire;Pays partenaire;Statut\n"
                      "Montigny;45;Johannesberg (Bayern);Allemagne;actif\nMontigny;45;Johannesberg;Allemagne;actif\n",
                      encoding="utf-8")
    report = ingest_files(registry, [survey], references)[0]
    assert (report.accepted, report.merged) == (0, 2)


def test_chapter_preview_escapes_markup_and_saving_changes_the_next_pdf(writable, staff):
    code = "AD"  # one partnership, no sample chapter: a small PDF
    sentence = "Les paroisses andorranes accueillent chaque printemps une rencontre des jumelages"
    before = pdf_text(staff.get(f"/pays/{code}/repertoire.pdf"))
    assert sentence not in before

    url = f"/staff/chapitres/{code}"
    text = f"# Avant-propos\n\n{sentence}.\n\n<script>alert('x')</script> [lien](javascript:alert(1))\n"
    preview = post(staff, url, {"text": text, "preview": "1"}).get_data(as_text=True)
    shown = re.search(r'<div class="preview"[^>]*>(.*?)</div>', preview, re.S).group(1)
    assert "<h1>Avant-propos</h1>" in shown and sentence in shown
    assert "<script>" not in preview and "&lt;script&gt;" in shown and 'href="javascript' not in shown
    path = Path(writable.config["CHAPTERS_DIR"], f"{code}.md")
    assert not path.exists()  # a preview saves nothing

    saved = post(staff, url, {"text": text.replace("\n", "\r\n"), "save": "1"})
    assert saved.status_code == 302
    assert path.read_text(encoding="utf-8") == text  # line ends as Unix, nothing else changed
    assert "rédigé par l'équipe" in staff.get("/staff/chapitres").get_data(as_text=True)
    after = pdf_text(staff.get(f"/pays/{code}/repertoire.pdf"))
    assert sentence in after


def pdf_text(response) -> str:
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


STAFF_PAGES = ["/staff/rejets", "/staff/rejets?source=questionnaire-export.csv", "/staff/rejets/1",
               f"/staff/partenariats/{MONTIGNY_45}", "/staff/chapitres", "/staff/chapitres/JP"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_pages_send_the_public_to_the_login_and_refuse_members(writable, url):
    anonymous = writable.test_client()
    response = anonymous.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/connexion")
    member = writable.test_client()
    login(member, MEMBER)
    assert member.get(url).status_code == 403


@pytest.mark.parametrize("url, data", [
    (f"/staff/partenariats/{MONTIGNY_45}", {"partner_name": "Piraté", "status": "termine"}),
    ("/staff/rejets/6", {"collectivite": "commune:14446"}),
    ("/staff/chapitres/JP", {"text": "# Piraté", "save": "1"}),
])
def test_staff_forms_refuse_members_and_posts_without_a_token(writable, registry, url, data):
    member = writable.test_client()
    login(member, MEMBER)
    token = csrf_token(member, "/connexion")
    assert member.post(url, data={**data, "csrf_token": token}).status_code == 403
    staff = writable.test_client()
    login(staff, STAFF)
    assert staff.post(url, data=data).status_code == 400  # no CSRF token
    assert registry.partnership(MONTIGNY_45)["partner_name"] == "Johannesberg"
    assert len(registry.rejects()) == 12
    assert not Path(writable.config["CHAPTERS_DIR"], "JP.md").exists()


def test_the_rejects_list_filters_by_file_and_pages(writable, staff, monkeypatch):
    page = staff.get("/staff/rejets?source=questionnaire-export.csv").get_data(as_text=True)
    assert "7 lignes" in page and "Atlantide" not in page and "homonymes de « Montigny »" in page
    assert "questionnaire incomplet" in page
    everything = staff.get("/staff/rejets").get_data(as_text=True)
    assert "12 lignes" in everything and "pays inconnu : Atlantide" in everything
    from web.staff import rejects
    monkeypatch.setattr(rejects, "PER_PAGE", 5)
    second = staff.get("/staff/rejets?page=2").get_data(as_text=True)
    assert "Page 2 sur 3" in second and len(re.findall(r"/staff/rejets/\d+", second)) == 5


def test_a_reject_is_mended_with_the_columns_its_file_was_read_with(tmp_path, references):
    # the partner's country sits under a header no vocabulary knows: only its content says what it is
    survey = tmp_path / "reseau-2026.csv"
    survey.write_text("Membre;Ville jumelée;Localisation;Année\n"
                      + "".join(f"{town};{partner};{country};19{70 + i}\n" for i, (town, partner, country) in
                                enumerate([("Nancy", "Karlsruhe", "Allemagne"), ("Caen", "Portsmouth", "Royaume-Uni"),
                                           ("Metz", "Trèves", "Allemagne"), ("Lille", "Cologne", "Allemagne"),
                                           ("Rennes", "Cork", "Irlande"), ("Bruges-sur-Nulle-Part", "Erfurt", "Allemagne")])),
                      encoding="utf-8")
    registry = Registry(tmp_path / "registry.sqlite3")
    (report,) = ingest_files(registry, [survey], references)
    assert report.accepted == 5 and report.rejected == 1
    found = review.reject_by_key(registry, tuple(registry.iter_rows("SELECT file_hash, sheet, row FROM rejects").fetchone()))
    assert found["layout"]["Localisation"][0] == "partner_country"
    outcome = review.mend(registry, found["key"], references, ColumnMap.load(), french_id="commune:54395")
    assert outcome.mended
    mended = registry.partnership(outcome.partnership_id)
    assert mended["partner_country"] == "DE" and mended["since"] == 1975


def test_two_staff_members_editing_one_partnership_the_second_save_shows_the_conflict(writable, registry):
    url = f"/staff/partenariats/{MONTIGNY_45}"
    first, second = writable.test_client(), writable.test_client()
    login(first, STAFF)
    login(second, STAFF)
    forms = []
    for client in (first, second):  # both open the form before either saves
        page = client.get(url).get_data(as_text=True)
        forms.append({"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1),
                      "version": re.search(r'name="version"[^>]*value="([^"]*)"', page).group(1)})
    base = {"partner_name": "Johannesberg", "kind": "jumelage", "since": "1990", "themes": ["culture"]}
    assert first.post(url, data={**base, **forms[0], "status": "en_sommeil"}).status_code == 302
    clash = second.post(url, data={**base, **forms[1], "status": "termine", "description": "Mon texte"})
    page = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "modifié entre-temps" in page
    assert "En sommeil" in page and f"staff: {STAFF[0]}" in page  # what the first one changed, in words
    assert "Mon texte" in page  # the second one's values are kept in the form
    assert registry.partnership(MONTIGNY_45)["status"] == "en_sommeil"  # not silently reverted
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page).group(1)
    confirmed = second.post(url, data={**base, "csrf_token": forms[1]["csrf_token"], "version": version,
                                       "status": "termine", "description": "Mon texte"})
    assert confirmed.status_code == 302  # saved knowingly, over the current version
    assert registry.partnership(MONTIGNY_45)["status"] == "termine"


def test_an_edit_with_a_stale_version_writes_nothing(registry):
    record = registry.partnership(MONTIGNY_45)
    editing.edit(registry, MONTIGNY_45, {"status": "en_sommeil"}, "a@reseau.fr", version=record["updated_at"])
    with pytest.raises(editing.EditConflict) as conflict:
        editing.edit(registry, MONTIGNY_45, {"status": "termine"}, "b@reseau.fr", version=record["updated_at"])
    assert [(c["field"], c["new"]) for c in conflict.value.changes] == [("status", "en_sommeil")]
    assert registry.partnership(MONTIGNY_45)["status"] == "en_sommeil"


def test_an_end_before_the_start_is_refused_in_the_pages_language(staff, registry):
    url = f"/staff/partenariats/{MONTIGNY_45}"
    form = {"partner_name": "Johannesberg", "kind": "jumelage", "themes": ["culture"], "since": "1990", "until": "1980"}
    french = post(staff, url, form).get_data(as_text=True)
    assert "fin (1980) avant le début (1990)" in french
    english = post(staff, url + "?lang=en", form).get_data(as_text=True)
    assert "ends (1980) before it began (1990)" in english and "avant le début" not in english
    assert registry.partnership(MONTIGNY_45)["until"] != 1980
