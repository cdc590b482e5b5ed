"""``loa campaign cancel|archive|rehearse``: a campaign's life cycle, and a rehearsal that leaves no trace."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from loa.posts.i18n import t
from loa.posts.times import iso, zone

from .campaign import campaign_group
from .common import App, by_option, echo_json, json_option, pass_app, who


@campaign_group.command("cancel", help="campaign_life.help_cancel")
@click.argument("slug")
@by_option
@pass_app
def cancel_command(app: App, slug: str, by: str | None) -> None:
    from loa.posts.campaign_life import cancel_campaign_posts

    result = cancel_campaign_posts(app.database(), slug, mark_campaign=True, by=who(by))
    show_cancellation(result.cancelled, result.maybe_live)
    click.echo(t("campaign_life.cancelled", slug=result.slug) if not result.was_cancelled
               else t("campaign_life.already_cancelled", slug=result.slug))


def show_cancellation(cancelled: list[int], maybe_live: dict[int, list[str]]) -> None:
    """What ``loa post cancel`` says: the posts cancelled, and on stderr those that may be live already."""
    click.echo(t("msg.cancelled", count=len(cancelled), ids=", ".join(map(str, cancelled)) or "-"))
    for post_id, channels in maybe_live.items():
        click.echo(t("msg.cancel_maybe_live", id=post_id, channels=", ".join(channels)), err=True)


@campaign_group.command("archive", help="campaign_life.help_archive")
@click.argument("slug")
@click.option("--undo", is_flag=True, help="campaign_life.help_undo")
@pass_app
def archive_command(app: App, slug: str, undo: bool) -> None:
    from loa.posts.campaign_life import archive_campaign

    changed = archive_campaign(app.database(), slug, undo=undo)
    key = ("unarchived" if changed else "not_archived") if undo else ("archived" if changed else "already_archived")
    click.echo(t(f"campaign_life.{key}", slug=slug))


# `campaign list` again, with --archived: it replaces the one of campaign.py (kept there untouched while the
# import is rewritten beside it; the two are to be merged into one)
@campaign_group.command("list", help="help.campaign_list")
@click.option("--archived", is_flag=True, help="campaign_life.help_archived")
@json_option
@pass_app
def list_command(app: App, archived: bool, as_json: bool) -> None:
    from loa.posts.listing import list_campaigns

    with app.database().session() as session:
        campaigns = list_campaigns(session, archived=archived)
    if as_json:
        echo_json({"campaigns": campaigns})
    else:
        from loa.scheduler import views

        views.print_campaigns(campaigns)


@campaign_group.command("rehearse", help="rehearsal.help_rehearse")
@click.argument("source", metavar="FILE|SLUG")
@click.option("--pace", type=float, metavar="SECONDS", help="rehearsal.help_pace")
@json_option
@pass_app
def rehearse_command(app: App, source: str, pace: float | None, as_json: bool) -> None:
    from loa.scheduler.rehearse_campaign import rehearse_campaign

    is_file = source.endswith(".toml") or Path(source).is_file()
    result = rehearse_campaign(app.config, app.renderer, file=Path(source) if is_file else None,
                               slug=None if is_file else source, real_db=app.database, pace=pace)
    tz = zone(result.timezone)
    lines = [{"at": iso(e.at.astimezone(tz)), "post": e.post_id, "channel": e.channel, "title": e.title,
              "outcome": e.outcome, "link": e.link, "simulated_link_of": e.simulated, "error": e.error,
              "draft": e.post_id in result.drafts} for e in result.timeline]
    if as_json:
        echo_json({"campaign": result.slug, "rehearsed": result.rehearsed, "total": len(lines),
                   "folder": str(result.folder), "media": str(result.media), "deliveries": lines})
        return
    click.echo(t("rehearsal.heading", slug=result.slug, rehearsed=result.rehearsed, total=len(lines)))
    _print_timeline(lines)
    click.echo(t("rehearsal.where_texts", folder=result.folder))
    click.echo(t("rehearsal.where_banners", folder=result.media))
    click.echo(t("rehearsal.untouched"))


def _print_timeline(lines: list[dict[str, Any]]) -> None:
    """One row per rehearsed delivery, fitting the terminal (80 columns when piped): the title is cut, never the
    time, channel or post number; the outcome wraps between words."""
    from loa.scheduler import tables

    columns = [tables.Column(t("col.time")), tables.Column(t("col.channel")), tables.Column(t("col.id"), "number"),
               tables.Column(t("col.title"), "cut"), tables.Column(t("col.status"), "wrap")]
    rows = [[dt.datetime.fromisoformat(line["at"]).strftime("%d/%m/%Y %H:%M"), line["channel"], str(line["post"]), line["title"], _outcome(line)]
            for line in lines]
    tables.print_table(tables.console(), columns, rows, head=3)


def _outcome(line: dict[str, Any]) -> str:
    outcome = t(f"rehearsal.outcome_{line['outcome']}")
    if line["draft"]:
        outcome += " " + t("rehearsal.still_draft")
    if line["simulated_link_of"]:
        outcome += " " + t("rehearsal.with_simulated", channel=line["simulated_link_of"])
    if line["error"]:
        outcome += f": {line['error']}"
    return outcome
