"""What adapters may ask of the queue database (scheduler/coordination.py): a lock two processes never hold at once,
on SQLite and on PostgreSQL, and a delivery's recorded steps, which survive the process that wrote them."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from pathlib import Path

import pytest

from loa.posts.db import Database, open_database
from loa.posts.models import Campaign, Delivery, Post
from loa.scheduler.coordination import Coordination

HOLD_SECONDS = 0.4


def _hold_lock(url: str, name: str, log: str, start: float) -> None:
    """Wait for a common start, take the lock, note when it was held (a child process)."""
    db = Database(url)
    while time.time() < start:
        time.sleep(0.005)
    with Coordination(db).lock(name):
        entered = time.time()
        time.sleep(HOLD_SECONDS)
        left = time.time()
    with open(log, "a") as file:
        file.write(f"{entered} {left}\n")
    db.dispose()


def _held_apart(url: str, tmp_path: Path) -> list[tuple[float, float]]:
    log = tmp_path / "held.txt"
    start = time.time() + 1.0
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_hold_lock, args=(url, "zalo-refresh:oa", str(log), start)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    spans = sorted(tuple(map(float, line.split())) for line in log.read_text().splitlines())
    assert len(spans) == 3
    return spans  # type: ignore[return-value]


def test_a_lock_is_held_by_one_process_at_a_time_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'loa.db'}"
    open_database(url, create=True).dispose()
    spans = _held_apart(url, tmp_path)
    for (_, left), (entered, _) in zip(spans, spans[1:]):
        assert entered >= left - 0.01, spans  # the next one entered only after the previous one left


def test_a_lock_is_held_by_one_process_at_a_time_on_postgresql(tmp_path, postgres):
    url = postgres.create_database("coordination")
    open_database(url, create=True).dispose()
    spans = _held_apart(url, tmp_path)
    for (_, left), (entered, _) in zip(spans, spans[1:]):
        assert entered >= left - 0.01, spans


def _delivery(db: Database) -> int:
    with db.transaction() as session:
        campaign = Campaign(slug="c", name="C", start_date=dt.date(2031, 10, 1), end_date=dt.date(2031, 10, 7),
                            timezone="Asia/Ho_Chi_Minh", channels=["staff"], hashtags=[])
        post = Post(campaign=campaign, seq=1, title="T", body="B", publish_at=dt.datetime(2031, 10, 1, 1, 0, tzinfo=dt.timezone.utc))
        delivery = Delivery(post=post, channel="staff", due_at=post.publish_at, available_at=post.publish_at)
        session.add_all([campaign, post, delivery])
        session.flush()
        return delivery.id


def _steps_recorded_and_read_back(url: str) -> None:
    db = open_database(url, create=True)
    delivery_id = _delivery(db)
    steps = Coordination(db).steps(delivery_id)
    assert steps.statuses() == {}
    steps.begin("batch-1", {"recipients": 100})
    steps.sent("batch-1")
    steps.begin("batch-2", {"recipients": 50})
    steps.unknown("batch-2")
    steps.begin("batch-3")
    again = Coordination(Database(url)).steps(delivery_id)  # as a process resuming after a crash sees them
    assert again.statuses() == {"batch-1": "sent", "batch-2": "unknown", "batch-3": "sending"}
    assert again.detail("batch-2") == {"recipients": 50}
    again.forget("batch-3")
    assert "batch-3" not in steps.statuses()
    # the steps go with their delivery
    with db.transaction() as session:
        session.delete(session.get(Delivery, delivery_id))
    assert steps.statuses() == {}
    db.dispose()


def test_steps_are_recorded_and_read_back_by_another_connection(tmp_path):
    _steps_recorded_and_read_back(f"sqlite:///{tmp_path / 'loa.db'}")


def test_steps_are_recorded_and_read_back_on_postgresql(postgres):
    _steps_recorded_and_read_back(postgres.create_database("steps"))


def test_steps_written_on_a_kept_connection_are_committed_one_by_one(tmp_path):
    url = f"sqlite:///{tmp_path / 'loa.db'}"
    db = open_database(url, create=True)
    steps = Coordination(db).steps(_delivery(db))
    elsewhere = Coordination(Database(url)).steps(steps.delivery_id)  # as a process resuming after a crash
    with steps.kept_open():
        steps.begin("batch-1", {"recipients": 50})
        assert elsewhere.statuses() == {"batch-1": "sending"}  # before the block ends: before the send
        steps.sent("batch-1")
        assert elsewhere.records() == {"batch-1": ("sent", {"recipients": 50})}
        steps.forget("batch-1")
        assert elsewhere.statuses() == {}
    db.dispose()


@pytest.mark.parametrize("status", ["sending", "sent", "unknown"])
def test_a_step_status_is_one_of_three(tmp_path, status):
    db = open_database(f"sqlite:///{tmp_path / 'loa.db'}", create=True)
    steps = Coordination(db).steps(_delivery(db))
    getattr(steps, {"sending": "begin", "sent": "sent", "unknown": "unknown"}[status])("s")
    assert steps.statuses() == {"s": status}
    db.dispose()
