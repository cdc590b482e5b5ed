"""Issue 19: ``loa backup -o FILE`` and ``loa restore FILE``. A live SQLite database (the daemon running, an import
just made and still in the write-ahead log) round-trips whole; PostgreSQL too (pg_dump/psql, password never on a
command line); a damaged archive, bad sums, a newer schema or an existing target are refused in one line, nothing
changed."""
from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import itertools
import json
import shutil
import signal
import sqlite3
import stat
import tarfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from conftest import Project, campaign_toml, fast_daemon, spawn_loa
from loa.posts.db import SCHEMA_HEAD
from loa.scheduler.config import config_template


def media_hashes(project: Project) -> dict[str, str]:
    media = project.root / "var" / "media"
    return {path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in media.rglob("*") if path.is_file()}


def snapshot(project: Project) -> tuple[bytes, dict[str, str]]:
    """The database file's bytes and the media folder: what "nothing changed" compares."""
    return project.db_path.read_bytes(), media_hashes(project)


def other_project(root: Path) -> Project:
    """A second folder with the same config and nothing else: where a backup is restored."""
    root.mkdir()
    shutil.copy(Path.cwd() / "config.toml", root / "config.toml")
    return Project(root)


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def banner_campaign(project: Project, slug: str = "tuan-le", posts: int = 3) -> None:
    """Import ``posts`` posts with banners (files in the media folder), a month ahead."""
    lines = 'banner = { headline = "Đọc sách mỗi ngày" }'
    project.ok("campaign", "import", str(project.write(f"{slug}.toml", campaign_toml(
        slug, start=dt.date.today() + dt.timedelta(days=30), posts=posts, post_lines=lines))), "--approve")


@pytest.fixture
def archive(project: Project) -> Path:
    banner_campaign(project)
    path = project.root / "loa.tar.gz"
    project.ok("backup", "-o", str(path))
    return path


def test_a_live_database_round_trips_with_the_import_still_in_the_wal(project, tmp_path):
    fast_daemon(project)
    daemon = spawn_loa(project, "run", "--log-format", "json")
    try:
        log = project.root / "loa-0.log"
        wait_for(lambda: '"event": "started"' in log.read_text(encoding="utf-8"), "the daemon to start")
        banner_campaign(project)
        wal = project.db_path.with_name("loa.db-wal")
        # the scenario of the issue: the import is in the WAL only, so a copy of loa.db alone would lose it
        assert wal.exists() and wal.stat().st_size > 0
        plain_copy = tmp_path / "cp.db"
        shutil.copy(project.db_path, plain_copy)
        with sqlite3.connect(plain_copy) as connection:
            assert connection.execute("SELECT count(*) FROM posts").fetchone()[0] == 0
        output = tmp_path / "loa.tar.gz"
        result = project.ok("backup", "-o", str(output))
        assert daemon.poll() is None  # the daemon kept running meanwhile
        before = snapshot(project)
        message = project.fails("restore", str(output), "--force")  # not under a running daemon, even forced
        assert "stop it first" in message and str(daemon.pid) in message
        assert snapshot(project)[1] == before[1] and project.rows("posts") == 3
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    assert str(output) in result.stdout and SCHEMA_HEAD in result.stdout
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    with tarfile.open(output) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
        names = opened.getnames()
    assert {key: manifest[key] for key in ("format", "schema_revision", "database_kind")} == {
        "format": 1, "schema_revision": SCHEMA_HEAD, "database_kind": "sqlite"}
    assert manifest["loa_version"] and manifest["created_at"].endswith("Z")
    assert "database/loa.db" in names and "SHA256SUMS" in names
    assert sorted(manifest["files"]) == sorted(set(names) - {"manifest.json", "SHA256SUMS"})

    restored = other_project(tmp_path / "restored")
    assert "schema " + SCHEMA_HEAD in restored.ok("restore", str(output)).stdout
    assert restored.counts() == project.counts() and restored.rows("posts") == 3
    assert media_hashes(restored) and media_hashes(restored) == media_hashes(project)
    assert [p["title"] for p in restored.json("queue")["posts"]] == ["Bài số 1", "Bài số 2", "Bài số 3"]
    assert not [path for path in tmp_path.rglob(".loa-tmp-*")]  # no temp file or folder left behind
    project.ok("restore", str(output), "--force")  # once the daemon has stopped
    assert project.rows("posts") == 3


