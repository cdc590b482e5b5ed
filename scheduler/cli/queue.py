"""``loa queue``: the schedule, grouped by day."""
from __future__ import annotations

import datetime as dt

import click

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.queue_sqlite import list_queue_sqlite, sqlite_file
from loa.posts.times import parse_date, week_range, zone

from . import cli
from .choices import WordChoice
from .common import App, echo_json, json_option, pass_app


@cli.command("queue", help="help.queue")
@click.option("--campaign", metavar="SLUG", help="help.campaign_filter")
@click.option("--from", "date_from", metavar="DATE", help="help.from")
@click.option("--to", "date_to", metavar="DATE", help="help.to")
@click.option("--week", is_flag=True, help="help.week")
@click.option("--status", metavar="STATUS", type=WordChoice("status"), help="help.status")
@click.option("--channel", metavar="NAME", help="help.channel_filter")
@click.option("--archived", is_flag=True, help="campaign_life.help_archived")
@json_option
@pass_app
def queue_command(app: App, campaign: str | None, date_from: str | None, date_to: str | None, week: bool,
                  status: str | None, channel: str | None, archived: bool, as_json: bool) -> None:
    config = app.settings  # the summary of config.toml when it is unchanged: no pydantic
    tz = zone(config.timezone)
    if week and (date_from or date_to):
        raise UserError(t("err.week_and_range"), where="--week")
    first = parse_date(date_from, where="--from") if date_from else None
    last = parse_date(date_to, where="--to") if date_to else None
    if week:
        first, last = week_range(dt.datetime.now(tz).date())
    if first and last and last < first:
        raise UserError(t("err.range_reversed"), where="--to")
    if channel is not None and channel not in config.channel_names:
        raise UserError(t("err.unknown_channel", channel=channel, known=", ".join(config.channel_names)),
                        where="--channel")
    # Dates are days in the default timezone: [first 00:00, last+1 00:00).
    since = dt.datetime.combine(first, dt.time(0), tzinfo=tz) if first else None
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz) if last else None
    filters = {"campaign": campaign, "since": since, "until": until, "status": status, "channel": channel,
               "archived": archived}
    # SQLite through the standard library (no SQLAlchemy to import); PostgreSQL, or anything that light read
    # does not answer (an older schema, an unknown campaign, a damaged file), through the full path
    path = sqlite_file(config.database_url)
    if path is not None:  # as when the database is opened (project.py): root stays out of another user's state
        from loa.scheduler.run_as import check_state_owner

        check_state_owner([path], app.config_path)
    rows = None if path is None else list_queue_sqlite(path, busy_timeout_s=config.busy_timeout_seconds, **filters)
    if rows is None:
        from loa.posts.listing import list_queue

        with app.database().session() as session:
            rows = list_queue(session, **filters)
    if as_json:
        echo_json({"posts": rows})
    else:
        from loa.scheduler import views

        views.print_queue(rows, channel_order=config.channel_names)
