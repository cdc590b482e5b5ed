"""Shutdown never abandons a send that may still land (issue 19, point 4): the Graph double holds a photo upload
longer than ``shutdown_seconds`` before it creates the post; ``loa run`` is stopped mid-upload and started again;
the Page ends with exactly one post, whether the daemon waited for the answer or had to go before the post existed.
Also SIGHUP: logged, and the daemon carries on."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
from conftest import delivery_states, fast_daemon, queue_now, spawn_loa

TIMEOUT = 6  # the channel's read timeout: how long loa waits for an answer of the Page


@pytest.fixture
def page_settings() -> str:
    return f"\ntimeout = {TIMEOUT}"


@pytest.fixture
def slow_page(page):
    """A Page that holds every POST (the photo upload) until the test releases it, before creating anything."""
    project, graph = page
    fast_daemon(project, shutdown_seconds=1)
    graph.hold_seconds = 600
    return project, graph


def photo_post(project) -> int:
    """One approved post due now, with a banner: a photo post, sent as one upload to /{page}/photos."""
    post, = queue_now(project, 1, pace=0.5)
    project.ok("post", "edit", str(post), "--banner-headline", "Đọc sách mỗi ngày", "--keep-approval")
    return post


def wait_for(event, what: str, timeout: float = 60) -> None:
    assert event.wait(timeout), f"timed out waiting for {what}"


def upload_path(graph) -> str:
    return next(r.path for r in graph.requests if r.method == "POST")


def still_running(daemon, seconds: float) -> bool:
    try:
        daemon.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return True
    return False


def log_of(project, number: int = 0) -> str:
    return (project.root / f"loa-{number}.log").read_text(encoding="utf-8")


def stopped_mid_upload(project, graph) -> tuple[int, subprocess.Popen]:
    """A photo post, ``loa run`` sending it, and a SIGTERM while the Page holds the upload."""
    post = photo_post(project)
    daemon = spawn_loa(project, "run")
    wait_for(graph.holding, "the photo upload to start")
    daemon.send_signal(signal.SIGTERM)
    return post, daemon


def restart_then_the_page_finishes(project, graph, post: int) -> None:
    """A new daemon starts; only then does the Page create the held post. Exactly one post in the end."""
    restarted = spawn_loa(project, "run", "--until-idle")
    time.sleep(1)
    graph.release.set()
    wait_for(graph.created, "the Page to create the post")
    assert restarted.wait(timeout=90) == 0
    assert delivery_states(project)[(post, "facebook")] == "published"
    assert len(graph.published_posts()) == 1  # looked up after the channel's timeout, found: not posted again
    assert sum(1 for r in graph.requests if r.method == "POST") == 1


def test_sigterm_waits_for_the_upload_past_shutdown_seconds_and_the_post_is_made_once(slow_page):
    project, graph = slow_page
    post, daemon = stopped_mid_upload(project, graph)
    assert still_running(daemon, 3)  # shutdown_seconds (1 s) is over: it waits for the channel's timeout instead
    graph.release.set()  # the Page creates the post and answers
    assert daemon.wait(timeout=30) == 0
    assert delivery_states(project)[(post, "facebook")] == "published"
    assert upload_path(graph).endswith("/photos") and len(graph.published_posts()) == 1
    assert "waiting up to" in log_of(project)
    project.ok("run", "--once")  # the restart has nothing to settle, nothing to send
    assert len(graph.published_posts()) == 1
    assert sum(1 for r in graph.requests if r.method == "POST") == 1


def test_a_post_created_after_the_daemon_left_is_looked_up_then_and_never_made_twice(slow_page):
    project, graph = slow_page
    post, daemon = stopped_mid_upload(project, graph)
    assert still_running(daemon, 2)
    daemon.send_signal(signal.SIGTERM)  # the person (or systemd) will not wait: it leaves at once
    assert daemon.wait(timeout=30) == 0
    (status, maybe_sent, attempts), = project.sql(
        "SELECT status, maybe_sent, attempts FROM deliveries WHERE post_id=? AND channel='facebook'", post)
    assert (status, maybe_sent, attempts) == ("retry_wait", 1, 0)  # may have gone out; the attempt given back
    assert "interrupted" in log_of(project) and not graph.published_posts()

    restart_then_the_page_finishes(project, graph, post)
    (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='published' AND channel='facebook'")
    assert json.loads(detail)["reconciled"] is True  # recorded from the look-up, not from a second upload


def test_an_upload_that_times_out_while_stopping_is_looked_up_only_once_the_platform_must_have_finished(slow_page):
    project, graph = slow_page
    post, daemon = stopped_mid_upload(project, graph)
    # loa gives up on the answer after the channel's timeout; its look-up right then finds nothing yet
    assert daemon.wait(timeout=60) == 0
    (status, maybe_sent), = project.sql(
        "SELECT status, maybe_sent FROM deliveries WHERE post_id=? AND channel='facebook'", post)
    assert (status, maybe_sent) == ("retry_wait", 1) and not graph.published_posts()

    # the Page finishes the upload only now: the retry must not have looked (or sent) before
    restart_then_the_page_finishes(project, graph, post)


def test_killed_while_waiting_the_next_daemon_looks_up_only_after_the_platform_must_have_finished(slow_page):
    project, graph = slow_page
    post, daemon = stopped_mid_upload(project, graph)
    assert still_running(daemon, 2)
    daemon.send_signal(signal.SIGKILL)  # systemd's TimeoutStopSec ran out: nothing more is written
    daemon.wait(timeout=30)
    assert delivery_states(project)[(post, "facebook")] == "sending"

    restart_then_the_page_finishes(project, graph, post)


def test_sighup_is_logged_and_the_daemon_carries_on(page):
    project, graph = page
    fast_daemon(project)
    daemon = spawn_loa(project, "run")
    deadline = time.monotonic() + 60
    while "publishing as" not in log_of(project) and time.monotonic() < deadline:
        time.sleep(0.1)
    daemon.send_signal(signal.SIGHUP)
    assert still_running(daemon, 1.5)
    post, = queue_now(project, 1, pace=0.5)  # still publishing after the SIGHUP
    deadline = time.monotonic() + 30
    while delivery_states(project)[(post, "facebook")] != "published" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert delivery_states(project)[(post, "facebook")] == "published"
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=30) == 0
    assert "SIGHUP ignored" in log_of(project) and "restart" in log_of(project)
