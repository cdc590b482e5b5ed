"""``loa metrics refresh``: read the engagement figures of published posts now (the daemon reads them on its own)."""
from __future__ import annotations

import re
from typing import Any

import click

from loa.posts.i18n import t

from . import cli
from .common import App, echo_json, json_option, pass_app

COLUMNS = ("reactions", "comments", "shares", "views", "reach", "clicks")
# The reasons scheduler/metrics.py and the publishers record (in English: the log is read by machines too),
# shown in the officer's language; a platform's own error is shown inside a translated frame.
KNOWN_REASONS = {
    "not reported by this channel": "leaks.metrics_not_reported",
    "no remote id was recorded when it was published": "leaks.metrics_no_remote_id",
}
ADAPTER_REASON = re.compile(r"the (?P<adapter>[\w-]+) adapter reports no engagement figures")


def reason_text(reason: str) -> str:
    """Why a figure is missing, in the current language."""
    from loa.scheduler.publishers import LOCAL_CHANNEL  # here: `loa --help` imports no publisher code

    if reason == LOCAL_CHANNEL:
        return t("leaks.metrics_local_channel")
    if reason in KNOWN_REASONS:
        return t(KNOWN_REASONS[reason])
    adapter = ADAPTER_REASON.fullmatch(reason)
    if adapter:
        return t("leaks.metrics_adapter_none", adapter=adapter["adapter"])
    return t("leaks.metrics_other", reason=reason)


@cli.group("metrics", help="metrics.help_group")
def metrics_group() -> None:
    pass


@metrics_group.command("refresh", help="metrics.help_refresh")
@click.option("--campaign", metavar="SLUG", help="metrics.help_campaign")
@json_option
@pass_app
def refresh_command(app: App, campaign: str | None, as_json: bool) -> None:
    from loa.scheduler.metrics import refresh_metrics

    app.prepare_channels()
    rows = refresh_metrics(app.database(), app.config, campaign=campaign)
    if as_json:
        echo_json({"readings": rows})
        return
    print_readings(rows)


def print_readings(rows: list[dict[str, Any]]) -> None:
    from rich.text import Text

    from loa.scheduler import tables

    console = tables.console()
    if not rows:
        console.print(t("metrics.nothing"))
        return
    # nine columns in 80: the title gets what the figures leave (cut, the ID says which post); headers wrap
    columns = [tables.Column(t("col.id"), "number"), tables.Column(t("col.title"), "cut", min_width=8),
               tables.Column(t("col.channel")), *(tables.Column(t(f"metrics.col_{n}"), "number") for n in COLUMNS)]
    reasons: dict[tuple[str, str], list[str]] = {}  # (channel, reason) -> figures, so each reason shows once
    table_rows = []
    for row in rows:
        table_rows.append([str(row["post"]), row["title"], row["channel"],
                           *(str(row["metrics"][name]) if name in row["metrics"] else "–" for name in COLUMNS)])
        for name, reason in row["unavailable"].items():
            figures = reasons.setdefault((row["channel"], reason), [])
            if name not in figures:
                figures.append(name)
    tables.print_table(console, columns, table_rows, head=3)
    if reasons:
        console.print(t("metrics.unavailable_heading"))
        for (channel, reason), names in reasons.items():
            tables.print_wrapped(console, Text(f"{channel}: {', '.join(t(f'metrics.col_{n}') for n in names)}: "
                                               f"{reason_text(reason)}"), indent="  ")
    console.print(t("metrics.recorded", count=len(rows)))
