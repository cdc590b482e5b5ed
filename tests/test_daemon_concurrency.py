"""Never twice: four `loa run` processes and twenty concurrent `loa publish` on one queue of 500 deliveries, on SQLite
and on a real PostgreSQL (FOR UPDATE SKIP LOCKED) — each delivery reaches the Page exactly once, and every process
really took part: each daemon and each `loa publish` claimed deliveries of its own."""
from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

from conftest import Project, facebook_channel, fast_daemon, spawn_loa
from sqlalchemy import create_engine, text

from loa.scheduler.config import config_template
from support.facebook import GraphDouble

TOKEN = "EAAB-many-daemons"
DAEMONS = 4
BY_DAEMONS = 240  # due over about ten seconds once every daemon runs: they compete for each round of claims
BY_HAND = 8  # due tomorrow, so no daemon may take them: each concurrent `loa publish` claims its own
_names = itertools.count()


def many_posts_campaign(slug: str, posts: int, start: dt.date) -> str:
    body = "".join(f'\n[[posts]]\nday = 1\ntime = "08:00"\ntitle = "Tin {slug} số {n}"\n'
                   f'body = "Nội dung tin {slug} số {n}."\n' for n in range(1, posts + 1))
    return (f'[campaign]\nslug = "{slug}"\nname = "Một tuần nhiều tin"\nstart = {start}\nend = {start}\n'
            f'channels = ["facebook"]\n{body}')


def logged(daemon_log: Path) -> list[dict]:
    return [json.loads(line) for line in daemon_log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def poll(condition, what: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def run_many(project: Project, graph: GraphDouble, query, *, concurrency: int = 1) -> None:
    project.set_channel("facebook", facebook_channel(graph) + f"\nconcurrency = {concurrency}")
    # leases longer than any send on a machine loaded by 24 processes: this test is about claims, not take-overs
    fast_daemon(project, lease_seconds=300)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    project.ok("campaign", "import", str(project.write("by-hand.toml", many_posts_campaign("tay", BY_HAND, tomorrow))),
               "--approve")
    by_hand = [post_id for (post_id,) in query("SELECT id FROM posts ORDER BY id")]
    env = {"LOA_FACEBOOK_TOKEN": TOKEN}
    daemons = [spawn_loa(project, "run", "--log-format", "json", env=env) for _ in range(DAEMONS)]
    logs = sorted(project.root.glob("loa-*.log"))
    poll(lambda: all(any(e["event"] == "started" for e in logged(log)) for log in logs), "the daemons to start")
    # only now the daemons' posts exist, so none of them can take everything before the others are up
    path = project.write("many.toml", many_posts_campaign("nhieu-tin", BY_DAEMONS, dt.date.today()))
    project.ok("campaign", "import", str(path), "--start", "now", "--pace", str(10 / BY_DAEMONS), "--approve")
    loa = str(Path(sys.executable).parent / "loa")
    publishes = [subprocess.Popen([loa, "--config", str(project.config), "publish", str(post_id)], cwd=project.root,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  env={"LOA_LANG": "en", **env, "PATH": "/usr/bin:/bin"}) for post_id in by_hand]
    answers = [(p.wait(timeout=300), p.stdout.read()) for p in publishes]
    assert [code for code, _ in answers] == [0] * BY_HAND, [a for a in answers if a[0]]  # each claimed and sent its post
    total = BY_DAEMONS + BY_HAND
    poll(lambda: query("SELECT count(*) FROM deliveries WHERE status = 'published'")[0][0] == total,
         "every delivery to be published")
    for daemon in daemons:
        daemon.terminate()
    assert [d.wait(timeout=120) for d in daemons] == [0] * DAEMONS
    created = [r for r in graph.requests if r.method == "POST" and r.status == 200]
    messages = collections.Counter(r.form.get("message") for r in created)
    assert len(created) == total and max(messages.values()) == 1
    statuses = collections.Counter(status for (status,) in query("SELECT status FROM deliveries"))
    assert statuses == {"published": total}
    per_delivery = collections.Counter(d for (d,) in query(
        "SELECT delivery_id FROM outreach_entries WHERE kind = 'published'"))
    assert len(per_delivery) == total and set(per_delivery.values()) == {1}
    # who sent what: each daemon's own "published" events, disjoint, covering exactly the daemons' posts
    sent = [[e["post"] for e in logged(log) if e["event"] == "published"] for log in logs]
    assert all(sent), [len(posts) for posts in sent]  # every daemon claimed and sent at least one delivery
    flat = [post for posts in sent for post in posts]
    assert len(flat) == len(set(flat)) == BY_DAEMONS and not set(flat) & set(by_hand)


def test_four_daemons_and_publish_on_sqlite_send_each_delivery_once(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN, detect_duplicates=False) as graph:
        run_many(project, graph, project.sql)


def test_four_daemons_and_publish_on_postgresql_send_each_delivery_once(bare, postgres, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    url = postgres.create_database(f"loa_daemons_{next(_names)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    engine = create_engine(url)

    def query(sql):
        with engine.connect() as connection:
            return connection.execute(text(sql)).all()

    try:
        with GraphDouble(token=TOKEN, detect_duplicates=False) as graph:
            run_many(bare, graph, query, concurrency=3)  # and three senders per daemon
    finally:
        engine.dispose()
