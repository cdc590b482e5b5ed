"""``loa log`` for people: one line per entry (time, kind, channel, post, title cut to fit); ``--long`` adds the
campaign, the whole title and the details (links, paths, errors, figures) beneath, wrapped between words."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text

from loa.posts.i18n import t

from . import tables
from .tables import Column
from .views import STATUS_STYLES, _local, kind_label


def _entry_summary(entry: dict[str, Any]) -> str:
    from loa.posts.outreach_export import metrics_summary

    detail = entry["detail"] if isinstance(entry["detail"], dict) else {}
    parts = []
    if entry["count"] is not None and isinstance(detail.get("unit"), str) and detail["unit"]:
        parts.append(t("names.summary_count_unit", count=entry["count"], unit=detail["unit"]))
    elif entry["count"] is not None:
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


def print_log(entries: Iterable[dict[str, Any]], *, show_campaign: bool = True, long: bool = False) -> None:
    """The entries as a table of one line each, or with ``long`` as records; ``show_campaign`` (with ``long``):
    name each entry's campaign, when the log was not asked for one campaign."""
    rows: list[tables.Row] = []
    for entry in entries:
        moment = _local(entry["at"])
        kind = Text(kind_label(entry["kind"]), style=STATUS_STYLES.get(entry["kind"], ""))
        ident = f"#{entry['post_id']}" if entry["post_id"] else ""
        if long:
            rows.append([moment.strftime("%d/%m/%Y %H:%M"), kind, entry["channel"] or "", ident,
                         *([entry["campaign"] or "–"] if show_campaign else []), entry["title"] or "–",
                         _entry_summary(entry) or "–"])
        else:
            rows.append([moment.strftime("%d/%m/%Y %H:%M"), kind, entry["channel"] or "–", ident,
                         entry["title"] or "–"])
    console = tables.console()
    if not rows:
        console.print(t("logcmd.msg_empty"))
        return
    if long:
        columns = [Column(t("col.time")), Column(t("logcmd.col_kind")), Column(t("col.channel")),
                   Column(t("col.id")), *([Column(t("col.campaign"))] if show_campaign else []),
                   Column(t("col.title"), "wrap"), Column(t("logcmd.col_summary"), "wrap")]
        tables.print_records(console, columns, rows, head=4)
    else:
        columns = [Column(t("col.time")), Column(t("logcmd.col_kind"), "cut", min_width=16),
                   Column(t("col.channel")), Column(t("col.id"), "number"),
                   Column(t("col.title"), "cut", weight=3, min_width=10)]
        tables.print_table(console, columns, rows, head=4)
    console.print(t("logcmd.msg_count", count=len(rows)))
    if not long:
        tables.print_wrapped(console, Text(t("tables.log_long_hint"), style="dim"))
