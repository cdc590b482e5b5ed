"""``loa campaign import|diff|export|list|show``."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from loa.posts.campaign_file import load_campaign_file
from loa.posts.campaign_export import export_campaign, write_export
from loa.posts.campaigns import MergeConflicts, diff_campaign, import_campaign
from loa.posts.i18n import t
from loa.posts.listing import show_campaign
from loa.posts.times import parse_date

from loa.scheduler import plan_view

from . import cli
from .choices import WordChoice
from .common import App, by_option, echo_json, json_option, pass_app, progress_bar, warn, who


@cli.group("campaign", help="help.campaign")
def campaign_group() -> None:
    pass


def _rebase(start: str | None) -> dt.date | str | None:
    if start is None:
        return None
    return "now" if start.strip().lower() == "now" else parse_date(start, where="--start")


prefer_option = click.option("--prefer", metavar="file|queue", type=WordChoice("prefer"), help="merge.help_prefer")


@campaign_group.command("import", help="help.campaign_import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--start", metavar="DATE|now", help="help.start")
@click.option("--pace", type=float, metavar="SECONDS", help="help.pace")
@click.option("--approve", is_flag=True, help="help.approve_all")
@click.option("--replace", is_flag=True, help="help.replace")
@prefer_option
@click.option("--dry-run", is_flag=True, help="merge.help_dry_run")
@click.option("--allow-past", is_flag=True, help="help.allow_past")
@json_option
@by_option
@pass_app
def import_command(app: App, file: Path, start: str | None, pace: float | None, approve: bool, replace: bool,
                   prefer: str | None, dry_run: bool, allow_past: bool, as_json: bool, by: str | None) -> None:
    config = app.config
    campaign = load_campaign_file(file, default_timezone=config.timezone, known_channels=config.channel_names)
    database = app.database()
    try:
        with progress_bar(t("msg.importing", slug=campaign.slug), quiet=as_json) as progress:
            result = import_campaign(database, campaign, start=_rebase(start), pace=pace,  # type: ignore[arg-type]
                                     approve=approve, replace=replace, allow_past=allow_past,
                                     prefer=prefer, dry_run=dry_run, on_progress=progress,  # type: ignore[arg-type]
                                     renderer=None if dry_run else app.renderer, by=who(by),
                                     must_differ=config.document.web.approver_must_differ)
    except MergeConflicts as refused:  # the plan, both versions of each conflict, on stdout; one line on stderr
        _show_plan(refused.plan.as_json(), as_json=as_json, done=False)
        raise
    for warning in result.warnings:
        warn(warning)
    assert result.plan is not None
    if as_json:
        echo_json({**result.plan.as_json(), "dry_run": dry_run, "done": not dry_run, "queued": result.queued,
                   "approved": result.approved, "changed": result.changed, "cancelled": result.cancelled,
                   "banners": result.banners})
        return
    if not result.plan.new_campaign or result.plan.dates_moved or dry_run:
        plan_view.print_plan(result.plan.as_json())
    if dry_run:
        click.echo(t("merge.dry_run_done"))
        return
    click.echo(t("msg.imported", slug=result.slug, queued=result.queued, approved=result.approved))
    if not result.plan.new_campaign:
        click.echo(t("merge.done", changed=result.changed, cancelled=result.cancelled,
                     published=len(result.plan.of("published")), kept=len(result.plan.of("keep"))))


def _show_plan(plan: dict[str, object], *, as_json: bool, done: bool) -> None:
    if as_json:
        echo_json({**plan, "dry_run": False, "done": done})
    else:
        plan_view.print_plan(plan)


@campaign_group.command("diff", help="merge.help_diff")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--start", metavar="DATE|now", help="help.start")
@click.option("--pace", type=float, metavar="SECONDS", help="help.pace")
@prefer_option
@json_option
@pass_app
def diff_command(app: App, file: Path, start: str | None, pace: float | None, prefer: str | None,
                 as_json: bool) -> None:
    config = app.config
    campaign = load_campaign_file(file, default_timezone=config.timezone, known_channels=config.channel_names)
    plan = diff_campaign(app.database(), campaign, start=_rebase(start), pace=pace,  # type: ignore[arg-type]
                         prefer=prefer, photos=app.renderer.photos)  # type: ignore[arg-type]
    if as_json:
        echo_json(plan.as_json())
    else:
        plan_view.print_plan(plan.as_json())


@campaign_group.command("export", help="merge.help_export")
@click.argument("slug")
@click.option("-o", "--out", "out", type=click.Path(path_type=Path, dir_okay=False), help="merge.help_export_out")
@pass_app
def export_command(app: App, slug: str, out: Path | None) -> None:
    with app.database().session() as session:
        media = Path(app.config.path_of(app.config.document.render.media))
        text = export_campaign(session, slug, media_dir=media, folder=out.parent if out is not None else None)
    if out is None:
        click.echo(text, nl=False)
        return
    write_export(out, text)
    click.echo(t("merge.exported", slug=slug, path=out), err=True)


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
        from loa.scheduler import views

        views.print_campaign(record)


# the group's other subcommands, registered with it: campaign cancel|archive|rehearse (issue 11), draft (issue 15)
from . import campaign_draft, campaign_life  # noqa: E402,F401
