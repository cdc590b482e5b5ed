"""`loa run` on the embedded channels (static-site portal, dry-run Facebook): modes, log, channel order, downtime,
edits made while it runs, `loa status` and `loa retry`."""
from __future__ import annotations

import datetime as dt
import json
import signal
import time

from conftest import delivery_states, fast_daemon, make_due, queue_now, spawn_loa


def published_files(project, channel="portal"):
    folder = project.root / "var" / ("site/posts" if channel == "portal" else "dry-run/facebook")
    return sorted(folder.glob("loa-*.html" if channel == "portal" else "loa-*.json"))


def utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def test_once_sends_what_is_due_now_and_nothing_else(project):
    fast_daemon(project)
    first, *later = queue_now(project, 3, pace=120)
    make_due(project, first)
    result = project.ok("run", "--once")
    states = delivery_states(project)
    assert states[(first, "portal")] == states[(first, "facebook")] == "published"
    assert all(states[(post, channel)] == "pending" for post in later for channel in ("portal", "facebook"))
    lines = [line for line in result.stderr.splitlines() if " published " in line]
    assert len(lines) == 2 and all(f" post {first} · channel " in line for line in lines)


def test_until_idle_publishes_everything_never_early_and_logs_json(project):
    fast_daemon(project)
    ids = queue_now(project, 4, pace=0.7)
    result = project.ok("run", "--until-idle", "--log-format", "json")
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["event"] for e in events][0] == "started" and [e["event"] for e in events][-2:] == ["idle", "stopped"]
    assert sorted((e["post"], e["channel"]) for e in events if e["event"] == "published") == \
        sorted((post, channel) for post in ids for channel in ("portal", "facebook"))
    for due, published in project.sql("SELECT due_at, published_at FROM deliveries"):
        assert utc(published) >= utc(due)  # on time means never before its time either
    assert {status for (status,) in project.sql("SELECT status FROM posts")} == {"done"}
    assert len(published_files(project)) == 4


def test_dry_run_rehearses_without_changing_anything(project):
    fast_daemon(project)
    queue_now(project, 2, pace=0.3)
    before = project.sql("SELECT * FROM deliveries ORDER BY id")
    entries = project.rows("outreach_entries")
    result = project.ok("run", "--until-idle", "--dry-run")
    assert result.stderr.count("rehearsed") == 4
    assert project.sql("SELECT * FROM deliveries ORDER BY id") == before
    assert project.rows("outreach_entries") == entries and project.rows("daemons") == 0
    assert len(list((project.root / "var" / "dry-run" / "portal").glob("*.json"))) == 2
    assert published_files(project) == []


def test_a_channel_waits_for_the_one_it_follows_and_carries_its_link(project):
    fast_daemon(project)
    post, = queue_now(project, 1, extra_campaign='after = { facebook = "portal" }')
    project.ok("run", "--until-idle")
    portal_link, portal_at = project.sql("SELECT permalink, published_at FROM deliveries WHERE channel='portal'")[0]
    facebook_at, = project.sql("SELECT published_at FROM deliveries WHERE channel='facebook'")[0]
    assert portal_at <= facebook_at
    sent = json.loads(published_files(project, "facebook")[0].read_text(encoding="utf-8"))
    assert portal_link.startswith("file://") and portal_link in sent["text"]


def test_when_the_first_channel_fails_the_next_waits_and_status_says_why(project):
    fast_daemon(project)
    (project.root / "blocked").write_text("a file where the site folder should be")
    project.set_channel("portal", 'adapter = "static-site"\npath = "blocked"')
    project.set_channel("facebook", 'adapter = "dry-run"\nkind = "facebook"\npath = "var/dry-run/facebook"\n'
                                    'after = "portal"')  # the order from config.toml this time
    post, = queue_now(project, 1)
    project.needs_a_person("run", "--until-idle")  # idle: nothing left that can go without a person
    assert delivery_states(project) == {(post, "portal"): "failed", (post, "facebook"): "pending"}
    status = project.json("status")
    reasons = {(i["channel"], i["status"]): i for i in status["attention"]["items"]}
    assert "cannot write the site folder" in reasons[("portal", "failed")]["reason"]
    waiting = reasons[("facebook", "waiting")]
    assert waiting["reason"] == "waiting for portal (failed)" and waiting["post"] == post
    result = project.run("publish", str(post))  # by hand, too, Facebook waits for the portal
    assert result.exit_code == 1 and "facebook: waiting: waiting for portal (failed)" in result.stderr
    assert delivery_states(project) == {(post, "portal"): "failed", (post, "facebook"): "pending"}


