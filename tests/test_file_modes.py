"""What loa creates is private to its user and group whatever the caller's umask (issue 19 point 7): files 0640,
folders 0750 — the database and its -wal/-shm, banners, the static site, dry-run records, exports, reports —
group-readable for the workspace and a web server serving the site; a backup and the workspace's key stay 0600."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import SAMPLE


def modes(folder: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*"):
        found.setdefault(f"{'d' if path.is_dir() else 'f'} {stat.S_IMODE(path.lstat().st_mode):o}", set()).add(
            str(path.relative_to(folder)))
    return found


@pytest.fixture(params=[0o000, 0o022, 0o077], ids=lambda mask: f"umask-{mask:03o}")
def caller_umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_files_are_0640_and_folders_0750_whatever_the_umask(bare, caller_umask):
    bare.ok("init")
    bare.ok("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "0.05", "--approve")
    bare.ok("run", "--until-idle")
    bare.ok("campaign", "export", "hoc-tap-suot-doi-2024", "-o", str(bare.root / "var" / "c.toml"))
    bare.ok("report", "--campaign", "hoc-tap-suot-doi-2024", "--format", "xlsx")
    bare.ok("backup", "-o", str(bare.root / "var" / "loa.tar.gz"))
    found = modes(bare.root / "var")
    assert os.umask(caller_umask) == caller_umask  # loa gave the caller its umask back
    backup = found.pop("f 600")
    assert backup == {"loa.tar.gz"}  # it holds the workspace's password hashes: the owner's only
    assert set(found) == {"d 750", "f 640"}, found
    files = found["f 640"]
    for expected in ("loa.db", "c.toml", "site/index.html"):
        assert expected in files
    assert any(name.startswith("media/") and name.endswith(".png") for name in files)
    assert any(name.startswith("dry-run/facebook/") for name in files)
    assert any(name.startswith("reports/") for name in files)
    assert stat.S_IMODE((bare.root / "config.toml").stat().st_mode) == 0o640  # written by `loa init`


def test_the_write_ahead_log_gets_the_database_mode(bare, caller_umask):
    """SQLite makes -wal and -shm itself, while loa works: they get the database's mode."""
    import sqlite3

    bare.ok("init")
    holder = sqlite3.connect(bare.db_path)  # kept open: the last connection to close would remove them
    try:
        holder.execute("SELECT count(*) FROM posts").fetchone()
        bare.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
        for suffix in ("-wal", "-shm"):
            path = bare.db_path.with_name(f"loa.db{suffix}")
            assert stat.S_IMODE(path.stat().st_mode) == 0o640, suffix
    finally:
        holder.close()
