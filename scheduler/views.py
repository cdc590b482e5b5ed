"""Tables for people: the queue by day, campaigns, one post. Drawn with Rich from the same dicts as ``--json``."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from loa.posts.i18n import t
from loa.posts.times import day_label
from loa.posts.vocabulary import label

from . import tables
from .tables import Column, Section

COMMENT_MARK = "✎"  # a post sent back with an approver's comment, in `loa queue`
STATUS_STYLES = {
    "draft": "dim", "approved": "cyan", "done": "green", "cancelled": "dim strike",
    "pending": "", "sending": "bold blue", "retry_wait": "yellow", "published": "green", "failed": "bold red",
    "unknown": "bold magenta", "missed": "bold yellow",
}


def status_text(status: str | None) -> Text:
    if status is None:
        return Text("")
    return Text(t(f"status.{status}"), style=STATUS_STYLES.get(status, ""))


def _local(iso_text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso_text)


def print_queue(rows: list[dict[str, Any]], *, channel_order: Sequence[str]) -> None:
    console = tables.console()
    if not rows:
        console.print(t("msg.queue_empty"))
        return
    used = {d["channel"] for row in rows for d in row["deliveries"]}
    channels = [c for c in channel_order if c in used] + sorted(used - set(channel_order))
    several_campaigns = len({row["campaign"] for row in rows}) > 1
    columns = [Column(t("col.time")), Column(t("col.id"), "number"),
               *([Column(t("col.campaign"))] if several_campaigns else []),
               Column(t("col.title"), "cut", weight=3), Column(t("col.status")),
               *(Column(channel) for channel in channels)]
    # a paced demo schedules posts seconds apart: show seconds only when they matter
    clock = "%H:%M:%S" if any(_local(row["publish_at"]).second for row in rows) else "%H:%M"
    current_day, commented = None, False
    lines: list[tables.Row] = []
    for row in rows:
        moment = _local(row["publish_at"])
        if moment.date() != current_day:
            current_day = moment.date()
            lines.append(Section(Text(day_label(current_day), style="bold")))
        by_channel = {d["channel"]: d["status"] for d in row["deliveries"]}
        cells: list[tables.Cell] = [moment.strftime(clock), str(row["id"])]
        if several_campaigns:
            cells.append(row["campaign"])
        status = status_text(row["status"])
        if row.get("review_comment"):  # sent back with an approver's comment: `loa post show` has it
            status.append(f" {COMMENT_MARK}", style="bold yellow")
            commented = True
        cells += [row["title"], status]
        cells += [status_text(by_channel.get(c)) if c in by_channel else Text("–", style="dim") for c in channels]
        lines.append(cells)
    tables.print_table(console, columns, lines, head=3 if several_campaigns else 2)
    console.print(t("msg.queue_count", count=len(rows)))
    if commented:
        console.print(t("review.queue_legend", mark=COMMENT_MARK))


def print_campaigns(campaigns: list[dict[str, Any]]) -> None:
    console = tables.console()
    if not campaigns:
        console.print(t("msg.no_campaigns"))
        return
    columns = [Column(t("col.slug")), Column(t("col.name"), "cut", weight=2), Column(t("col.dates")),
               Column(t("col.posts"), "wrap", min_width=12), Column(t("col.next"))]
    rows = []
    for c in campaigns:
        counts = ", ".join(f"{n} {t(f'status.{s}')}" for s, n in c["posts"].items() if n) or "0"
        next_at = _local(c["next_post_at"]).strftime("%d/%m %H:%M") if c["next_post_at"] else "–"
        states = [t(f"campaign_life.state_{s}") for s in ("cancelled", "archived") if c.get(f"{s}_at")]
        # the state goes with the name, so the slug cell holds the slug alone, to copy
        name = "".join(f"({s}) " for s in states) + c["name"]
        rows.append([c["slug"], name, _dates(c), counts, next_at])
    tables.print_table(console, columns, rows)


def _dates(record: dict[str, Any]) -> str:
    start, end = dt.date.fromisoformat(record["start"]), dt.date.fromisoformat(record["end"])
    if start.year == end.year:
        return f"{start:%d/%m}–{end:%d/%m/%Y}"
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def print_campaign(c: dict[str, Any]) -> None:
    console = tables.console()
    tables.print_fields(console, [
        (t("col.slug"), c["slug"]), (t("col.name"), c["name"]), (t("col.theme"), c["theme"]),
        (t("col.dates"), _dates(c)), (t("col.timezone"), c["timezone"]), (t("col.plan_ref"), c["plan_ref"]),
        (t("col.channels"), ", ".join(c["channels"])), (t("col.hashtags"), " ".join(c["hashtags"])),
        (t("col.banner_theme"), c["banner_theme"]),
        (t("col.posts"), ", ".join(f"{t(f'status.{s}')}: {n}" for s, n in c["posts"].items())),
    ])
    if c["deliveries"]:
        statuses = sorted({s for counts in c["deliveries"].values() for s in counts})
        columns = [Column(t("col.channel")), *(Column(t(f"status.{s}"), "number") for s in statuses)]
        rows = [[channel, *[str(counts.get(s, 0)) for s in statuses]] for channel, counts in c["deliveries"].items()]
        tables.print_table(console, columns, rows, title=t("col.deliveries"))


def print_post(p: dict[str, Any]) -> None:
    console = tables.console()
    moment = _local(p["publish_at"])
    banner = p["banner"] or {}
    tables.print_fields(console, [
        (t("col.id"), p["id"]), (t("col.campaign"), p["campaign"]), (t("col.title"), p["title"]),
        (t("col.status"), status_text(p["status"])),
        (t("col.publish_at"), f"{day_label(moment.date())} {moment:%H:%M} ({p['timezone']})"),
        (t("col.template"), p["template"]),
        (t("col.banner"), " / ".join(v for v in (banner.get("headline"), banner.get("subline")) if v)),
        *([(t("photo.col_images"), ", ".join(f"{i['name']} ({i['width']}×{i['height']})" for i in p["images"]))]
          if p.get("images") else []),
        *_who(p),
    ])
    if p.get("review_comment"):
        tables.print_wrapped(console, Text(f"{t('review.col_comment')}: {p['review_comment']}", style="bold yellow"))
    columns = [Column(t("col.channel")), Column(t("col.status")), Column(t("col.attempts"), "number"),
               Column(t("col.permalink")), Column(t("col.last_error"), "wrap")]
    rows: list[tables.Row] = [[d["channel"], status_text(d["status"]), str(d["attempts"]), d["permalink"] or "–",
                               d["last_error"] or "–"] for d in p["deliveries"]]
    for d in p.get("changes") or []:  # corrections and take-downs, under the publication they change
        action = d["action"]
        # "published" means carried out: say what was done, not "published"
        state = Text(t(f"fix.done_{action}"), style=STATUS_STYLES.get("published", "")) \
            if d["status"] == "published" else status_text(d["status"])
        rows.append([f"{d['channel']} · {t(f'fix.action_{action}')}", state, str(d["attempts"]),
                     d["permalink"] or "–", d["last_error"] or "–"])
    tables.print_table(console, columns, rows, title=t("col.deliveries"), head=2)
    console.print(Text(t("col.body"), style="bold"))
    tables.print_wrapped(console, p["body"])
    if p["history"]:
        console.print(Text(t("col.history"), style="bold"))
        for entry in p["history"]:
            at = _local(entry["at"]).strftime("%d/%m/%Y %H:%M")
            kind = kind_label(entry["kind"])
            tables.print_wrapped(console, f"{at}  {kind}" + (f" · {entry['channel']}" if entry.get("channel") else "")
                                 + (f" · {entry['by']}" if entry.get("by") else "")
                                 + (f": {entry['detail']['comment']}" if entry["kind"] == "sent_back" else ""),
                                 indent="  ", hanging="    ")


def _who(p: dict[str, Any]) -> list[tuple[str, Any]]:
    """Author, last editor and approver (with the time), for the lines that have one."""
    approved = p.get("approved_by")
    if approved and p.get("approved_at"):
        approved = f"{approved} ({_local(p['approved_at']):%d/%m/%Y %H:%M})"
    return [(t(f"review.col_{key}"), value) for key, value in
            (("created_by", p.get("created_by")), ("edited_by", p.get("edited_by")), ("approved_by", approved))
            if value]


def print_themes(themes: list[dict[str, Any]]) -> None:
    columns = [Column(t("col.slug")), Column(t("col.name"), "cut", min_width=8),
               Column(t("col.description"), "wrap", weight=3), Column(t("col.decor"))]
    rows = [[theme["slug"], theme["name"], theme["description"], theme["decor"]] for theme in themes]
    tables.print_table(tables.console(), columns, rows)


def print_status(report: dict[str, Any], channel_names: dict[str, str] | None = None) -> None:
    """``loa status`` for a newcomer: is it running, what is queued, what comes next, what needs a person.

    ``channel_names``: channel key -> the name people read (scheduler/channel_names.py); hints keep the key,
    since it is what the suggested commands take."""
    console = tables.console()
    names = channel_names or {}
    daemon = report["daemon"]
    alive = [p for p in daemon["processes"] if p["alive"]]
    if alive:
        tables.print_wrapped(console, Text(t("msg.daemon_alive", count=len(alive),
                                             owners=", ".join(p["owner"] for p in alive)), style="green"))
    else:
        tables.print_wrapped(console, Text(t("msg.daemon_down"), style="bold red"))
    counts = report["deliveries"]
    fields: list[tuple[str, tables.Cell]] = [(t("col.deliveries"), ", ".join(
        f"{t(f'status.{s}')}: {n}" for s, n in counts.items() if n) or "–")]
    nxt = report["next"]
    if nxt:
        moment = _local(nxt["at"])
        fields.append((t("col.next"), f"{day_label(moment.date())} {moment:%H:%M:%S} · {names.get(nxt['channel'], nxt['channel'])} · "
                                      f"#{nxt['post']} {nxt['title']}"))
    tables.print_fields(console, fields)
    for paused in report["paused"]:
        until = _local(paused["until"]).strftime("%d/%m %H:%M") if paused["until"] else t("msg.until_check")
        tables.print_wrapped(console, Text(t("names.channel_paused", name=names.get(paused["channel"], paused["channel"]),
                                             until=until, reason=paused["reason"]), style="bold yellow"))
    attention = report["attention"]
    if not attention["items"]:
        console.print(Text(t("msg.nothing_needs_you"), style="green"))
        return
    console.print(Text(t("msg.needs_attention", count=attention["total"]), style="bold"), soft_wrap=True)
    _print_attention(console, attention["items"], names)


def _print_attention(console: Console, items: list[dict[str, Any]], names: dict[str, str]) -> None:
    """One heading line per item (post, channel, state, due time, title cut to fit), then why, then what to do,
    wrapped between words with the suggested commands never broken."""
    heads = [[f"#{item['post']}" if item["post"] else "–", names.get(item["channel"], item["channel"]) or "–", status_text(item["status"]),
              _local(item["due_at"]).strftime("%d/%m %H:%M") if item["due_at"] else "–"] for item in items]
    widths = [max(cell_len(tables.plain(row[i])) for row in heads) for i in range(4)]
    for item, head in zip(items, heads):
        line = Text("  ")
        for cell, width in zip(head, widths):
            text = cell if isinstance(cell, Text) else Text(cell)
            line += text + Text(" " * (width - cell_len(text.plain) + tables.GAP))
        room = console.width - cell_len(line.plain)
        if item["title"] and room >= 10:
            line += tables.cut(item["title"], room)
        console.print(line, soft_wrap=True)
        if item["title"] and room < 10:
            console.print(tables.cut(item["title"], console.width - 6).pad_left(6), soft_wrap=True)
        labels = [(t("col.reason"), item["reason"] and Text(item["reason"])),
                  (t("col.todo"), Text(item["hint"], style="bold"))]
        for label, text in labels:
            if text:
                tables.print_wrapped(console, text, indent=Text("      ") + Text(f"{label}: ", style="dim"),
                                     hanging="        ")


def kind_label(kind: str) -> str:
    """The kind of a log entry in the current language; a kind a newer loa wrote shows as it is stored."""
    return label("kind", kind)
