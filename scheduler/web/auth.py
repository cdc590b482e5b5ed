"""Who is signed in, and what they may do: the login page, sessions, CSRF on every change, roles.

Every route needs a session except the login page and static files (a ``before_request`` lets only those through),
so a new page is protected without remembering to. The cookie ``loa_session`` holds a random token; the
``web_sessions`` table holds only its sha256 (posts/web_sessions.py). Each session has a CSRF token, required on
every POST/PUT/PATCH/DELETE as the form field ``csrf_token`` or the header ``X-CSRF-Token`` (which the base template
sets for htmx); without it: 403 and nothing changed.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, Response, abort, g, make_response, redirect, render_template, request,
                   session, url_for)

from loa.posts.accounts import Account
from loa.posts.i18n import available_languages, request_language, t
from loa.posts.web_sessions import SignedIn, session_of, sign_in, sign_out

from . import workspace

COOKIE = "loa_session"
LANGUAGE_COOKIE = "loa_lang"
OPEN_ENDPOINTS = {"auth.login", "static"}
# they see to who may ask themselves, before any session is looked up: /healthz must answer while the database does
# not, /metrics takes a bearer token too (scheduler/web/monitor.py)
SELF_GUARDED = {"monitor.healthz", "monitor.metrics"}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
F = TypeVar("F", bound=Callable[..., Any])

blueprint = Blueprint("auth", __name__)


def current_user() -> Account | None:
    signed_in: SignedIn | None = g.get("signed_in")
    return signed_in.account if signed_in else None


def csrf_token() -> str:
    """The token a form of this page sends back (the session's; on the login page, the pre-login one)."""
    signed_in: SignedIn | None = g.get("signed_in")
    if signed_in is not None:
        return signed_in.csrf_token
    if "login_csrf" not in session:
        session["login_csrf"] = secrets.token_urlsafe(32)
    return str(session["login_csrf"])


def require_role(role: str) -> Callable[[F], F]:
    """A route only ``role`` and above may use (editor < approver < admin); others get the 403 page."""
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None or not user.may(role):
                abort(403)
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return decorate


def _sent_token() -> str:
    return request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""


def _language() -> str | None:
    wanted = request.args.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return wanted if wanted in available_languages() else None


def _before() -> Any:
    g.language_token = request_language.set(_language())
    if request.endpoint == "static" or request.endpoint in SELF_GUARDED:
        return None
    g.signed_in = session_of(workspace().database, request.cookies.get(COOKIE))
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if g.signed_in is None:
        if request.method == "GET" and not request.headers.get("HX-Request"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        response = make_response(t("web.signed_out"), 401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    if request.method in CHANGES and not secrets.compare_digest(_sent_token(), g.signed_in.csrf_token):
        abort(403)
    return None


def _after(response: Response) -> Response:
    wanted = request.args.get("lang")
    if wanted in available_languages():
        response.set_cookie(LANGUAGE_COOKIE, wanted, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=workspace().secure_cookies)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                                "style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'")
    return response


def _teardown(_error: BaseException | None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        request_language.reset(token)


def init_app(app: Flask) -> None:
    app.before_request(_before)
    app.after_request(_after)
    app.teardown_request(_teardown)


def _safe_next(target: str | None) -> str:
    """Back to the page asked for, but only on this site (``//evil.example`` and ``https://…`` are not)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.week")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else url_for("home.week")


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""), error=None, name="")
    expected = session.get("login_csrf")
    if not expected or not secrets.compare_digest(str(expected), _sent_token()):
        abort(403)
    name = request.form.get("name", "")
    found = sign_in(workspace().database, name, request.form.get("password", ""),
                    address=request.remote_addr or "-")
    if found is None:
        return render_template("login.html", next=request.form.get("next", ""), error=t("web.login_failed"),
                               name=name[:100]), 401
    token, _signed_in = found
    session.pop("login_csrf", None)
    response = redirect(_safe_next(request.form.get("next")))
    # a browser-session cookie: the server ends the session after SESSION_HOURS without a visit (sliding)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=workspace().secure_cookies, path="/")
    return response


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    sign_out(workspace().database, request.cookies.get(COOKIE))
    response = redirect(url_for("auth.login"))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=workspace().secure_cookies)
    return response
