"""Never twice: four `loa run` processes and `loa publish` on one queue of 500 deliveries, on SQLite and on a real
PostgreSQL (FOR UPDATE SKIP LOCKED) — each delivery reaches the Page exactly once."""
from __future__ import annotations

import collections
import datetime as dt
import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Project, facebook_channel, fast_daemon, spawn_loa
from sqlalchemy import create_engine, text

from scheduler.config import config_template
from support.facebook import GraphDouble

TOKEN = "EAAB-many-daemons"
POSTS = 500
_names = itertools.count()


def many_posts_campaign(slug: str) -> str:
    posts = "".join(f'\n[[posts]]\nday = 1\ntime = "08:00"\ntitle = "Tin số {n}"\nbody = "Nội dung tin số {n}."\n'
                    for n in range(1, POSTS + 1))
    start = dt.date.today().isoformat()
    return (f'[campaign]\nslug = "{slug}"\nname = "Một tuần nhiều tin"\nstart = {start}\nend = {start}\n'
            f'channels = ["facebook"]\n{posts}')


def run_many(project: Project, graph: GraphDouble, query, *, concurrency: int = 1) -> None:
    project.set_channel("facebook", facebook_channel(graph) + f"\nconcurrency = {concurrency}")
    fast_daemon(project)
    path = project.write("many.toml", many_posts_campaign("nhieu-tin"))
    project.ok("campaign", "import", str(path), "--start", "now", "--pace", "0.002", "--approve")
    env = {"LOA_FACEBOOK_TOKEN": TOKEN}
    daemons = [spawn_loa(project, "run", "--until-idle", env=env) for _ in range(4)]
    loa = str(Path(sys.executable).parent / "loa")
    publishes = [subprocess.run([loa, "--config", str(project.config), "publish", str(post_id)], cwd=project.root,
                                capture_output=True, env={"LOA_LANG": "en", **env, "PATH": "/usr/bin:/bin"},
                                timeout=120).returncode for post_id in range(1, 60, 3)]
    assert set(publishes) <= {0, 2}  # published by us, or already claimed by a daemon ("nothing to publish")
    assert [d.wait(timeout=600) for d in daemons] == [0, 0, 0, 0]
    created = [r for r in graph.requests if r.method == "POST" and r.status == 200]
    messages = collections.Counter(r.form.get("message") for r in created)
    assert len(created) == POSTS and max(messages.values()) == 1
    statuses = collections.Counter(status for (status,) in query("SELECT status FROM deliveries"))
    assert statuses == {"published": POSTS}
    per_delivery = collections.Counter(d for (d,) in query(
        "SELECT delivery_id FROM outreach_entries WHERE kind = 'published'"))
    assert len(per_delivery) == POSTS and set(per_delivery.values()) == {1}
    owners = {line.split("owner=")[1].strip() for log in project.root.glob("loa-*.log")
              for line in log.read_text().splitlines() if "owner=" in line}
    assert len(owners) == 4


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
