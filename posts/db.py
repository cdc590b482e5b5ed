"""Opening the queue database: SQLite (WAL, busy timeout, foreign keys, BEGIN IMMEDIATE for writes) or PostgreSQL.

Schema changes go through Alembic (posts/migrations), never silently: ``loa init`` creates a new database and
``loa db upgrade`` migrates an older one; every other command (``loa init`` on an existing database too) refuses an
older or newer schema in one line. Alembic is imported only when the database is not at
the newest migration, so everyday commands start quickly.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import UserError
from .files import check_writable_file
from .i18n import t
from .schema_head import SCHEMA_HEAD
MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Query parameters of a database URL that carry a secret (libpq's password and sslpassword, and the like):
# masked wherever a URL is shown, refused in config.toml.
SECRET_QUERY = re.compile(r"pass|pwd|secret|token|key|auth", re.IGNORECASE)
MASK = "***"


def secret_parts(url: URL) -> list[str]:
    """What in ``url`` is a secret: its password and any secret query parameter, by name."""
    found = ["password"] if url.password else []
    return found + [key for key in url.query if SECRET_QUERY.search(key)]


def display_url(url: str | URL) -> str:
    """The URL as loa shows it: the password and secret query parameters masked (also one from LOA_DATABASE_URL).
    A URL that does not parse is not shown at all, since where its password is cannot be told."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except (ArgumentError, ValueError):
        return MASK
    placeholder = "loa-masked-value"  # rendering would percent-encode "***" in a query
    query = {key: placeholder for key in parsed.query if SECRET_QUERY.search(key)}
    if query:
        parsed = parsed.update_query_dict(query)
    return parsed.render_as_string(hide_password=True).replace(placeholder, MASK)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses no committed transaction
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock at the start, so two writers queue on busy_timeout instead of
        # one failing halfway with "database is locked" when it upgrades a read lock.
        immediate = connection.get_execution_options().get("loa_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The queue database. ``session()`` for reading, ``transaction()`` for an atomic write."""

    def __init__(self, url: str, *, where: str = "database.url", busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        try:
            parsed = make_url(url)
            parsed.port  # noqa: B018 - a port that is not a number fails here, not at the first query
        except (ArgumentError, ValueError) as exc:
            raise UserError(t("err.database_url"), where=where) from exc
        self.url = parsed
        self.busy_timeout_ms = busy_timeout_ms
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        try:
            self.engine = create_engine(parsed)
        except ImportError as exc:  # a driver that is not installed: its name helps
            raise UserError(t("err.database_driver", error=exc), where=where) from exc
        except (ArgumentError, ValueError) as exc:  # the message would repeat the URL, password and all
            raise UserError(t("err.database_url"), where=where) from exc
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_ms)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write_engine = self.engine.execution_options(loa_write=True)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def sqlite_path(self) -> Path | None:
        database = self.url.database
        if not self.is_sqlite or not database or database == ":memory:":
            return None
        return Path(database)

    def session(self) -> Session:
        return self._read()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One atomic write: everything inside commits together or not at all."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """``transaction()`` on a bare connection, with no ORM session: for the Core statements of a hot path."""
        with self._write_engine.begin() as connection:
            yield connection

    def schema_revision(self) -> str | None:
        """The migration the database is at: None when it is no loa database, "base" before the first one."""
        path = self.sqlite_path
        if path is not None and not path.exists():
            return None  # connecting would create the file
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() or "base"

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        path = self.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        from alembic import command

        with self.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def known_revisions() -> list[str]:
    """Every migration this code has, oldest first (Alembic is loaded: only when the database is not at the head)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def schema_state(revision: str | None) -> str:
    """Where a database's schema stands against this code: "missing" (no loa database), "current", "older"
    (``loa db upgrade`` brings it up) or "newer" (written by a later loa: this code cannot read it safely)."""
    if revision is None:
        return "missing"
    if revision == SCHEMA_HEAD:
        return "current"
    if revision == "base" or revision in known_revisions():
        return "older"
    return "newer"


def check_schema(revision: str | None, *, missing_url: str = "") -> None:
    """Refuse, in one line, a database this code must not use as it is: older (until ``loa db upgrade``), newer,
    or none at all."""
    state = schema_state(revision)
    if state == "missing":
        raise UserError(t("err.database_missing", url=missing_url))
    if state == "older":
        raise UserError(t("db.schema_older", current=revision, head=SCHEMA_HEAD))
    if state == "newer":
        raise UserError(t("db.schema_newer", current=revision, head=SCHEMA_HEAD))


def open_database(url: str, *, create: bool = False, upgrade: bool = False, where: str = "database.url",
                  busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> Database:
    """Open the database at the schema this code needs. A missing one is created (all migrations run) only when
    ``create`` is set (``loa init``); an older schema is refused (no silent migration: the officer backs up first)
    unless ``upgrade`` is set (``loa db upgrade``); a newer one is always refused. ``where`` names the URL's origin in
    errors (``LOA_DATABASE_URL`` when the environment gives it)."""
    database = Database(url, where=where, busy_timeout_ms=busy_timeout_ms)
    try:
        path = database.sqlite_path
        if path is not None and (create or upgrade):  # before a file or folder is made: one line naming the path
            check_writable_file(path)
        try:
            revision = database.schema_revision()
        except OperationalError:
            if path is not None:  # "unable to open database file" names nothing: say which path and why
                check_writable_file(path)
            raise
        if revision == SCHEMA_HEAD:
            return database
        state = schema_state(revision)
        if not ((state == "missing" and create) or (state == "older" and upgrade)):
            check_schema(revision, missing_url=display_url(database.url))  # raises: the schema is not current
        database.upgrade()
    except BaseException:
        database.dispose()
        raise
    return database
