"""Accounts and roles: the CLI, logging in and out, cookies, rate limits, who may see what."""
from __future__ import annotations

import re
import threading
import time

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
    assert attempt("198.51.100.2") == 401  # even on the account under attack: one address never locks another out
    limiter.reset()


@pytest.mark.parametrize("password, why", [
    ("aaaaaaaaaa", "too easy to guess"), ("azertyuiop", "too easy to guess"), ("motdepasse123", "too easy to guess"),
    ("agent@ville.fr", "e-mail"), ("AGENT@VILLE.FR", "e-mail"), ("agent@ville.fr2024!", "e-mail")])
def test_the_cli_refuses_a_guessable_password_or_the_accounts_own_email(fresh_app, password, why):
    result = fresh_app.test_cli_runner().invoke(cli, ["user", "add", "agent@ville.fr", "--role", "staff",
                                                      "--password", password])
    assert result.exit_code == 1 and why in result.output
    assert fresh_app.extensions["accounts"].get("agent@ville.fr") is None


# --- sessions (issue 13) -------------------------------------------------------------------

def signed_in(app, account=STAFF):
    client = app.test_client()
    assert login(client, account).status_code == 302
    return client, client.get_cookie("session").value


def replay(app, cookie: str) -> int:
    """/staff/ opened by another browser that holds a copy of this cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/staff/").status_code


def test_a_session_cookie_replayed_after_logout_opens_nothing(fresh_app):
    fresh_app.extensions["accounts"].add(*STAFF, "staff")
    client, cookie = signed_in(fresh_app)
    assert replay(fresh_app, cookie) == 200
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/")})
    assert replay(fresh_app, cookie) == 302


def test_a_new_password_or_the_accounts_removal_ends_its_sessions(fresh_app):
    accounts = fresh_app.extensions["accounts"]
    accounts.add(*STAFF, "staff")
    _, cookie = signed_in(fresh_app)
    accounts.add(STAFF[0], "another-staff-password-2", "staff")
    assert replay(fresh_app, cookie) == 302
    _, cookie = signed_in(fresh_app, (STAFF[0], "another-staff-password-2"))
    accounts.add(STAFF[0], "another-staff-password-2", "member")  # staff role taken away
    assert replay(fresh_app, cookie) == 302
    _, cookie = signed_in(fresh_app, (STAFF[0], "another-staff-password-2"))
    accounts.remove(STAFF[0])
    assert replay(fresh_app, cookie) == 302


def test_a_session_ends_after_its_lifetime_however_active(tmp_path):
    from datetime import timedelta
    app = create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance"),
                      "PERMANENT_SESSION_LIFETIME": timedelta(seconds=2)})
    app.extensions["accounts"].add(*STAFF, "staff")
    client, _ = signed_in(app)
    assert client.get("/staff/").status_code == 200
    time.sleep(1.2)
    assert client.get("/staff/").status_code == 200  # activity refreshes the cookie…
    time.sleep(1.2)
    assert client.get("/staff/").status_code == 302  # …not the session's life


# --- login limits shared by the workers (issue 13) ----------------------------------------------

def test_two_workers_share_one_count_of_failed_logins(tmp_path):
    """Two apps on one instance folder stand for two gunicorn workers."""
    workers = [create_app({"TESTING": True, "INSTANCE": str(tmp_path / "instance")}) for _ in range(2)]
    workers[0].extensions["accounts"].add(*STAFF, "staff")
    clients = [w.test_client() for w in workers]
    tokens = [csrf_token(c) for c in clients]
    codes = [clients[i % 2].post("/connexion", data={"email": STAFF[0], "password": "wrong-password",
                                                      "csrf_token": tokens[i % 2]}).status_code for i in range(8)]
    assert codes == [401] * 5 + [429] * 3
    refused = clients[0].post("/connexion", data={"email": STAFF[0], "password": "wrong-password",
                                                  "csrf_token": tokens[0]})
    assert int(refused.headers["Retry-After"]) > 0


def test_parallel_attempts_do_not_overshoot_the_limit(fresh_app):
    fresh_app.extensions["accounts"].add(*STAFF, "staff")
    codes = []

    def attempt():
        client = fresh_app.test_client()
        token = csrf_token(client)
        codes.append(client.post("/connexion", data={"email": STAFF[0], "password": "wrong-password",
                                                     "csrf_token": token}).status_code)
    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [401] * 5 + [429] * 7


def test_failures_from_one_address_do_not_lock_the_owner_out(fresh_app):
    from web.login_limits import LoginLimits
    fresh_app.extensions["accounts"].add(*STAFF, "staff")
    limits = fresh_app.extensions["login_limits"]
    assert isinstance(limits, LoginLimits)
    for _ in range(25):  # an attacker's address, 25 failures on the staff account
        attempt = limits.reserve("203.0.113.7", STAFF[0])
    assert not attempt.allowed
    client = fresh_app.test_client()  # the owner, from 127.0.0.1
    assert login(client, STAFF).status_code == 302 and client.get("/staff/").status_code == 200
