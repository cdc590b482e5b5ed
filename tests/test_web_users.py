"""Accounts in the workspace (admins only): the same functions and messages as ``loa users add|passwd|disable``."""
from __future__ import annotations

import html

from support.web import login


def test_only_an_admin_sees_and_changes_accounts(web):
    token = web.login("lanh-dao")
    assert web.client.get("/users").status_code == 403
    assert web.client.post("/users/add", data={"csrf_token": token, "name": "x", "role": "admin",
                                               "password": "mat-khau-dai", "password_repeat": "mat-khau-dai"}
                           ).status_code == 403
    assert web.client.post("/users/bien-tap/disable", data={"csrf_token": token}).status_code == 403
    assert web.project.sql("SELECT count(*) FROM users WHERE disabled_at IS NOT NULL") == [(0,)]
    assert 'href="/users"' not in web.client.get("/").get_data(as_text=True)


def test_an_admin_adds_an_account_which_signs_in_then_disables_it(web):
    web.login("quan-tri")
    page = web.client.get("/users").get_data(as_text=True)
    assert "bien-tap" in page and "lanh-dao" in page and "argon2" not in page
    mismatch = web.post("/users/add", {"name": "pho-phong", "role": "approver", "password": "mat-khau-pho-phong",
                                       "password_repeat": "khac"})
    assert mismatch.status_code == 422 and web.project.rows("users") == 3
    short = web.post("/users/add", {"name": "pho-phong", "role": "approver", "password": "ngan",
                                    "password_repeat": "ngan"})
    assert short.status_code == 422
    message = html.unescape(short.get_data(as_text=True)).split('class="field-error">')[1].split("<")[0]
    from click.testing import CliRunner

    from loa.scheduler.cli import cli as loa

    cli = CliRunner().invoke(loa, ["--config", str(web.project.config), "users", "add", "pho-phong", "--role",
                                   "approver", "--password-stdin"], input="ngan\n")
    assert cli.exit_code == 2 and message in cli.stderr
    added = web.post("/users/add", {"name": "pho-phong", "role": "approver", "display_name": "Phó phòng",
                                    "password": "mat-khau-pho-phong", "password_repeat": "mat-khau-pho-phong"})
    assert added.status_code == 302
    other = web.app.test_client()
    login(other, "pho-phong", "mat-khau-pho-phong")
    assert other.get("/").status_code == 200
    assert web.post("/users/pho-phong/disable").status_code == 302
    assert other.get("/").status_code == 302  # signed out at once
    assert web.project.sql("SELECT disabled_at IS NOT NULL FROM users WHERE name = 'pho-phong'") == [(1,)]
