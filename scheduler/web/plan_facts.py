"""What the plan page shows of a draft: the facts found (label, value, the plan's line), the facts missing, and the
draft itself, made with the project's settings exactly as ``loa campaign draft`` makes it (labels and values in the
command's words: one list of them, in posts/plan/draft.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from loa.posts.plan.draft import NEEDED, draft_plan, fact_label, found_facts, shown_value
from loa.posts.plan.model import PlanDraft
from loa.posts.plan.placeholders import placeholder_pattern

from . import workspace


def default_channels() -> list[str]:
    """The channels a draft is for unless she ticks others: ``[draft] channels``, else every channel."""
    config = workspace().config
    return list(config.document.draft.channels or config.channel_names)


def draft_of_plan(path: Path, *, channels: list[str]) -> PlanDraft:
    """The draft of the plan at ``path`` for ``channels``, with the project's ``[draft]`` times, timezone, channel
    kinds and banner theme, as the CLI passes them (so the page shows what ``loa campaign draft`` writes)."""
    config = workspace().config
    settings = config.document.draft
    return draft_plan(path, channels=channels, times=settings.times, per_day=settings.per_day,
                      timezone=config.timezone, known_channels=config.channel_names,
                      channel_kinds={name: channel.channel_kind() for name, channel in config.channels.items()},
                      theme=config.document.render.theme, themes_dir=config.input_path_of(config.document.render.themes))


def fact_rows(draft: PlanDraft) -> list[dict[str, Any]]:
    """One row per fact found (a list fact item by item, numbered), in the order of the plan's parts."""
    found = found_facts(draft.facts)
    counts = {name: sum(1 for other, _ in found if other == name) for name, _ in found}
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for name, item in found:
        seen[name] = seen.get(name, 0) + 1
        label = fact_label(name) + (f" {seen[name]}" if counts[name] > 1 else "")
        rows.append({"name": name, "label": label, "value": shown_value(item.value), "line": item.line,
                     "quote": item.quote})
    return rows


def missing_rows(draft: PlanDraft) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The facts not found: those the file cannot be imported without (marked «…» in it), and the others."""
    needed = [{"name": name, "label": fact_label(name)} for name in draft.missing if name in NEEDED]
    other = [{"name": name, "label": fact_label(name)} for name in draft.missing if name not in NEEDED]
    return needed, other


def unfilled_placeholder(text: str) -> tuple[int, str] | None:
    """The first line (number, text) still holding a draft's «…» placeholder outside a comment, or None. The loader
    refuses it too; asked first here, the page can point at the line of the text she is editing."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.lstrip().startswith("#") and placeholder_pattern().search(line):
            return number, line
    return None
