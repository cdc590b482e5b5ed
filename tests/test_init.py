"""`loa init`: config from the template, database creation, migrations, and upgrading an older database."""
from __future__ import annotations

import sqlite3

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from loa.posts.db import SCHEMA_HEAD, alembic_config
from loa.posts.models import Base
from loa.scheduler.config import config_template


def test_init_writes_config_from_template_and_creates_database(bare):
    result = bare.ok("init")
    assert bare.config.read_text(encoding="utf-8") == config_template()
    assert "# " in config_template()  # the template explains itself
    assert bare.db_path.exists()
    assert bare.sql("SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]
    assert str(bare.config) in result.stdout and "var/loa.db" in result.stdout


def test_init_twice_keeps_config_and_data(project):
    project.config.write_text(project.config.read_text() + "\n# my own note\n", encoding="utf-8")
    project.sql("INSERT INTO campaigns (slug, name, start_date, end_date, timezone, channels, hashtags, created_at,"
                " updated_at) VALUES ('x', 'X', '2030-01-01', '2030-01-02', 'UTC', '[]', '[]', '2030-01-01 00:00:00',"
                " '2030-01-01 00:00:00')")
    project.ok("init")
    assert "# my own note" in project.config.read_text()
    assert project.rows("campaigns") == 1


def test_database_is_relative_to_the_config_file_not_the_working_directory(bare, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bare.ok("init")
    monkeypatch.chdir(elsewhere)
    assert bare.ok("queue").exit_code == 0
    assert not (elsewhere / "var").exists()


def test_commands_before_init_say_to_run_init(bare):
    bare.config.write_text(config_template(), encoding="utf-8")
    message = bare.fails("queue")
    assert "loa init" in message
    assert not bare.db_path.exists()


def test_missing_config_says_to_run_init(bare):
    assert "loa init" in bare.fails("campaign", "list")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(project):
    connection = sqlite3.connect(project.db_path)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()
    from loa.posts.db import open_database

    database = open_database(f"sqlite:///{project.db_path}")
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_schema_head_constant_matches_the_migrations():
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


def test_migrations_match_the_models(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_init_on_an_older_database_says_to_upgrade_and_keeps_it(project):
    """Step the database back one migration with Alembic: ``loa init`` migrates nothing behind the officer's back
    (no silent migration, issue 19) and says to run ``loa db upgrade``, which tests/test_db_upgrade.py covers."""
    from conftest import campaign_toml

    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=2))))
    script = ScriptDirectory.from_config(alembic_config())
    previous = script.get_revision(SCHEMA_HEAD).down_revision
    engine = create_engine(f"sqlite:///{project.db_path}")
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    engine.dispose()
    assert project.sql("SELECT version_num FROM alembic_version") == ([(previous,)] if previous else [])
    assert "loa db upgrade" in project.fails("init")
    assert project.sql("SELECT version_num FROM alembic_version") == ([(previous,)] if previous else [])
    project.ok("db", "upgrade")
    assert project.sql("SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]
    assert project.rows("posts") == 2
    newest = [t for (t,) in project.sql("SELECT name FROM sqlite_master WHERE type='table'")]
    assert "renders" in newest  # the table of the newest migration is back
