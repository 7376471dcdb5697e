"""Every staff address refuses without login; every form refuses without its CSRF token."""
from __future__ import annotations

from flask import url_for
from werkzeug.routing import IntegerConverter

from conftest import MEMBER, STAFF, login



def staff_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/staff")]


def sample_url(app, rule) -> str:
    """The rule's address with a value in each part (refusal comes before any lookup)."""
    values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
              for name, converter in rule._converters.items()}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_there_are_staff_pages_to_check(app):
    endpoints = {rule.endpoint for rule in staff_rules(app)}
    assert {"staff.dashboard", "staff.upload", "staff.job", "staff.rejects", "staff.edit", "staff.chapter",
            "staff.duplicates", "staff.merge", "staff.repertoires", "staff.regenerate"} <= endpoints


def test_every_staff_url_refuses_the_public_and_members(app, accounts):
    member = app.test_client()
    login(member, MEMBER)
    anonymous = app.test_client()
    for rule in staff_rules(app):
        url = sample_url(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anonymous.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302 and "/connexion" in response.headers["Location"], (method, url)
            else:  # a post without session is refused, by the CSRF guard or the login guard
                assert response.status_code in (302, 400), (method, url, response.status_code)
            assert member.open(url, method=method, data={}).status_code in (400, 403), (method, url)


def test_every_form_refuses_a_post_without_its_csrf_token(app, accounts):
    staff = app.test_client()
    login(staff, STAFF)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(posts) >= 6
    for rule in posts:
        response = staff.post(sample_url(app, rule), data={"email": STAFF[0], "password": STAFF[1]})
        assert response.status_code == 400, rule.rule
        assert "jeton de sécurité" in response.get_data(as_text=True), rule.rule


def test_member_posts_with_a_valid_token_are_still_refused(app, accounts):
    import re
    member = app.test_client()
    login(member, MEMBER)
    token = re.search(r'name="csrf_token" value="([^"]+)"', member.get("/").get_data(as_text=True)).group(1)
    for rule in staff_rules(app):
        if "POST" in rule.methods:
            assert member.post(sample_url(app, rule), data={"csrf_token": token}).status_code == 403, rule.rule


def test_a_number_too_big_for_sqlite_in_an_address_is_not_found(app, accounts):
    staff = app.test_client()
    login(staff, STAFF)
    for number in (2**63, 10**40):
        assert staff.get(f"/staff/rejets/{number}").status_code == 404
    assert staff.get(f"/staff/rejets/{2**63 - 1}").status_code == 404  # the largest SQLite id: looked up, absent


def test_a_redirect_never_copies_a_forged_host_header(app):
    client = app.test_client()
    for path, expected in (("/staff", "/staff/"), ("/pays/jp/carte", "/carte/pays/JP")):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code in (302, 308) and response.headers["Location"] == expected


def test_a_host_outside_the_trusted_hosts_is_refused(tmp_path):
    from app import create_app
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path), "TRUSTED_HOSTS": ["repertoire.example.org"]})
    client = app.test_client()
    assert client.get("/staff", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/staff", headers={"Host": "repertoire.example.org"}).status_code == 308
