"""Photos as each channel gets them: static site, dry run, the Graph API double, the real WordPress, and the
queue on PostgreSQL."""
from __future__ import annotations

import hashlib
import json
import random
import urllib.request
from pathlib import Path

import pytest
import requests
from conftest import campaign_toml, facebook_channel, wordpress_channel
from PIL import Image

from support.facebook import GraphDouble
from support.photos import START, assert_clean, import_with, phone_photo, photo_renders, png_photo

TOKEN = "EAAB-test-photo-token"


def test_the_static_site_shows_the_photos_and_the_dry_run_records_them(project):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id))
    site = project.root / "var" / "site"
    (page,) = (site / "posts").glob("*.html")
    html = page.read_text(encoding="utf-8")
    renders = photo_renders(project, post_id)
    for name in ("photo-01-portal.jpg", "photo-02-portal.png"):
        media, sha = renders[name]
        shown = f"media/{sha}{Path(media).suffix}"
        assert f'<img src="../{shown}" alt="Bài số 1"' in html
        assert hashlib.sha256((site / shown).read_bytes()).hexdigest() == sha
    assert f'src="media/{renders["photo-01-portal.jpg"][1]}.jpg"' in (site / "index.html").read_text()
    (record,) = (project.root / "var" / "dry-run" / "facebook").glob("*.json")
    photos = json.loads(record.read_text(encoding="utf-8"))["photos"]
    assert [(p["name"], p["sha256"]) for p in photos] == [
        ("photo-01-facebook.jpg", renders["photo-01-facebook.jpg"][1]),
        ("photo-02-facebook.png", renders["photo-02-facebook.png"][1])]


