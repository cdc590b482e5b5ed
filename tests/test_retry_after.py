"""A platform's Retry-After and usage headers are read defensively: whatever a server (or a proxy in front of it)
sends, a plain 503 stays a plain transient error, the wait is kept within `retry_max_seconds`, and `loa publish`
never leaves a delivery `sending`."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import delivery_states, facebook_channel, fast_daemon, make_due, queue_now, wordpress_channel

from support.facebook import GraphDouble
from support.proxy import FaultProxy

TOKEN = "EAAB-retry-after-token"
NONSENSE = ["soon", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT", "-5", "1e9", "Mon, 99 Foo 2026"]


def via_proxy(graph, proxy) -> str:
    return (f'adapter = "facebook"\npage_id = "{graph.page_id}"\ntoken_env = "LOA_FACEBOOK_TOKEN"\n'
            f'graph_url = "{proxy.url}"\napi_version = "v25.0"')


def next_attempt(project, post: int, channel: str) -> dt.datetime:
    (at,), = project.sql("SELECT available_at FROM deliveries WHERE post_id=? AND channel=?", post, channel)
    return dt.datetime.fromisoformat(at).replace(tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("header", NONSENSE)
def test_a_malformed_retry_after_from_facebook_is_a_plain_transient_error(project, monkeypatch, header):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as graph, FaultProxy(graph.url) as proxy:
        project.set_channel("facebook", via_proxy(graph, proxy))
        fast_daemon(project, retry_base_seconds=10, retry_max_seconds=60)
        post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
        make_due(project, post)
        proxy.answer_next("POST", "/feed", 503, headers={"Retry-After": header},
                          body=b'{"error": {"message": "Service unavailable", "code": 2}}')
        result = project.run("publish", str(post))
        after = dt.datetime.now(dt.timezone.utc)  # the wait counts from the failure, inside the command
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert delivery_states(project)[(post, "facebook")] == "retry_wait"
        assert next_attempt(project, post, "facebook") <= after + dt.timedelta(seconds=60)


@pytest.mark.parametrize("header", ["soon", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_malformed_retry_after_from_wordpress_is_a_plain_transient_error(project, wordpress, monkeypatch,
                                                                           header):
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    with FaultProxy(wordpress.url) as proxy:
        project.set_channel("portal", wordpress_channel(wordpress, via=proxy))
        fast_daemon(project, retry_base_seconds=10, retry_max_seconds=60)
        post, = queue_now(project, 1, pace=0.2, slug=f"ra-{abs(hash(header)) % 10**6}",
                          post_lines='channels = ["portal"]')
        make_due(project, post)
        # a first send goes straight to the POST (no slug look-up), so the POST is the one answered 503
        proxy.answer_next("POST", "/wp/v2/posts", 503, headers={"Retry-After": header})
        result = project.run("publish", str(post))
        after = dt.datetime.now(dt.timezone.utc)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert delivery_states(project)[(post, "portal")] == "retry_wait"
        assert next_attempt(project, post, "portal") <= after + dt.timedelta(seconds=60)


def test_a_sane_retry_after_is_honoured_within_the_ceiling(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as graph, FaultProxy(graph.url) as proxy:
        project.set_channel("facebook", via_proxy(graph, proxy))
        fast_daemon(project, retry_base_seconds=1, retry_max_seconds=600)
        post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
        make_due(project, post)
        proxy.answer_next("POST", "/feed", 503, headers={"Retry-After": "300"})
        before = dt.datetime.now(dt.timezone.utc)
        assert project.run("publish", str(post)).exit_code == 1
        after = dt.datetime.now(dt.timezone.utc)
        # not before the 300 s the server asked for, and within loa's 600 s ceiling
        assert before + dt.timedelta(seconds=300) <= next_attempt(project, post, "facebook")
        assert next_attempt(project, post, "facebook") <= after + dt.timedelta(seconds=600)


def test_garbage_usage_headers_do_not_break_a_send(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as graph:
        graph.page_usage.update(call_count="a lot", estimated_time_to_regain_access=[1, 2])
        graph.app_usage.update(total_time=float("nan"))
        project.set_channel("facebook", facebook_channel(graph))
        fast_daemon(project)
        post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
        make_due(project, post)
        project.ok("publish", str(post))
        assert delivery_states(project)[(post, "facebook")] == "published"
