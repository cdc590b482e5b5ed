"""Engagement figures: read at +1 h, +24 h, +7 d (scheduler.metrics) and on demand (`loa metrics refresh`).

Facebook against the Graph API double (tests/support/facebook.py, after CONTRACTS), WordPress for real, the local
channels as they ship. A figure that cannot be read must show up as unavailable with its reason, never as 0.
"""
from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import campaign_toml, facebook_channel, two_facebook_posts, wordpress_channel

from loa.posts.db import open_database
from loa.scheduler.config import load_config
from loa.scheduler.metrics import collect_due_metrics
from support.facebook import GraphDouble

TOKEN = "EAAB-test-token"
FIELDS = ("permalink_url,created_time,message,shares,reactions.summary(true).limit(0),"
          "comments.summary(true).limit(0)")
INSIGHTS = "post_total_media_view_unique,post_media_view,post_clicks,post_reactions_by_type_total"
FIGURES = ("reactions", "comments", "shares", "views", "reach", "clicks")


@pytest.fixture
def page(project, monkeypatch):
    """Two posts published on the Facebook double: a photo post (banner) and a text post."""
    with GraphDouble(token=TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph))
        monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
        ids = two_facebook_posts(project)
        for post_id in ids:
            project.ok("publish", str(post_id), "--channel", "facebook")
        photo, text = graph.posts
        photo.reactions, photo.comments, photo.shares = 12, 3, 4
        photo.insights = {"post_total_media_view_unique": 140, "post_media_view": 230, "post_clicks": 17,
                          "post_reactions_by_type_total": {"like": 10, "love": 2}}
        graph.requests.clear()
        yield project, graph, ids


def collect(project, now: dt.datetime) -> int:
    """One run of the daemon's periodic job, at ``now``."""
    config = load_config(project.config)
    database = open_database(config.database_url)
    try:
        return collect_due_metrics(database, config, now=now)
    finally:
        database.dispose()


def published_at(project, post_id: int, channel: str = "facebook") -> dt.datetime:
    text = project.sql("SELECT published_at FROM deliveries WHERE post_id=? AND channel=?", post_id, channel)[0][0]
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def snapshots(project, post_id: int | None = None) -> list[dict]:
    """The metrics entries of the outreach log, oldest first (their detail, with the entry's delivery and time)."""
    rows = project.sql("SELECT e.delivery_id, e.at, e.detail, d.post_id, e.channel FROM outreach_entries e "
                       "JOIN deliveries d ON d.id = e.delivery_id WHERE e.kind='metrics' ORDER BY e.id")
    return [{**json.loads(detail), "delivery": delivery, "post": post, "at": at, "channel": channel} for
            delivery, at, detail, post, channel in rows if post_id is None or post == post_id]


def reading(project, post_id: int, channel: str = "facebook") -> dict:
    rows = project.json("metrics", "refresh")["readings"]
    return next(r for r in rows if r["post"] == post_id and r["channel"] == channel)


def test_facebook_figures_come_from_the_post_and_its_insights(page):
    project, graph, ids = page
    row = reading(project, ids[0])
    assert row["metrics"] == {"reactions": 12, "comments": 3, "shares": 4, "views": 230, "reach": 140, "clicks": 17}
    assert row["unavailable"] == {} and row["stage"] == "manual"
    photo = graph.posts[0]
    reads = [r for r in graph.requests if r.path.endswith(f"/{photo.id}")]
    insights = [r for r in graph.requests if r.path.endswith(f"/{photo.id}/insights")]
    # the Page post, not the photo: the photo post's figures are on the post loa got back as post_id
    assert len(reads) == 1 and reads[0].method == "GET" and reads[0].path == f"/v25.0/{photo.id}"
    assert reads[0].query == {"fields": FIELDS}
    assert len(insights) == 1 and insights[0].query == {"metric": INSIGHTS, "period": "lifetime"}
    assert all(r.token_in == ["bearer"] and TOKEN not in r.path and "access_token" not in r.query
               for r in graph.requests)
    entry = snapshots(project, ids[0])[-1]
    assert entry["stage"] == "manual" and entry["metrics"] == row["metrics"]
    assert entry["source"] == {"reactions.summary.total_count": 12, "comments.summary.total_count": 3,
                               "shares.count": 4, "post_total_media_view_unique": 140, "post_media_view": 230,
                               "post_clicks": 17, "post_reactions_by_type_total": {"like": 10, "love": 2}}


