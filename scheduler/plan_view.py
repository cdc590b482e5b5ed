"""A re-import's plan for people: plain lines, one section per kind of change, each post named with its day.

Drawn from the same dict as ``--json`` (posts.merge.MergePlan.as_json), so both say the same thing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import click

from loa.posts.i18n import t

# the order of the sections: what needs a person first
SECTIONS = ("conflict", "published", "add", "change", "cancel", "keep")
MARKS = {"conflict": "✗", "published": "!", "add": "+", "change": "~", "cancel": "-", "keep": "="}
SHORT = 70  # characters of a text value shown; --json has them whole


def _date(text: str) -> str:
    return f"{dt.date.fromisoformat(text):%d/%m/%Y}"


def value_text(name: str, value: Any) -> str:
    """A field's value on one line: moments as the officer types them, texts shortened, lists joined."""
    if value is None:
        return "–"
    if name == "publish_at":
        return f"{dt.datetime.fromisoformat(value):%d/%m/%Y %H:%M}"
    if isinstance(value, list):  # channels, hashtags
        return ", ".join(str(item) for item in value) or "–"
    if name == "status":
        return t(f"status.{value}")
    if name == "organization" and isinstance(value, dict):  # [campaign.organization]: its values, in order
        return "; ".join(", ".join(v) if isinstance(v, list) else str(v) for v in value.values()) or "–"
    if name == "banner" and isinstance(value, dict):
        value = " / ".join(str(value[k]) for k in ("headline", "subline") if value.get(k))
    elif isinstance(value, dict):  # the campaign's ``after``: channel -> the channel it waits for
        return ", ".join(f"{channel} ← {first}" for channel, first in value.items()) or "–"
    text = " ".join(str(value).split())
    return f"“{text[:SHORT - 1]}…”" if len(text) > SHORT else f"“{text}”"


def field_name(name: str) -> str:
    return t(f"merge.field_{name}")


def _heading(entry: dict[str, Any]) -> str:
    ident = f"#{entry['post_id']} " if entry["post_id"] else ""
    day = t("merge.day", day=entry["day"]) + ", " if entry["day"] is not None else ""
    when = f"{dt.datetime.fromisoformat(entry['at']):%d/%m/%Y %H:%M}" if entry["at"] else ""
    return f"  {MARKS[entry['action']]} {ident}{day}{when}  {entry['title']}"


def plan_lines(plan: dict[str, Any]) -> list[str]:
    lines = [t("merge.plan_heading", slug=plan["campaign"], file=plan["file"])]
    dates = plan["dates"]
    if dates["moved"]:
        key = "merge.dates_moved_new" if plan["new_campaign"] else "merge.dates_moved"
        lines.append(t(key, old=f"{_date(dates['from'][0])}–{_date(dates['from'][1])}",
                       new=f"{_date(dates['to'][0])}–{_date(dates['to'][1])}"))
    for name, change in plan["campaign_changes"].items():
        label = t("org.campaign_field") if name == "organization" else t(f"merge.campaign_field_{name}")
        lines.append(t("merge.campaign_changed", field=label,
                       old=value_text(name, change["from"]),
                       new=value_text(name, change["to"])))
    by_action: dict[str, list[dict[str, Any]]] = {}
    for entry in plan["posts"]:
        by_action.setdefault(entry["action"], []).append(entry)
    for action in SECTIONS:
        entries = by_action.get(action, [])
        if not entries:
            continue
        lines.append(t(f"merge.section_{action}", count=len(entries)))
        for entry in entries:
            lines.append(_heading(entry))
            lines += _details(entry)
    unchanged = len(by_action.get("unchanged", []))
    if unchanged:
        lines.append(t("merge.unchanged", count=unchanged))
    if not plan["posts"]:
        lines.append(t("merge.nothing"))
    return lines


def _details(entry: dict[str, Any]) -> list[str]:
    pad = "      "
    lines = []
    if entry["action"] == "published":
        channels = ", ".join(entry["channels"]) or "–"
        if entry["reason"] == "removed":
            lines.append(pad + t("merge.published_removed", channels=channels))
        else:
            fields = ", ".join(field_name(name) for name in entry["changes"])
            lines.append(pad + t("merge.published_changed", channels=channels, fields=fields))
        return lines
    for name, change in entry["changes"].items():
        lines.append(f"{pad}{field_name(name)}: {value_text(name, change['from'])} → {value_text(name, change['to'])}")
    if entry["action"] == "conflict" or entry["resolved"]:
        if entry["reason"] in ("removed", "cancelled", "unknown_base"):
            lines.append(pad + t(f"merge.conflict_{entry['reason']}"))
        for name, both in entry["conflicts"].items():
            if entry["resolved"] == "file" and name in entry["changes"]:
                continue  # shown above as the change it becomes
            if entry["reason"] == "removed":
                lines.append(f"{pad}{field_name(name)}: {t('merge.queue')} {value_text(name, both['queue'])}")
            else:
                lines.append(f"{pad}{field_name(name)}: {t('merge.file')} {value_text(name, both['file'])} | "
                             f"{t('merge.queue')} {value_text(name, both['queue'])}")
        if entry["resolved"]:
            lines.append(pad + t(f"merge.resolved_{entry['resolved']}"))
    if entry["kept"]:
        lines.append(pad + t("merge.kept_fields", fields=", ".join(field_name(name) for name in entry["kept"])))
    return lines


def print_plan(plan: dict[str, Any]) -> None:
    for line in plan_lines(plan):
        click.echo(line)
