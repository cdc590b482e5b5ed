"""Issue 19: no silent migration. An older schema is refused by every command in one line saying to run
``loa db upgrade``, which brings it up; a newer one (written by a later loa) is refused naming both revisions;
``loa db status`` tells scripts which case it is by its exit status (0 up to date, 3 upgrade needed, 2 newer)."""
from __future__ import annotations

import json

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from conftest import Project, campaign_toml
from loa.posts.db import SCHEMA_HEAD, alembic_config

PREVIOUS = ScriptDirectory.from_config(alembic_config()).get_revision(SCHEMA_HEAD).down_revision


def step_back(project: Project, steps: int = 1) -> None:
    """The database as an older loa left it: Alembic's own downgrade, data kept."""
    engine = create_engine(f"sqlite:///{project.db_path}")
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, f"-{steps}")
    finally:
        engine.dispose()


def revision(project: Project) -> str:
    return project.sql("SELECT version_num FROM alembic_version")[0][0]


@pytest.fixture
def older(project: Project) -> Project:
    """A project with two posts whose database is one migration behind this code."""
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=2))))
    step_back(project)
    assert revision(project) == PREVIOUS
    return project


@pytest.mark.parametrize("argv", [("queue",), ("campaign", "list"), ("status",), ("run", "--once"), ("init",),
                                  ("post", "show", "1"), ("web", "--host", "192.0.2.1")])  # TEST-NET: never served
def test_an_older_schema_is_refused_in_one_line_and_left_as_it_is(older, argv):
    message = older.fails(*argv)
    assert "loa db upgrade" in message
    assert PREVIOUS in message and SCHEMA_HEAD in message
    assert revision(older) == PREVIOUS  # nothing migrated behind the officer's back


def test_db_upgrade_brings_an_older_database_up_and_keeps_its_data(older):
    result = older.ok("db", "upgrade")
    assert f"from schema {PREVIOUS} to {SCHEMA_HEAD}" in result.stdout
    assert revision(older) == SCHEMA_HEAD
    assert older.rows("posts") == 2
    assert len(older.json("queue")["posts"]) == 2
    assert "nothing to do" in older.ok("db", "upgrade").stdout


def test_db_upgrade_across_several_migrations(older):
    step_back(older, 2)
    older.ok("db", "upgrade")
    assert revision(older) == SCHEMA_HEAD and older.rows("posts") == 2


def test_db_status_exit_codes_and_json(older):
    upgrade_needed = older.run("db", "status", "--json")
    assert upgrade_needed.exit_code == 3
    assert json.loads(upgrade_needed.stdout) == {
        "database": f"sqlite:///{older.db_path}", "kind": "sqlite", "revision": PREVIOUS, "head": SCHEMA_HEAD,
        "state": "older"}
    human = older.run("db", "status")
    assert human.exit_code == 3 and "loa db upgrade" in human.stdout
    older.ok("db", "upgrade")
    up_to_date = older.run("db", "status", "--json")
    assert up_to_date.exit_code == 0 and json.loads(up_to_date.stdout)["state"] == "current"
    older.sql("UPDATE alembic_version SET version_num = '0999'")
    newer = older.run("db", "status", "--json")
    assert newer.exit_code == 2 and json.loads(newer.stdout)["state"] == "newer"


def test_a_newer_schema_names_both_revisions_and_is_never_touched(project):
    project.sql("UPDATE alembic_version SET version_num = '0999'")
    for argv in (("queue",), ("db", "upgrade"), ("init",), ("campaign", "list")):
        message = project.fails(*argv)
        assert "0999" in message and SCHEMA_HEAD in message and "newer" in message
        assert "internal error" not in message and "Can't locate" not in message
    assert revision(project) == "0999"


def test_db_commands_before_init_say_to_run_init(bare):
    bare.ok("init")
    bare.db_path.unlink()
    assert "loa init" in bare.fails("db", "status")
    assert "loa init" in bare.fails("db", "upgrade")
    assert not bare.db_path.exists()



def test_db_upgrade_waits_for_the_daemons_to_stop(older):
    """A ``loa run`` of the old version, on another machine sharing the database, heartbeating: upgrading under it
    would leave it writing with the old code into the new schema."""
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    older.sql("INSERT INTO daemons (owner, host, pid, version, started_at, heartbeat_at) VALUES "
              "('may-chu-2:4242:x', 'may-chu-2', 4242, '0.0.9', ?, ?)", now, now)
    message = older.fails("db", "upgrade")
    assert "stop it first" in message and "may-chu-2" in message and "4242" in message
    assert revision(older) == PREVIOUS
    older.sql("UPDATE daemons SET stopped_at = ?", now)
    older.ok("db", "upgrade")
    assert revision(older) == SCHEMA_HEAD
