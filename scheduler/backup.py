"""``loa backup``: the queue database and the media folder in one tar.gz, with a manifest and sha256 sums.

SQLite is copied with its online backup API, which reads through SQLite itself: a running daemon keeps writing, and
what is still in the write-ahead log (the last import) is in the copy, unlike a ``cp`` of the file. PostgreSQL is
dumped by ``pg_dump`` (plain SQL, restored by ``psql`` in one transaction), its password passed in PGPASSWORD, never
on a command line. The archive is written beside its target and renamed when complete, mode 0600 (it holds the
accounts' password hashes).

Layout: ``database/loa.db`` or ``database/loa.sql``, ``media/...``, then ``SHA256SUMS`` (for ``sha256sum -c``) and
``manifest.json`` (format, loa version, schema revision, created at, database kind, and every file's sha256).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from loa.posts.db import SECRET_QUERY, Database, display_url
from loa.posts.errors import UserError
from loa.posts.files import TEMP_PREFIX, writable_target
from loa.posts.i18n import t
from loa.posts.os_errors import os_error_text

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
DATABASE_MEMBERS = {"sqlite": "database/loa.db", "postgresql": "database/loa.sql"}
MEDIA = "media"
CHUNK = 1024 * 1024


@dataclass
class Manifest:
    loa_version: str
    schema_revision: str
    created_at: str
    database_kind: str
    files: dict[str, str]  # archive member -> sha256

    def to_json(self) -> dict[str, Any]:
        return {"format": ARCHIVE_FORMAT, "loa_version": self.loa_version, "schema_revision": self.schema_revision,
                "created_at": self.created_at, "database_kind": self.database_kind, "files": self.files}


def loa_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("loa")
    except PackageNotFoundError:  # a source tree that was never installed
        return "?"


def database_kind(database: Database) -> str:
    return "sqlite" if database.is_sqlite else database.url.get_backend_name()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# -- PostgreSQL: the client programs ----------------------------------------------------------------------------------
def libpq_call(database: Database, program: str) -> tuple[list[str], dict[str, str]]:
    """``[program, --dbname=URI]`` and the environment to run it in: the URI without the password, which goes in
    PGPASSWORD (a command line is visible to every user of the machine in ``ps``)."""
    found = shutil.which(program)
    if found is None:
        raise UserError(t("backup.no_program", program=program))
    url: URL = database.url
    secret_query = [key for key in url.query if SECRET_QUERY.search(key)]
    if secret_query:  # libpq has no environment variable for these: they would land on the command line
        raise UserError(t("backup.secret_query", keys=", ".join(secret_query), program=program),
                        where=display_url(url))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # made anew: URL.set(password=None) keeps the password
    uri = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database,
                     query=url.query).render_as_string(hide_password=False)
    return [found, f"--dbname={uri}"], env


def run_client(command: list[str], env: dict[str, str], *, stdin: Any = None) -> None:
    """Run pg_dump or psql; a failure is one line: the program and its first error line."""
    done = subprocess.run(command, env=env, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        errors = [line for line in lines if "ERROR" in line or "FATAL" in line or "error" in line]
        raise UserError(t("backup.client_failed", program=Path(command[0]).name,
                          error=(errors or lines or [str(done.returncode)])[0].strip()))


# -- the copy of the database -----------------------------------------------------------------------------------------
def copy_sqlite(database: Database, target: Path) -> str | None:
    """A consistent copy of the live SQLite database in ``target`` (its WAL included); returns the copy's schema
    revision, read from the copy itself so the manifest says what the archive holds."""
    source_path = database.sqlite_path
    assert source_path is not None
    source = sqlite3.connect(source_path, timeout=30.0)  # it exists: schema_revision() looked before
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file; loa switches it to WAL on opening
        try:
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            return None
        return row[0] if row else "base"
    finally:
        copy.close()
        source.close()


def dump_postgresql(database: Database, target: Path) -> str | None:
    revision = database.schema_revision()
    command, env = libpq_call(database, "pg_dump")
    # --clean --if-exists: restoring with --force over an existing database replaces its tables
    run_client([*command, "--format=plain", "--no-owner", "--no-privileges", "--clean", "--if-exists",
                f"--file={target}"], env)
    return revision


# -- the archive ------------------------------------------------------------------------------------------------------
class _Hashing(io.RawIOBase):
    """A file read through: the sha256 of exactly the bytes tarfile took (the database copy is streamed, never
    held in memory whole)."""

    def __init__(self, stream: io.BufferedReader) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, name: str, path: Path) -> str:
    """Add the media file ``path`` as ``name``, read whole first: it may change meanwhile, and its size in the header,
    its bytes and its sha256 must agree."""
    data = path.read_bytes()
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(path.stat().st_mtime)
    info.mode = path.stat().st_mode & 0o777
    archive.addfile(info, io.BytesIO(data))
    return hashlib.sha256(data).hexdigest()


def _add_database(archive: tarfile.TarFile, name: str, path: Path) -> str:
    """Add the database copy (which nothing else writes), streamed: a large database is never in memory whole."""
    status = path.stat()
    info = tarfile.TarInfo(name)
    info.size = status.st_size
    info.mtime = int(status.st_mtime)
    info.mode = 0o600
    with path.open("rb") as stream:
        reader = _Hashing(stream)
        archive.addfile(info, reader)
    return reader.digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.timezone.utc).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def media_files(media_dir: Path | None) -> list[tuple[str, Path]]:
    """The media folder's regular files as (archive member, path); links and special files are left out."""
    if media_dir is None or not media_dir.is_dir():
        return []
    found = []
    for path in sorted(media_dir.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.startswith(TEMP_PREFIX):
            found.append((f"{MEDIA}/{path.relative_to(media_dir).as_posix()}", path))
    return found


def check_output(output: Path, *, force: bool) -> Path:
    """Where the archive goes: refused (one line, nothing written) when a file is there without ``--force``,
    when it is a folder or a special file, or when its folder does not exist."""
    if output.exists() and not force and not output.is_dir():
        raise UserError(t("backup.output_exists"), where=str(output))
    target = writable_target(output, where=str(output))
    if not target.parent.is_dir():
        raise UserError(t("err.output_unwritable", error=t("backup.no_folder", folder=target.parent)),
                        where=str(output))
    return target


def _gzip_writer(stream: io.BufferedWriter) -> Any:
    """gzip by ISA-L at level 2: 1.1 s for a 446 MB database where zlib at tarfile's level 9 takes 42 s (and level 6,
    5.3 s), for an archive 24 % larger than level 9's; any gzip reader (tar, ``loa restore``) reads it."""
    try:
        from isal import igzip
    except ImportError:  # isal is loa's dependency for banners; should it go, zlib at its usual level
        import gzip

        return gzip.GzipFile(fileobj=stream, mode="wb", compresslevel=6)
    return igzip.IGzipFile(fileobj=stream, mode="wb", compresslevel=2)


def write_backup(database: Database, media_dir: Path | None, output: Path, *, force: bool = False) -> Manifest:
    """Back up ``database`` and ``media_dir`` into the archive ``output``; nothing is left behind on failure."""
    target = check_output(output, force=force)
    kind = database_kind(database)
    if database.schema_revision() is None:
        raise UserError(t("err.database_missing", url=display_url(database.url)))
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMP_PREFIX, suffix=".tar.gz")  # 0600
    except OSError as exc:
        raise UserError(t("err.output_unwritable", error=os_error_text(exc, writing=True)), where=str(output)) from exc
    stream = os.fdopen(handle, "wb")
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=TEMP_PREFIX))
    try:
        dump = work / Path(DATABASE_MEMBERS[kind]).name
        revision = copy_sqlite(database, dump) if kind == "sqlite" else dump_postgresql(database, dump)
        files: dict[str, str] = {}
        with stream:
            with _gzip_writer(stream) as compressed, tarfile.open(fileobj=compressed, mode="w") as archive:
                files[DATABASE_MEMBERS[kind]] = _add_database(archive, DATABASE_MEMBERS[kind], dump)
                dump.unlink()  # the database need not be on disk twice while the media are added
                for name, path in media_files(media_dir):
                    try:
                        files[name] = _add_file(archive, name, path)
                    except FileNotFoundError:  # removed since the folder was listed (a cleaned-up render)
                        continue
                manifest = Manifest(loa_version(), revision or "base",
                                    dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), kind, files)
                sums = "".join(f"{digest}  {name}\n" for name, digest in files.items())
                _add_bytes(archive, SUMS, sums.encode())
                _add_bytes(archive, MANIFEST, json.dumps(manifest.to_json(), indent=2).encode())
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        stream.close()
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest
