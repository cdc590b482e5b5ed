"""Tables for people: the queue by day, campaigns, one post. Drawn with Rich from the same dicts as ``--json``."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from posts.i18n import t
from posts.times import day_label

COMMENT_MARK = "✎"  # a post sent back with an approver's comment, in `loa queue`
STATUS_STYLES = {
    "draft": "dim", "approved": "cyan", "done": "green", "cancelled": "dim strike",
    "pending": "", "sending": "bold blue", "retry_wait": "yellow", "published": "green", "failed": "bold red",
    "unknown": "bold magenta", "missed": "bold yellow",
}


def _console() -> Console:
    return Console(highlight=False)


def status_text(status: str | None) -> Text:
    if status is None:
        return Text("")
    return Text(t(f"status.{status}"), style=STATUS_STYLES.get(status, ""))


def _local(iso_text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso_text)


def print_queue(rows: list[dict[str, Any]], *, channel_order: Sequence[str]) -> None:
    console = _console()
    if not rows:
        console.print(t("msg.queue_empty"))
        return
    used = {d["channel"] for row in rows for d in row["deliveries"]}
    channels = [c for c in channel_order if c in used] + sorted(used - set(channel_order))
    several_campaigns = len({row["campaign"] for row in rows}) > 1
    table = Table(show_lines=False, header_style="bold", expand=False)
    table.add_column(t("col.time"), no_wrap=True)
    table.add_column(t("col.id"), justify="right", no_wrap=True)
    if several_campaigns:
        table.add_column(t("col.campaign"), overflow="fold")
    table.add_column(t("col.title"), overflow="fold", ratio=1)
    table.add_column(t("col.status"), no_wrap=True)
    for channel in channels:
        table.add_column(channel, no_wrap=True)
    width = len(table.columns)
    # a paced demo schedules posts seconds apart: show seconds only when they matter
    clock = "%H:%M:%S" if any(_local(row["publish_at"]).second for row in rows) else "%H:%M"
    current_day, commented = None, False
    for row in rows:
        moment = _local(row["publish_at"])
        if moment.date() != current_day:
            if current_day is not None:
                table.add_section()
            current_day = moment.date()
            cells: list[Any] = [""] * width
            cells[3 if several_campaigns else 2] = Text(day_label(current_day), style="bold")
            table.add_row(*cells)
        by_channel = {d["channel"]: d["status"] for d in row["deliveries"]}
        cells = [moment.strftime(clock), str(row["id"])]
        if several_campaigns:
            cells.append(row["campaign"])
        status = status_text(row["status"])
        if row.get("review_comment"):  # sent back with an approver's comment: `loa post show` has it
            status.append(f" {COMMENT_MARK}", style="bold yellow")
            commented = True
        cells += [row["title"], status]
        cells += [status_text(by_channel.get(c)) if c in by_channel else Text("–", style="dim") for c in channels]
        table.add_row(*cells)
    console.print(table)
    console.print(t("msg.queue_count", count=len(rows)))
    if commented:
        console.print(t("review.queue_legend", mark=COMMENT_MARK))


def print_campaigns(campaigns: list[dict[str, Any]]) -> None:
    console = _console()
    if not campaigns:
        console.print(t("msg.no_campaigns"))
        return
    table = Table(header_style="bold")
    table.add_column(t("col.slug"), overflow="fold")
    table.add_column(t("col.name"), min_width=12)
    table.add_column(t("col.dates"), overflow="fold")
    table.add_column(t("col.posts"), min_width=10)
    table.add_column(t("col.next"))
    for c in campaigns:
        counts = ", ".join(f"{n} {t(f'status.{s}')}" for s, n in c["posts"].items() if n) or "0"
        next_at = _local(c["next_post_at"]).strftime("%d/%m %H:%M") if c["next_post_at"] else "–"
        states = [t(f"campaign_life.state_{s}") for s in ("cancelled", "archived") if c.get(f"{s}_at")]
        table.add_row(c["slug"] + "".join(f" ({s})" for s in states), c["name"], _dates(c), counts, next_at)
    console.print(table)


def _dates(record: dict[str, Any]) -> str:
    start, end = dt.date.fromisoformat(record["start"]), dt.date.fromisoformat(record["end"])
    if start.year == end.year:
        return f"{start:%d/%m}–{end:%d/%m/%Y}"
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def _fields(rows: list[tuple[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, value if isinstance(value, Text) else str(value if value not in (None, "") else "–"))
    return grid


def print_campaign(c: dict[str, Any]) -> None:
    console = _console()
    console.print(_fields([
        (t("col.slug"), c["slug"]), (t("col.name"), c["name"]), (t("col.theme"), c["theme"]),
        (t("col.dates"), _dates(c)), (t("col.timezone"), c["timezone"]), (t("col.plan_ref"), c["plan_ref"]),
        (t("col.channels"), ", ".join(c["channels"])), (t("col.hashtags"), " ".join(c["hashtags"])),
        (t("col.banner_theme"), c["banner_theme"]),
        (t("col.posts"), ", ".join(f"{t(f'status.{s}')}: {n}" for s, n in c["posts"].items())),
    ]))
    if c["deliveries"]:
        table = Table(header_style="bold", title=t("col.deliveries"))
        statuses = sorted({s for counts in c["deliveries"].values() for s in counts})
        table.add_column(t("col.channel"))
        for status in statuses:
            table.add_column(status_text(status), justify="right")
        for channel, counts in c["deliveries"].items():
            table.add_row(channel, *[str(counts.get(s, 0)) for s in statuses])
        console.print(table)


def print_post(p: dict[str, Any]) -> None:
    console = _console()
    moment = _local(p["publish_at"])
    banner = p["banner"] or {}
    console.print(_fields([
        (t("col.id"), p["id"]), (t("col.campaign"), p["campaign"]), (t("col.title"), p["title"]),
        (t("col.status"), status_text(p["status"])),
        (t("col.publish_at"), f"{day_label(moment.date())} {moment:%H:%M} ({p['timezone']})"),
        (t("col.template"), p["template"]),
        (t("col.banner"), " / ".join(v for v in (banner.get("headline"), banner.get("subline")) if v)),
        *([(t("photo.col_images"), ", ".join(f"{i['name']} ({i['width']}×{i['height']})" for i in p["images"]))]
          if p.get("images") else []),
        *_who(p),
    ]))
    if p.get("review_comment"):
        console.print(Text(f"{t('review.col_comment')}: {p['review_comment']}", style="bold yellow"))
    table = Table(header_style="bold", title=t("col.deliveries"))
    for key in ("channel", "status", "attempts", "permalink", "last_error"):
        table.add_column(t(f"col.{key}"), overflow="fold")
    for d in p["deliveries"]:
        table.add_row(d["channel"], status_text(d["status"]), str(d["attempts"]), d["permalink"] or "–",
                      d["last_error"] or "–")
    for d in p.get("changes") or []:  # corrections and take-downs, under the publication they change
        action = d["action"]
        # "published" means carried out: say what was done, not "published"
        state = Text(t(f"fix.done_{action}"), style=STATUS_STYLES.get("published", "")) \
            if d["status"] == "published" else status_text(d["status"])
        table.add_row(f"{d['channel']} · {t(f'fix.action_{action}')}", state,
                      str(d["attempts"]), d["permalink"] or "–", d["last_error"] or "–")
    console.print(table)
    console.print(Text(t("col.body"), style="bold"))
    console.print(p["body"])
    if p["history"]:
        console.print(Text(t("col.history"), style="bold"))
        for entry in p["history"]:
            at = _local(entry["at"]).strftime("%d/%m/%Y %H:%M")
            kind = kind_label(entry["kind"])
            console.print(f"  {at}  {kind}" + (f" · {entry['channel']}" if entry.get("channel") else "")
                          + (f" · {entry['by']}" if entry.get("by") else "")
                          + (f": {entry['detail']['comment']}" if entry["kind"] == "sent_back" else ""))


def _who(p: dict[str, Any]) -> list[tuple[str, Any]]:
    """Author, last editor and approver (with the time), for the lines that have one."""
    approved = p.get("approved_by")
    if approved and p.get("approved_at"):
        approved = f"{approved} ({_local(p['approved_at']):%d/%m/%Y %H:%M})"
    return [(t(f"review.col_{key}"), value) for key, value in
            (("created_by", p.get("created_by")), ("edited_by", p.get("edited_by")), ("approved_by", approved))
            if value]


def print_themes(themes: list[dict[str, Any]]) -> None:
    table = Table(header_style="bold")
    for key in ("slug", "name", "description", "decor"):
        table.add_column(t(f"col.{key}"), overflow="fold")
    for theme in themes:
        table.add_row(theme["slug"], theme["name"], theme["description"], theme["decor"])
    _console().print(table)


def print_status(report: dict[str, Any]) -> None:
    """``loa status`` for a newcomer: is it running, what is queued, what comes next, what needs a person."""
    console = _console()
    daemon = report["daemon"]
    alive = [p for p in daemon["processes"] if p["alive"]]
    if alive:
        console.print(Text(t("msg.daemon_alive", count=len(alive), owners=", ".join(p["owner"] for p in alive)),
                           style="green"))
    else:
        console.print(Text(t("msg.daemon_down"), style="bold red"))
    counts = report["deliveries"]
    console.print(_fields([(t("col.deliveries"), ", ".join(
        f"{t(f'status.{s}')}: {n}" for s, n in counts.items() if n) or "–")]))
    nxt = report["next"]
    if nxt:
        moment = _local(nxt["at"])
        console.print(_fields([(t("col.next"), f"{day_label(moment.date())} {moment:%H:%M:%S} · {nxt['channel']} · "
                                               f"#{nxt['post']} {nxt['title']}")]))
    for paused in report["paused"]:
        until = _local(paused["until"]).strftime("%d/%m %H:%M") if paused["until"] else t("msg.until_check")
        console.print(Text(t("msg.channel_paused", channel=paused["channel"], until=until, reason=paused["reason"]),
                           style="bold yellow"))
    attention = report["attention"]
    if not attention["items"]:
        console.print(Text(t("msg.nothing_needs_you"), style="green"))
        return
    table = Table(header_style="bold", title=t("msg.needs_attention", count=attention["total"]))
    for key in ("id", "channel", "status", "due", "title", "reason", "todo"):
        table.add_column(t(f"col.{key}"), overflow="fold")
    for item in attention["items"]:
        due = _local(item["due_at"]).strftime("%d/%m %H:%M") if item["due_at"] else "–"
        table.add_row(str(item["post"] or "–"), item["channel"] or "–", status_text(item["status"]), due,
                      item["title"] or "–", item["reason"] or "–", item["hint"])
    console.print(table)


def kind_label(kind: str) -> str:
    """The kind of a log entry in the current language; a kind a newer loa wrote shows as it is stored."""
    for key in (f"kind.{kind}", f"logcmd.kind_{kind}", f"campaign_life.kind_{kind}", f"fix.kind_{kind}",
                f"review.kind_{kind}"):
        if (text := t(key)) != key:
            return text
    return kind


def _entry_summary(entry: dict[str, Any]) -> str:
    from posts.outreach_export import metrics_summary

    detail = entry["detail"] if isinstance(entry["detail"], dict) else {}
    parts = []
    if entry["count"] is not None:
        parts.append(t("logcmd.summary_count", count=entry["count"]))
    if entry["place"]:
        parts.append(entry["place"])
    if detail.get("photo"):
        parts.append(t("logcmd.summary_photo", path=detail["photo"]))
    for key in ("permalink", "error"):
        if detail.get(key):
            parts.append(str(detail[key]))
    if isinstance(detail.get("files"), list):
        parts.append(t("logcmd.summary_files", count=len(detail["files"])))
    if summary := metrics_summary(entry["kind"], detail):
        parts.append(summary)
    return " · ".join(parts)


def print_log(entries: Iterable[dict[str, Any]], *, show_campaign: bool = True) -> None:
    table = Table(header_style="bold")
    table.add_column(t("col.time"), no_wrap=True)
    if show_campaign:
        table.add_column(t("col.campaign"), overflow="fold")
    table.add_column(t("logcmd.col_kind"), no_wrap=True)
    table.add_column(t("col.channel"), no_wrap=True)
    table.add_column(t("col.id"), justify="right", no_wrap=True)
    table.add_column(t("col.title"), overflow="fold", ratio=1)
    table.add_column(t("logcmd.col_summary"), overflow="fold")
    count = 0
    for entry in entries:
        moment = _local(entry["at"])
        cells: list[Any] = [moment.strftime("%d/%m/%Y %H:%M")]
        if show_campaign:
            cells.append(entry["campaign"] or "–")
        cells += [Text(kind_label(entry["kind"]), style=STATUS_STYLES.get(entry["kind"], "")),
                  entry["channel"] or "–", str(entry["post_id"] or ""), entry["title"] or "–", _entry_summary(entry)]
        table.add_row(*cells)
        count += 1
    console = _console()
    if not count:
        console.print(t("logcmd.msg_empty"))
        return
    console.print(table)
    console.print(t("logcmd.msg_count", count=count))
