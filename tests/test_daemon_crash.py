"""Crash safety for real: `kill -9` the daemon while the platform has created the post but not yet answered, then
restart. Also SIGTERM: in-flight sends finish (within a bound) and the process exits 0."""
from __future__ import annotations

import json
import signal
import subprocess

import pytest
import requests
from conftest import delivery_states, facebook_channel, fast_daemon, queue_now, spawn_loa, wordpress_channel

from support.proxy import FaultProxy


def wait_for(event, what: str, timeout: float = 60) -> None:
    assert event.wait(timeout), f"timed out waiting for {what}"


def kill_9(daemon) -> None:
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)


def posts_created(graph) -> int:
    return sum(1 for r in graph.requests if r.method == "POST" and r.status == 200)


def test_kill_9_after_facebook_accepted_the_post_is_reconciled_not_reposted(page):
    project, graph = page
    fast_daemon(project, lease_seconds=600)  # a long lease: the restart must see its predecessor is dead
    post, = queue_now(project, 1, pace=0.5)
    graph.stall_seconds = 60
    daemon = spawn_loa(project, "run")
    wait_for(graph.created, "the Page to create the post")
    kill_9(daemon)
    assert delivery_states(project)[(post, "facebook")] == "sending"
    graph.stall_seconds = 0
    result = project.ok("run", "--once")
    assert "reconciled" in result.stderr
    assert delivery_states(project)[(post, "facebook")] == "published"
    assert posts_created(graph) == 1 and len(graph.published_posts()) == 1
    (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='published' AND channel='facebook'")
    assert json.loads(detail)["reconciled"] is True


def test_kill_9_while_wordpress_created_the_post_is_reconciled_by_slug(project, wordpress, monkeypatch):
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    with FaultProxy(wordpress.url) as proxy:
        project.set_channel("portal", wordpress_channel(wordpress, via=proxy))
        fast_daemon(project, lease_seconds=600)
        post, = queue_now(project, 1, pace=0.5, slug="crash-wordpress")
        proxy.stall_next("POST", "/wp/v2/posts", 120)
        daemon = spawn_loa(project, "run")
        wait_for(proxy.stalled, "WordPress to create the post")
        kill_9(daemon)
        assert delivery_states(project)[(post, "portal")] == "sending"
        result = project.ok("run", "--once")
        assert "reconciled" in result.stderr
    (delivery, status, remote), = project.sql(
        "SELECT id, status, remote_id FROM deliveries WHERE channel='portal'")
    assert status == "published"
    headers = {"Authorization": wordpress.authorization()}
    slug = requests.get(wordpress.rest(f"/wp/v2/posts/{remote}", context="edit"), headers=headers,
                        timeout=30).json()["slug"]
    assert slug.endswith(f"-{delivery}")
    for name, expected in ((slug, 1), (f"{slug}-2", 0)):
        found = requests.get(wordpress.rest("/wp/v2/posts", slug=name, status="any", context="edit"),
                             headers=headers, timeout=30).json()
        assert len(found) == expected, name


def test_when_the_adapter_cannot_tell_the_delivery_is_unknown_and_never_resent(page):
    project, graph = page
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.5)
    graph.stall_seconds = 60
    daemon = spawn_loa(project, "run")
    wait_for(graph.created, "the Page to create the post")
    kill_9(daemon)
    graph.stall_seconds = 0
    graph.fail_next("GET", "/posts", code=2)  # the look-up fails: nobody can say whether the post is there
    result = project.ok("run", "--once")
    assert "outcome unknown" in result.stderr
    assert delivery_states(project)[(post, "facebook")] == "unknown"
    project.ok("run", "--once")
    assert delivery_states(project)[(post, "facebook")] == "unknown" and posts_created(graph) == 1
    stopped, item = project.json("status")["attention"]["items"]  # the killed daemon first, then its send
    assert stopped["status"] == "stopped" and "systemctl start loa" in stopped["hint"]
    assert item["status"] == "unknown" and "loa retry" in item["hint"] and "interrupted send" in item["reason"]


def test_sigterm_lets_the_send_in_flight_finish_and_exits_0(page):
    project, graph = page
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.5)
    graph.stall_seconds = 2
    daemon = spawn_loa(project, "run")
    wait_for(graph.created, "the send to start")
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    assert delivery_states(project)[(post, "facebook")] == "published" and posts_created(graph) == 1


def test_a_second_sigterm_stops_at_once_and_the_send_is_looked_up_not_resent(page):
    project, graph = page
    fast_daemon(project, shutdown_seconds=1)
    post, = queue_now(project, 1, pace=0.5)
    # the answer is held until the test releases it and the client would wait 300 s for it: the first SIGTERM waits
    # for it (the channel's timeout, not shutdown_seconds); a second one stops at once
    project.set_channel("facebook", facebook_channel(graph) + "\ntimeout = 300")
    graph.stall_seconds = 600
    daemon = spawn_loa(project, "run")
    wait_for(graph.created, "the send to start")
    daemon.send_signal(signal.SIGTERM)
    with pytest.raises(subprocess.TimeoutExpired):  # still waiting for its send, past shutdown_seconds
        daemon.wait(timeout=3)
    daemon.send_signal(signal.SIGTERM)
    try:
        assert daemon.wait(timeout=120) == 0  # stopped while the Page still held the answer: order, not speed
    finally:
        graph.release.set()
    (status, maybe_sent, available), = project.sql(
        "SELECT status, maybe_sent, available_at FROM deliveries WHERE post_id=? AND channel='facebook'", post)
    assert (status, maybe_sent) == ("retry_wait", 1)  # may have gone out: looked up after the channel's timeout
    project.ok("run", "--once")
    assert delivery_states(project)[(post, "facebook")] == "retry_wait" and posts_created(graph) == 1
    project.sql("UPDATE deliveries SET available_at=due_at WHERE post_id=? AND channel='facebook'", post)
    result = project.ok("run", "--once")  # its timeout has passed: looked up, found, never posted again
    assert "reconciled" in result.stderr or "published" in result.stderr
    assert delivery_states(project)[(post, "facebook")] == "published" and posts_created(graph) == 1
