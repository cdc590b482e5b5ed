"""``loa backup -o FILE`` and ``loa restore FILE``: the database and the media folder in one archive, and back
(scheduler/backup.py, scheduler/restore.py)."""
from __future__ import annotations

from pathlib import Path

import click

from loa.posts.i18n import t

from . import cli
from .common import App, pass_app


@cli.command("backup", help="backup.help")
@click.option("-o", "--output", metavar="FILE", required=True, help="backup.help_output")
@click.option("--force", is_flag=True, help="backup.help_force")
@pass_app
def backup_command(app: App, output: str, force: bool) -> None:
    from loa.scheduler.backup import write_backup
    from loa.scheduler.project import project_database

    config = app.config
    database = project_database(config)
    try:
        manifest = write_backup(database, config.path_of(config.document.render.media), Path(output), force=force)
    finally:
        database.dispose()
    click.echo(t("backup.written", path=output, revision=manifest.schema_revision,
                 media=sum(name.startswith("media/") for name in manifest.files)))


@cli.command("restore", help="backup.help_restore")
@click.argument("archive", metavar="FILE")
@click.option("--force", is_flag=True, help="backup.help_restore_force")
@pass_app
def restore_command(app: App, archive: str, force: bool) -> None:
    from loa.posts.db import SCHEMA_HEAD
    from loa.scheduler.project import project_database
    from loa.scheduler.restore import restore_backup

    config = app.config
    database = project_database(config)
    try:
        media_dir = config.path_of(config.document.render.media)
        assert media_dir is not None
        manifest = restore_backup(Path(archive), database, media_dir, force=force,
                                  heartbeat_seconds=config.document.daemon.heartbeat_seconds)
    finally:
        database.dispose()
    click.echo(t("backup.restored", created=manifest.created_at, version=manifest.loa_version,
                 revision=manifest.schema_revision))
    if manifest.schema_revision != SCHEMA_HEAD:
        click.echo(t("backup.restored_older", revision=manifest.schema_revision, head=SCHEMA_HEAD))