def test_shares_omitted_by_the_graph_api_are_a_real_zero(page):
    project, graph, ids = page
    row = reading(project, ids[1])  # the text post: nobody shared it, so the read-back has no "shares"
    assert row["metrics"]["shares"] == 0 and row["metrics"]["reactions"] == 0
    answer = next(r.response for r in graph.requests if r.path.endswith(graph.posts[1].id))
    assert "shares" not in answer


def test_a_retired_insights_metric_is_unavailable_and_the_others_are_still_read(page):
    project, graph, ids = page
    graph.valid_metrics.discard("post_clicks")  # Meta retires a name: the whole call fails with 400 code 100
    row = reading(project, ids[0])
    assert row["metrics"] == {"reactions": 12, "comments": 3, "shares": 4, "views": 230, "reach": 140}
    assert "clicks" not in row["metrics"] and "valid insights metric" in row["unavailable"]["clicks"]
    calls = [(r.status, r.query["metric"]) for r in graph.requests if r.path.endswith(f"{graph.posts[0].id}/insights")]
    assert calls[0] == (400, INSIGHTS)  # one call for all, then one per metric
    assert sorted(calls[1:]) == sorted([(200, "post_total_media_view_unique"), (200, "post_media_view"),
                                        (400, "post_clicks"), (200, "post_reactions_by_type_total")])


def test_without_pages_read_engagement_every_figure_is_unavailable_with_the_reason(page):
    project, graph, ids = page
    graph.permissions.discard("pages_read_engagement")
    row = reading(project, ids[0])
    assert row["metrics"] == {} and set(row["unavailable"]) == set(FIGURES)
    assert all("code 10" in reason and "pages_read_engagement" in reason for reason in row["unavailable"].values())
    assert not row["transient"]


@pytest.mark.parametrize("code, words", [(10, "permission"), (190, "token"), (2, "HTTP 500")])
def test_an_insights_failure_leaves_the_post_figures(page, code, words):
    project, graph, ids = page
    graph.fail_next("GET", "/insights", code=code)
    row = reading(project, ids[0])
    assert row["metrics"] == {"reactions": 12, "comments": 3, "shares": 4}
    assert {name: words in reason for name, reason in row["unavailable"].items()} == \
        {"views": True, "reach": True, "clicks": True}
    assert row["transient"] is (code == 2)


def test_an_expired_token_is_recorded_and_ends_the_stage(page):
    project, graph, ids = page
    graph.fail_next("GET", graph.posts[0].id, code=190, subcode=463)
    start = published_at(project, ids[0])
    assert collect(project, start + dt.timedelta(hours=1, minutes=1)) == 2
    failed = snapshots(project, ids[0])[-1]
    assert failed["stage"] == "1h" and failed["metrics"] == {} and set(failed["unavailable"]) == set(FIGURES)
    assert "new Page token" in failed["unavailable"]["views"] and not failed.get("transient")
    assert TOKEN not in json.dumps(failed)
    assert collect(project, start + dt.timedelta(hours=2)) == 0  # a refusal is not retried: the stage is over


def test_a_server_error_is_recorded_then_read_again_at_a_later_run(page):
    project, graph, ids = page
    graph.fail_next("GET", graph.posts[0].id, code=2)  # HTTP 500
    start = published_at(project, ids[0])
    now = start + dt.timedelta(hours=1, minutes=1)
    assert collect(project, now) == 1  # the photo post's failure; the text post waits for the next run
    failed = snapshots(project, ids[0])[-1]
    assert failed["transient"] and failed["metrics"] == {} and "HTTP 500" in failed["unavailable"]["reactions"]
    assert collect(project, now + dt.timedelta(minutes=5)) == 1  # the text post; the photo post not before 15 min
    assert [s["post"] for s in snapshots(project)] == [ids[0], ids[1]]
    assert collect(project, now + dt.timedelta(minutes=16)) == 1
    again = snapshots(project, ids[0])[-1]
    assert again["stage"] == "1h" and again["metrics"]["reactions"] == 12 and not again.get("transient")
    assert collect(project, now + dt.timedelta(minutes=40)) == 0