def test_restore_refuses_an_existing_database_unless_forced(project, archive):
    before = snapshot(project)
    message = project.fails("restore", str(archive))
    assert "--force" in message
    assert snapshot(project) == before
    project.ok("post", "cancel", "1")
    banner_campaign(project, "khac", posts=1)  # another campaign, another banner: both go with --force
    project.ok("restore", str(archive), "--force")
    assert project.rows("campaigns") == 1 and project.rows("posts") == 3
    assert project.json("post", "show", "1")["status"] == "approved"
    assert media_hashes(project) == json_media(archive)


def json_media(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as opened:
        files = json.load(opened.extractfile("manifest.json"))["files"]
    return {name.removeprefix("media/"): digest for name, digest in files.items() if name.startswith("media/")}


def test_backup_refuses_to_overwrite_without_force(project, archive):
    before = archive.read_bytes()
    assert "--force" in project.fails("backup", "-o", str(archive))
    assert archive.read_bytes() == before
    project.ok("post", "cancel", "1")
    project.ok("backup", "-o", str(archive), "--force")
    assert archive.read_bytes() != before and stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_backup_into_a_missing_folder_or_onto_a_folder_is_one_line(project):
    assert "khong-co" in project.fails("backup", "-o", "khong-co/loa.tar.gz")
    assert not (project.root / "khong-co").exists()
    (project.root / "thu-muc").mkdir()
    project.fails("backup", "-o", "thu-muc")
    assert not list((project.root / "thu-muc").iterdir())
    assert not list(project.root.glob(".loa-tmp-*"))


def rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> data | None`` applied to each member (None drops it)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def with_extra_file(archive: Path, target: Path) -> Path:
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            copy.addfile(member, source.extractfile(member))
        extra = tarfile.TarInfo("media/extra.png")
        extra.size = 3
        copy.addfile(extra, io.BytesIO(b"png"))
    return target


def flip_one_byte(name: str, data: bytes) -> bytes:
    return data[:100] + bytes([data[100] ^ 1]) + data[101:] if name == "database/loa.db" else data


def newer_manifest(name: str, data: bytes) -> bytes:
    if name != "manifest.json":
        return data
    manifest = json.loads(data)
    manifest["schema_revision"] = "0999"
    return json.dumps(manifest).encode()


DAMAGE = {
    "missing file": (lambda archive, folder: folder / "khong-co.tar.gz", "not found"),
    "not an archive": (lambda archive, folder: folder / "x.tar.gz", "not a loa backup"),
    "truncated": (lambda archive, folder: folder / "cut.tar.gz", "not a loa backup"),
    "tar without manifest": (lambda archive, folder: rewritten(archive, folder / "m.tar.gz",
                                                               lambda n, d: None if n == "manifest.json" else d),
                             "manifest"),
    "bad sum": (lambda archive, folder: rewritten(archive, folder / "s.tar.gz", flip_one_byte), "sha256"),
    "file not in the manifest": (lambda archive, folder: with_extra_file(archive, folder / "e.tar.gz"),
                                 "not in its manifest"),
    "newer schema": (lambda archive, folder: rewritten(archive, folder / "n.tar.gz", newer_manifest), "0999"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_bad_archive_is_refused_in_one_line_and_nothing_changes(project, archive, tmp_path, damage):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "x.tar.gz").write_bytes(gzip.compress(b"not a tar file at all" * 100))
    (folder / "cut.tar.gz").write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    make, words = DAMAGE[damage]
    bad = make(archive, folder)
    if damage == "newer schema":
        assert SCHEMA_HEAD in project.fails("restore", str(bad), "--force")
    before = snapshot(project)
    message = project.fails("restore", str(bad), "--force")  # even forced: checked before anything is touched
    assert words in message and str(bad) in message
    assert snapshot(project) == before
    assert not list(project.root.rglob(".loa-tmp-*"))


def test_restore_into_an_empty_folder_with_a_bad_archive_creates_nothing(project, archive, tmp_path):
    target = other_project(tmp_path / "empty")
    bad = rewritten(archive, tmp_path / "s.tar.gz", flip_one_byte)
    target.fails("restore", str(bad))
    assert sorted(p.name for p in target.root.iterdir()) == ["config.toml"]


def test_a_backup_of_an_older_schema_restores_and_asks_for_db_upgrade(project, archive, tmp_path):
    from test_db_upgrade import step_back

    step_back(project)
    older = tmp_path / "older.tar.gz"
    project.ok("backup", "-o", str(older))  # before an upgrade is exactly when a backup is made
    restored = other_project(tmp_path / "restored")
    assert "loa db upgrade" in restored.ok("restore", str(older)).stdout
    assert "loa db upgrade" in restored.fails("queue")
    restored.ok("db", "upgrade")
    assert restored.rows("posts") == 3


# -- PostgreSQL --------------------------------------------------------------------------------------------------------
_names = itertools.count()


def pg_project(root: Path, postgres) -> tuple[Project, str]:
    url = postgres.create_database(f"loa_backup_{next(_names)}")
    root.mkdir(exist_ok=True)
    (root / "config.toml").write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                                      encoding="utf-8")
    return Project(root), url


def test_postgresql_round_trip(postgres, tmp_path):
    source, _ = pg_project(tmp_path / "source", postgres)
    source.ok("init")
    banner_campaign(source)
    source.ok("post", "cancel", "2")
    output = tmp_path / "pg.tar.gz"
    source.ok("backup", "-o", str(output))
    with tarfile.open(output) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
        assert b"CREATE TABLE" in opened.extractfile("database/loa.sql").read()
    assert (manifest["database_kind"], manifest["schema_revision"]) == ("postgresql", SCHEMA_HEAD)

    target, url = pg_project(tmp_path / "target", postgres)
    target.ok("restore", str(output))
    assert [(p["title"], p["status"]) for p in target.json("queue")["posts"]] == [
        ("Bài số 1", "approved"), ("Bài số 3", "approved")]
    assert target.json("post", "show", "2")["status"] == "cancelled"
    assert media_hashes(target) == media_hashes(source)
    assert "--force" in target.fails("restore", str(output))  # now the target has a database
    target.ok("post", "cancel", "1")
    target.ok("restore", str(output), "--force")
    assert target.json("post", "show", "1")["status"] == "approved"

    # going back a version over a database a newer loa upgraded would leave its tables behind: refused
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    engine.dispose()
    message = target.fails("restore", str(output), "--force")
    assert "0999" in message and "new empty database" in message

    # a server without the PostgreSQL client programs: one line saying what to install, nothing written
    no_programs = tmp_path / "no-programs"
    no_programs.mkdir()
    missing = source.run("backup", "-o", str(tmp_path / "none.tar.gz"), env={"PATH": str(no_programs)})
    assert missing.exit_code == 2 and "pg_dump" in missing.stderr and "postgresql-client" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.tar.gz").exists() and not list(tmp_path.glob(".loa-tmp-*"))


def test_postgresql_password_goes_in_pgpassword_never_on_the_command_line(monkeypatch):
    from loa.posts.db import Database
    from loa.scheduler.backup import libpq_call

    database = Database("postgresql+psycopg://loa:s3cret-Pass@127.0.0.1:5433/loa?sslmode=prefer")
    try:
        command, env = libpq_call(database, "pg_dump")
    finally:
        database.dispose()
    assert not any("s3cret" in part for part in command)
    assert env["PGPASSWORD"] == "s3cret-Pass"
    assert command[1] == "--dbname=postgresql://loa@127.0.0.1:5433/loa?sslmode=prefer"


def test_restore_is_not_spoilt_by_the_wal_of_a_deleted_database(project, archive, tmp_path):
    """A loa.db deleted without its loa.db-wal: SQLite would replay that log over the restored file."""
    target = other_project(tmp_path / "target")
    target.ok("init")
    holder = sqlite3.connect(target.db_path)  # keeps the log from being checkpointed away on close
    holder.execute("SELECT 1 FROM campaigns").fetchall()
    with sqlite3.connect(target.db_path) as writer:
        writer.execute("INSERT INTO campaigns (slug, name, start_date, end_date, timezone, channels, hashtags,"
                       " created_at, updated_at) VALUES ('cu', 'Cũ', '2030-01-01', '2030-01-02', 'UTC', '[]', '[]',"
                       " '2030-01-01 00:00:00', '2030-01-01 00:00:00')")
    wal = target.db_path.with_name("loa.db-wal")
    stale = wal.read_bytes()
    holder.close()
    target.db_path.unlink()
    wal.write_bytes(stale)
    target.ok("restore", str(archive))
    assert [slug for (slug,) in target.sql("SELECT slug FROM campaigns")] == ["tuan-le"]
    assert target.rows("posts") == 3
