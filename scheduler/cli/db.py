"""``loa db status [--json]`` and ``loa db upgrade``: where the database's schema stands, and bringing it up to
this code's (the only migration besides ``loa init``: other commands refuse an older schema)."""
from __future__ import annotations

import click

from loa.posts.i18n import t

from . import cli
from .common import App, echo_json, json_option, pass_app

# `loa db status` exit statuses: scripts tell "upgrade needed" from an error
STATUS_EXIT = {"current": 0, "older": 3, "newer": 2}
STATUS_TEXT = {"current": "db.status_current", "older": "db.status_older", "newer": "db.status_newer"}


@cli.group("db", help="db.help")
def db_group() -> None:
    pass


@db_group.command("status", help="db.help_status")
@json_option
@pass_app
def status_command(app: App, as_json: bool) -> int:
    from loa.posts.db import SCHEMA_HEAD, check_schema, display_url, schema_state
    from loa.scheduler.backup import database_kind
    from loa.scheduler.project import project_database

    database = project_database(app.config)
    try:
        revision = database.schema_revision()
        state = schema_state(revision)
        if state == "missing":
            check_schema(revision, missing_url=display_url(database.url))  # one line: run loa init
        shown = display_url(database.url)
        if as_json:
            echo_json({"database": shown, "kind": database_kind(database), "revision": revision, "head": SCHEMA_HEAD,
                       "state": state})
        else:
            click.echo(t("db.status_database", url=shown))
            click.echo(t(STATUS_TEXT[state], revision=revision, head=SCHEMA_HEAD))
    finally:
        database.dispose()
    return STATUS_EXIT[state]


@db_group.command("upgrade", help="db.help_upgrade")
@pass_app
def upgrade_command(app: App) -> None:
    from loa.posts.db import SCHEMA_HEAD, display_url
    from loa.posts.errors import UserError
    from loa.scheduler.project import project_database, running_daemons

    config = app.config
    probe = project_database(config)
    try:
        before = probe.schema_revision()
        running = running_daemons(probe, heartbeat_seconds=config.document.daemon.heartbeat_seconds)
    finally:
        probe.dispose()
    if running and before != SCHEMA_HEAD:  # the old code would go on writing to the new schema
        host, pid = running[0]
        raise UserError(t("db.daemon_running", host=host, pid=pid))
    database = app.database(upgrade=True)  # refuses a missing or newer database in one line
    if before == SCHEMA_HEAD:
        click.echo(t("db.upgrade_nothing", url=display_url(database.url), head=SCHEMA_HEAD))
    else:
        click.echo(t("db.upgraded", url=display_url(database.url), revision=before, head=SCHEMA_HEAD))
