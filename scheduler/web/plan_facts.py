"""What the plan page shows of a draft: the facts found (label, value, the plan's line), the facts missing, and the
draft itself made with the project's settings, as ``loa campaign draft`` makes it."""
from __future__ import annotations

import dataclasses
import re
import datetime as dt
from pathlib import Path
from typing import Any

from posts.i18n import t
from posts.plan.model import Found, Period, PlanDate, PlanDraft

from . import workspace


def draft_of_plan(path: Path, *, channels: list[str]) -> PlanDraft:
    """The draft of the plan at ``path`` for ``channels``, with the project's timezone, channels and ``[draft]``
    settings (the reader and extractor are the CLI's own: the page shows what ``loa campaign draft`` prints)."""
    from posts.plan.draft import draft_plan  # the reader's libraries load when a plan arrives, not with every page

    config = workspace().config
    settings = getattr(config.document, "draft", None)
    options: dict[str, Any] = {}
    if settings is not None:
        for name in ("times", "per_day"):
            if getattr(settings, name, None) is not None:
                options[name] = getattr(settings, name)
    return draft_plan(path, channels=channels, timezone=config.timezone, known_channels=config.channel_names,
                      **options)


def _date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def shown_value(value: object) -> str:
    """A fact as the officer reads it: dates as dd/mm/yyyy, a plan date's blanks as "…", a blank number said so."""
    if isinstance(value, Period):
        return f"{_date(value.start)} – {_date(value.end)}"
    if isinstance(value, PlanDate):
        parts = [value.day, value.month, value.year]
        return "/".join("…" if part is None else f"{part:02d}" if index < 2 else str(part)
                        for index, part in enumerate(parts))
    if isinstance(value, dt.date):
        return _date(value)
    text = str(value)
    return text if text.strip() else t("plan_web.left_blank")


def fact_label(name: str) -> str:
    return t(f"plan_web.fact_{name}")


def fact_rows(draft: PlanDraft) -> list[dict[str, Any]]:
    """One row per fact found, lists item by item, in the order of PlanFacts (the order of a plan's pages)."""
    rows: list[dict[str, Any]] = []
    for field in dataclasses.fields(draft.facts):
        value = getattr(draft.facts, field.name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items, start=1):
            if not isinstance(item, Found):
                continue
            label = fact_label(field.name) + (f" {index}" if isinstance(value, list) and len(value) > 1 else "")
            rows.append({"name": field.name, "label": label, "value": shown_value(item.value), "line": item.line,
                         "quote": item.quote})
    return rows


def missing_rows(draft: PlanDraft) -> list[dict[str, str]]:
    return [{"name": name, "label": fact_label(name)} for name in draft.missing]


# what the draft writes where the plan said nothing («CHƯA CÓ TRONG KẾ HOẠCH: chủ đề»); in a comment it is only a note
PLACEHOLDER = re.compile(r"«[^»\n]*»")


def unfilled_placeholder(text: str) -> tuple[int, str] | None:
    """The first line (number, text) still holding a «…» placeholder outside a comment, or None. The loader accepts
    a placeholder where a text is expected (a theme), so without this check a fact the plan never stated could be
    imported and published."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.lstrip().startswith("#") and PLACEHOLDER.search(line):
            return number, line
    return None
