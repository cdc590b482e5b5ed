"""``loa run`` (the daemon), ``loa status`` (what needs attention) and ``loa retry`` (send again what did not go)."""
from __future__ import annotations

import os
import sys

import click

from loa.posts.i18n import t

from . import cli
from .common import POST_ID, App, by_option, echo_json, json_option, pass_app, who


@cli.command("run", help="help.run")
@click.option("--once", is_flag=True, help="help.run_once")
@click.option("--until-idle", is_flag=True, help="help.run_until_idle")
@click.option("--dry-run", is_flag=True, help="help.run_dry_run")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="help.log_format")
@pass_app
def run_command(app: App, once: bool, until_idle: bool, dry_run: bool, log_format: str) -> None:
    from loa.posts.errors import UserError
    from loa.scheduler.daemon import PublishingDaemon
    from loa.scheduler.dispatch import publisher_for, require_secrets
    from loa.scheduler.events import daemon_logging

    if once and until_idle:
        raise UserError(t("err.once_and_until_idle"), where="--once")
    config = app.config
    if not dry_run:  # a channel that cannot work stops us here, before anything is claimed
        for name in config.channel_names:
            publisher_for(config, name)
            require_secrets(config, name)
    # the text log in local time, like everything else; every line of the process in the log's format
    with daemon_logging(log_format, timezone=config.timezone):
        daemon = PublishingDaemon(app.database(), config, renderer=app.renderer, dry_run=dry_run)
        finished = daemon.run(once=once, until_idle=until_idle)
        if not finished:
            sys.stderr.flush()
            # sends still in flight: left "may have gone out" (scheduler/shutdown.py); their threads are not waited for
            os._exit(0)


@cli.command("status", help="help.status_command")
@click.option("--archived", is_flag=True, help="campaign_life.help_archived")
@json_option
@pass_app
def status_command(app: App, archived: bool, as_json: bool) -> None:
    from loa.scheduler.channel_names import display_names
    from loa.scheduler.status import daemon_status
    from loa.scheduler.views import print_status

    report = daemon_status(app.database(), app.config, archived=archived)
    if as_json:
        echo_json(report)
    else:
        print_status(report, display_names(app.config))


@cli.command("retry", help="help.retry")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--channel", metavar="NAME", help="help.retry_channel")
@by_option
@pass_app
def retry_command(app: App, post_id: int, channel: str | None, by: str | None) -> None:
    from loa.posts.queue import retry_deliveries

    channels = retry_deliveries(app.database(), post_id, channel=channel, by=who(by))
    click.echo(t("msg.retry_queued", id=post_id, channels=", ".join(channels)))
