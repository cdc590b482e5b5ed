"""`loa status` (and the workspace's needs-attention panel, built from it on every page) reads what needs a person,
not the whole queue: on a queue of thousands of pending deliveries its work grows by a few steps per delivery (the
count by status), and what it says stays the same — counts of first publications only, archived campaigns left out
unless asked, a delivery waiting for a failed channel listed once, the next delivery the daemon will claim."""
from __future__ import annotations

import sqlite3

from sqlalchemy import event

from conftest import campaign_toml

POSTS = 1500


def big_queue(project) -> list[int]:
    """Two approved campaigns (the second archived later), then POSTS more approved posts copied by SQL."""
    for slug in ("tuan-le", "luu-tru"):
        project.ok("campaign", "import", str(project.write(f"{slug}.toml", campaign_toml(slug, posts=2))))
        ids = [str(p["id"]) for p in project.json("queue", "--campaign", slug)["posts"]]
        project.ok("post", "approve", *ids)
    connection = sqlite3.connect(project.db_path, isolation_level=None)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(posts)") if row[1] not in ("id", "seq")]
    top = connection.execute("SELECT max(id), max(seq) FROM posts").fetchone()
    connection.execute("BEGIN")
    for n in range(1, POSTS + 1):
        connection.execute(f"INSERT INTO posts (id, seq, {', '.join(columns)}) SELECT ?, ?, {', '.join(columns)} "
                           "FROM posts WHERE id = 1", (top[0] + n, top[1] + n))
        connection.execute("INSERT INTO deliveries (post_id, channel, status, due_at, available_at, attempts, "
                           "updated_at, action) SELECT ?, channel, status, due_at, available_at, attempts, "
                           "updated_at, action FROM deliveries WHERE post_id = 1", (top[0] + n,))
    connection.execute("COMMIT")
    connection.close()
    return [row[0] for row in project.sql("SELECT id FROM posts ORDER BY id")]


def steps(project) -> int:
    """SQLite virtual-machine steps one ``daemon_status`` takes (counted by a progress handler)."""
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.status import daemon_status

    config = load_config(project.config)
    database = open_database(config.database_url, where="database.url")
    counted = [0]

    @event.listens_for(database.engine, "connect")
    def count(connection, _record) -> None:
        connection.set_progress_handler(lambda: counted.__setitem__(0, counted[0] + 1) or 0, 100)
    database.engine.dispose()
    daemon_status(database, config)
    counted[0] = 0
    daemon_status(database, config)
    database.engine.dispose()
    return counted[0] * 100


def test_status_reads_what_needs_a_person_not_the_whole_queue(project):
    big_queue(project)
    deliveries = project.rows("deliveries")
    assert deliveries >= 2 * POSTS
    # about 10 steps a delivery now (the count by status); the plan that walked every pending delivery took 94
    taken = steps(project)
    assert taken < 20 * deliveries, taken


def test_what_status_says_on_a_big_queue(project):
    posts = big_queue(project)
    failed, waiting_post, cancelled = posts[10], posts[11], posts[12]
    project.sql("UPDATE deliveries SET status = 'failed', last_error = 'boom' WHERE post_id = ? AND channel = 'portal'",
                waiting_post)
    project.sql("UPDATE deliveries SET wait_for = 'portal' WHERE post_id = ? AND channel = 'facebook'", waiting_post)
    project.sql("UPDATE deliveries SET status = 'missed' WHERE post_id = ? AND channel = 'facebook'", failed)
    project.sql("UPDATE deliveries SET status = 'unknown' WHERE post_id = ?", cancelled)
    project.sql("UPDATE posts SET status = 'cancelled' WHERE id = ?", cancelled)
    # a correction that failed is listed but not counted with the first publications
    project.sql("INSERT INTO deliveries (post_id, channel, status, due_at, available_at, attempts, updated_at, action) "
                "SELECT post_id, channel, 'failed', due_at, available_at, 1, updated_at, 'update' FROM deliveries "
                "WHERE post_id = ? AND channel = 'portal'", posts[20])
    project.sql("UPDATE campaigns SET archived_at = '2030-01-01 00:00:00' WHERE slug = 'luu-tru'")
    archived = {row[0] for row in project.sql("SELECT p.id FROM posts p JOIN campaigns c ON c.id = p.campaign_id "
                                             "WHERE c.slug = 'luu-tru'")}

    def expected(with_archived: bool) -> dict[str, int]:
        rows = project.sql("SELECT post_id, status FROM deliveries WHERE action = 'publish'")
        counted: dict[str, int] = {}
        for post, status in rows:
            if with_archived or post not in archived:
                counted[status] = counted.get(status, 0) + 1
        return counted

    for flag, with_archived in (((), False), (("--archived",), True)):
        status = project.json("status", *flag)
        assert {k: v for k, v in status["deliveries"].items() if v} == expected(with_archived)
    status = project.json("status")
    items = [(i["post"], i["channel"], i["status"]) for i in status["attention"]["items"] if i["post"] is not None]
    assert (waiting_post, "facebook", "waiting") in items and (waiting_post, "portal", "failed") in items
    assert (failed, "facebook", "missed") in items and (cancelled, "portal", "unknown") in items
    assert (posts[20], "portal", "failed") in items
    assert len([i for i in items if i[2] == "waiting"]) == 1
    # the next one: the earliest claimable delivery, not one waiting for the failed portal
    earliest = project.sql(
        "SELECT d.post_id, d.channel FROM deliveries d JOIN posts p ON p.id = d.post_id JOIN campaigns c "
        "ON c.id = p.campaign_id WHERE d.status IN ('pending', 'retry_wait') AND p.status = 'approved' "
        "AND d.action = 'publish' AND NOT (d.post_id = ? AND d.channel = 'facebook') "
        "ORDER BY d.available_at, d.id LIMIT 1", waiting_post)[0]
    assert (status["next"]["post"], status["next"]["channel"]) == tuple(earliest)
