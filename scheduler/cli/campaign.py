"""``loa campaign import|list|show``."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from posts.campaign_file import load_campaign_file
from posts.campaigns import import_campaign
from posts.i18n import t
from posts.listing import show_campaign
from posts.times import parse_date

from . import cli
from .common import App, echo_json, json_option, pass_app, progress_bar, warn


@cli.group("campaign", help="help.campaign")
def campaign_group() -> None:
    pass


@campaign_group.command("import", help="help.campaign_import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--start", metavar="DATE|now", help="help.start")
@click.option("--pace", type=float, metavar="SECONDS", help="help.pace")
@click.option("--approve", is_flag=True, help="help.approve_all")
@click.option("--replace", is_flag=True, help="help.replace")
@click.option("--allow-past", is_flag=True, help="help.allow_past")
@pass_app
def import_command(app: App, file: Path, start: str | None, pace: float | None, approve: bool, replace: bool,
                   allow_past: bool) -> None:
    config = app.config
    rebase: dt.date | str | None = None
    if start is not None:
        rebase = "now" if start.strip().lower() == "now" else parse_date(start, where="--start")
    campaign = load_campaign_file(file, default_timezone=config.timezone, known_channels=config.channel_names)
    database = app.database()
    with progress_bar(t("msg.importing", slug=campaign.slug)) as progress:
        result = import_campaign(database, campaign, start=rebase, pace=pace, approve=approve,  # type: ignore[arg-type]
                                 replace=replace, allow_past=allow_past, on_progress=progress,
                                 renderer=app.renderer)
    for warning in result.warnings:
        warn(warning)
    click.echo(t("msg.imported", slug=result.slug, queued=result.queued, approved=result.approved))
    if replace and (result.replaced or result.kept or result.skipped):
        click.echo(t("msg.replaced", replaced=result.replaced, kept=result.kept, skipped=result.skipped))


@campaign_group.command("show", help="help.campaign_show")
@click.argument("slug")
@json_option
@pass_app
def show_command(app: App, slug: str, as_json: bool) -> None:
    with app.database().session() as session:
        record = show_campaign(session, slug)
    if as_json:
        echo_json(record)
    else:
        from scheduler import views

        views.print_campaign(record)
