"""Storage rules: concurrent writers serialise cleanly (BEGIN IMMEDIATE), and the hot queries use their indexes."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import event

from conftest import campaign_toml
from loa.posts.db import open_database
from loa.posts.listing import due_deliveries, list_queue
from loa.posts.queue import add_post


def test_concurrent_writers_neither_fail_nor_interleave(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1),
                                                                                posts=0))))
    url = f"sqlite:///{project.db_path}"
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        database = open_database(url)  # one engine per thread, like separate processes
        try:
            for k in range(25):
                add_post(database, campaign="tuan-le", at=f"2031-10-0{1 + k % 7} 08:{k:02d}", title=f"{n}-{k}",
                         body="x", known_channels=["portal", "facebook"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = [s for (s,) in project.sql("SELECT seq FROM posts")]
    assert len(seqs) == 100 and len(set(seqs)) == 100  # read-then-write inside one locked transaction
    assert project.rows("deliveries") == 200 and project.rows("outreach_entries") == 101


def plans_of(database, call) -> list[str]:
    """Run ``call`` and return SQLite's query plan for every SELECT it issued."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.session() as session:
            call(session)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    plans = []
    with database.engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans.append("\n".join(row[-1] for row in rows))
    return plans


def test_week_listing_and_due_lookup_use_indexes(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=50))), "--approve")
    database = open_database(f"sqlite:///{project.db_path}")
    now = dt.datetime.now(dt.timezone.utc)
    week = plans_of(database, lambda s: list_queue(s, since=now, until=now + dt.timedelta(days=7)))
    assert len(week) == 1
    assert "USING INDEX ix_posts_publish_at" in week[0] or "USING INDEX ix_posts_status_publish_at" in week[0]
    assert "SCAN posts" not in week[0]
    due = plans_of(database, lambda s: due_deliveries(s, now))
    assert "USING INDEX ix_deliveries_status_available_at" in due[0], due[0]
    assert "SCAN deliveries" not in due[0]
    database.dispose()


def test_due_deliveries_are_approved_pending_and_due(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=3))))
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "approve", str(ids[0]), str(ids[1]))
    database = open_database(f"sqlite:///{project.db_path}")
    far = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=400)
    with database.session() as session:
        assert due_deliveries(session, dt.datetime.now(dt.timezone.utc)) == []
        due = due_deliveries(session, far)
    assert {d for (d,) in project.sql(f"SELECT post_id FROM deliveries WHERE id IN ({','.join(str(d[0]) for d in due)})")} == set(ids[:2])
    assert [d[2] for d in due] == sorted(d[2] for d in due)
    database.dispose()


def test_the_daemon_polls_through_the_partial_due_index(project):
    """Every second the daemon asks what is due next and claims what is due: both walk the (status, available_at)
    index in time order, with no sort of the queue, whatever the size of the history."""
    from loa.scheduler.claims import claim_due_deliveries, next_due_at

    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=50))), "--approve")
    database = open_database(f"sqlite:///{project.db_path}")
    after = {"facebook": "portal"}
    plans = [p for p in plans_of(database, lambda s: next_due_at(database, after=after)) if "deliveries" in p]
    assert len(plans) == 2 and all("USING INDEX ix_deliveries_status_available_at (status=?)" in p for p in plans)
    assert not any("SCAN deliveries" in plan or "TEMP B-TREE" in plan for plan in plans), plans
    claim = plans_of(database, lambda s: claim_due_deliveries(database, "test:1:x", after=after,
                                                             lease=dt.timedelta(minutes=1)))
    assert any("ix_deliveries_status_available_at (status=? AND available_at<?)" in plan for plan in claim), claim
    assert not any("SCAN deliveries" in plan for plan in claim), claim
    database.dispose()
