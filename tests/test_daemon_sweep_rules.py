"""What a running daemon does with posts made due in the past, and with a database it cannot write to for a while:
the downtime rules (missed past the grace window, the rest spaced per channel) at every sweep, and outcomes that are
written late but never lost, never left `sending`."""
from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import time
from zoneinfo import ZoneInfo

from conftest import delivery_states, fast_daemon, make_due, queue_now, spawn_loa


TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def wait_until(check, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def past_campaign(slug: str, moments: list[dt.datetime]) -> str:
    """A campaign file whose posts fall at ``moments`` (local times, already past)."""
    start = min(m.date() for m in moments)
    end = max(max(m.date() for m in moments), start)
    text = (f'[campaign]\nslug = "{slug}"\nname = "Chiến dịch muộn"\nstart = {start.isoformat()}\n'
            f'end = {end.isoformat()}\nchannels = ["portal", "facebook"]\n')
    for n, moment in enumerate(moments, 1):
        text += (f'\n[[posts]]\nday = {(moment.date() - start).days + 1}\ntime = "{moment:%H:%M}"\n'
                 f'title = "Bài muộn {n}"\nbody = "Nội dung {n}."\n')
    return text


def test_posts_made_due_in_the_past_while_the_daemon_runs_follow_the_downtime_rules(project):
    fast_daemon(project, grace_minutes=120, spacing_seconds=3)
    daemon = spawn_loa(project, "run")
    try:
        wait_until(lambda: project.json("status")["daemon"]["alive"], "the daemon to start")
        now = dt.datetime.now(TZ).replace(second=0, microsecond=0)
        late = [now - dt.timedelta(hours=5)] + [now - dt.timedelta(minutes=10)] * 3
        path = project.write("muon.toml", past_campaign("muon", late))
        project.ok("campaign", "import", str(path), "--allow-past", "--approve")
        wait_until(lambda: sum(1 for s in delivery_states(project).values() if s == "published") == 6,
                   "the three posts within the grace window to go out")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
    posts = {p["title"]: p["id"] for p in project.json("queue", "--campaign", "muon", "--from", "2000-01-01")["posts"]}
    states = delivery_states(project)
    assert states[(posts["Bài muộn 1"], "portal")] == states[(posts["Bài muộn 1"], "facebook")] == "missed"
    # the rest went out one channel at a time, spaced: not the burst of three at once a fresh import used to cause
    sent = sorted(dt.datetime.fromisoformat(at) for (at,) in project.sql(
        "SELECT published_at FROM deliveries WHERE channel='portal' AND status='published'"))
    gaps = [(b - a).total_seconds() for a, b in zip(sent, sent[1:])]
    assert len(sent) == 3 and min(gaps) >= 2.5, gaps
    (reason,), = project.sql("SELECT last_error FROM deliveries WHERE post_id=? AND channel='portal'",
                             posts["Bài muộn 1"])
    assert "2 hours" in reason


def test_a_database_locked_past_its_timeout_during_a_send_delays_the_record_but_never_strands_it(page):
    project, graph = page
    fast_daemon(project, lease_seconds=20)  # the daemon settles its own unrecorded sends every 10 s
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("\n[database]\n", "\n[database]\nbusy_timeout_seconds = 0.5\n", 1),
                              encoding="utf-8")
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
    graph.stall_seconds = 2  # the Page makes the post, then answers 2 s later
    daemon = spawn_loa(project, "run", "--until-idle")
    assert graph.created.wait(60), "the daemon never sent the post"
    blocker = sqlite3.connect(project.db_path, timeout=30, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock while the answer comes back
        time.sleep(8)  # longer than every bounded retry of the record (0.5 s busy timeout each)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert daemon.wait(timeout=120) == 0  # --until-idle ends: nothing is left `sending`
    assert delivery_states(project)[(post, "facebook")] == "published"
    assert len(graph.published_posts()) == 1
    kinds = [k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE post_id=? AND channel='facebook'",
                                       post)]
    assert kinds.count("published") == 1
    log = next(project.root.glob("loa-*.log")).read_text(encoding="utf-8")
    assert "Traceback" not in log and "not recorded" in log


def test_status_names_the_daemon_that_stopped_its_stuck_send_and_a_paused_channel(page):
    project, graph = page
    fast_daemon(project, lease_seconds=600)  # the send's lease is long: only the dead process gives it away
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
    graph.stall_seconds = 60
    daemon = spawn_loa(project, "run")
    assert graph.created.wait(60), "the daemon never sent the post"
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    report = project.json("status")  # at once: no waiting for the heartbeat to go stale
    assert report["daemon"]["alive"] is False
    by_status = {item["status"]: item for item in report["attention"]["items"]}
    assert set(by_status) == {"stopped", "stuck"}
    assert "systemctl start loa" in by_status["stopped"]["hint"]
    assert by_status["stuck"]["post"] == post and by_status["stuck"]["channel"] == "facebook"
    assert "loa run" in by_status["stuck"]["hint"]
    shown = project.needs_a_person("status").stdout
    assert "Nothing needs your attention" not in shown


def test_a_channel_paused_for_refused_credentials_needs_attention(page, monkeypatch):
    project, graph = page
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
    make_due(project, post)
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", "EAAB-a-token-the-page-refuses")
    project.ok("run", "--once")
    report = project.json("status")
    assert [p["channel"] for p in report["paused"]] == ["facebook"]
    paused, = [i for i in report["attention"]["items"] if i["status"] == "paused"]
    assert paused["channel"] == "facebook" and "loa channels check facebook" in paused["hint"]
    assert "token" in paused["reason"]
    assert "Nothing needs your attention" not in project.needs_a_person("status").stdout


def test_a_rate_limit_pause_is_not_for_a_person(page):
    project, graph = page
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.2, post_lines='channels = ["facebook"]')
    make_due(project, post)
    graph.fail_next("POST", code=32, regain_minutes=5)
    project.ok("run", "--once")
    report = project.json("status")
    assert [(p["channel"], p["kind"]) for p in report["paused"]] == [("facebook", "rate")]
    assert [i for i in report["attention"]["items"] if i["status"] == "paused"] == []


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_the_rest_of_a_batch_given_back_when_its_channel_pauses_spends_no_attempt(page, monkeypatch):
    project, graph = page
    fast_daemon(project)
    posts = queue_now(project, 3, pace=0.2, post_lines='channels = ["facebook"]')
    for post in posts:
        make_due(project, post)
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", "EAAB-a-token-the-page-refuses")
    project.ok("run", "--once")
    rows = project.sql("SELECT status, attempts FROM deliveries ORDER BY post_id")
    # one tried and paused (its attempt given back), the others claimed with it and given back unsent
    assert sorted(status for status, _ in rows) == ["pending", "pending", "retry_wait"]
    assert [attempts for _, attempts in rows] == [0, 0, 0]
    assert sum(1 for r in graph.requests if r.method == "POST") == 1
