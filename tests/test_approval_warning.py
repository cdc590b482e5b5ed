"""Drafts that will miss their time are loud: in `loa status`'s attention list (with `loa post approve ID`) when due
within `[daemon] approval_warning_hours` or overdue, and a warning in the daemon's log once per post and revision."""
from __future__ import annotations

import datetime as dt
import logging

from conftest import campaign_toml, make_due

HOUR = dt.timedelta(hours=1)


def drafts(project, *, archived=False):
    status = project.json("status", *(["--archived"] if archived else []))
    return [i for i in status["attention"]["items"] if i["status"] == "draft"]


def soon(hours: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)).isoformat(timespec="seconds")


def queued_drafts(project, slug="tuan-le"):
    """Three drafts of a campaign starting today: far ahead for now (moved by each test)."""
    project.ok("campaign", "import", str(project.write(f"{slug}.toml", campaign_toml(slug, posts=3))))
    return [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]


def test_a_draft_due_soon_or_overdue_is_in_status_with_the_command_that_approves_it(project):
    overdue, due_soon, later = queued_drafts(project)
    make_due(project, overdue, ago=2 * HOUR)
    project.ok("post", "reschedule", str(due_soon), soon(5))
    assert [(i["post"], i["hint"]) for i in drafts(project)] == [(overdue, f"loa post approve {overdue}"),
                                                                (due_soon, f"loa post approve {due_soon}")]
    items = {i["post"]: i for i in drafts(project)}
    assert "overdue" in items[overdue]["reason"] and "overdue" not in items[due_soon]["reason"]
    assert items[due_soon]["campaign"] == "tuan-le" and items[due_soon]["channel"] is None
    text = project.run("status", env={"COLUMNS": "300"}).stdout
    assert f"loa post approve {due_soon}" in text
    project.ok("post", "approve", str(overdue), str(due_soon))
    assert drafts(project) == []
    # an edit that returns an approved post to draft brings it back
    project.ok("post", "edit", str(due_soon), "--title", "Tiêu đề mới")
    assert [i["post"] for i in drafts(project)] == [due_soon]


def test_the_window_comes_from_the_config(project):
    _, due, _ = queued_drafts(project)
    project.ok("post", "reschedule", str(due), soon(30))
    assert drafts(project) == []  # 30 h ahead: outside the default 24 h
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("\n[daemon]\n", "\n[daemon]\napproval_warning_hours = 48\n", 1),
                              encoding="utf-8")
    assert [i["post"] for i in drafts(project)] == [due]
    project.config.write_text(text.replace("\n[daemon]\n", "\n[daemon]\napproval_warning_hours = -1\n", 1),
                              encoding="utf-8")
    assert "[daemon]: approval_warning_hours" in project.fails("status")


def test_cancelled_and_archived_campaigns_are_left_out(project):
    first, *_ = queued_drafts(project)
    other, *_ = queued_drafts(project, "khac")
    make_due(project, first, ago=HOUR)
    make_due(project, other, ago=HOUR)
    assert {i["post"] for i in drafts(project)} == {first, other}
    project.ok("campaign", "cancel", "khac")
    assert {i["post"] for i in drafts(project)} == {first}
    project.sql("UPDATE campaigns SET archived_at=created_at, cancelled_at=NULL WHERE slug='khac'")
    project.sql("UPDATE posts SET status='draft' WHERE id=?", other)
    project.sql("UPDATE deliveries SET status='pending' WHERE post_id=?", other)
    assert {i["post"] for i in drafts(project)} == {first}
    assert {i["post"] for i in drafts(project, archived=True)} == {first}  # archived drafts never warn


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_daemon_warns_once_per_post_and_revision(project):
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.daemon import PublishingDaemon

    first, second, _ = queued_drafts(project)
    make_due(project, first, ago=HOUR)
    project.ok("post", "reschedule", str(second), soon(3))
    config = load_config(project.config)
    db = open_database(config.database_url)
    daemon = PublishingDaemon(db, config)
    logger, collected = logging.getLogger("loa"), Collected()
    saved = logger.handlers[:], logger.level
    logger.handlers[:] = [collected]  # the daemon's log, whatever an earlier test left on the logger
    logger.setLevel(logging.INFO)
    try:
        assert daemon.warn_drafts() == 2
        assert daemon.warn_drafts() == 0 and daemon.warn_drafts() == 0  # every sweep: still only once
        project.ok("post", "edit", str(second), "--body", "Nội dung đã sửa.")  # a new revision: warned again
        assert daemon.warn_drafts() == 1
        assert daemon.warn_drafts(now=dt.datetime.now(dt.timezone.utc)) == 0
    finally:
        logger.handlers[:], level = saved[0], saved[1]
        logger.setLevel(level)
        db.dispose()
    warnings = [r for r in collected.records if getattr(r, "event", None) == "draft-due"]
    assert [r.post for r in warnings] == [first, second, second]
    assert all(r.levelno == logging.WARNING for r in warnings)
    assert f"loa post approve {first}" in warnings[0].getMessage() and "overdue" in warnings[0].getMessage()


def test_loa_run_logs_the_warning(project):
    first, *_ = queued_drafts(project)
    make_due(project, first, ago=HOUR)
    result = project.ok("run", "--once")
    lines = [line for line in result.stderr.splitlines() if "draft-due" in line]
    assert len(lines) == 1 and f" · post {first}" in lines[0] and f"loa post approve {first}" in lines[0]
