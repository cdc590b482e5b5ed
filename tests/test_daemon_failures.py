"""How `loa run` treats failures: backoff and its limit, Retry-After and usage headers, permanent errors, refused
credentials pausing one channel only, and a mixed fault run where every delivery still ends somewhere known."""
from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
import requests
from conftest import delivery_states, facebook_channel, fast_daemon, make_due, queue_now, wordpress_channel

from support.facebook import GraphDouble
from support.proxy import FaultProxy

TOKEN = "EAAB-daemon-token"
FINAL = {"published", "failed", "unknown", "missed", "cancelled"}


def utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def entries(project, kind, channel=None):
    rows = project.sql("SELECT at, channel, detail FROM outreach_entries WHERE kind=? ORDER BY id", kind)
    return [(utc(at), json.loads(detail)) for at, ch, detail in rows if channel in (None, ch)]


@pytest.fixture
def page(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph) + "\ntimeout = 2")
        yield project, graph


def rest(wordpress, route, **params):
    answer = requests.get(wordpress.rest(route, **params), headers={"Authorization": wordpress.authorization()},
                          timeout=30)
    answer.raise_for_status()
    return answer.json()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_transient_errors_back_off_exponentially_then_fail(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    project.set_channel("facebook", f'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_FACEBOOK_TOKEN"\n'
                                    f'graph_url = "http://127.0.0.1:{closed_port()}"')  # connection refused
    fast_daemon(project, retry_base_seconds=0.3, retry_max_seconds=5, max_attempts=4)
    post, = queue_now(project, 1, pace=0.2)
    project.needs_a_person("run", "--until-idle")
    assert delivery_states(project) == {(post, "portal"): "published", (post, "facebook"): "failed"}
    attempts = entries(project, "attempt", "facebook")
    (failed_at, failed), = entries(project, "failed", "facebook")
    assert [d["attempt"] for _, d in attempts] == [1, 2, 3] and failed["attempt"] == 4
    assert all(d["class"] == "transient" and "refused the connection" in d["error"] for _, d in attempts)
    waits = [(utc(d["next_at"]) - at).total_seconds() for at, d in attempts]
    for n, wait in enumerate(waits, start=1):  # about base x 2^(n-1), jittered down to half of it at most
        assert 0.3 * 2 ** (n - 1) * 0.5 - 0.01 <= wait <= 0.3 * 2 ** (n - 1) + 0.01
    assert "gave up after 4 attempts" in failed["error"]
    shown = project.json("status")["attention"]["items"][0]
    assert shown["status"] == "failed" and "gave up after 4 attempts" in shown["reason"]


def test_a_permanent_error_fails_at_once(page):
    project, graph = page
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.2)
    graph.fail_next("POST", "/feed", code=100, message="(#100) Invalid parameter")
    project.needs_a_person("run", "--until-idle")
    assert delivery_states(project)[(post, "facebook")] == "failed"
    assert entries(project, "attempt", "facebook") == []
    (_, failed), = entries(project, "failed", "facebook")
    assert failed["class"] == "permanent" and failed["attempt"] == 1 and "code 100" in failed["error"]


