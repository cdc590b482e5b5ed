"""``loa publish`` (one approved post, now, through the daemon's own path) and ``loa channels list|check``."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from posts.errors import UserError
from posts.i18n import t

from . import cli
from .common import POST_ID, App, echo_json, json_option, pass_app

if TYPE_CHECKING:
    from scheduler.dispatch import Outcome


def _status(status: str) -> str:
    """A delivery status, or what happened to a claim that was not this command's to finish (released, lost)."""
    return t(f"outcome.{status}") if status in ("released", "lost") else t(f"status.{status}")


def _channel_of(app: App, outcome: Outcome) -> str:
    """Outcomes of a claim given back or lost carry no channel ("?"): the person still needs to know which."""
    if outcome.channel != "?" or outcome.delivery_id is None:
        return outcome.channel
    from posts.models import Delivery

    with app.database().session() as session:
        delivery = session.get(Delivery, outcome.delivery_id)
        return delivery.channel if delivery is not None else outcome.channel


@cli.command("publish", help="help.publish")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--channel", metavar="NAME", help="help.publish_channel")
@pass_app
def publish_command(app: App, post_id: int, channel: str | None) -> None:
    from scheduler.dispatch import publish_post

    outcomes = publish_post(app.database(), app.config, post_id, channel=channel)
    for outcome in outcomes:
        if outcome.status == "published":
            key = "msg.published" if outcome.action == "publish" else f"fix.sent_{outcome.action}"
            click.echo(t(key, channel=outcome.channel, link=outcome.permalink or "-"))
        else:
            click.echo(t("msg.not_published", channel=_channel_of(app, outcome), status=_status(outcome.status),
                         error=outcome.error or "-"), err=True)
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
    from scheduler.channel_health import channel_rows

    rows = channel_rows(app.config)
    if as_json:
        echo_json({"channels": rows})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(header_style="bold")
    for key in ("channel", "adapter", "kind", "target", "credentials"):
        table.add_column(t(f"col.{key}"), overflow="fold")
    for row in rows:
        credentials = ", ".join(f"{env}: {t('msg.set') if ok else t('msg.not_set')}"
                                for env, ok in row["secrets"].items()) or "–"
        table.add_row(row["name"], row["adapter"], row["kind"], row["target"] or "–", credentials)
    Console(highlight=False).print(table)


@channels_group.command("check", help="help.channels_check")
@click.argument("names", metavar="[NAME...]", nargs=-1)
@pass_app
def channels_check_command(app: App, names: tuple[str, ...]) -> None:
    from scheduler.channel_health import check_channel

    failed = []
    for name in names or app.config.channel_names:
        result = check_channel(app.config, name, app.database() if app.database_exists() else None)
        click.echo(f"{name}: {result.message}", err=not result.ok)
        if not result.ok:
            failed.append(name)
        elif result.resumed:
            click.echo(t("msg.channel_resumed", channel=name))
    if failed:
        raise UserError(t("err.channels_failed", channels=", ".join(failed)))
