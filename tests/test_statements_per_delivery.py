"""How many statements the database runs per delivery while the daemon works through a backlog, on SQLite and on a
real PostgreSQL: the claim, the read of what each delivery sends and the record of each publication, counted as the
database sees them (tests/support/statements.py: each statement, BEGIN, COMMIT and ROLLBACK included). A regression
here is a slower daemon."""
from __future__ import annotations

import datetime as dt
import itertools

from conftest import Project, facebook_channel
from sqlalchemy import text

from loa.posts.db import open_database
from loa.scheduler.config import config_template, load_config
from loa.scheduler.daemon import PublishingDaemon
from support.facebook import GraphDouble
from support.statements import counted

TOKEN = "EAAB-statements"
POSTS = 40  # four claims of ten
LIMITS = {"sqlite": 6, "postgresql": 7}  # measured: SQLite 5.6, PostgreSQL 6.6 (it locks the post row first)
_names = itertools.count()


def campaign(posts: int) -> str:
    today = dt.date.today()
    body = "".join(f'\n[[posts]]\nday = 1\ntime = "08:00"\ntitle = "Tin số {n}"\nbody = "Nội dung tin số {n}."\n'
                   for n in range(1, posts + 1))
    return (f'[campaign]\nslug = "dem-lenh"\nname = "Đếm lệnh"\nstart = {today}\nend = {today}\n'
            f'channels = ["facebook"]\n{body}')


def statements_per_delivery(project: Project, graph: GraphDouble) -> tuple[float, list[str]]:
    """Queue POSTS due deliveries, let the daemon send them all in one sweep, count what the database ran."""
    project.set_channel("facebook", facebook_channel(graph))
    project.ok("campaign", "import", str(project.write("c.toml", campaign(POSTS))), "--approve", "--allow-past")
    config = load_config(project.config)
    db = open_database(config.database_url)
    with db.engine.begin() as connection:  # every post due a moment ago
        moment = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=1)
        connection.execute(text("UPDATE deliveries SET due_at = :t, available_at = :t"), {"t": moment})
        connection.execute(text("UPDATE posts SET publish_at = :t"), {"t": moment})
    daemon = PublishingDaemon(db, config)
    try:
        daemon.start(schedule=False)  # registering and settling a previous run's leftovers are not counted
        with counted(db) as ran:
            daemon.sweep()
        daemon.stop()
    finally:
        db.dispose()
    assert daemon.sent == POSTS and len(graph.published_posts()) == POSTS
    return len(ran) / POSTS, ran


def test_statements_per_delivery_on_sqlite(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as graph:
        per_delivery, ran = statements_per_delivery(project, graph)
    assert per_delivery <= LIMITS["sqlite"], (per_delivery, ran)


def test_statements_per_delivery_on_postgresql(bare, postgres, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    url = postgres.create_database(f"loa_statements_{next(_names)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    with GraphDouble(token=TOKEN) as graph:
        per_delivery, ran = statements_per_delivery(bare, graph)
    assert per_delivery <= LIMITS["postgresql"], (per_delivery, ran)