def test_refused_credentials_pause_the_channel_without_spending_attempts(page):
    project, graph = page
    fast_daemon(project)
    first, second = queue_now(project, 2, pace=0.3)
    graph.fail_next("POST", "/feed", code=190, subcode=463)
    project.ok("run", "--until-idle")  # idle: the portal is done, Facebook waits for a person
    states = delivery_states(project)
    assert states[(first, "portal")] == states[(second, "portal")] == "published"  # other channels carry on
    assert states[(first, "facebook")] == "retry_wait" and states[(second, "facebook")] == "pending"
    assert project.sql("SELECT attempts FROM deliveries WHERE channel='facebook'") == [(0,), (0,)]
    assert len([r for r in graph.requests if r.method == "POST"]) == 1  # the second never tried
    (paused,) = project.json("status")["paused"]
    assert paused["channel"] == "facebook" and paused["kind"] == "auth" and "new Page token" in paused["reason"]
    assert "paused" in project.needs_a_person("status").stdout
    project.ok("run", "--once")
    assert len([r for r in graph.requests if r.method == "POST"]) == 1  # still paused
    assert "pause lifted" in project.ok("channels", "check", "facebook").stdout
    project.ok("run", "--until-idle")
    assert set(delivery_states(project).values()) == {"published"} and len(graph.published_posts()) == 2
    kinds = [k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE channel='facebook' ORDER BY id")]
    assert kinds[:2] == ["paused", "attempt"] and "resumed" in kinds


def test_usage_headers_near_the_limit_pause_the_page_until_the_time_they_give(page):
    project, graph = page
    fast_daemon(project)
    first, second = queue_now(project, 2, pace=0.3)
    make_due(project, first)
    make_due(project, second)
    graph.page_usage.update(call_count=95)  # 95 %: slow down before Facebook throttles at 100
    project.ok("run", "--once")  # (--until-idle would wait the 15 minutes out: a rate pause ends by itself)
    states = delivery_states(project)
    assert states[(first, "facebook")] == "published" and states[(second, "facebook")] == "retry_wait"
    (until, kind), = project.sql("SELECT resume_at, pause_kind FROM channel_states WHERE channel='facebook'")
    assert kind == "rate" and dt.timedelta(minutes=14) < utc(until) - dt.datetime.now(dt.timezone.utc)
    assert project.sql("SELECT attempts FROM deliveries WHERE post_id=? AND channel='facebook'", second) == [(0,)]


def test_retry_after_is_honoured_and_a_429_pauses_the_site(project, wordpress, monkeypatch):
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    with FaultProxy(wordpress.url) as proxy:
        project.set_channel("portal", wordpress_channel(wordpress, via=proxy))
        fast_daemon(project, retry_base_seconds=0.2, retry_max_seconds=600)  # Retry-After is kept within this
        first, second = queue_now(project, 2, pace=0.3, slug="retry-after")
        make_due(project, first)
        make_due(project, second)
        proxy.answer_next("POST", "/wp/v2/posts", 503, headers={"Retry-After": "120"})
        project.ok("run", "--once")
        (at, detail), = entries(project, "attempt", "portal")
        assert detail["class"] == "transient" and (utc(detail["next_at"]) - at).total_seconds() >= 119
        proxy.answer_next("POST", "/wp/v2/posts", 429, headers={"Retry-After": "60"})
        project.sql("UPDATE deliveries SET available_at=due_at WHERE channel='portal'")
        project.ok("run", "--once")
        (until, kind), = project.sql("SELECT resume_at, pause_kind FROM channel_states WHERE channel='portal'")
        assert kind == "rate" and utc(until) - dt.datetime.now(dt.timezone.utc) > dt.timedelta(seconds=50)
        assert project.json("status")["paused"][0]["channel"] == "portal"


def until_idle(project) -> None:
    """``loa run --until-idle``: exit 3 exactly when it leaves deliveries for a person (which ones varies here)."""
    result = project.run("run", "--until-idle")
    left = set(delivery_states(project).values()) & {"failed", "unknown", "missed"}
    assert result.exit_code == (3 if left else 0), (left, result.output)


def test_a_mixed_fault_run_loses_nothing(project, wordpress, monkeypatch):
    """Timeouts, resets, 500s, 429 + Retry-After, an expired token and a crash: every delivery ends in a state a
    person can see, with its history, and nothing is posted twice."""
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with FaultProxy(wordpress.url) as proxy, GraphDouble(token=TOKEN) as graph:
        project.set_channel("portal", wordpress_channel(wordpress, "timeout = 1.5", via=proxy))
        project.set_channel("facebook", facebook_channel(graph) + "\ntimeout = 1.5")
        fast_daemon(project, retry_base_seconds=0.2, retry_max_seconds=0.5, max_attempts=3, lease_seconds=10)
        ids = queue_now(project, 8, pace=0.2, slug="mixed-faults")
        proxy.answer_next("POST", "/wp/v2/posts", 500)
        proxy.drop_next("POST", "/wp/v2/posts")
        proxy.stall_next("POST", "/wp/v2/posts", 3)  # created, answer too late: a timeout, then found by slug
        proxy.answer_next("POST", "/wp/v2/posts", 429, headers={"Retry-After": "1"})
        for _ in range(3):  # the look-up before a post (or after the crash) fails: 502s
            proxy.answer_next("GET", "loa-", 502)
        graph.fail_next("POST", "/feed", code=2)  # 500 after creating: found before any retry
        graph.fail_next("POST", "/feed", code=190, subcode=463)  # token expired: the Page pauses
        graph.fail_next("POST", "/feed", code=100)  # permanent
        # a crash: a delivery left "sending" by a process that died (its lease expired)
        project.sql("UPDATE deliveries SET status='sending', lease_owner='elsewhere:1:dead', "
                    "lease_expires_at='2000-01-01 00:00:00', attempts=1 WHERE post_id=? AND channel='portal'", ids[-1])
        until_idle(project)
        project.ok("channels", "check", "facebook")  # a person renews the token
        until_idle(project)
    states = delivery_states(project)
    assert set(states.values()) <= FINAL, states
    assert sum(s == "published" for s in states.values()) >= 13
    for (post, channel), status in states.items():
        kinds = {k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE post_id=? AND channel=?",
                                          post, channel)}
        assert status in kinds or (status == "published" and "published" in kinds), (post, channel, kinds)
    portal = project.sql("SELECT id, status, remote_id FROM deliveries WHERE channel='portal'")
    remote = next(r for _, status, r in portal if status == "published")
    prefix = rest(wordpress, f"/wp/v2/posts/{remote}", context="edit")["slug"].rsplit("-", 1)[0]
    for delivery, status, _ in portal:  # one WordPress post per published delivery, never a renamed "-2" copy
        found = rest(wordpress, "/wp/v2/posts", slug=f"{prefix}-{delivery}", status="any", context="edit")
        # published: its one post; unknown: a person checks (there may be one); failed or missed: none reached the
        # site (the proxy answered 500s and resets in WordPress's place, so nothing was forwarded)
        assert len(found) == {"published": 1, "unknown": len(found)}.get(status, 0) and len(found) <= 1, status
        assert rest(wordpress, "/wp/v2/posts", slug=f"{prefix}-{delivery}-2", status="any", context="edit") == []
    messages = [p.message for p in graph.posts]
    assert len(messages) == len(set(messages))  # nothing twice on Facebook either
