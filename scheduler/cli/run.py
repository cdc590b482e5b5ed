"""``loa run`` (the daemon), ``loa status`` (what needs attention) and ``loa retry`` (send again what did not go)."""
from __future__ import annotations

import logging
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
def run_command(app: App, once: bool, until_idle: bool, dry_run: bool, log_format: str) -> int:
    from loa.posts.errors import UserError
    from loa.scheduler.channel_health import channel_warnings
    from loa.scheduler.daemon import PublishingDaemon
    from loa.scheduler.dispatch import publisher_for, require_secrets
    from loa.scheduler.events import LOGGER, daemon_logging

    if once and until_idle:
        raise UserError(t("err.once_and_until_idle"), where="--once")
    config = app.config
    if not dry_run:  # a channel that cannot work stops us here, before anything is claimed
        for name in config.channel_names:
            publisher_for(config, name)
            require_secrets(config, name)
    # the text log in local time, like everything else; every line of the process in the log's format
    with daemon_logging(log_format, timezone=config.timezone):
        for message in channel_warnings(config):  # once, at start: the log says it as a warning, in its format
            logging.getLogger(LOGGER).warning(message)
        daemon = PublishingDaemon(app.database(), config, renderer=app.renderer, dry_run=dry_run)
        finished = daemon.run(once=once, until_idle=until_idle)
        if not finished:
            sys.stderr.flush()
            # sends still in flight: left "may have gone out" (scheduler/shutdown.py); their threads are not waited for
            os._exit(0)
    return _left_for_a_person(app, as_json=log_format == "json") if until_idle else 0


def _left_for_a_person(app: App, *, as_json: bool = False) -> int:
    """``run --until-idle``'s exit code: 3 (one line on stderr) when deliveries it leaves need a person (failed,
    unknown, missed: what ``loa status`` lists), so a script or CI notices; else 0. ``as_json``: that line is JSON,
    like the rest of the log."""
    from loa.scheduler.events import json_line
    from loa.scheduler.health import EXIT_HEALTHY, EXIT_NEEDS_A_PERSON, reason_text
    from loa.scheduler.status import needing_a_person

    with app.database().session() as session:
        needing = needing_a_person(session)
    if not needing:
        return EXIT_HEALTHY
    counts = ", ".join(reason_text({"status": status, "count": needing[status]})
                       for status in ("failed", "unknown", "missed") if needing.get(status))
    line = t("monitor.until_idle_left", counts=counts)
    click.echo(json_line(line, event="needs-a-person", level=logging.WARNING) if as_json else line, err=True)
    return EXIT_NEEDS_A_PERSON


@cli.command("status", help="help.status_command")
@click.option("--archived", is_flag=True, help="campaign_life.help_archived")
@click.option("--check", is_flag=True, help="monitor.help_check")
@json_option
@pass_app
def status_command(app: App, archived: bool, check: bool, as_json: bool) -> int:
    """Exit 0 when nothing needs a person, 3 when something does (``health`` in --json says what); --check: one
    line and Nagios's codes (scheduler/health.py)."""
    from loa.posts.errors import UserError
    from loa.scheduler.channel_names import display_names
    from loa.scheduler.status import daemon_status
    from loa.scheduler.views import print_status

    if check:
        if as_json:
            raise UserError(t("monitor.check_and_json"), where="--check")
        return _check(app, archived)
    report = daemon_status(app.database(), app.config, archived=archived)
    if as_json:
        echo_json(report)
    else:
        print_status(report, display_names(app.config))
    return int(report["health"]["exit"])


def _check(app: App, archived: bool) -> int:
    """``loa status --check``: whatever goes wrong is UNKNOWN on the same one line (a monitor reads stdout only)."""
    from loa.posts.errors import UserError
    from loa.scheduler.health import NAGIOS_UNKNOWN, check_line, unknown_line
    from loa.scheduler.status import daemon_status

    from . import _runtime_failure

    try:
        line, code = check_line(daemon_status(app.database(), app.config, archived=archived))
    except UserError as exc:
        line, code = unknown_line(str(exc)), NAGIOS_UNKNOWN
    except Exception as exc:  # the database does not answer, a disk error: the message the CLI would give
        if os.environ.get("LOA_DEBUG"):
            raise
        line, code = unknown_line(_runtime_failure(exc)), NAGIOS_UNKNOWN
    click.echo(line)
    return code


@cli.command("retry", help="help.retry")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--channel", metavar="NAME", help="help.retry_channel")
@by_option
@pass_app
def retry_command(app: App, post_id: int, channel: str | None, by: str | None) -> None:
    from loa.posts.queue import retry_deliveries

    channels = retry_deliveries(app.database(), post_id, channel=channel, by=who(by))
    click.echo(t("msg.retry_queued", id=post_id, channels=", ".join(channels)))