def test_an_unreachable_graph_api_is_unavailable_never_zero(page):
    project, graph, ids = page
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    project.config.write_text(project.config.read_text().replace(graph.url, f"http://127.0.0.1:{port}"))
    row = reading(project, ids[0])
    assert row["metrics"] == {} and row["transient"]
    assert all("refused the connection" in reason for reason in row["unavailable"].values())


def test_stages_at_one_hour_one_day_and_one_week(page):
    project, graph, ids = page
    start = max(published_at(project, post_id) for post_id in ids)
    runs = {"30m": 0, "1h1m": 2, "1h6m": 0, "5h": 0, "24h1m": 2, "30h": 0, "7d1m": 2, "7d2h": 0, "8d2h": 0}
    steps = {"30m": dt.timedelta(minutes=30), "1h1m": dt.timedelta(hours=1, minutes=1),
             "1h6m": dt.timedelta(hours=1, minutes=6), "5h": dt.timedelta(hours=5),
             "24h1m": dt.timedelta(hours=24, minutes=1), "30h": dt.timedelta(hours=30),
             "7d1m": dt.timedelta(days=7, minutes=1), "7d2h": dt.timedelta(days=7, hours=2),
             "8d2h": dt.timedelta(days=8, hours=2)}
    recorded = {}
    for name, step in steps.items():
        if name == "24h1m":
            graph.posts[0].reactions = 40
        recorded[name] = collect(project, start + step)
    assert recorded == runs
    photo = snapshots(project, ids[0])
    assert [s["stage"] for s in photo] == ["1h", "24h", "7d"]
    assert [s["metrics"]["reactions"] for s in photo] == [12, 40, 40]
    assert [dt.datetime.fromisoformat(s["at"]) - start.replace(tzinfo=None) for s in photo] == \
        [steps["1h1m"], steps["24h1m"], steps["7d1m"]]
    assert sum(r.path.endswith("/insights") for r in graph.requests) == 6  # 3 stages x 2 posts, nothing more


def test_a_missed_stage_is_read_once_as_the_latest_due_one(page):
    project, graph, ids = page
    start = max(published_at(project, post_id) for post_id in ids)
    assert collect(project, start + dt.timedelta(days=2)) == 2  # daemon down for two days
    assert collect(project, start + dt.timedelta(days=2, minutes=5)) == 0
    assert [s["stage"] for s in snapshots(project, ids[0])] == ["24h"]
    assert collect(project, start + dt.timedelta(days=7, hours=3)) == 2
    assert [s["stage"] for s in snapshots(project, ids[0])] == ["24h", "7d"]


def test_a_manual_refresh_does_not_use_up_a_stage(page):
    project, graph, ids = page
    project.ok("metrics", "refresh")
    assert collect(project, published_at(project, ids[1]) + dt.timedelta(hours=1, minutes=1)) == 2
    assert [s["stage"] for s in snapshots(project, ids[0])] == ["manual", "1h"]


def test_refresh_prints_a_table_with_the_reasons(page):
    project, graph, ids = page
    graph.valid_metrics.discard("post_clicks")
    out = project.ok("metrics", "refresh", "--campaign", "tuan-le").stdout
    assert "Reactions" in out and "Views" in out and "Bài số 1" in out
    assert "230" in out and "–" in out and "valid insights metric" in out
    assert "2 readings recorded" in out


def test_refresh_json_shape(page):
    project, graph, ids = page
    data = project.json("metrics", "refresh", "--campaign", "tuan-le")
    assert list(data) == ["readings"] and len(data["readings"]) == 2
    row = data["readings"][0]
    assert set(row) == {"delivery", "post", "campaign", "title", "channel", "remote_id", "permalink",
                        "published_at", "read_at", "stage", "metrics", "unavailable", "transient"}
    assert row["campaign"] == "tuan-le" and row["remote_id"] == graph.posts[0].id and row["permalink"]
    assert row["published_at"].endswith("Z") and row["read_at"].endswith("Z")
    assert len(snapshots(project)) == 2


