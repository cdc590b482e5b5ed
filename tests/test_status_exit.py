"""`loa status` tells a monitor whether anything needs a person by its exit code (0 healthy, 3 needs a person, 1
cannot tell, with the reasons in --json's ``health``); `loa status --check` says it in one Nagios line with
Nagios's codes; `loa run --until-idle` exits 3 when it leaves deliveries a person must see to."""
from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import time

import pytest
from conftest import campaign_toml, delivery_states, fast_daemon, future_day, make_due, queue_now, spawn_loa

from support.browser import wait_for


@pytest.fixture
def page_settings() -> str:
    return "\ntimeout = 1"  # the Graph double holding its answer 3 s: a lost answer (may have gone out)


def health(project, *args: str) -> tuple[int, dict]:
    """(exit code, the report's ``health``) of `loa status --json`."""
    result = project.run("status", *args, "--json")
    return result.exit_code, json.loads(result.stdout)["health"]


def check(project, *, env: dict[str, str] | None = None) -> tuple[int, str]:
    """(exit code, the one line) of `loa status --check`."""
    result = project.run("status", "--check", env=env)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and result.stderr == "", result.output
    return result.exit_code, lines[0]


def plan_ahead(project, posts: int = 2) -> None:
    """Approved posts a month ahead: queued, nothing due."""
    project.ok("campaign", "import", str(project.write("ahead.toml", campaign_toml("ahead", start=future_day(),
                                                                                  posts=posts))), "--approve")


def test_nothing_to_publish_and_nothing_wrong_is_healthy(project):
    assert health(project) == (0, {"state": "ok", "exit": 0, "reasons": []})
    assert project.run("status").exit_code == 0
    assert check(project) == (0, "LOA OK - 0 queued, daemon down | queued=0 daemon_up=0 paused=0 failed=0 "
                                 "unknown=0 missed=0 draft=0")


def test_posts_queued_with_no_daemon_are_critical_until_one_runs(project):
    fast_daemon(project)
    plan_ahead(project)
    assert health(project) == (3, {"state": "critical", "exit": 3, "reasons": [{"status": "stopped"}]})
    assert project.run("status").exit_code == 3  # the table for a person exits the same way
    code, line = check(project)
    assert code == 2 and line.startswith("LOA CRITICAL - no daemon running, 4 queued | queued=4 daemon_up=0")
    daemon = spawn_loa(project, "run")
    try:
        wait_for(lambda: project.json("status")["daemon"]["alive"], seconds=30, what="the daemon's heartbeat")
        assert health(project) == (0, {"state": "ok", "exit": 0, "reasons": []})
        code, line = check(project)
        assert code == 0 and line.startswith("LOA OK - 4 queued, daemon up | queued=4 daemon_up=1 ")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    assert health(project)[0] == 3  # stopped cleanly, but the posts still wait for one


def test_a_daemon_killed_without_stopping_is_critical_even_with_nothing_queued(project):
    fast_daemon(project)
    daemon = spawn_loa(project, "run")
    try:
        wait_for(lambda: project.json("status")["daemon"]["alive"], seconds=30, what="the daemon's heartbeat")
        assert health(project)[0] == 0  # nothing queued, a daemon up
    finally:
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=30)
    assert health(project) == (3, {"state": "critical", "exit": 3, "reasons": [{"status": "stopped"}]})
    code, line = check(project)
    assert code == 2 and line.startswith("LOA CRITICAL - no daemon running, 0 queued |")


def test_a_failed_delivery_needs_a_person_and_until_idle_says_so(project):
    fast_daemon(project)
    (project.root / "blocked").write_text("a file where the site folder should be")
    project.set_channel("portal", 'adapter = "static-site"\npath = "blocked"')
    post, = queue_now(project, 1)
    make_due(project, post)
    result = project.run("run", "--until-idle")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == "deliveries need a person (1 failed): see loa status"
    assert delivery_states(project)[(post, "portal")] == "failed"
    assert health(project) == (3, {"state": "warning", "exit": 3, "reasons": [{"status": "failed", "count": 1}]})
    assert check(project) == (1, "LOA WARNING - 1 failed, 0 queued, daemon down | queued=0 daemon_up=0 paused=0 "
                                 "failed=1 unknown=0 missed=0 draft=0")
    (project.root / "blocked").unlink()  # the person fixes the folder and sends it again
    project.ok("retry", str(post))
    assert project.run("run", "--until-idle").exit_code == 0
    assert health(project)[0] == 0


