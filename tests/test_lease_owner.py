"""Only the lease's owner records the outcome, and a live lease is never taken over (README: "Never twice").

A daemon's send is held at the Page (the double keeps its answer back until the test releases it) while a second
`loa run --once` starts next to it. The order of events is forced with the double's ``release`` event, not sleeps.
"""
from __future__ import annotations

import json
import time

import pytest
from conftest import delivery_states, fast_daemon, queue_now, spawn_loa


@pytest.fixture
def page_settings() -> str:
    # a long read timeout: the held answer must reach the first daemon, however long the test holds it
    return "\ntimeout = 300"


@pytest.fixture
def page(page):
    project, graph = page
    graph.stall_seconds = 240
    return project, graph


def poll(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def posts_created(graph) -> int:
    return sum(1 for r in graph.requests if r.method == "POST" and r.status == 200)


def lease(project, post: int, channel: str = "facebook") -> tuple[str, str | None, str | None]:
    (row,) = project.sql("SELECT status, lease_owner, lease_expires_at FROM deliveries "
                         "WHERE post_id=? AND channel=?", post, channel)
    return row


def published_entries(project, post: int) -> list[dict]:
    return [json.loads(detail) for (detail,) in project.sql(
        "SELECT detail FROM outreach_entries WHERE kind='published' AND post_id=? AND channel='facebook'", post)]


def stop(daemon) -> None:
    daemon.terminate()
    assert daemon.wait(timeout=60) == 0


def test_a_second_daemon_leaves_a_live_lease_alone_and_sends_nothing(page):
    project, graph = page
    fast_daemon(project, lease_seconds=600, shutdown_seconds=120)  # the first daemon's lease stays live
    post, = queue_now(project, 1, pace=0.5, slug="live-lease")
    first = spawn_loa(project, "run")
    try:
        assert graph.created.wait(120), "the first daemon never reached the Page"
        status, owner, _ = lease(project, post)
        assert status == "sending" and f":{first.pid}:" in owner
        second = project.ok("run", "--once")  # its start-up reconciliation sees a sending lease of a live process
        assert "reconciled" not in second.stderr and "unknown" not in second.stderr
        assert lease(project, post)[:2] == ("sending", owner)  # not taken over
        assert posts_created(graph) == 1
        assert [r for r in graph.requests if r.method == "GET" and r.path.endswith("/posts")] == []  # not asked
        graph.release.set()
        poll(lambda: delivery_states(project)[(post, "facebook")] == "published", "the first daemon to record")
    finally:
        graph.release.set()
        stop(first)
    entry, = published_entries(project, post)
    assert "reconciled" not in entry  # recorded by its owner, from the Page's own answer
    assert posts_created(graph) == 1 and len(graph.published_posts()) == 1


def test_a_late_owner_whose_lease_was_taken_records_nothing(page):
    project, graph = page
    # a lease shorter than the held send: it expires while the Page holds the answer
    fast_daemon(project, lease_seconds=1, shutdown_seconds=120)
    post, = queue_now(project, 1, pace=0.5, slug="late-owner")
    first = spawn_loa(project, "run")
    try:
        assert graph.created.wait(120), "the first daemon never reached the Page"
        _, owner, _ = lease(project, post)
        assert f":{first.pid}:" in owner
        # the lease runs out while its owner still waits: a second daemon settles the send through find_existing
        poll(lambda: "reconciled" in project.ok("run", "--once").stderr, "the second daemon to reconcile")
        status, now_owner, _ = lease(project, post)
        assert status == "published" and now_owner is None
        (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='facebook'", post)
        graph.release.set()  # now the first daemon hears the Page's answer, too late: not its lease any more
    finally:
        graph.release.set()
        stop(first)  # SIGTERM lets the send in flight finish, its record attempt included
    entries = published_entries(project, post)
    assert len(entries) == 1 and entries[0]["reconciled"] is True, entries  # one record, the reconciler's
    assert project.sql("SELECT remote_id, status FROM deliveries WHERE post_id=? AND channel='facebook'",
                       post) == [(remote, "published")]
    assert posts_created(graph) == 1


def test_loa_publish_whose_lease_was_taken_says_so_for_its_channel(page):
    """`loa publish` that loses its lease mid-send records nothing and tells the person which channel and why
    (it printed "?: status.lost: lease lost" before: no channel, an untranslated key)."""
    project, graph = page
    fast_daemon(project, lease_seconds=1)
    post, = queue_now(project, 1, pace=0.5, slug="publish-late")
    project.ok("post", "reschedule", str(post), "2031-10-01 08:00")  # not due: only `loa publish` sends it
    publish = spawn_loa(project, "publish", str(post), "--channel", "facebook")
    try:
        assert graph.created.wait(120), "loa publish never reached the Page"
        poll(lambda: "reconciled" in project.ok("run", "--once").stderr, "a daemon to settle the expired lease")
    finally:
        graph.release.set()
    assert publish.wait(timeout=120) == 1
    output = next(project.root.glob("loa-*.log")).read_text(encoding="utf-8")
    assert output.strip().splitlines()[-1] == (
        "facebook: taken over by another process (its lease expired): not recorded by this command: lease lost")
    entries = published_entries(project, post)
    assert len(entries) == 1 and entries[0]["reconciled"] is True, entries
    assert posts_created(graph) == 1


def test_a_killed_loa_publish_is_settled_at_once_as_a_dead_owner(page):
    """`loa publish` holds its lease under its own name, so when it dies mid-send the next daemon on this machine
    settles the send at once (a lease 10 minutes long would otherwise keep it `sending` that long)."""
    import signal

    project, graph = page
    fast_daemon(project, lease_seconds=600)
    post, = queue_now(project, 1, pace=3600, post_lines='channels = ["facebook"]')
    publisher = spawn_loa(project, "publish", str(post))
    poll(graph.created.is_set, "the Page to make the post")
    status, owner, _ = lease(project, post)
    assert status == "sending" and owner and f":{publisher.pid}:" in owner
    publisher.send_signal(signal.SIGKILL)
    publisher.wait(timeout=30)
    project.ok("run", "--once")
    assert lease(project, post)[0] == "published" and posts_created(graph) <= 1
    assert len(graph.published_posts()) == 1
    assert published_entries(project, post)[0].get("reconciled") is True


def test_a_lease_of_another_machine_is_left_alone_until_it_expires(project):
    """A process on another machine cannot be checked from here: only its lease's expiry frees its send."""
    fast_daemon(project, lease_seconds=600)
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["portal"]')
    future = "2999-01-01 00:00:00"
    project.sql("UPDATE deliveries SET status='sending', lease_owner='another-machine~0000:999999:abcdef', "
                "lease_expires_at=?, attempts=1 WHERE post_id=?", future, post)
    project.ok("run", "--once")
    assert lease(project, post, "portal") == ("sending", "another-machine~0000:999999:abcdef", future)
    assert not (project.root / "var" / "site" / "posts").exists() or not any(
        (project.root / "var" / "site" / "posts").iterdir())


def test_an_abandoned_send_the_platform_never_got_is_sent_again(project):
    """Reconciling an expired lease: the channel shows no such post, so it goes out now (same attempt, logged)."""
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["portal"]')
    project.sql("UPDATE deliveries SET status='sending', lease_owner='another-machine~0000:1:abcdef', "
                "lease_expires_at='2000-01-01 00:00:00', attempts=1 WHERE post_id=?", post)
    project.ok("run", "--once")
    assert lease(project, post, "portal")[0] == "published"
    (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='attempt' AND post_id=?", post)
    assert json.loads(detail)["class"] == "interrupted"
    pages = list((project.root / "var" / "site" / "posts").iterdir())
    assert len(pages) == 1