def test_refresh_of_an_unknown_campaign_is_one_line(page):
    project, graph, ids = page
    assert "--campaign" in project.fails("metrics", "refresh", "--campaign", "khong-co")
    assert snapshots(project) == []


def test_local_channels_have_no_figures_not_zeros(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
        start=dt.date(2031, 10, 1), posts=1))), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id))  # portal: static-site, facebook: dry-run
    rows = project.json("metrics", "refresh")["readings"]
    assert sorted(r["channel"] for r in rows) == ["facebook", "portal"]
    for row in rows:
        assert row["metrics"] == {}
        assert row["unavailable"] == {name: "no engagement figures for a local channel" for name in FIGURES}
    assert collect(project, published_at(project, post_id, "portal") + dt.timedelta(hours=2)) == 2
    assert all(s["metrics"] == {} and s["stage"] == "1h" for s in snapshots(project) if s["stage"] != "manual")


def test_nothing_published_says_so(project):
    assert "Nothing published" in project.ok("metrics", "refresh").stdout
    assert project.json("metrics", "refresh") == {"readings": []}


def test_help_is_translated(project):
    assert "Reads the figures of published posts" in project.ok("metrics", "refresh", "--help").stdout
    vi = project.run("--lang", "vi", "metrics", "--help").stdout
    assert "Số liệu tương tác" in vi and "metrics.help" not in vi


def test_wordpress_comment_count(project, wordpress, monkeypatch):
    project.set_channel("portal", wordpress_channel(wordpress))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    project.ok("campaign", "import", str(project.write("wp.toml", campaign_toml(
        "wp-metrics", start=dt.date(2031, 10, 1), posts=1))), "--approve")
    post_id = project.json("queue", "--campaign", "wp-metrics")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "portal")
    remote = int(project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='portal'", post_id)[0][0])

    def portal_row():
        rows = project.json("metrics", "refresh", "--campaign", "wp-metrics")["readings"]
        return next(r for r in rows if r["channel"] == "portal")

    assert portal_row()["metrics"] == {"comments": 0}  # a real zero: the post is there, nobody commented
    for text in ("Rất bổ ích!", "Cảm ơn Sở."):
        answer = requests.post(wordpress.rest("/wp/v2/comments"), json={"post": remote, "content": text},
                               headers={"Authorization": wordpress.authorization()}, timeout=30)
        assert answer.status_code == 201, answer.text
    row = portal_row()
    assert row["metrics"] == {"comments": 2}
    assert "not available on stock WordPress" in row["unavailable"]["views"]
    assert set(row["unavailable"]) == {"reactions", "shares", "views", "reach", "clicks"}
    deleted = requests.delete(wordpress.rest(f"/wp/v2/posts/{remote}", force="true"),
                              headers={"Authorization": wordpress.authorization()}, timeout=30)
    assert deleted.ok
    gone = portal_row()  # a deleted post has no figures, rather than 0 comments
    assert gone["metrics"] == {} and "404" in gone["unavailable"]["comments"]


def test_a_photo_id_as_remote_id_reads_the_page_post_from_the_publish_detail(page):
    """A photo post's figures are on the Page post: an older record holding the photo's id still reads the post."""
    project, graph, ids = page
    photo = graph.posts[0]
    detail = json.loads(project.sql("SELECT detail FROM outreach_entries WHERE kind='published' AND post_id=? "
                                    "AND channel='facebook'", ids[0])[0][0])
    assert detail["post_id"] == photo.id and detail["photo_id"] == photo.photo_ids[0]
    project.sql("UPDATE deliveries SET remote_id=? WHERE post_id=? AND channel='facebook'", photo.photo_ids[0], ids[0])
    assert reading(project, ids[0])["metrics"]["reactions"] == 12
    assert not any(photo.photo_ids[0] in r.path for r in graph.requests)


def test_a_stage_that_keeps_failing_is_given_up_after_three_tries(page):
    project, graph, ids = page
    graph.fail_next("GET", graph.posts[0].id, code=1, times=3)
    now = published_at(project, ids[1]) + dt.timedelta(hours=1, minutes=1)
    # the photo post fails (HTTP 500): the text post waits for a run where the Graph API answers
    assert [collect(project, now + dt.timedelta(minutes=m)) for m in (0, 16, 32, 48, 64)] == [1, 1, 1, 1, 0]
    tries = snapshots(project, ids[0])
    assert [(s["stage"], s.get("transient")) for s in tries] == [("1h", True)] * 3
    assert [s["metrics"]["comments"] for s in snapshots(project, ids[1])] == [0]
    assert collect(project, now + dt.timedelta(hours=23)) == 2  # the next stage starts afresh
    assert snapshots(project, ids[0])[-1]["metrics"]["reactions"] == 12


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.integers(min_value=0, max_value=10 * 24 * 60), max_size=12))
def test_whenever_the_daemon_runs_each_stage_is_read_at_most_once_and_never_early(project, runs):
    """Any run times (minutes after publishing): stages in order, each once, none before its time, and the last
    run inside the 8-day window has the stage due then recorded."""
    if not project.rows("deliveries"):
        project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
            start=dt.date(2031, 10, 1), posts=1))), "--approve")
        project.ok("publish", "1", "--channel", "portal")
    project.sql("DELETE FROM outreach_entries WHERE kind='metrics'")
    start = published_at(project, 1, "portal")
    for minutes in sorted(runs):
        collect(project, start + dt.timedelta(minutes=minutes))
    taken = [(s["stage"], dt.datetime.fromisoformat(s["at"]) - start.replace(tzinfo=None))
             for s in snapshots(project, 1) if s["channel"] == "portal"]
    offsets = {"1h": dt.timedelta(hours=1), "24h": dt.timedelta(days=1), "7d": dt.timedelta(days=7)}
    stages = [stage for stage, _ in taken]
    assert stages == sorted(set(stages), key=list(offsets).index)
    assert all(age >= offsets[stage] and age <= dt.timedelta(days=8) for stage, age in taken)
    inside = [m for m in runs if dt.timedelta(minutes=m) <= dt.timedelta(days=8)]
    if inside:
        last = dt.timedelta(minutes=max(inside))
        due = [name for name, offset in offsets.items() if last >= offset]
        assert (stages[-1] if stages else None) == (due[-1] if due else None)
    else:  # no run inside the window: nothing was read
        assert taken == []


