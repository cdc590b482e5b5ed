"""The `facebook` publisher against the local Graph API double (tests/support/facebook.py, after CONTRACTS)."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from conftest import facebook_channel, two_facebook_posts

from support.facebook import GraphDouble

TOKEN = "EAAB-test-token"


@pytest.fixture
def page(project, monkeypatch):
    with GraphDouble(token=TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph))
        monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
        ids = two_facebook_posts(project)
        yield project, graph, ids


def facebook(project, post_id):
    return next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "facebook")


def test_photo_post_with_the_banner_bytes_and_the_text_as_caption(page):
    project, graph, ids = page
    project.ok("publish", str(ids[0]), "--channel", "facebook")
    photo = next(r for r in graph.requests if r.method == "POST")
    assert photo.path.endswith(f"/{graph.page_id}/photos") and photo.version == "v25.0"
    source = next(p for p in photo.parts if p.name == "source")
    stored = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND name='banner-facebook.png'", ids[0])[0][0]
    assert source.sha256 == stored
    caption = next(p for p in photo.parts if p.name == "caption")
    (text,), = project.sql("SELECT content FROM renders WHERE post_id=? AND name='facebook.txt'", ids[0])
    assert "Nội dung bài số 1." in text  # the stored render, byte for byte, is the caption
    assert caption.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert [post.message for post in graph.published_posts()] == [text]
    delivery = facebook(project, ids[0])
    assert delivery["status"] == "published" and delivery["permalink"] and "_" in delivery["remote_id"]
    assert all(r.token_in == ["bearer"] for r in graph.requests)  # never in a URL, never twice


def test_text_post_without_banner_goes_to_the_feed(page):
    project, graph, ids = page
    project.ok("publish", str(ids[1]), "--channel", "facebook")
    post = next(r for r in graph.requests if r.method == "POST")
    assert post.path.endswith("/feed") and "Nội dung bài số 2." in post.form["message"]
    assert facebook(project, ids[1])["status"] == "published"


@pytest.mark.parametrize("code, subcode, status", [
    (190, 463, "retry_wait"), (200, None, "retry_wait"), (4, None, "retry_wait"), (17, None, "retry_wait"),
    (32, None, "retry_wait"), (80001, None, "retry_wait"), (368, None, "retry_wait"), (100, 1366046, "failed"),
])
def test_errors_are_classified_as_the_contract_says(page, code, subcode, status):
    project, graph, ids = page
    graph.fail_next("POST", "/photos", code=code, subcode=subcode)
    result = project.run("publish", str(ids[0]), "--channel", "facebook")
    credentials = code in (190, 200, 368)  # a person must act: exit 2, like a bad setting
    assert result.exit_code == (2 if credentials else 1) and f"code {code}" in result.stderr
    assert facebook(project, ids[0])["status"] == status
    assert graph.posts == []


def test_rate_limit_pauses_the_page_as_long_as_the_usage_header_says(page):
    project, graph, ids = page
    graph.fail_next("POST", "/photos", code=80001, regain_minutes=30)
    project.run("publish", str(ids[0]), "--channel", "facebook")
    # the whole Page is throttled: the channel pauses and the delivery keeps its attempt
    (until, kind), = project.sql("SELECT resume_at, pause_kind FROM channel_states WHERE channel='facebook'")
    wait = dt.datetime.fromisoformat(until).replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)
    assert kind == "rate" and dt.timedelta(minutes=28) < wait <= dt.timedelta(minutes=30)
    assert facebook(project, ids[0])["status"] == "retry_wait" and facebook(project, ids[0])["attempts"] == 0


@pytest.mark.parametrize("code", [1, 2, 506])
def test_a_post_created_before_an_error_is_found_not_posted_again(page, code):
    project, graph, ids = page
    graph.fail_next("POST", "/photos", code=code)  # codes 1/2 answer 500 after creating; 506: it exists already
    if code == 506:
        graph.fail_next("POST", "/photos", code=code)
    project.ok("publish", str(ids[0]), "--channel", "facebook")
    assert len(graph.posts) == 1
    assert facebook(project, ids[0])["remote_id"] == graph.posts[0].id


def test_slows_down_before_the_usage_limit(page):
    """One publisher (as the daemon keeps one per channel): after an answer at 95% usage it sends nothing more."""
    project, graph, ids = page
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for
    from loa.scheduler.outgoing import load_outgoing
    from loa.scheduler.publishers import TransientError

    config = load_config(project.config)
    publisher = publisher_for(config, "facebook")
    database = open_database(config.database_url)
    with database.session() as session:
        ids_ = [d for (d,) in project.sql("SELECT id FROM deliveries WHERE channel='facebook' ORDER BY id")]
        first, second = (load_outgoing(session, d, config.path_of(config.document.render.media), "facebook")
                         for d in ids_[:2])
    database.dispose()
    graph.app_usage["call_count"] = 95
    publisher.publish(first)
    sent = len(graph.requests)
    with pytest.raises(TransientError, match="slowing down") as raised:
        publisher.publish(second)
    assert len(graph.requests) == sent and raised.value.not_before > dt.datetime.now(dt.timezone.utc)


def test_check_names_the_page_and_explains_an_expired_token(page, monkeypatch):
    project, graph, ids = page
    assert f"OK: {graph.page_name}" in project.ok("channels", "check", "facebook").stdout
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", "EAAB-wrong")
    check = project.run("channels", "check", "facebook")
    assert check.exit_code == 2 and "new Page token" in check.stderr and "EAAB-wrong" not in check.output
    monkeypatch.delenv("LOA_FACEBOOK_TOKEN")
    assert "LOA_FACEBOOK_TOKEN" in project.run("channels", "check", "facebook").stderr


def test_check_reports_a_page_the_token_does_not_manage(page):
    project, graph, ids = page
    project.config.write_text(project.config.read_text().replace(f'page_id = "{graph.page_id}"',
                                                                 'page_id = "999999999"'), encoding="utf-8")
    check = project.run("channels", "check", "facebook")
    assert check.exit_code == 2 and "999999999" in check.stderr


def test_several_banners_go_as_one_post_with_attached_photos(page):
    project, graph, ids = page
    project.ok("post", "edit", str(ids[1]), "--banner-headline", "Hội sách", "--keep-approval")
    project.sql("UPDATE posts SET banner=json_set(banner, '$.sizes', json('[\"facebook\", \"square\"]')) WHERE id=?",
                ids[1])
    project.ok("render", str(ids[1]))
    project.ok("publish", str(ids[1]), "--channel", "facebook")
    posts = [r for r in graph.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 1)[1] for r in posts] == ["photos", "photos", "feed"]
    feed = posts[2].form
    assert "attached_media[0]" in feed and "attached_media[1]" in feed and "Nội dung bài số 2." in feed["message"]
    stored = {sha for (sha,) in project.sql("SELECT sha256 FROM renders WHERE post_id=? AND kind='banner'", ids[1])}
    assert len(graph.posts) == 1 and set(graph.posts[0].photo_sha256) == stored and len(stored) == 2


def test_publishing_to_a_page_the_token_does_not_manage_is_a_setting_to_fix(page):
    project, graph, ids = page
    project.config.write_text(project.config.read_text().replace(f'page_id = "{graph.page_id}"',
                                                                 'page_id = "999999999"'), encoding="utf-8")
    result = project.run("publish", str(ids[1]), "--channel", "facebook")
    assert result.exit_code == 2 and "999999999" in result.stderr
    assert facebook(project, ids[1])["status"] == "retry_wait" and graph.posts == []