def test_an_unknown_outcome_needs_a_person(page):
    project, graph = page
    fast_daemon(project, max_attempts=1)
    post, = queue_now(project, 1, pace=0.2)
    make_due(project, post)
    graph.stall_seconds = 3  # Facebook makes the post, its answer is lost, and the lookup fails: nobody can tell
    graph.fail_next("GET", "/posts", code=2, times=5)
    result = project.run("run", "--until-idle")
    graph.stall_seconds = 0
    assert delivery_states(project)[(post, "facebook")] == "unknown"
    assert result.exit_code == 3 and "1 unknown" in result.stderr
    assert health(project) == (3, {"state": "warning", "exit": 3, "reasons": [{"status": "unknown", "count": 1}]})
    code, line = check(project)
    assert code == 1 and line.startswith("LOA WARNING - 1 unknown, 0 queued, daemon down |")


def test_a_channel_paused_for_a_person_is_a_warning_and_a_rate_limit_is_not(page):
    project, graph = page
    fast_daemon(project)
    first, second = queue_now(project, 2, pace=0.3)
    graph.fail_next("POST", "/feed", code=190, subcode=463)  # the Page token was revoked
    assert project.run("run", "--until-idle").exit_code == 0  # nothing failed: Facebook waits with its post
    assert health(project) == (3, {"state": "warning", "exit": 3,
                                   "reasons": [{"status": "paused", "channel": "facebook"}]})
    code, line = check(project)
    assert code == 1 and line.startswith("LOA WARNING - channel facebook paused, 2 queued, daemon down |")
    assert " paused=1 " in line
    assert "pause lifted" in project.ok("channels", "check", "facebook").stdout
    project.sql("UPDATE deliveries SET available_at=due_at WHERE channel='facebook'")  # its retry falls due
    graph.page_usage.update(call_count=95)  # near Facebook's limit: loa slows down by itself
    assert project.run("run", "--once").exit_code == 0
    (kind,), = project.sql("SELECT pause_kind FROM channel_states WHERE channel='facebook'")
    states = delivery_states(project)
    assert kind == "rate" and states[(first, "facebook")] == "published" and states[(second, "facebook")] == \
        "retry_wait"
    assert health(project) == (0, {"state": "ok", "exit": 0, "reasons": []})  # it resumes by itself


def test_a_missed_post_needs_a_person(project):
    fast_daemon(project, grace_minutes=90)
    late, = queue_now(project, 1)
    make_due(project, late, ago=dt.timedelta(hours=3))  # loa was not running when it fell due
    assert project.run("run", "--once").exit_code == 0  # --once is a step, not a verdict
    assert {delivery_states(project)[(late, c)] for c in ("portal", "facebook")} == {"missed"}
    assert health(project) == (3, {"state": "warning", "exit": 3, "reasons": [{"status": "missed", "count": 2}]})
    result = project.run("run", "--until-idle")  # nothing left to send, but what it leaves needs a person
    assert result.exit_code == 3 and "2 missed" in result.stderr


def test_a_draft_about_to_miss_its_time_needs_a_person(project):
    project.ok("campaign", "import", str(project.write("nhap.toml", campaign_toml("nhap", posts=2))))
    first, _later = [p["id"] for p in project.json("queue", "--campaign", "nhap")["posts"]]
    make_due(project, first, ago=-dt.timedelta(hours=5))  # due in 5 hours, still a draft
    assert health(project) == (3, {"state": "warning", "exit": 3, "reasons": [{"status": "draft", "count": 1}]})
    code, line = check(project)
    assert code == 1 and line.startswith("LOA WARNING - 1 drafts due, ") and line.endswith(" draft=1")
    project.ok("post", "approve", str(first))
    assert health(project)[1]["reasons"] == [{"status": "stopped"}]  # approved: now it waits for a daemon


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_database_is_exit_1_and_unknown_to_a_monitor(project):
    env = {"LOA_DATABASE_URL": f"postgresql+psycopg://loa@127.0.0.1:{closed_port()}/loa"}
    started = time.monotonic()
    result = project.run("status", env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    error, = result.stderr.splitlines()
    assert error.startswith("error: database error: postgresql+psycopg://loa@127.0.0.1:") and "refused" in error
    code, line = check(project, env=env)
    assert code == 3 and line.startswith("LOA UNKNOWN - database error: postgresql+psycopg://loa@127.0.0.1:")
    assert time.monotonic() - started < 30
    code, line = check(project, env={"LOA_DATABASE_URL": f"sqlite:///{project.root / 'elsewhere.db'}"})
    assert code == 3 and line.startswith("LOA UNKNOWN - ") and "loa init" in line  # no database there yet
    both = project.run("status", "--check", "--json")
    assert both.exit_code == 2 and "--check" in both.stderr
