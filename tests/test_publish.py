"""`loa publish` (claim, publish, record — the daemon's path) and `loa channels list|check`, on the local channels."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import campaign_toml

from loa.posts.db import open_database
from loa.scheduler.dispatch import claim_post_deliveries
from loa.scheduler.publishers import PermanentError, TransientError
from loa.scheduler.publishers.static_site import StaticSitePublisher


@pytest.fixture
def queued(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2,
                                                 post_lines='banner = { headline = "Đọc sách" }'))
    project.ok("campaign", "import", str(path), "--approve")
    return project, [p["id"] for p in project.json("queue")["posts"]]


def statuses(project, post_id):
    return {d["channel"]: d["status"] for d in project.json("post", "show", str(post_id))["deliveries"]}


def test_publish_sends_every_channel_and_records_it(queued):
    project, ids = queued
    result = project.ok("publish", str(ids[0]))
    assert "portal: published file://" in result.stdout and "facebook: published file://" in result.stdout
    shown = project.json("post", "show", str(ids[0]))
    assert shown["status"] == "done" and statuses(project, ids[0]) == {"portal": "published", "facebook": "published"}
    assert all(d["permalink"] and d["remote_id"] and d["attempts"] == 1 for d in shown["deliveries"])
    assert [h["kind"] for h in shown["history"]].count("published") == 2
    assert len(list((project.root / "var" / "site" / "posts").glob("loa-*-1.html"))) == 1
    assert "done" in project.fails("publish", str(ids[0]))  # published: never sent twice


def test_publish_one_channel_then_the_rest(queued):
    project, ids = queued
    project.ok("publish", str(ids[0]), "--channel", "facebook")
    assert statuses(project, ids[0]) == {"portal": "pending", "facebook": "published"}
    assert project.json("post", "show", str(ids[0]))["status"] == "approved"
    project.ok("publish", str(ids[0]))
    assert statuses(project, ids[0]) == {"portal": "published", "facebook": "published"}
    assert "--channel" in project.fails("publish", str(ids[1]), "--channel", "zalo")


def test_only_approved_posts_are_published(queued):
    project, ids = queued
    project.ok("post", "edit", str(ids[1]), "--title", "Sửa")  # back to draft
    assert "approve" in project.fails("publish", str(ids[1]))
    assert statuses(project, ids[1]) == {"portal": "pending", "facebook": "pending"}


@pytest.mark.parametrize("error, expected", [(TransientError("timeout"), "retry_wait"),
                                             (PermanentError("rejected"), "failed")])
def test_adapter_errors_are_recorded_per_channel(queued, monkeypatch, error, expected):
    project, ids = queued

    def refuse(self, outgoing):
        raise error

    monkeypatch.setattr(StaticSitePublisher, "publish", refuse)
    result = project.run("publish", str(ids[0]))
    assert result.exit_code == 1 and "portal" in result.stderr and str(error) in result.stderr
    assert statuses(project, ids[0]) == {"portal": expected, "facebook": "published"}
    shown = project.json("post", "show", str(ids[0]))
    portal = next(d for d in shown["deliveries"] if d["channel"] == "portal")
    assert portal["last_error"] == str(error)
    # a retry is still to come; a permanent failure finishes the post (every channel has an outcome)
    assert shown["status"] == ("approved" if expected == "retry_wait" else "done")
    kinds = [h["kind"] for h in shown["history"]]
    assert ("attempt" if expected == "retry_wait" else "failed") in kinds


def test_a_claimed_delivery_cannot_be_claimed_twice(queued):
    project, ids = queued
    database = open_database(f"sqlite:///{project.db_path}")
    first = claim_post_deliveries(database, ids[0], "host:1", lease=dt.timedelta(minutes=10))
    second = claim_post_deliveries(database, ids[0], "host:2", lease=dt.timedelta(minutes=10))
    database.dispose()
    assert len(first) == 2 and second == []
    assert project.sql("SELECT DISTINCT status, lease_owner FROM deliveries WHERE post_id=?", ids[0]) == [
        ("sending", "host:1")]


def test_channels_list_shows_whether_secrets_are_set_never_their_value(project, monkeypatch):
    project.config.write_text(project.config.read_text() + '\n[channels.page]\nadapter = "facebook"\n'
                              'page_id = "123"\ntoken_env = "LOA_TEST_TOKEN"\n', encoding="utf-8")
    rows = {c["name"]: c for c in project.json("channels", "list")["channels"]}
    assert rows["page"]["secrets"] == {"LOA_TEST_TOKEN": False} and rows["portal"]["adapter"] == "static-site"
    monkeypatch.setenv("LOA_TEST_TOKEN", "EAAB-secret-value")
    out = project.ok("channels", "list").stdout + project.ok("channels", "list", "--json").stdout
    assert "EAAB-secret-value" not in out and "LOA_TEST_TOKEN" in out


MORE_CHANNELS = """
[channels.page]
adapter = "facebook"
page_id = "123"
token_env = "LOA_TEST_TOKEN"

[channels.mail]
adapter = "email"
smtp_host = "mail.so.gov.vn"
from = "Sở KH&CN <tin@so.gov.vn>"
to = ["canbo@so.gov.vn"]

[channels.bot]
adapter = "telegram"
token_env = "LOA_TG_TOKEN"
chat_id = "@sokhcn_tin"

[channels.oa]
adapter = "zalo"
app_id = "42"
secret_key_env = "LOA_ZALO_KEY"
token_file = "zalo.json"

[channels.web]
adapter = "wordpress"
url = "https://portal.so.gov.vn/tin"
username = "tt"
password_env = "LOA_PORTAL_PASSWORD"
"""


def test_channels_list_shows_targets_resolved(project, tmp_path_factory, monkeypatch):
    """Issue 19 point 9: "var/site" reads differently from every folder; the list says where loa really writes and
    what it calls — the same from any working folder."""
    project.config.write_text(project.config.read_text() + MORE_CHANNELS, encoding="utf-8")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    targets = {c["name"]: c["target"] for c in project.json("channels", "list")["channels"]}
    assert targets == {"portal": str(project.root / "var" / "site"),
                       "facebook": str(project.root / "var" / "dry-run" / "facebook"),
                       "page": "https://graph.facebook.com/v25.0/123", "mail": "smtp://mail.so.gov.vn:587",
                       "bot": "https://api.telegram.org (chat @sokhcn_tin)",
                       "oa": "https://openapi.zalo.me (app 42)", "web": "https://portal.so.gov.vn/tin"}
    table = project.ok("channels", "list", env={"COLUMNS": "200"}).stdout
    assert str(project.root / "var" / "site") in table and " var/site " not in table


def test_channels_check(project):
    result = project.ok("channels", "check")
    assert "portal: OK" in result.stdout + result.stderr
    (project.root / "var" / "blocked").write_text("a file where a folder should be")
    project.config.write_text(project.config.read_text().replace('path = "var/site"', 'path = "var/blocked/site"'))
    message = project.run("channels", "check", "portal")
    assert message.exit_code == 2 and "portal" in message.stderr
