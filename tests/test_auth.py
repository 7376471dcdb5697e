"""Accounts and roles: the CLI, logging in and out, cookies, rate limits, who may see what."""
from __future__ import annotations

import re

import pytest

from app import cli, create_app
from web.auth import limiter

from conftest import MEMBER, STAFF, csrf_token, login


@pytest.fixture
def fresh_app(tmp_path):
    return create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")})


def test_user_add_list_remove(fresh_app):
    runner = fresh_app.test_cli_runner()
    result = runner.invoke(cli, ["user", "add", "Agent@Ville.fr", "--role", "staff", "--password", "a-long-password"])
    assert result.exit_code == 0 and "agent@ville.fr: staff" in result.output
    assert runner.invoke(cli, ["user", "add", "x@ville.fr", "--role", "member", "--password", "short"]).exit_code == 1
    assert "at least 10" in runner.invoke(cli, ["user", "add", "x@ville.fr", "--role", "member", "--password", "short"]).output
    assert runner.invoke(cli, ["user", "add", "x@ville.fr", "--role", "admin", "--password", "a-long-password"]).exit_code == 2
    listing = runner.invoke(cli, ["user", "list"]).output
    assert "agent@ville.fr\tstaff\tlast login: never" in listing
    assert runner.invoke(cli, ["user", "remove", "agent@ville.fr"]).exit_code == 0
    assert "agent@ville.fr" not in runner.invoke(cli, ["user", "list"]).output


def test_passwords_are_hashed(fresh_app):
    fresh_app.extensions["accounts"].add("a@ville.fr", "a-long-password", "member")
    stored = fresh_app.extensions["accounts"].path.read_bytes()
    assert b"a-long-password" not in stored and b"scrypt:" in stored


def test_login_sets_a_secure_httponly_samesite_cookie_and_logout_ends_it(app, accounts):
    client = app.test_client()
    response = login(client, STAFF)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/staff/").status_code == 200
    logout = client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/")})
    assert logout.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_wrong_password_is_refused_and_attempts_are_limited(fresh_app):
    fresh_app.extensions["accounts"].add(*STAFF, "staff")
    client = fresh_app.test_client()
    token = csrf_token(client)
    codes = [client.post("/connexion", data={"email": STAFF[0], "password": "wrong-password", "csrf_token": token}).status_code
             for _ in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    assert "Trop de tentatives" in client.post("/connexion", data={"email": STAFF[0], "password": STAFF[1],
                                                                   "csrf_token": token}).get_data(as_text=True)
    limiter.reset()  # the other tests log in from the same address


def test_login_redirects_only_within_the_site(app, accounts):
    for target, expected in (("/pays/JP", "/pays/JP"), ("https://evil.example/", "/"), ("//evil.example", "/")):
        client = app.test_client()
        response = client.post("/connexion", data={"email": MEMBER[0], "password": MEMBER[1], "next": target,
                                                   "csrf_token": csrf_token(client)})
        assert response.headers["Location"] == expected


def test_roles(app, accounts):
    anonymous, member, staff = app.test_client(), app.test_client(), app.test_client()
    login(member, MEMBER)
    login(staff, STAFF)
    assert anonymous.get("/staff/").status_code == 302
    assert "/connexion?next=" in anonymous.get("/staff/").headers["Location"]
    assert member.get("/staff/").status_code == 403
    assert staff.get("/staff/").status_code == 200
    assert "Espace équipe" in staff.get("/").get_data(as_text=True)
    assert "Espace équipe" not in member.get("/").get_data(as_text=True)


def test_the_login_form_is_french_and_english(app):
    client = app.test_client()
    assert "Mot de passe" in client.get("/connexion").get_data(as_text=True)
    page = client.get("/connexion?lang=en").get_data(as_text=True)
    assert re.search(r"Password|Mot de passe", page)


def test_behind_a_proxy_the_client_address_is_limited_not_the_proxy(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance"), "PROXIES": 1})
    app.extensions["accounts"].add(*STAFF, "staff")
    limiter.reset()
    client = app.test_client()
    token = csrf_token(client)

    def attempt(address: str, email: str = "someone@else.org") -> int:
        return client.post("/connexion", data={"email": email, "password": "wrong-password",
                                               "csrf_token": token}, headers={"X-Forwarded-For": address}).status_code
    assert [attempt("203.0.113.7") for _ in range(6)][-1] == 429
    assert attempt("198.51.100.2", "another@else.org") == 401  # another visitor behind the same proxy may try
    assert attempt("198.51.100.2") == 429  # but not on the account under attack
    limiter.reset()


@pytest.mark.parametrize("password, why", [
    ("aaaaaaaaaa", "too easy to guess"), ("azertyuiop", "too easy to guess"), ("motdepasse123", "too easy to guess"),
    ("agent@ville.fr", "e-mail"), ("AGENT@VILLE.FR", "e-mail"), ("agent@ville.fr2024!", "e-mail")])
def test_the_cli_refuses_a_guessable_password_or_the_accounts_own_email(fresh_app, password, why):
    result = fresh_app.test_cli_runner().invoke(cli, ["user", "add", "agent@ville.fr", "--role", "staff",
                                                      "--password", password])
    assert result.exit_code == 1 and why in result.output
    assert fresh_app.extensions["accounts"].get("agent@ville.fr") is None
