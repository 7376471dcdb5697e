"""Logging in and out, roles, and what guards every form: sessions, CSRF tokens, rate limits.

Three audiences: the public (no account), members (contacts, the members' edition of the
répertoires) and staff (everything under /staff/). Accounts are made with
`repertoire user add EMAIL --role staff|member`; there is no self-registration.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, flash, redirect, render_template, request,
                   session, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from .accounts import Accounts, User
from .login_limits import LoginLimits

auth = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(get_remote_address, headers_enabled=True)

# Defaults of create_app (an instance's config.py may change them): session cookies only over
# HTTPS (browsers treat http://localhost as secure too), never read by scripts, not sent by
# cross-site posts; a working day of session, counted from the login whatever the activity
# (load_user); a CSRF token valid as long as its session.
CONFIG = {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
          "PERMANENT_SESSION_LIFETIME": timedelta(hours=8), "WTF_CSRF_TIME_LIMIT": None,
          "RATELIMIT_STORAGE_URI": "memory://"}



class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse électronique"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


def accounts() -> Accounts:
    return current_app.extensions["accounts"]


def secret_key(instance: Path) -> str:
    """REPERTOIRE_SECRET_KEY, else a key made once and kept in the instance folder, so that
    every gunicorn worker and every restart signs sessions alike."""
    if os.environ.get("REPERTOIRE_SECRET_KEY"):
        return os.environ["REPERTOIRE_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        draft = path.with_suffix(f".{os.getpid()}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: the first worker's key wins
        except FileExistsError:
            pass
        draft.unlink()
    return path.read_text().strip()


def init_app(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(instance)
    app.config.setdefault("ACCOUNTS", str(instance / "accounts.sqlite3"))
    app.extensions["accounts"] = Accounts(app.config["ACCOUNTS"])
    app.extensions["login_limits"] = LoginLimits(app.config.get("LOGIN_LIMITS") or instance / "login_limits.sqlite3")
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.session_protection = "strong"
    app.register_blueprint(auth)
    app.register_error_handler(CSRFError, refuse_form)
    app.context_processor(lambda: {"role": role()})
    app.after_request(private_when_signed_in)


@login_manager.user_loader
def load_user(email: str) -> User | None:
    """The account of this request's session, if the session is still open on the server
    (web/accounts.py sessions) and younger than PERMANENT_SESSION_LIFETIME; else none."""
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    seconds = lifetime.total_seconds() if isinstance(lifetime, timedelta) else float(lifetime)
    user = accounts().session_user(session.get("sid"), seconds)
    return user if user is not None and user.email == email else None


def role() -> str:
    """`staff`, `member` or `public`: what this request may see."""
    return current_user.role if current_user.is_authenticated else "public"


def sees_contacts() -> bool:
    return role() in ("staff", "member")


def require(wanted: str) -> None:
    """Stop the request unless its user has the role (staff pass wherever members do)."""
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        abort(login_manager.unauthorized())
    if wanted == "staff" and not current_user.is_staff:
        abort(403, description=_("Cette page est réservée à l'équipe du réseau."))
    if wanted == "member" and not current_user.is_member:
        abort(403, description=_("Cette page est réservée aux membres du réseau."))


def role_required(wanted: str):
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            require(wanted)
            return view(*args, **kwargs)
        return guarded
    return decorate


def private_when_signed_in(response):
    """A page seen with an account may hold contacts: no shared cache may keep it. Every
    answer also refuses to be framed by another site or sniffed into another type."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def refuse_form(error: CSRFError):
    """A form without its token (or with an old one): refused, with a way out."""
    current_app.logger.warning("CSRF refused on %s: %s", request.path, error.description)
    return render_template("error.html", status=400, show=True, message=_(
        "Formulaire refusé : jeton de sécurité absent ou expiré. Rechargez la page et recommencez.")), 400


def _safe_next(target: str | None) -> str:
    """Only a path of this site: no open redirect to another host."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


def login_limits() -> LoginLimits:
    return current_app.extensions["login_limits"]


def too_many(retry_after: int):
    """429 with the login form: this address has failed too often (on this account or any)."""
    flash(_("Trop de tentatives de connexion : réessayez dans quelques minutes."), "error")
    body = render_template("auth/login.html", form=LoginForm(next=request.form.get("next", "")))
    return body, 429, {"Retry-After": str(retry_after)}


@auth.route("/connexion", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "POST":
        # reserved before the password is checked: parallel attempts cannot overshoot (web/login_limits.py)
        attempt = login_limits().reserve(get_remote_address(), request.form.get("email") or "")
        if not attempt.allowed:
            return too_many(attempt.retry_after)
        if not form.validate_on_submit():
            login_limits().succeeded(attempt)  # a form refused before any check is no failure
            return render_template("auth/login.html", form=form), 400
        user = accounts().check(form.email.data, form.password.data)
        if user:
            login_limits().succeeded(attempt)
            session.clear()
            session["sid"] = accounts().open_session(user.email)
            login_user(user)
            session.permanent = True
            current_app.logger.info("login %s (%s)", user.email, user.role)
            return redirect(_safe_next(form.next.data))
        current_app.logger.warning("failed login for %r from %s", form.email.data, get_remote_address())
        flash(_("Adresse ou mot de passe incorrect."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@auth.route("/deconnexion", methods=["POST"])
def logout():
    accounts().close_session(session.get("sid"))  # the cookie, replayed, opens nothing any more
    logout_user()
    session.clear()
    return redirect(url_for("pages.home"))
