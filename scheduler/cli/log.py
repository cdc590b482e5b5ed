"""``loa log``: the outreach log — list it, add offline activities and notes, export it for the office."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import click

from loa.posts.i18n import t
from loa.posts.outreach_log import LogFilter, iter_entries, parse_filter
from loa.posts.vocabulary import label

from . import cli
from .choices import WordChoice
from .common import App, echo_json, json_option, json_text, pass_app


def filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The filters ``loa log`` and ``loa log export`` share."""
    for option in reversed((
        click.option("--campaign", metavar="SLUG", help="logcmd.help_campaign"),
        click.option("--channel", metavar="NAME", help="logcmd.help_channel"),
        click.option("--from", "date_from", metavar="DATE", help="logcmd.help_from"),
        click.option("--to", "date_to", metavar="DATE", help="logcmd.help_to"),
        click.option("--kind", metavar="KIND", type=WordChoice("kind"), help="logcmd.help_kind"),
    )):
        func = option(func)
    return func


def _entries(app: App, session: Any, chosen: LogFilter) -> Any:
    return iter_entries(session, chosen, default_timezone=app.config.timezone,
                        known_channels=app.config.channel_names)


def _echo_entries(entries: Iterator[dict[str, Any]]) -> None:
    """``{"entries": [...]}`` written as the entries stream in, so a long log never sits in memory whole."""
    pretty = sys.stdout.isatty()
    separator = ",\n  " if pretty else ","
    click.echo('{"entries": [' + ("\n  " if pretty else ""), nl=False)
    for index, entry in enumerate(entries):
        text = json_text(entry, pretty=pretty)
        click.echo((separator if index else "") + (text.replace("\n", "\n  ") if pretty else text), nl=False)
    click.echo("\n]}" if pretty else "]}")


@cli.group("log", help="logcmd.help_log", invoke_without_command=True)
@filter_options
@click.option("--long", "long_form", is_flag=True, help="tables.help_log_long")
@json_option
@pass_app
@click.pass_context
def log_command(ctx: click.Context, app: App, campaign: str | None, channel: str | None, date_from: str | None,
                date_to: str | None, kind: str | None, long_form: bool, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    chosen = parse_filter(campaign=campaign, channel=channel, date_from=date_from, date_to=date_to, kind=kind)
    with app.database().session() as session, closing(_entries(app, session, chosen)) as entries:
        if as_json:
            _echo_entries(entries)
        else:
            from loa.scheduler.log_view import print_log

            print_log(entries, show_campaign=campaign is None, long=long_form)


@log_command.command("add", help="logcmd.help_add")
@click.option("--campaign", metavar="SLUG", required=True, help="logcmd.help_campaign")
@click.option("--kind", metavar="KIND", type=WordChoice("manual_kind"), default="offline", show_default=True,
              help="logcmd.help_add_kind")
@click.option("--title", required=True, help="logcmd.help_title")
@click.option("--count", metavar="N", help="logcmd.help_count")
@click.option("--unit", metavar="TEXT", help="names.help_unit")
@click.option("--place", help="logcmd.help_place")
@click.option("--date", "day", metavar="DATE", help="logcmd.help_date")
@click.option("--photo", metavar="FILE", type=click.Path(path_type=Path), help="logcmd.help_photo")
@json_option
@pass_app
def add_command(app: App, campaign: str, kind: str, title: str, count: str | None, unit: str | None,
                place: str | None, day: str | None, photo: Path | None, as_json: bool) -> None:
    from loa.posts.outreach_manual import add_manual_entry

    media = app.config.path_of(app.config.document.render.media)
    assert media is not None  # the setting has a default
    entry = add_manual_entry(app.database(), campaign=campaign, kind=kind, title=title, count=count, place=place,
                             day=day, photo=photo, media_dir=media, unit=unit)
    if as_json:
        echo_json(entry)
    else:
        click.echo(t("logcmd.msg_added", id=entry["id"], kind=label("manual_kind", kind), campaign=campaign))


@log_command.command("export", help="logcmd.help_export")
@click.option("--format", "fmt", metavar="|".join(("csv", "xlsx", "jsonl")), type=WordChoice("log_format"),
              required=True, help="logcmd.help_format")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="logcmd.help_output")
@filter_options
@pass_app
def export_command(app: App, fmt: str, output: Path, campaign: str | None, channel: str | None,
                   date_from: str | None, date_to: str | None, kind: str | None) -> None:
    from loa.posts.outreach_export import export_log

    chosen = parse_filter(campaign=campaign, channel=channel, date_from=date_from, date_to=date_to, kind=kind)
    with app.database().session() as session, closing(_entries(app, session, chosen)) as entries:
        count = export_log(entries, fmt.lower(), output)
    click.echo(t("logcmd.msg_exported", count=count, path=output))