def test_stages_on_postgresql(bare, postgres):
    """The same due-work lookup (JSON keys read in SQL) and the row lock of the recheck, on PostgreSQL."""
    from loa.scheduler.config import config_template

    url = postgres.create_database("loa_test_metrics")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    bare.ok("campaign", "import", str(bare.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))),
            "--approve")
    bare.ok("publish", "1")
    assert [r["metrics"] for r in bare.json("metrics", "refresh")["readings"]] == [{}, {}]
    start = dt.datetime.fromisoformat(bare.json("post", "show", "1")["deliveries"][0]["published_at"]
                                      .replace("Z", "+00:00"))
    assert collect(bare, start + dt.timedelta(hours=1, minutes=1)) == 2
    assert collect(bare, start + dt.timedelta(hours=1, minutes=2)) == 0
    assert collect(bare, start + dt.timedelta(days=3)) == 2


def test_an_unreachable_channel_costs_one_failed_reading_per_run_not_one_per_post(page):
    project, graph, ids = page
    graph.fail_next("GET", code=2, times=2)  # the Graph API answers 500 to everything, twice
    now = max(published_at(project, post_id) for post_id in ids) + dt.timedelta(hours=1, minutes=1)
    assert collect(project, now) == 1
    assert [(s["delivery"], s["transient"]) for s in snapshots(project)] == \
        [(project.sql("SELECT id FROM deliveries WHERE post_id=? AND channel='facebook'", ids[0])[0][0], True)]
    assert collect(project, now + dt.timedelta(minutes=16)) == 1  # the photo post again; the text post waits
    assert collect(project, now + dt.timedelta(minutes=32)) == 2  # the API is back: both read
    assert [s["metrics"].get("reactions") for s in snapshots(project)] == [None, None, 12, 0]


def test_a_post_deleted_from_the_page_has_no_figures(page):
    project, graph, ids = page
    graph.posts.remove(graph.posts[0])
    row = reading(project, ids[0])
    assert row["metrics"] == {} and not row["transient"]
    assert all("does not exist" in reason for reason in row["unavailable"].values())
