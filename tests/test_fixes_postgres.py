"""Corrections and take-downs on a real PostgreSQL: the claim (FOR UPDATE SKIP LOCKED), the row lock of the post
and the outcome are the publication's, so several daemons sharing one queue send each change once."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from conftest import Project, campaign_toml, fast_daemon
from loa.scheduler.config import config_template

_names = itertools.count()


@pytest.fixture
def pg_project(bare: Project, postgres) -> Project:
    url = postgres.create_database(f"loa_fix_{next(_names)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    return bare


def test_correct_and_take_down_on_postgresql(pg_project):
    project = pg_project
    fast_daemon(project)
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2))),
               "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("publish", str(ids[0]))
    project.ok("publish", str(ids[1]))
    project.ok("post", "correct", str(ids[0]), "--title", "Bài số 1 (đính chính)")
    project.ok("post", "unpublish", str(ids[1]), "--channel", "portal")
    project.ok("run", "--until-idle")  # the take-down goes; the correction waits for its approval
    first, second = (project.json("post", "show", str(i)) for i in ids)
    assert [(c["action"], c["status"]) for c in first["changes"]] == [("update", "pending")] * 2
    assert [(c["channel"], c["action"], c["status"]) for c in second["changes"]] == [("portal", "delete", "published")]
    project.ok("post", "approve", str(ids[0]))
    project.ok("run", "--until-idle")
    first = project.json("post", "show", str(ids[0]))
    assert first["status"] == "done" and [c["status"] for c in first["changes"]] == ["published"] * 2
    pages = sorted(p.name for p in (project.root / "var" / "site" / "posts").glob("*.html"))
    assert len(pages) == 1 and "Bài số 1 (đính chính)" in \
        (project.root / "var" / "site" / "posts" / pages[0]).read_text(encoding="utf-8")
    assert project.json("status")["deliveries"]["published"] == 4
