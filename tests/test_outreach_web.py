"""Issue 16 on the web: « Trouver un partenaire », /api/match, « Ils travaillent aussi… », « à
vérifier », the campaign's staff pages and its signed web form, partner requests."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from conftest import STAFF, csrf_token, login, writable_copy
from repertoire import campaign


@pytest.fixture
def staff_app(tmp_path, sample_instance, references):
    return writable_copy(tmp_path, sample_instance, references)


def stale_link(registry) -> dict:
    stale = campaign.stale_ids(registry)
    return next(p for p in registry.partnerships(order="french_name, id") if p["id"] in stale)


def test_api_match_answers_the_json_contract_and_refuses_unknown_codes(client):
    data = client.get("/api/match?country=SN&theme=eau&limit=3").get_json()
    assert len(data["results"]) == 3
    first = data["results"][0]
    assert set(first) >= {"french_id", "french_name", "score", "reasons", "partnerships"}
    assert any("Sénégal" in r for r in first["reasons"]) and first["partnerships"][0]["partner_country"] == "SN"
    assert "contacts" not in str(first["partnerships"])
    english = client.get("/api/match?country=Senegal&theme=eau&limit=1&lang=en").get_json()
    assert "Senegal" in english["results"][0]["reasons"][0]
    for bad in ("/api/match?country=Atlantis", "/api/match", "/api/match?country=SN&theme=pottery",
                "/api/match?country=SN&size=lots", "/api/match?country=SN&near=999"):
        answer = client.get(bad)
        assert answer.status_code == 400 and answer.get_json()["error"]["message"], bad


def test_the_find_a_partner_page_ranks_with_reasons_in_french_and_english(client):
    page = client.get("/trouver-un-partenaire?country=SN&theme=eau&near=44").get_data(as_text=True)
    assert "<h1>Trouver un partenaire</h1>" in page
    reasons = re.findall(r'<ul class="reasons">(.*?)</ul>', page, re.S)
    assert reasons and "Sénégal" in reasons[0] and "Eau et assainissement" in reasons[0]
    assert "Saint-Herblain" in page.split('<ol class="matches">')[1].split("</li>")[0]  # the water commune of Loire-Atlantique
    english = client.get("/trouver-un-partenaire?country=SN&theme=eau&lang=en").get_data(as_text=True)
    assert "in the country asked (Senegal)" in english
    bad = client.get("/trouver-un-partenaire?country=Atlantis&lang=fr")
    assert bad.status_code == 400 and "pays inconnu : Atlantis" in bad.get_data(as_text=True)
    bad = client.get("/trouver-un-partenaire?country=Atlantis&lang=en")
    assert bad.status_code == 400 and "unknown country: Atlantis" in bad.get_data(as_text=True)


def test_partnership_and_collectivite_pages_show_who_else_works_there_and_what_to_verify(client, sample_registry):
    link = stale_link(sample_registry)
    page = client.get(f"/partenariats/{link['id']}").get_data(as_text=True)
    assert "à vérifier" in page and "Ils travaillent aussi" in page
    others = page.split('class="also"')[1]
    assert link["french_name"] not in re.findall(r'<h3><a href="/collectivites/[^"]+">([^<]+)</a>', others)
    page = client.get(f"/collectivites/{link['french_id']}").get_data(as_text=True)
    assert "à vérifier" in page and link["partner_name"] in page.split("à vérifier")[1]


def test_staff_follow_the_campaign_and_download_a_workbook(staff_app, sample_registry):
    client = staff_app.test_client()
    assert client.get("/staff/campagne").status_code in (302, 401, 403)
    login(client, STAFF)
    page = client.get("/staff/campagne").get_data(as_text=True)
    fid = stale_link(sample_registry)["french_id"]
    pages = [page] + [client.get(f"/staff/campagne?page={n}").get_data(as_text=True) for n in range(2, 20)]
    listed = [re.findall(r'<td><a href="/collectivites/([^"]+)"', p) for p in pages]
    assert 0 < len(listed[0]) <= 200 and sum(map(len, listed[:-1])) > 200  # in pages, each collectivité once
    everyone = {r[0] for r in sample_registry.iter_rows("SELECT DISTINCT french_id FROM partnerships")}
    assert set().union(*listed) == everyone
    page = next(p for p, ids in zip(pages, listed) if fid in ids)
    assert f"/staff/campagne/classeur/{fid}" in page
    answer = client.get(f"/staff/campagne/classeur/{fid}")
    book = load_workbook(io.BytesIO(answer.data))
    assert campaign.LINKS_SHEET in book.sheetnames
    row = next(r for r in campaign.overview(sample_registry_of(staff_app)) if r["french_id"] == fid)
    assert row["sent"]["channel"] == "xlsx"
    dep = sample_registry.iter_rows("SELECT departement FROM partnerships WHERE french_id = ?", [fid]).fetchone()[0]
    page = client.get(f"/staff/campagne?departement={dep}").get_data(as_text=True)
    assert f"/staff/campagne/departement/{dep}.xlsx" in page and f"/collectivites/{fid}" in page
    ids = {r[0] for r in sample_registry.iter_rows("SELECT french_id FROM partnerships WHERE departement = ?", [dep])}
    assert len(re.findall(r'<td><a href="/collectivites/', page)) == len(ids)
    answer = client.get(f"/staff/campagne/departement/{dep}.xlsx")
    assert set(campaign.read_answer(io.BytesIO(answer.data)).french_ids) == ids
    link_page = client.get(f"/staff/campagne/lien/{fid}").get_data(as_text=True)
    assert re.search(r"/enquete/[\w.-]+", link_page)


def sample_registry_of(app):
    from repertoire.registry import Registry
    return Registry(app.config["REGISTRY"])


def test_the_signed_web_form_confirms_changes_ends_and_adds_like_the_workbook(staff_app):
    registry = sample_registry_of(staff_app)
    fid = registry.iter_rows("SELECT french_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    before = {p["id"]: p for p in registry.partnerships("french_id = ?", [fid])}
    with staff_app.test_request_context():
        from web.survey_form import signed_link
        path = re.sub(r"^https?://[^/]+", "", signed_link(fid))
    client = staff_app.test_client()
    assert client.get(path[:-3] + "abc").status_code == 404
    form_page = client.get(path).get_data(as_text=True)
    assert all(p["partner_name"] in form_page for p in before.values())
    fields = dict(re.findall(r'<input[^>]*name="(sent|csrf_token)"[^>]*value="([^"]*)"', form_page))
    pids = re.findall(r'name="pid" value="([^"]+)"', form_page)
    data = [("csrf_token", fields["csrf_token"]), ("sent", fields["sent"])]
    for pid in pids:  # every field as the browser sends it back, unchanged
        p = before[pid]
        data += [("pid", pid), (f"{pid}-partner_name", p["partner_name"]), (f"{pid}-partner_region", p["partner_region"] or ""),
                 (f"{pid}-kind", p["kind"] or ""), (f"{pid}-status", p["status"] or "non_precise"),
                 (f"{pid}-since", str(p["since"] or "")), (f"{pid}-until", str(p["until"] or "")),
                 (f"{pid}-description", p["description"] or "")]
        data += [(f"{pid}-themes", t) for t in (p["themes"] or "").split(";") if t]
    active = [pid for pid in pids if before[pid]["status"] != "termine"]
    changed, gone = active[0], active[1]
    data = [(k, "1987" if k == f"{changed}-since" else v) for k, v in data] + [(f"{gone}-gone", "1")]
    data += [("new1-partner_name", "Ziguinchor"), ("new1-partner_country", "SN"), ("new1-status", "actif"),
             ("new1-kind", "cooperation"), ("new1-since", "2024"), ("new1-themes", "eau"), ("new1-themes", "sante")]
    last = registry.iter_rows("SELECT max(id) FROM history").fetchone()[0]
    data = MultiDict(data)
    answer = client.post(path, data=data)
    assert answer.status_code == 200 and "Merci" in answer.get_data(as_text=True)
    registry = sample_registry_of(staff_app)
    changes = {(h[0], h[1]) for h in registry.iter_rows("SELECT partnership_id, field FROM history WHERE id > ? AND field != 'confirmed'", [last])}
    assert (changed, "since") in changes and (gone, "status") in changes
    assert {pid for pid, _ in changes} == {changed, gone}
    assert registry.partnership(gone)["status"] == "termine"
    after = {p["id"]: p for p in registry.partnerships("french_id = ?", [fid])}
    new = set(after) - set(before)
    assert len(new) == 1
    added = after[new.pop()]
    assert (added["partner_country"], added["kind"], added["status"], added["since"], added["themes"]) == \
        ("SN", "cooperation", "actif", 2024, "eau;sante")
    confirmed = registry.iter_rows("SELECT count(*) FROM history WHERE id > ? AND field = 'confirmed'", [last]).fetchone()[0]
    assert confirmed == len(pids) - 1
    count = registry.count()
    again = client.post(path, data=data)  # the same answer sent twice changes nothing
    assert again.status_code == 200 and sample_registry_of(staff_app).count() == count


def test_staff_record_a_partner_request_and_see_suggested_matches(staff_app):
    client = staff_app.test_client()
    login(client, STAFF)
    token = csrf_token(client, "/staff/demandes")
    refused = client.post("/staff/demandes", data={"csrf_token": token, "requester": "", "country": "SN"})
    assert refused.status_code == 400
    client.post("/staff/demandes", data={"csrf_token": token, "requester": "Commune de Ziguinchor", "country": "SN",
                                         "theme": "eau", "until": "2027-06-30", "description": "Assainissement du quartier"})
    page = client.get("/staff/demandes").get_data(as_text=True)
    assert "Commune de Ziguinchor" in page and "Assainissement du quartier" in page
    assert "jusqu'au 30 juin 2027" in page.replace("&#39;", "'")
    suggested = page.split("Collectivités suggérées")[1]
    assert "Sénégal" in suggested and 'class="reasons"' in suggested
    number = re.search(r"/staff/demandes/(\d+)/close", page).group(1)
    client.post(f"/staff/demandes/{number}/close", data={"csrf_token": token})
    assert "Commune de Ziguinchor" not in client.get("/staff/demandes").get_data(as_text=True)


def test_a_filled_workbook_uploaded_by_staff_is_previewed_then_read_as_a_campaign_answer(staff_app, tmp_path):
    from test_staff_upload import start_ingest, upload, wait_for
    registry = sample_registry_of(staff_app)
    fid = registry.iter_rows("SELECT french_id FROM partnerships GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    path = tmp_path / "reponse.xlsx"
    from repertoire.countries import Countries
    count = campaign.write_workbook(registry, [fid], path, Countries().name)
    book = load_workbook(path)
    sheet = book[campaign.LINKS_SHEET]
    header = [c.value for c in sheet[1]]
    pid = sheet.cell(2, 1).value
    sheet.cell(2, header.index("Statut") + 1, "Terminé" if registry.partnership(pid)["status"] != "termine" else "Actif")
    book.save(path)
    client = staff_app.test_client()
    login(client, STAFF)
    response = upload(client, ("reponse-saint-etienne.xlsx", path.read_bytes()))
    mapping = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Réponse à la campagne d'enquête" in mapping
    assert f"{count - 1} confirmés tels quels, 1 modifiés" in mapping
    page = wait_for(client, start_ingest(client, response.headers["Location"]).headers["Location"])
    assert "terminé" in page
    fields = [r[0] for r in sample_registry_of(staff_app).iter_rows(
        "SELECT field FROM history WHERE partnership_id = ? AND source = 'reponse-saint-etienne.xlsx'", [pid])]
    assert fields == ["status", "confirmed"]