@pytest.fixture
def graph(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as double:
        project.set_channel("facebook", facebook_channel(double))
        yield double


def test_facebook_gets_the_banner_and_the_photos_as_one_post_each_photo_stripped(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    path = import_with(project, "c.toml", ["a.jpg", "b.png"], extra='banner = { headline = "Khai mạc" }')
    project.ok("campaign", "import", str(path), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "facebook")
    posts = [r for r in graph.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 1)[1] for r in posts] == ["photos", "photos", "photos", "feed"]
    (post,) = graph.posts
    banner = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND name='banner-facebook.png'", post_id)[0][0]
    renders = photo_renders(project, post_id)
    assert post.photo_sha256 == [banner, renders["photo-01-facebook.jpg"][1], renders["photo-02-facebook.png"][1]]
    assert post.published and "Nội dung bài số 1." in post.message
    for photo_id in post.photo_ids[1:]:
        assert_clean(graph.photos[photo_id].data)


def test_a_facebook_upload_failing_is_retried_into_one_post(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    graph.fail_next("POST", "/photos", code=1)  # a 500 on an upload (the double stores the photo first)
    first = project.run("publish", str(post_id), "--channel", "facebook")
    assert first.exit_code == 1 and graph.posts == []  # an unpublished photo is no post
    project.ok("retry", str(post_id), "--channel", "facebook")
    project.ok("publish", str(post_id), "--channel", "facebook")
    assert len(graph.published_posts()) == 1 and len(graph.posts[0].photo_ids) == 2


def test_a_feed_post_made_before_a_500_is_found_not_posted_again(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    graph.fail_next("POST", "/feed", code=1)  # the double makes the post, then answers 500
    project.ok("publish", str(post_id), "--channel", "facebook")
    (post,) = graph.posts
    remote = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='facebook'", post_id)[0][0]
    assert remote == post.id and len(post.photo_ids) == 2


def test_a_single_photo_without_banner_goes_as_a_photo_post(project, graph):
    phone_photo(project.root / "a.jpg")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "facebook")
    (upload,) = [r for r in graph.requests if r.method == "POST"]
    assert upload.path.endswith("/photos") and upload.form["published"] == "true"
    (post,) = graph.posts
    assert post.photo_sha256 == [photo_renders(project, post_id)["photo-01-facebook.jpg"][1]]
    assert_clean(graph.photos[post.photo_ids[0]].data)


# -- the real WordPress ---------------------------------------------------------------------------------------------
def _rest(wordpress, route, **params):
    answer = requests.get(wordpress.rest(route, **params), headers={"Authorization": wordpress.authorization()},
                          timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_wordpress_uploads_each_photo_once_features_the_first_and_shows_every_photo(project, wordpress,
                                                                                    monkeypatch):
    project.set_channel("portal", wordpress_channel(wordpress))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    unique = random.Random().randrange(1 << 24)  # the site lives for the whole session: photos of this test only
    Image.new("RGB", (300, 200), (unique >> 16, (unique >> 8) & 255, unique & 255)).save(project.root / "a.jpg")
    png_photo(project.root / "b.png", size=(200 + unique % 97, 150))
    slug = f"anh-{unique}"
    path = project.write("c.toml", campaign_toml(slug, start=START, posts=2, post_lines='images = ["a.jpg", "b.png"]'))
    project.ok("campaign", "import", str(path), "--approve")
    ids = [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]
    for post_id in ids:
        project.ok("publish", str(post_id), "--channel", "portal")
    # as if loa died after WordPress made the first post: the retry finds it, and uploads nothing again
    (did, remote), = project.sql("SELECT id, remote_id FROM deliveries WHERE post_id=? AND channel='portal'", ids[0])
    project.sql("UPDATE deliveries SET status='pending', remote_id=NULL, permalink=NULL WHERE id=?", did)
    project.sql("UPDATE posts SET status='approved' WHERE id=?", ids[0])
    project.ok("publish", str(ids[0]), "--channel", "portal")
    assert project.sql("SELECT remote_id FROM deliveries WHERE id=?", did)[0][0] == remote
    renders = photo_renders(project, ids[0])
    media = {}
    for name in ("photo-01-portal.jpg", "photo-02-portal.png"):
        found = _rest(wordpress, "/wp/v2/media", slug=f"loa-{renders[name][1][:20]}", context="edit")
        assert len(found) == 1, name  # two posts and a retry: uploaded once
        media[name] = found[0]
        with urllib.request.urlopen(found[0]["source_url"], timeout=30) as answer:
            assert hashlib.sha256(answer.read()).hexdigest() == renders[name][1]
    for number, post_id in enumerate(ids, start=1):
        remote = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='portal'", post_id)[0][0]
        post = _rest(wordpress, f"/wp/v2/posts/{remote}", context="edit")
        assert post["featured_media"] == media["photo-01-portal.jpg"]["id"]  # no banner: the first photo
        content = post["content"]["raw"]
        assert content.count("<figure") == 2 and f"Nội dung bài số {number}." in content
        for item in media.values():
            assert f'<img src="{item["source_url"]}" alt="Bài số {number}"' in content


def test_photos_on_postgresql(bare, postgres):
    from loa.scheduler.config import config_template

    url = postgres.create_database(f"loa_photos_{random.Random().randrange(1 << 30)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    phone_photo(bare.root / "a.jpg")
    png_photo(bare.root / "b.png")
    bare.ok("campaign", "import", str(import_with(bare, "c.toml", ["a.jpg"])), "--approve")
    post_id = bare.json("queue")["posts"][0]["id"]
    assert [(i["name"], i["width"]) for i in bare.json("post", "show", str(post_id))["images"]] == [("a.jpg", 300)]
    bare.ok("post", "edit", str(post_id), "--image", "b.png", "--image", "a.jpg")
    shown = bare.json("post", "show", str(post_id))
    assert [i["name"] for i in shown["images"]] == ["b.png", "a.jpg"] and shown["status"] == "draft"
    out = bare.root / "preview"
    bare.ok("preview", str(post_id), "--out", str(out))
    assert sorted(p.name for p in out.glob("photo-*")) == ["photo-01-facebook.png", "photo-01-portal.png",
                                                          "photo-02-facebook.jpg", "photo-02-portal.jpg"]
