"""A first send under a fresh claim creates the post without looking it up first; a retry looks before it creates.

Counted at a real WordPress (Debian's package) behind a recording proxy: the look-up is ``GET /wp/v2/posts`` by the
delivery's slug, the creation ``POST /wp/v2/posts``. A crash mid-send is settled by recovery's own look-up
(tests/test_daemon_crash.py); here, what a healthy send costs the site.
"""
from __future__ import annotations

from urllib.parse import unquote

import requests

from conftest import delivery_states, fast_daemon, make_due, queue_now, wordpress_channel

from support.proxy import FaultProxy


def calls(proxy: FaultProxy, since: int = 0) -> list[str]:
    """The proxy's requests to the posts route from ``since`` on: "lookup" (by slug) or "create"."""
    seen = []
    for method, target, _ in proxy.seen[since:]:
        target = unquote(target)
        if "/wp/v2/posts" not in target:
            continue
        if method == "GET" and "slug=loa-" in target:
            seen.append("lookup")
        elif method == "POST":
            seen.append("create")
    return seen


def portal_project(project, wordpress, proxy, monkeypatch, slug: str) -> int:
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    project.set_channel("portal", wordpress_channel(wordpress, via=proxy))
    fast_daemon(project, retry_base_seconds=60, retry_max_seconds=120)  # a retry waits for the test to make it due
    post, = queue_now(project, 1, pace=0.5, slug=slug)
    make_due(project, post)
    return post


def test_the_daemon_creates_a_first_send_without_a_lookup(project, wordpress, monkeypatch):
    with FaultProxy(wordpress.url) as proxy:
        post = portal_project(project, wordpress, proxy, monkeypatch, "first-send-daemon")
        project.ok("run", "--once")
        assert delivery_states(project)[(post, "portal")] == "published"
        assert calls(proxy) == ["create"]


def test_loa_publish_creates_a_first_send_without_a_lookup(project, wordpress, monkeypatch):
    with FaultProxy(wordpress.url) as proxy:
        post = portal_project(project, wordpress, proxy, monkeypatch, "first-send-publish")
        project.ok("publish", str(post), "--channel", "portal")
        assert delivery_states(project)[(post, "portal")] == "published"
        assert calls(proxy) == ["create"]


def test_a_retry_looks_the_post_up_once_before_creating_it(project, wordpress, monkeypatch):
    with FaultProxy(wordpress.url) as proxy:
        post = portal_project(project, wordpress, proxy, monkeypatch, "first-send-retry")
        proxy.answer_next("POST", "/wp/v2/posts", 503)  # in the site's place: it may have made the post, it did not
        project.ok("run", "--once")
        assert delivery_states(project)[(post, "portal")] == "retry_wait"
        assert calls(proxy) == ["create", "lookup"]  # looked for at once after the lost answer: not there yet
        before = len(proxy.seen)
        project.sql("UPDATE deliveries SET available_at=due_at WHERE channel='portal'")
        project.ok("run", "--once")
        assert delivery_states(project)[(post, "portal")] == "published"
        assert calls(proxy, before) == ["lookup", "create"]
        (attempts,), = project.sql("SELECT attempts FROM deliveries WHERE post_id=? AND channel='portal'", post)
        assert attempts == 2


def test_a_persons_retry_of_an_unknown_send_looks_before_creating(project, wordpress, monkeypatch):
    """A send nobody could settle (a fault of loa mid-send: unknown, no lost answer recorded) that a person retries
    starts its attempts again, but it is no first send: the post it may have made is found, not made twice."""
    with FaultProxy(wordpress.url) as proxy:
        post = portal_project(project, wordpress, proxy, monkeypatch, "first-send-unknown")
        proxy.stall_next("POST", "/wp/v2/posts", 3)  # the site makes the post; its answer comes too late
        project.set_channel("portal", wordpress_channel(wordpress, "timeout = 1", via=proxy))
        project.ok("run", "--once")
        (delivery,), = project.sql("SELECT id FROM deliveries WHERE channel='portal'")
        # as a fault of loa mid-send leaves it (mark_unknown): unknown, its error kept, no lost answer recorded
        project.sql("UPDATE deliveries SET status='unknown', maybe_sent=0, remote_id=NULL, permalink=NULL, "
                    "last_error='RuntimeError: interrupted', lease_owner=NULL WHERE id=?", delivery)
        before = len(proxy.seen)
        project.ok("retry", str(post), "--channel", "portal")
        project.ok("run", "--once")
        assert delivery_states(project)[(post, "portal")] == "published"
        assert calls(proxy, before) == ["lookup"]  # found by its slug: no second post
    (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE id=?", delivery)
    headers = {"Authorization": wordpress.authorization()}
    slug = requests.get(wordpress.rest(f"/wp/v2/posts/{remote}", context="edit"), headers=headers,
                        timeout=30).json()["slug"]
    for name, expected in ((slug, 1), (f"{slug}-2", 0)):
        found = requests.get(wordpress.rest("/wp/v2/posts", slug=name, status="any", context="edit"),
                             headers=headers, timeout=30).json()
        assert len(found) == expected, name
