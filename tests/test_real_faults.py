"""Real faults instead of patched functions: a full disk (a tmpfs of 300 KB, mounted by the test), a read-only
file system, a database locked by a second connection. Mounting needs root (as in CI); without it the tests fail
under CI and are skipped loudly locally, like a missing server."""
from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import campaign_toml
from support.servers import require_server

from loa.scheduler.config import config_template
from support.organization import fill_organization


@pytest.fixture
def small_disk(tmp_path: Path):
    """A tmpfs of 400 KB: the database on it fills up long before a large import is written."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(folder)], capture_output=True,
                          text=True)
    require_server(None if done.returncode == 0 else f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def test_a_full_disk_midway_through_an_import_writes_nothing(bare, small_disk):
    database = small_disk / "loa.db"
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "sqlite:///{database}"'),
                           encoding="utf-8")
    bare.ok("init")
    path = bare.write("c.toml", campaign_toml(posts=2500))
    message = bare.fails("campaign", "import", str(path), code=1)
    assert "full" in message.lower() and "Traceback" not in message  # SQLite: "database or disk is full"
    with sqlite3.connect(database) as connection:
        counts = [connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("campaigns", "posts", "deliveries", "outreach_entries")]
    assert counts == [0, 0, 0, 0]
    bare.ok("campaign", "import", str(bare.write("small.toml", campaign_toml("nho", posts=1))))  # still usable


def test_a_report_on_a_read_only_file_system_leaves_the_old_file(project, small_disk):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("chi-doc"))), "--approve")
    target = small_disk / "r.docx"
    target.write_bytes(b"old")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    message = project.fails("report", "--campaign", "chi-doc", "-o", str(target))
    assert message == f"error: -o: cannot write {target}: permission denied"  # loa words EROFS as EACCES
    assert target.read_bytes() == b"old" and sorted(os.listdir(small_disk)) == ["r.docx"]


def test_a_database_locked_by_another_connection_is_one_line_and_changes_nothing(project):
    # the lock is real; only loa's patience is shortened (its setting, 30 s by default), so the suite does not wait
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("\n[database]\n", "\n[database]\nbusy_timeout_seconds = 0.5\n", 1),
                              encoding="utf-8")
    path = project.write("c.toml", campaign_toml("khoa", posts=3))
    holder = sqlite3.connect(project.db_path, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock for the whole command
        result = project.run("campaign", "import", str(path))
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "locked" in lines[0] and "Traceback" not in result.output
    assert project.counts()["posts"] == 0
