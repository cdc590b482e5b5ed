"""``loa publish`` (one approved post, now, through the daemon's own path) and ``loa channels list|check``."""
from __future__ import annotations

import sys

import click

from loa.posts.errors import UserError
from loa.posts.i18n import t

from . import cli
from .common import POST_ID, App, echo_json, json_option, pass_app


@cli.command("publish", help="help.publish")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--channel", metavar="NAME", help="help.publish_channel")
@pass_app
def publish_command(app: App, post_id: int, channel: str | None) -> None:
    from loa.scheduler.dispatch import publish_post
    from loa.scheduler.outcomes import outcome_text

    app.prepare_channels([channel] if channel else None)
    outcomes = publish_post(app.database(), app.config, post_id, channel=channel)
    for outcome in outcomes:
        click.echo(outcome_text(app.database(), outcome), err=outcome.status != "published")
    if any(o.auth for o in outcomes):
        sys.exit(2)  # credentials refused: for a person to fix, like any other bad setting
    if any(o.status != "published" for o in outcomes):
        sys.exit(1)


@cli.group("channels", help="help.channels_group")
def channels_group() -> None:
    pass


@channels_group.command("list", help="help.channels_list")
@json_option
@pass_app
def channels_list_command(app: App, as_json: bool) -> None:
    from loa.scheduler.channel_health import channel_rows

    app.prepare_channels()
    rows = channel_rows(app.config)
    if as_json:
        echo_json({"channels": rows})
        return
    from loa.scheduler import tables

    # names, adapters and targets (paths, addresses) whole; the credentials line wraps between its words
    columns = [tables.Column(t("col.channel")), tables.Column(t("col.adapter")), tables.Column(t("col.kind")),
               tables.Column(t("col.target")), tables.Column(t("col.credentials"), "wrap")]
    rows = [[row["name"], row["adapter"], row["kind"], row["target"] or "–",
             ", ".join(f"{env}: {t('msg.set') if ok else t('msg.not_set')}" for env, ok in row["secrets"].items())
             or "–"] for row in rows]
    tables.print_table(tables.console(), columns, rows)


@channels_group.command("check", help="help.channels_check")
@click.argument("names", metavar="[NAME...]", nargs=-1)
@pass_app
def channels_check_command(app: App, names: tuple[str, ...]) -> None:
    from loa.scheduler.channel_health import check_channel

    failed = []
    app.prepare_channels([name for name in names if name in app.config.channels] if names else None)
    for name in names or app.config.channel_names:
        result = check_channel(app.config, name, app.database() if app.database_exists() else None)
        click.echo(f"{name}: {result.message}", err=not result.ok)
        if not result.ok:
            failed.append(name)
        elif result.resumed:
            click.echo(t("msg.channel_resumed", channel=name))
    if failed:
        raise UserError(t("err.channels_failed", channels=", ".join(failed)))
