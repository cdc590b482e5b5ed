"""The `wordpress` publisher against a real WordPress (Debian's package, tests/support/wordpress.py)."""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import urllib.request

import pytest
import requests
from conftest import campaign_toml, require_server, wordpress_channel

_campaigns = itertools.count()


@pytest.fixture
def portal(project, wordpress, monkeypatch):
    """The project's portal channel pointed at the real WordPress; one approved post with a banner queued."""
    project.set_channel("portal", wordpress_channel(wordpress, 'category = "Tin hoạt động"\ncreate_terms = true'))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    slug = f"wp-{next(_campaigns)}"
    project.ok("campaign", "import", str(project.write(f"{slug}.toml", campaign_toml(
        slug, start=dt.date(2031, 10, 1), posts=1, post_lines='banner = { headline = "Đọc sách mỗi ngày" }'))),
        "--approve")
    post_id = project.json("queue", "--campaign", slug)["posts"][0]["id"]
    return project, wordpress, post_id


def rest(wordpress, route, **params):
    answer = requests.get(wordpress.rest(route, **params), headers={"Authorization": wordpress.authorization()},
                          timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_publishes_post_with_featured_banner_and_category(portal):
    project, wordpress, post_id = portal
    result = project.ok("publish", str(post_id), "--channel", "portal")
    delivery = next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "portal")
    assert delivery["status"] == "published" and delivery["permalink"] in result.stdout
    post = rest(wordpress, f"/wp/v2/posts/{delivery['remote_id']}", context="edit")
    assert len(rest(wordpress, "/wp/v2/posts", slug=post["slug"], status="any", context="edit")) == 1
    assert post["status"] == "publish" and post["title"]["raw"] == "Bài số 1"
    assert "Nội dung bài số 1." in post["content"]["raw"]
    category = rest(wordpress, f"/wp/v2/categories/{post['categories'][0]}")
    assert category["name"] == "Tin hoạt động"
    media = rest(wordpress, f"/wp/v2/media/{post['featured_media']}", context="edit")
    assert media["alt_text"] == "Bài số 1"
    with urllib.request.urlopen(media["source_url"], timeout=30) as answer:
        uploaded = answer.read()
    stored = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND name='banner-portal.png'", post_id)[0][0]
    assert hashlib.sha256(uploaded).hexdigest() == stored


def delivery_id(project, post_id):
    return project.sql("SELECT id FROM deliveries WHERE post_id=? AND channel='portal'", post_id)[0][0]


def test_a_retry_after_a_lost_answer_finds_the_post_instead_of_posting_twice(portal):
    project, wordpress, post_id = portal
    project.ok("publish", str(post_id), "--channel", "portal")
    did = delivery_id(project, post_id)
    remote = project.sql("SELECT remote_id FROM deliveries WHERE id=?", did)[0][0]
    slug = rest(wordpress, f"/wp/v2/posts/{remote}", context="edit")["slug"]
    # as if loa died after WordPress created the post but before the outcome was recorded
    project.sql("UPDATE deliveries SET status='pending', remote_id=NULL, permalink=NULL WHERE id=?", did)
    project.sql("UPDATE posts SET status='approved' WHERE id=?", post_id)
    project.ok("publish", str(post_id), "--channel", "portal")
    assert project.sql("SELECT remote_id FROM deliveries WHERE id=?", did)[0][0] == remote
    assert len(rest(wordpress, "/wp/v2/posts", slug=slug, status="any", context="edit")) == 1
    assert len(rest(wordpress, "/wp/v2/posts", slug=f"{slug}-2", status="any", context="edit")) == 0
    media = rest(wordpress, "/wp/v2/media", search="loa-", per_page=100)
    slugs = [m["slug"] for m in media]
    assert len(slugs) == len(set(slugs))  # the banner was not uploaded a second time


def test_wrong_password_pauses_the_delivery_and_check_says_so(portal, monkeypatch):
    project, wordpress, post_id = portal
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", "abcd efgh ijkl mnop qrst uvwx")
    result = project.run("publish", str(post_id), "--channel", "portal")
    assert result.exit_code == 2 and "refused" in result.stderr
    assert "abcd" not in result.output
    delivery = next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "portal")
    assert delivery["status"] == "retry_wait"
    check = project.run("channels", "check", "portal")
    assert check.exit_code == 2 and "application password" in check.stderr


