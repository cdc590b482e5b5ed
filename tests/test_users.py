"""``loa users``: accounts from the command line; passwords only ever as argon2id hashes."""
from __future__ import annotations

import json

from click.testing import CliRunner

from loa.scheduler.cli import cli

SECRET = "mot-mat-khau-rat-dai"


def _run(project, *args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["--config", str(project.config), *args], input=stdin, catch_exceptions=False)


def test_add_list_passwd_disable(project):
    added = _run(project, "users", "add", "lanh-dao", "--role", "approver", "--display-name", "Nguyễn Văn A",
                 "--password-stdin", stdin=SECRET + "\n")
    assert added.exit_code == 0 and "lanh-dao" in added.stdout
    users = project.json("users", "list")
    assert [(u["name"], u["role"], u["display_name"], u["disabled"]) for u in users] == [
        ("lanh-dao", "approver", "Nguyễn Văn A", False)]
    assert "Nguyễn Văn A" in project.ok("users", "list").stdout
    changed = _run(project, "users", "passwd", "lanh-dao", "--password-stdin", stdin="mat-khau-moi-0123\n")
    assert changed.exit_code == 0
    assert project.ok("users", "disable", "lanh-dao").exit_code == 0
    assert project.json("users", "list")[0]["disabled"] is True
    assert "already" in project.ok("users", "disable", "lanh-dao").stdout


def test_password_prompted_twice_hidden(project):
    result = _run(project, "users", "add", "bien-tap", "--role", "editor", stdin=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    mismatch = _run(project, "users", "add", "bien-tap-2", "--role", "editor", stdin=f"{SECRET}\nkhac-hoan-toan-1\n")
    assert mismatch.exit_code == 2 and "do not match" in mismatch.stderr
    assert [u["name"] for u in project.json("users", "list")] == ["bien-tap"]


def test_the_hash_is_argon2id_and_the_password_is_nowhere(project):
    _run(project, "users", "add", "quan-tri", "--role", "admin", "--password-stdin", stdin=SECRET + "\n")
    (stored,) = project.sql("SELECT password_hash FROM users")
    assert stored[0].startswith("$argon2id$")
    assert SECRET.encode() not in project.db_path.read_bytes()
    assert SECRET not in json.dumps(project.json("users", "list"))


def test_bad_input_is_one_line_and_exit_2(project):
    _run(project, "users", "add", "lanh-dao", "--role", "approver", "--password-stdin", stdin=SECRET + "\n")
    cases = [
        (("users", "add", "Lanh Dao", "--role", "editor"), "NAME"),
        (("users", "add", "x", "--role", "editor"), "NAME"),
        (("users", "add", "moi", "--role", "boss"), "--role"),
        (("users", "passwd", "khong-co"), "NAME"),
        (("users", "disable", "khong-co"), "NAME"),
    ]
    for args, where in cases:
        assert where in project.fails(*args), args
    for args, stdin, words in [
        (("users", "add", "lanh-dao", "--role", "editor", "--password-stdin"), SECRET, "already exists"),
        (("users", "add", "moi", "--role", "editor", "--password-stdin"), "ngan\n", "too short"),
        (("users", "add", "moi", "--role", "editor", "--password-stdin"), "\n", "no password"),
        (("users", "passwd", "lanh-dao", "--password-stdin"), "ngan\n", "too short"),
    ]:
        result = _run(project, *args, stdin=stdin)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and words in result.stderr, args
    assert len(project.json("users", "list")) == 1


def test_passwd_ends_the_sessions_and_the_new_password_works(web):
    from support.web import PASSWORDS, login

    web.login("bien-tap")
    assert web.project.rows("web_sessions") == 1
    result = _run(web.project, "users", "passwd", "bien-tap", "--password-stdin", stdin="mat-khau-moi-0123\n")
    assert result.exit_code == 0
    assert web.project.rows("web_sessions") == 0 and web.client.get("/").status_code == 302
    login(web.app.test_client(), "bien-tap", "mat-khau-moi-0123")
    assert PASSWORDS["bien-tap"] != "mat-khau-moi-0123"