def test_downtime_sends_recent_posts_spaced_and_marks_old_ones_missed(project):
    fast_daemon(project, spacing_seconds=90, grace_minutes=360)
    project.set_channel("facebook", 'adapter = "dry-run"\nkind = "facebook"\npath = "var/dry-run/facebook"')
    old, *recent = queue_now(project, 4, pace=60)
    for post, hours in zip([old, *recent], (7, 2, 1.5, 1)):  # loa was down: these fell due hours ago
        make_due(project, post, ago=dt.timedelta(hours=hours))
    started = dt.datetime.now(dt.timezone.utc)
    project.ok("run", "--once")
    states = delivery_states(project)
    assert states[(old, "portal")] == states[(old, "facebook")] == "missed"
    assert states[(recent[0], "portal")] == states[(recent[0], "facebook")] == "published"  # the first at once
    for channel in ("portal", "facebook"):  # the rest of the backlog: one per 90 s per channel, not a burst
        later = sorted(utc(a) for (a,) in project.sql(
            "SELECT available_at FROM deliveries WHERE channel=? AND status='pending'", channel))
        assert [round((a - started).total_seconds() / 90) for a in later] == [1, 2]
    missed = [i for i in project.json("status")["attention"]["items"] if i["status"] == "missed"]
    assert {i["channel"] for i in missed} == {"portal", "facebook"} and "reschedule" in missed[0]["hint"]
    history = project.sql("SELECT kind, detail FROM outreach_entries WHERE post_id=? AND kind='missed'", old)
    assert len(history) == 2 and "grace" not in history[0][1] and "overdue" in history[0][1]
    soon = (dt.datetime.now() + dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    project.ok("post", "reschedule", str(old), soon)  # a person decides: the missed post goes tomorrow
    assert delivery_states(project)[(old, "portal")] == "pending"


def test_edits_and_cancellations_made_while_it_runs_are_honoured(project):
    fast_daemon(project)
    # no race with the daemon's start: the posts fall due only once the edits are made (the order is forced)
    cancel, edit, keep = queue_now(project, 3, pace=3600)
    daemon = spawn_loa(project, "run")
    try:
        deadline = time.monotonic() + 60
        while " started " not in (project.root / "loa-0.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        project.ok("post", "cancel", str(cancel))
        project.ok("post", "edit", str(edit), "--title", "Bài đã sửa, chờ duyệt lại")  # back to draft
        for post in (cancel, edit, keep):
            make_due(project, post)
        deadline = time.monotonic() + 30
        while delivery_states(project)[(keep, "facebook")] != "published" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
    assert code == 0
    states = delivery_states(project)
    assert states[(cancel, "portal")] == states[(cancel, "facebook")] == "cancelled"
    assert states[(edit, "portal")] == states[(edit, "facebook")] == "pending"
    assert states[(keep, "portal")] == states[(keep, "facebook")] == "published"
    assert len(published_files(project)) == 1  # the cancelled and the edited post were never sent
    log = (project.root / "loa-0.log").read_text()
    assert "stopping" in log and "SIGTERM" in log and log.rstrip().endswith("stopped")


def test_status_tells_a_newcomer_what_is_going_on(project):
    fast_daemon(project)
    queue_now(project, 2, pace=3600)
    shown = project.needs_a_person("status").stdout
    # posts are waiting and nothing publishes them: that needs a person, and says what to do
    assert "No daemon is running" in shown and "Nothing needs your attention" not in shown and "Bài số 1" in shown
    report = project.json("status")
    assert report["daemon"]["alive"] is False and report["deliveries"]["pending"] == 4
    assert [item["status"] for item in report["attention"]["items"]] == ["stopped"]
    assert "systemctl start loa" in report["attention"]["items"][0]["hint"]
    assert report["next"]["title"] == "Bài số 1" and report["paused"] == []
    daemon = spawn_loa(project, "run")
    try:
        deadline = time.monotonic() + 20
        while not project.json("status")["daemon"]["alive"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "Publishing: 1 daemon" in project.ok("status").stdout
    finally:
        daemon.send_signal(signal.SIGINT)
        assert daemon.wait(timeout=30) == 0
    assert project.json("status")["daemon"]["alive"] is False


def test_retry_resends_only_what_is_not_published(project):
    fast_daemon(project)
    (project.root / "blocked").write_text("not a folder")
    project.set_channel("facebook", 'adapter = "static-site"\nkind = "facebook"\npath = "blocked"')
    post, = queue_now(project, 1)
    project.needs_a_person("run", "--until-idle")
    assert delivery_states(project) == {(post, "portal"): "published", (post, "facebook"): "failed"}
    item, = project.json("status")["attention"]["items"]
    assert item["hint"] == f"loa retry {post}" and item["channel"] == "facebook"
    (project.root / "blocked").unlink()
    assert "facebook" in project.ok("retry", str(post)).stdout
    project.ok("run", "--until-idle")
    assert delivery_states(project) == {(post, "portal"): "published", (post, "facebook"): "published"}
    assert len(published_files(project)) == 1  # the portal article was not made twice
    kinds = [k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE post_id=? ORDER BY id", post)]
    assert kinds.count("published") == 2 and "failed" in kinds and "retried" in kinds
    assert "nothing to retry" in project.fails("retry", str(post))
    assert "--channel" in project.fails("retry", str(post), "--channel", "zalo")


def test_bad_input_stops_it_before_anything_is_claimed(project):
    queue_now(project, 1, pace=0.2)
    assert "--once" in project.fails("run", "--once", "--until-idle")
    project.set_channel("facebook", 'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_TEST_NO_SUCH_TOKEN"')
    assert "LOA_TEST_NO_SUCH_TOKEN" in project.fails("run", "--once")
    assert set(delivery_states(project).values()) == {"pending"} and project.rows("daemons") == 0


def test_the_daemon_reads_engagement_figures_when_they_fall_due(project):
    fast_daemon(project, metrics_minutes=0.02)
    post, = queue_now(project, 1, pace=0.2)
    project.ok("run", "--until-idle")
    project.sql("UPDATE deliveries SET published_at = datetime('now', '-2 hours')")  # the +1 h stage is due
    daemon = spawn_loa(project, "run")
    try:
        deadline = time.monotonic() + 30
        while project.rows("outreach_entries WHERE kind = 'metrics'") < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    readings = [json.loads(d) for (d,) in project.sql("SELECT detail FROM outreach_entries WHERE kind='metrics'")]
    assert len(readings) == 2 and {r["stage"] for r in readings} == {"1h"}
    assert all(r["unavailable"] and not r["metrics"] for r in readings)  # local channels: unavailable, never 0


def test_a_fault_of_loa_mid_send_leaves_the_delivery_unknown_not_stuck(project):
    """A banner file gone from the media folder: the adapter fails with an error that is not a platform's. Whether
    the post went out is unknown, so a person decides; the daemon neither hangs nor sends it blindly again."""
    fast_daemon(project)
    post, = queue_now(project, 1, post_lines='banner = { headline = "Đọc sách mỗi ngày" }')
    for banner in (project.root / "var" / "media").rglob("*.png"):
        banner.unlink()
    result = project.needs_a_person("run", "--until-idle")
    assert "FileNotFoundError" in result.stderr
    assert set(delivery_states(project).values()) == {"unknown"}
    items = project.json("status")["attention"]["items"]
    assert {i["status"] for i in items} == {"unknown"} and "FileNotFoundError" in items[0]["reason"]