def test_check_names_a_missing_secret_and_a_site_that_is_not_wordpress(portal, monkeypatch):
    project, wordpress, post_id = portal
    assert "OK:" in project.ok("channels", "check", "portal").stdout
    monkeypatch.delenv("LOA_PORTAL_PASSWORD")
    unset = project.run("channels", "check", "portal").stderr
    # a variable to set, not a password to renew at the site (issue 19 point 9)
    assert ("portal: LOA_PORTAL_PASSWORD is not set in the environment (or the secrets file): the WordPress "
            "application password\n") in unset and "create a new" not in unset
    before = project.sql("SELECT status, attempts FROM deliveries WHERE post_id=?", post_id)
    assert "LOA_PORTAL_PASSWORD" in project.fails("publish", str(post_id))  # exit 2, nothing claimed
    assert project.sql("SELECT status, attempts FROM deliveries WHERE post_id=?", post_id) == before
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    from support.facebook import GraphDouble

    with GraphDouble() as other:
        project.config.write_text(project.config.read_text().replace(wordpress.url, other.url), encoding="utf-8")
        check = project.run("channels", "check", "portal")
        published = project.run("publish", str(post_id), "--channel", "portal")
    assert check.exit_code == 2 and "WordPress" in check.stderr
    assert published.exit_code == 2 and "WordPress" in published.stderr
    assert next(d for d in project.json("post", "show", str(post_id))["deliveries"]
                if d["channel"] == "portal")["status"] == "retry_wait"  # waits for the setting, not failed


def test_a_password_over_plain_http_is_warned_about_once_per_command(project, monkeypatch, tmp_path):
    """Basic auth over http:// to another machine sends the application password readable on the way: each command
    that may send it says so once, and still works (issue 19 point 9). No packet leaves: the site's name goes to a
    proxy on 127.0.0.1 that is not there."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", "abcd efgh ijkl mnop qrst uvwx")
    project.set_channel("portal", 'adapter = "wordpress"\nurl = "http://portal.so.gov.vn/tin"\nusername = "tt"\n'
                                  'password_env = "LOA_PORTAL_PASSWORD"')
    warning = ("warning: channel portal: http://portal.so.gov.vn/tin is plain http, so the password travels "
               "unencrypted; use https://")
    listed = project.ok("channels", "list")
    assert listed.stderr.count(warning) == 1 and "portal.so.gov.vn" in listed.stdout
    checked = project.run("channels", "check")
    assert checked.stderr.count(warning) == 1 and "portal: " in checked.stderr  # the check itself still ran
    assert "plain http" not in project.ok("channels", "check", "facebook").stderr  # not a channel it checks
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=1))), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    published = project.run("publish", str(post_id), "--channel", "portal")
    assert published.stderr.count(warning) == 1 and "abcd" not in published.output
    assert project.sql("SELECT status FROM deliveries WHERE channel = 'portal'") == [("retry_wait",)]  # it tried
    import json

    daemon = project.ok("run", "--once", "--log-format", "json")  # the daemon's log says it once, as a JSON line
    said = [json.loads(line) for line in daemon.stderr.splitlines() if "plain http" in line]
    assert [(line["level"], line["message"]) for line in said] == [("warning", warning.removeprefix("warning: "))]
    for url in ("http://127.0.0.1:8080", "http://localhost/wp", "https://portal.so.gov.vn"):
        project.set_channel("portal", f'adapter = "wordpress"\nurl = "{url}"\nusername = "tt"\n'
                                      'password_env = "LOA_PORTAL_PASSWORD"')
        assert "plain http" not in project.ok("channels", "list").stderr, url


@pytest.fixture(scope="module")
def pretty_wordpress():
    from support.wordpress import WordPressServer, available

    require_server(available())
    server = WordPressServer(pretty_permalinks=True).start()
    yield server
    server.stop()


def test_a_site_with_pretty_permalinks_is_reached_at_wp_json(project, pretty_wordpress, monkeypatch):
    server = pretty_wordpress
    project.set_channel("portal", wordpress_channel(server))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", server.app_password)
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))),
               "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "portal")
    portal = next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "portal")
    assert portal["permalink"].startswith(f"{server.url}/loa-") and portal["permalink"].endswith(
        f"-{delivery_id(project, post_id)}/")
    requests_seen = (server.root / "php.log").read_text(errors="replace")
    assert "/wp-json/wp/v2/posts" in requests_seen and "rest_route=/wp/v2/posts" not in requests_seen
