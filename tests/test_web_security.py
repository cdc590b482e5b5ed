"""The workspace's locks, as an attacker would try them: no session, no CSRF token, a stolen or old cookie, password
guessing, an editor reaching for an approver's button, markup in a title."""
from __future__ import annotations

import pytest
from flask import Blueprint
from werkzeug.routing import BaseConverter

from loa.scheduler.web.auth import COOKIE, require_role
from support.web import PASSWORDS, campaign_today, csrf, login

# /healthz answers anyone, by design, and says only "ok" or "unavailable" (tests/test_web_monitor.py)
OPEN = {"auth.login", "static", "monitor.healthz"}
SAMPLES = {"int": "1", "integer": "1", "path": "a/b", "default": "x"}


def _url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        assert isinstance(converter, BaseConverter)
        kind = type(converter).__name__.removesuffix("Converter").lower()
        values[name] = SAMPLES.get(kind, SAMPLES["default"])
    return rule.build(values)[1]


def _tables(web) -> dict[str, int]:
    return {table: web.project.rows(table) for table in ("posts", "deliveries", "users", "web_sessions", "campaigns")}


def test_every_route_but_login_and_static_refuses_a_stranger(web):
    rules = [rule for rule in web.app.url_map.iter_rules() if rule.endpoint not in OPEN]
    assert len(rules) >= 2, "the walk found nothing: the app registered no pages"
    client = web.app.test_client()
    for rule in rules:
        url = _url(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login"), (method, url)
            else:
                assert response.status_code in (401, 403), (method, url, response.status_code)
            assert b"bien-tap" not in response.data


def test_a_change_without_the_right_csrf_token_is_refused_and_changes_nothing(web):
    web.login("bien-tap")
    before = _tables(web)
    assert web.client.post("/logout").status_code == 403
    assert web.client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    assert web.client.post("/logout", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert _tables(web) == before
    assert web.client.get("/").status_code == 200  # still signed in
    token = csrf(web.client)
    assert web.client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 302  # htmx's way


def test_the_login_form_needs_its_own_token(web):
    client = web.app.test_client()
    response = client.post("/login", data={"name": "bien-tap", "password": PASSWORDS["bien-tap"]})
    assert response.status_code == 403 and COOKIE not in response.headers.get("Set-Cookie", "")


def test_session_cookie_is_httponly_samesite_lax_and_not_secure_over_http(web):
    client = web.app.test_client()
    token = csrf(client, "/login")
    response = client.post("/login", data={"name": "bien-tap", "password": PASSWORDS["bien-tap"], "csrf_token": token})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_when_the_base_url_is_https(web):
    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app

    text = web.project.config.read_text(encoding="utf-8")
    assert "\n[web]\n" in text
    web.project.config.write_text(text.replace("\n[web]\n", '\n[web]\nbase_url = "https://loa.example.gov.vn"\n', 1),
                                  encoding="utf-8")
    client = create_app(load_config(web.project.config), testing=True).test_client()
    token = csrf(client, "/login")
    response = client.post("/login", data={"name": "bien-tap", "password": PASSWORDS["bien-tap"], "csrf_token": token})
    cookies = response.headers.getlist("Set-Cookie")
    ours = next(c for c in cookies if c.startswith(COOKIE + "="))
    assert "Secure" in ours and "HttpOnly" in ours and "SameSite=Lax" in ours


def test_only_the_hash_of_the_session_token_is_stored(web):
    client = web.app.test_client()
    login(client, "bien-tap")
    token = client.get_cookie(COOKIE).value
    stored = [row[0] for row in web.project.sql("SELECT id FROM web_sessions")]
    assert len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_logout_invalidates_the_cookie_even_if_it_was_copied(web):
    token = web.login("bien-tap")
    stolen = web.client.get_cookie(COOKIE).value
    assert web.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert web.project.rows("web_sessions") == 0
    thief = web.app.test_client()
    thief.set_cookie(COOKIE, stolen)
    assert thief.get("/").status_code == 302


def test_a_disabled_account_is_signed_out_at_once(web):
    web.login("bien-tap")
    web.project.ok("users", "disable", "bien-tap")
    assert web.client.get("/").status_code == 302


def _attempt(client, name: str, password: str):
    token = csrf(client, "/login")
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token})


def test_guessing_is_throttled_and_every_refusal_reads_the_same(web):
    client = web.app.test_client()
    unknown = _attempt(client, "khong-co-ai", "mat-khau-sai-1")
    assert unknown.status_code == 401
    message = unknown.get_data(as_text=True).split('role="alert">')[1].split("<")[0]
    for n in range(5):
        wrong = _attempt(client, "bien-tap", f"mat-khau-sai-{n}")
        assert wrong.status_code == 401 and message in wrong.get_data(as_text=True)
    right = _attempt(client, "bien-tap", PASSWORDS["bien-tap"])  # the sixth: refused although right
    assert right.status_code == 401 and message in right.get_data(as_text=True)
    assert web.project.rows("web_sessions") == 0
    # another account from the same address, and the same account elsewhere, are not locked out
    assert _attempt(client, "lanh-dao", PASSWORDS["lanh-dao"]).status_code == 302
    web.project.sql("UPDATE login_attempts SET address = 'elsewhere' WHERE name = 'bien-tap'")
    assert _attempt(web.app.test_client(), "bien-tap", PASSWORDS["bien-tap"]).status_code == 302


def test_an_editor_gets_403_from_an_approver_route(web):
    probe = Blueprint("probe", __name__)

    @probe.route("/probe/approve", methods=["POST"])
    @require_role("approver")
    def approve() -> str:
        return "approved"

    web.app.register_blueprint(probe)
    editor = web.login("bien-tap")
    assert web.client.post("/probe/approve", data={"csrf_token": editor}).status_code == 403
    approver_client = web.app.test_client()
    approver = login(approver_client, "lanh-dao")
    assert approver_client.post("/probe/approve", data={"csrf_token": approver}).get_data(as_text=True) == "approved"
    admin_client = web.app.test_client()
    admin = login(admin_client, "quan-tri")
    assert admin_client.post("/probe/approve", data={"csrf_token": admin}).status_code == 200


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_markup_in_a_title_shows_as_text(web, title):
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    campaign_today(web.project, title=title, slug="xss", name="XSS")
    web.project.sql("UPDATE posts SET publish_at = datetime('now', '-1 hour')")  # overdue: in the panel too
    web.login("bien-tap")
    page = web.client.get("/").get_data(as_text=True)
    assert title not in page and page.count(escaped) >= 2  # the week and the needs-attention panel
    assert web.client.get("/").headers["Content-Security-Policy"].count("script-src 'self'") == 1


def test_next_never_leads_off_the_site(web):
    client = web.app.test_client()
    token = csrf(client, "/login")
    response = client.post("/login", data={"name": "bien-tap", "password": PASSWORDS["bien-tap"],
                                           "csrf_token": token, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
