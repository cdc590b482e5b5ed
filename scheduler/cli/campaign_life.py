"""``loa campaign cancel|archive|rehearse``: a campaign's life cycle, and a rehearsal that leaves no trace."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from posts.i18n import t
from posts.times import iso, zone

from .campaign import campaign_group
from .common import App, echo_json, json_option, pass_app


@campaign_group.command("rehearse", help="rehearsal.help_rehearse")
@click.argument("source", metavar="FILE|SLUG")
@click.option("--pace", type=float, metavar="SECONDS", help="rehearsal.help_pace")
@json_option
@pass_app
def rehearse_command(app: App, source: str, pace: float | None, as_json: bool) -> None:
    from scheduler.rehearse_campaign import rehearse_campaign

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
    for line in lines:
        click.echo("  " + _timeline_line(line))
    click.echo(t("rehearsal.where_texts", folder=result.folder))
    click.echo(t("rehearsal.where_banners", folder=result.media))
    click.echo(t("rehearsal.untouched"))


def _timeline_line(line: dict[str, Any]) -> str:
    outcome = t(f"rehearsal.outcome_{line['outcome']}")
    if line["draft"]:
        outcome += " " + t("rehearsal.still_draft")
    if line["simulated_link_of"]:
        outcome += " " + t("rehearsal.with_simulated", channel=line["simulated_link_of"])
    if line["error"]:
        outcome += f": {line['error']}"
    title = line["title"] if len(line["title"]) <= 60 else line["title"][:59] + "…"
    return f"{line['at'][:16].replace('T', ' ')}  {line['channel']:<10} #{line['post']:<5} {title}  [{outcome}]"
