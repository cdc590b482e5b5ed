"""The same queue on a real PostgreSQL (what several machines share): init, import, listing, edits, renders."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import create_engine

from conftest import SAMPLE, Project, campaign_toml
from loa.posts.db import SCHEMA_HEAD
from loa.scheduler.config import config_template

_names = itertools.count()


@pytest.fixture
def pg_project(bare: Project, postgres) -> tuple[Project, str]:
    url = postgres.create_database(f"loa_test_{next(_names)}")
    text = config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"')
    assert url in text
    bare.config.write_text(text, encoding="utf-8")
    bare.ok("init")
    return bare, url


def scalar(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(sql).scalar()
    finally:
        engine.dispose()


def test_init_creates_the_schema_on_postgresql(pg_project):
    project, url = pg_project
    assert scalar(url, "SELECT version_num FROM alembic_version") == SCHEMA_HEAD
    assert not (project.root / "var" / "loa.db").exists()


def test_import_list_edit_and_render_on_postgresql(pg_project):
    project, url = pg_project
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    posts = project.json("queue")["posts"]
    assert len(posts) >= 14
    assert posts[0]["publish_at"] == "2031-10-01T07:30:00+07:00" and posts[0]["publish_at_utc"] == "2031-10-01T00:30:00Z"
    assert scalar(url, "SELECT count(*) FROM renders WHERE kind = 'banner'") > 0
    first = posts[0]["id"]
    project.ok("post", "edit", str(first), "--title", "Khai mạc (sửa)", "--at", "2031-10-01 09:15")
    shown = project.json("post", "show", str(first))
    assert shown["title"] == "Khai mạc (sửa)" and shown["status"] == "draft"
    assert shown["publish_at_utc"] == "2031-10-01T02:15:00Z"
    assert [h["kind"] for h in shown["history"]] == ["queued", "rendered", "approved", "edited", "rendered"]
    project.ok("post", "cancel", str(posts[1]["id"]))
    week = project.json("queue", "--from", "2031-10-01", "--to", "2031-10-01")["posts"]
    assert {p["status"] for p in week} == {"draft", "approved", "cancelled"}
    assert project.json("campaign", "list")["campaigns"][0]["posts"]["cancelled"] == 1


def test_failed_import_leaves_postgresql_unchanged(pg_project):
    project, url = pg_project
    text = campaign_toml(start=dt.date(2031, 10, 1), posts=3).replace('title = "Bài số 3"', f'title = "{"T" * 230}"')
    message = project.fails("campaign", "import", str(project.write("c.toml", text)))
    assert "post 3 (TTTT" in message
    assert scalar(url, "SELECT count(*) FROM posts") == 0 and scalar(url, "SELECT count(*) FROM campaigns") == 0


def test_replace_on_postgresql(pg_project):
    project, url = pg_project
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    first = project.json("queue")["posts"][0]["id"]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE deliveries SET status='published' WHERE post_id={first}")
    engine.dispose()
    project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=3).replace(
        "Nội dung bài số 1.", "Sửa bài đã đăng.").replace("Nội dung bài số 2.", "Sửa bài chưa đăng."))
    result = project.ok("campaign", "import", str(path), "--replace")
    assert "Re-import: 1 changed, 0 cancelled, 0 kept as the officer changed them, 1 already published" \
        in result.stdout
    assert scalar(url, f"SELECT body FROM posts WHERE id={first}") == "Nội dung bài số 1."


def test_publish_claims_and_records_on_postgresql(pg_project):
    project, url = pg_project
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))),
               "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id))
    shown = project.json("post", "show", str(post_id))
    assert shown["status"] == "done" and {d["status"] for d in shown["deliveries"]} == {"published"}
    assert scalar(url, "SELECT count(*) FROM deliveries WHERE lease_owner IS NOT NULL") == 0
    assert "done" in project.fails("publish", str(post_id))
