"""``loa restore FILE``: a ``loa backup`` archive back into the configured database and media folder.

Everything is checked before anything is touched: the archive opens, holds only what a backup holds, every file's
sha256 matches the manifest, its schema is not newer than this code, it is of the configured database's kind, and
the target database (and media folder) is empty unless ``--force``. Then the media folder is swapped in (the old one
kept until the end) and the database restored: SQLite through its backup API (one locked write: readers see the old
database or the new one, never half), PostgreSQL by ``psql`` in a single transaction. A failure of the database step
puts the old media folder back.
"""
from __future__ import annotations

import errno
import gzip
import json
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from loa.posts.db import Database, display_url, schema_state
from loa.posts.errors import UserError
from loa.posts.files import TEMP_PREFIX
from loa.posts.i18n import t
from loa.posts.os_errors import os_error_text
from loa.scheduler.project import running_daemons

from .backup import (ARCHIVE_FORMAT, DATABASE_MEMBERS, MANIFEST, MEDIA, SUMS, Manifest, database_kind, libpq_call,
                     run_client, sha256_of)


def _corrupt(archive: Path, detail: object) -> UserError:
    return UserError(t("backup.corrupt", detail=str(detail).splitlines()[0] if str(detail) else "?"),
                     where=str(archive))


def _gzip_reader(archive: Path) -> Any:
    """ISA-L's gzip reader (3 times zlib's speed), the same errors as the standard library's."""
    try:
        from isal import igzip
    except ImportError:  # isal is loa's dependency for banners; should it go, zlib
        return gzip.open(archive, "rb")
    return igzip.open(archive, "rb")


def _why_unreadable(exc: BaseException) -> str:
    """The reason an archive did not open, in the user's language (tarfile and gzip say it in English)."""
    if isinstance(exc, tarfile.FilterError):  # an absolute path, a "..", a link out of the folder
        return t("backup.strange_member", name=exc.tarinfo.name)
    cut_short = isinstance(exc, tarfile.ReadError) and ("unexpected end" in str(exc) or "truncated" in str(exc))
    if cut_short or isinstance(exc, (EOFError, zlib.error)):
        return t("backup.truncated")
    if isinstance(exc, (tarfile.ReadError, tarfile.CompressionError, gzip.BadGzipFile)):
        return t("backup.not_tar_gz")
    if isinstance(exc, OSError):
        return os_error_text(exc)
    return t("backup.not_tar_gz")


def read_manifest(folder: Path, archive: Path) -> Manifest:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if data.get("format") != ARCHIVE_FORMAT:
            raise _corrupt(archive, t("backup.unknown_format", format=data.get("format")))
        manifest = Manifest(str(data["loa_version"]), str(data["schema_revision"]), str(data["created_at"]),
                            str(data["database_kind"]), dict(data["files"]))
    except FileNotFoundError as exc:
        raise _corrupt(archive, t("backup.no_manifest")) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(archive, t("backup.bad_manifest")) from exc
    if manifest.database_kind not in DATABASE_MEMBERS or DATABASE_MEMBERS[manifest.database_kind] not in manifest.files:
        raise _corrupt(archive, t("backup.bad_manifest"))
    return manifest


def unpack(archive: Path, folder: Path) -> Manifest:
    """Extract ``archive`` into ``folder`` and check it whole: the manifest, the sums, no file more or less."""
    if not archive.exists():
        raise UserError(t("err.file_missing"), where=str(archive))
    if archive.is_dir():
        raise UserError(t("err.file_is_dir"), where=str(archive))
    try:
        folder.mkdir()
        # one pass over the stream (listing the members first would decompress it twice)
        with _gzip_reader(archive) as compressed, tarfile.open(fileobj=compressed, mode="r|") as opened:
            for member in opened:
                if not (member.isfile() or member.isdir()):  # a backup holds files only: no links, no devices
                    raise _corrupt(archive, t("backup.strange_member", name=member.name))
                opened.extract(member, folder, filter="data")  # refuses absolute paths and "..", too
    except UserError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _corrupt(archive, _why_unreadable(exc)) from exc
    manifest = read_manifest(folder, archive)
    present = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()} - {MANIFEST, SUMS}
    for name in sorted(set(manifest.files) | present):
        if name not in present:
            raise _corrupt(archive, t("backup.file_missing", name=name))
        if name not in manifest.files or not name.startswith((MEDIA + "/", "database/")):
            raise _corrupt(archive, t("backup.file_extra", name=name))
        if sha256_of(folder / name) != manifest.files[name]:
            raise UserError(t("backup.bad_sum", name=name), where=str(archive))
    return manifest


