"""What a configured project opens, the same for both faces (the CLI's ``App`` and the workspace's ``Workspace``):
its database and its renderer."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from loa.posts.db import Database, open_database

from .config import Config
from .config_summary import DATABASE_URL_ENV

if TYPE_CHECKING:  # rendering pulls in Jinja2 and Pillow: imported only when a renderer is built
    from loa.posts.render.artefacts import Renderer


def _where_and_patience(config: Config) -> tuple[str, int]:
    where = DATABASE_URL_ENV if os.environ.get(DATABASE_URL_ENV) else "database.url"
    return where, round(config.document.database.busy_timeout_seconds * 1000)


def prepare_state(config: Config) -> None:
    """Before the database is opened: root is refused in another user's state (run_as.py), and a PostgreSQL
    connection gets its password (PGPASSWORD) from the secrets file. SQLite needs no secret: the file is not read,
    so a person who cannot read it still works on a SQLite project."""
    from loa.posts.queue_sqlite import sqlite_file

    from .run_as import check_state_owner
    from .secrets_file import load_secrets

    url = config.database_url
    database_file = sqlite_file(url)
    check_state_owner([database_file, config.path_of(config.document.render.media), config.state_dir],
                      config.path)
    if not url.startswith("sqlite"):
        load_secrets(config)


def project_database(config: Config) -> Database:
    """The config's database (or ``$LOA_DATABASE_URL``'s) as it is, whatever its schema: for ``loa db status``,
    ``loa backup`` and ``loa restore``, which look at the schema themselves. Nothing is connected yet."""
    prepare_state(config)
    where, patience = _where_and_patience(config)
    return Database(config.database_url, where=where, busy_timeout_ms=patience)


def open_project_database(config: Config, *, create: bool = False, upgrade: bool = False) -> Database:
    """The config's database at the schema this code needs (see ``open_database``: an older one is refused unless
    ``create``/``upgrade`` say to migrate it); an error names where the URL came from."""
    prepare_state(config)
    where, patience = _where_and_patience(config)
    return open_database(config.database_url, create=create, upgrade=upgrade, where=where, busy_timeout_ms=patience)


def running_daemons(database: Database, *, heartbeat_seconds: float) -> list[tuple[str, int]]:
    """(host, pid) of each ``loa run`` working on the database now (a fresh heartbeat, not a dead process of this
    machine): ``loa db upgrade`` and ``loa restore`` wait for them to stop. None before the daemons table exists."""
    from sqlalchemy.exc import DatabaseError

    from loa.scheduler.claims import other_live_daemons

    if database.schema_revision() is None:
        return []
    try:
        return [(row.host, row.pid) for row in other_live_daemons(database, "", heartbeat_seconds=heartbeat_seconds)]
    except DatabaseError:  # a schema from before the daemons table (0003)
        return []


def build_renderer(config: Config) -> Renderer:
    """The renderer of this config's channels, themes and templates."""
    from .run_as import check_state_owner

    check_state_owner([config.path_of(config.document.render.media)], config.path)
    from loa.posts.render.artefacts import RenderSettings, Renderer

    render = config.document.render
    from loa.posts.organization import printable_organization

    # placeholders ("TÊN CƠ QUAN") never reach a banner; a campaign's own organisation comes on top (artefacts.py)
    organization = printable_organization(config.document.organization.model_dump())
    return Renderer(RenderSettings(
        kinds={name: channel.channel_kind() for name, channel in config.channels.items()},
        media_dir=config.path_of(render.media), organization=organization, theme=render.theme,
        themes_dir=config.input_path_of(render.themes), templates_dir=config.input_path_of(render.templates),
        after=config.after, max_image_bytes=round(render.max_image_mb * 1024 * 1024)))
