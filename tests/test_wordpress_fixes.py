"""Corrections and take-downs on a real WordPress (Debian's package, tests/support/wordpress.py): the same post is
changed in place, a take-down moves it to the trash, and a second take-down (410 rest_already_trashed) is done."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
import requests
from conftest import campaign_toml, wordpress_channel

_campaigns = itertools.count()


@pytest.fixture
def published(project, wordpress, monkeypatch):
    """One post with a banner, published on the real WordPress portal (and the dry-run facebook)."""
    project.set_channel("portal", wordpress_channel(wordpress))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    slug = f"wp-fix-{next(_campaigns)}"
    project.ok("campaign", "import", str(project.write(f"{slug}.toml", campaign_toml(
        slug, start=dt.date(2031, 10, 1), posts=1, post_lines='banner = { headline = "Đọc sách mỗi ngày" }'))),
        "--approve")
    post_id = project.json("queue", "--campaign", slug)["posts"][0]["id"]
    project.ok("publish", str(post_id))
    remote = project.json("post", "show", str(post_id))["deliveries"][0]["remote_id"]
    return project, wordpress, post_id, remote


def call(wordpress, method, route, **params):
    return requests.request(method, wordpress.rest(route, **params),
                            headers={"Authorization": wordpress.authorization()}, timeout=30)


def read(wordpress, remote):
    answer = call(wordpress, "GET", f"/wp/v2/posts/{remote}", context="edit")
    answer.raise_for_status()
    return answer.json()


def test_a_correction_changes_the_same_post_in_place(published):
    project, wordpress, post_id, remote = published
    before = read(wordpress, remote)
    project.ok("post", "correct", str(post_id), "--title", "Bài số 1 (đính chính)", "--body", "Có 1.200 người dự.",
               "--banner-headline", "Đọc sách mỗi ngày (đính chính)")
    assert read(wordpress, remote)["title"]["raw"] == "Bài số 1"  # nothing before approval
    project.ok("post", "approve", str(post_id))
    assert "portal: corrected" in project.ok("publish", str(post_id)).stdout
    after = read(wordpress, remote)
    assert after["title"]["raw"] == "Bài số 1 (đính chính)" and "Có 1.200 người dự." in after["content"]["raw"]
    assert "Nội dung bài số 1." not in after["content"]["raw"]
    assert after["slug"] == before["slug"] and after["link"] == before["link"] and after["status"] == "publish"
    # one post with that slug: a correction never creates a second one
    found = call(wordpress, "GET", "/wp/v2/posts", slug=before["slug"], status="any", context="edit").json()
    assert [p["id"] for p in found] == [int(remote)]
    # the corrected banner is the featured image now (uploaded once, named by its sha256)
    stored = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND name='banner-portal.png'", post_id)[0][0]
    media = call(wordpress, "GET", f"/wp/v2/media/{after['featured_media']}", context="edit").json()
    assert after["featured_media"] != before["featured_media"] and f"loa-{stored[:20]}" in media["source_url"]


def test_a_take_down_trashes_the_post_and_a_second_one_is_done(published):
    project, wordpress, post_id, remote = published
    project.ok("post", "unpublish", str(post_id), "--channel", "portal")
    assert "portal: taken down" in project.ok("publish", str(post_id)).stdout
    assert read(wordpress, remote)["status"] == "trash"  # an administrator can still restore it
    again = call(wordpress, "DELETE", f"/wp/v2/posts/{remote}")
    assert again.status_code == 410 and again.json()["code"] == "rest_already_trashed"
    # as if the answer to loa's DELETE had been lost: sent again, WordPress answers 410, which is done
    project.sql("UPDATE deliveries SET status='pending' WHERE post_id=? AND action='delete'", post_id)
    assert "portal: taken down" in project.ok("publish", str(post_id)).stdout
    (status, error), = project.sql("SELECT status, last_error FROM deliveries WHERE post_id=? AND action='delete'",
                                   post_id)
    assert (status, error) == ("published", None)
    assert read(wordpress, remote)["status"] == "trash"