# -- the target -------------------------------------------------------------------------------------------------------
def database_in_use(database: Database) -> bool:
    """Whether the target database has anything in it (a SQLite file, or tables in PostgreSQL)."""
    path = database.sqlite_path
    if path is not None:
        return path.exists()
    with database.engine.connect() as connection:
        return bool(inspect(connection).get_table_names())


def _media_in_use(media_dir: Path) -> bool:
    return media_dir.is_dir() and any(media_dir.iterdir())


def restore_sqlite(copy: Path, database: Database) -> None:
    target = database.sqlite_path
    assert target is not None
    if target.exists():
        # through SQLite, under its write lock: a reader sees the old database or the restored one, and the old WAL
        # (which a file copy would leave behind, to be replayed over the restored file) is taken care of
        source = sqlite3.connect(copy)
        live = sqlite3.connect(target, timeout=database.busy_timeout_ms / 1000)
        try:
            source.backup(live)
        finally:
            live.close()
            source.close()
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in ("-wal", "-shm"):  # of a database deleted without them: SQLite would replay it over the new file
        target.with_name(target.name + leftover).unlink(missing_ok=True)
    try:
        copy.replace(target)  # the staging folder is usually on the same file system
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=".db")
    try:
        with open(handle, "wb") as stream, copy.open("rb") as source_stream:
            shutil.copyfileobj(source_stream, stream)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def restore_postgresql(dump: Path, database: Database) -> None:
    command, env = libpq_call(database, "psql")
    # --single-transaction applies to --file (not to standard input): all of the dump or none of it
    run_client([*command, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
                f"--file={dump}"], env)


def _existing_folder(path: Path) -> Path:
    """``path`` or its nearest existing parent: staging there creates no folder a failed restore would leave."""
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def restore_backup(archive: Path, database: Database, media_dir: Path, *, force: bool = False,
                   heartbeat_seconds: float = 30) -> Manifest:
    """Restore ``archive`` into ``database`` and ``media_dir`` (see the module's docstring for the order). Refused
    while a daemon works on the database, even with ``force``: it would carry on from what it had in memory."""
    if not archive.exists():
        raise UserError(t("err.file_missing"), where=str(archive))
    running = running_daemons(database, heartbeat_seconds=heartbeat_seconds)
    if running:
        host, pid = running[0]
        raise UserError(t("backup.daemon_running", host=host, pid=pid))
    kind = database_kind(database)
    # beside the media folder (same file system: the swap is a rename)
    staging = Path(tempfile.mkdtemp(dir=_existing_folder(media_dir.parent), prefix=TEMP_PREFIX))
    old_media = staging / "old-media"
    try:
        manifest = unpack(archive, staging / "archive")
        state = schema_state(manifest.schema_revision)
        if state == "newer":
            from loa.posts.db import SCHEMA_HEAD

            raise UserError(t("backup.newer", revision=manifest.schema_revision, head=SCHEMA_HEAD),
                            where=str(archive))
        if manifest.database_kind != kind:
            raise UserError(t("backup.other_kind", archived=manifest.database_kind, configured=kind),
                            where=str(archive))
        in_use = database_in_use(database)
        if not force and (in_use or _media_in_use(media_dir)):
            raise UserError(t("backup.target_exists", url=display_url(database.url)))
        if in_use and kind != "sqlite" and schema_state(database.schema_revision()) == "newer":
            # the dump replaces its own tables only: those of the newer version would stay and trip `db upgrade`
            raise UserError(t("backup.target_newer", url=display_url(database.url),
                              revision=database.schema_revision()))
        media = staging / "archive" / MEDIA
        media.mkdir(exist_ok=True)
        if media_dir.exists():
            media_dir.rename(old_media)
        media_dir.parent.mkdir(parents=True, exist_ok=True)
        media.rename(media_dir)
        dump = staging / "archive" / DATABASE_MEMBERS[kind]
        try:
            restore_sqlite(dump, database) if kind == "sqlite" else restore_postgresql(dump, database)
        except BaseException:  # the database is as it was: so is the media folder
            shutil.rmtree(media_dir, ignore_errors=True)
            if old_media.exists():
                old_media.rename(media_dir)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
