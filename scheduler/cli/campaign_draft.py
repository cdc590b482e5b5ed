"""``loa campaign draft PLAN``: a draft campaign file from the plan on the officer's desk (issue 15)."""
from __future__ import annotations

from pathlib import Path

import click

from loa.posts.i18n import t
from loa.posts.plan.draft import (check_channels, draft_as_json, draft_plan, fact_label, found_facts, shown_value,
                              write_draft)
from loa.posts.plan.model import PlanDraft

from .campaign import campaign_group
from .common import App, echo_json, json_option, pass_app, split_list

WIDTH = 80  # the table fits a terminal of 80 columns
LINE_COLUMN = 9  # "dòng 123"


@campaign_group.command("draft", help="plan_draft.help")
@click.argument("plan", metavar="FILE", type=click.Path(path_type=Path, dir_okay=True))
@click.option("-o", "--out", "out", type=click.Path(path_type=Path, dir_okay=True), help="plan_draft.help_out")
@click.option("--channels", metavar="a,b", help="plan_draft.help_channels")
@click.option("--force", is_flag=True, help="plan_draft.help_force")
@json_option
@pass_app
def draft_command(app: App, plan: Path, out: Path | None, channels: str | None, force: bool, as_json: bool) -> None:
    config = app.config
    settings = config.document.draft
    chosen = split_list(channels) if channels is not None else settings.channels or config.channel_names
    where = "--channels" if channels is not None else "[draft] channels"
    chosen = check_channels(chosen or [], config.channel_names, where=where)
    kinds = {name: settings_.channel_kind() for name, settings_ in config.channels.items()}
    themes = config.input_path_of(config.document.render.themes)
    draft = draft_plan(plan, channels=chosen, times=settings.times, per_day=settings.per_day,
                       timezone=config.timezone, known_channels=config.channel_names, channel_kinds=kinds,
                       theme=config.document.render.theme, themes_dir=themes)
    target = out if out is not None else Path(f"{draft.campaign['slug']}.toml")
    write_draft(target, draft.toml, force=force)
    if as_json:
        echo_json(draft_as_json(draft, target))
        return
    show_draft(draft, target)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def show_draft(draft: PlanDraft, target: Path) -> None:
    """What was found (field, value, "dòng N"), what was not and what to do, then the next steps."""
    from rich.console import Console
    from rich.table import Table

    console = Console(width=WIDTH, highlight=False, soft_wrap=False)
    found = found_facts(draft.facts)
    click.echo(_cut(t("plan_draft.found_heading", plan=draft.plan.path.name, count=len(found)), WIDTH))
    if found:
        labels = [fact_label(name) for name, _ in found]
        label_width = min(max(len(label) for label in labels), 22)
        value_width = WIDTH - label_width - LINE_COLUMN - 6
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column(t("plan_draft.col_field"), no_wrap=True, max_width=label_width)
        table.add_column(t("plan_draft.col_value"), no_wrap=True, max_width=value_width)
        table.add_column(t("plan_draft.col_line"), no_wrap=True, justify="right")
        for (name, item), label in zip(found, labels):
            table.add_row(_cut(label, label_width), _cut(shown_value(item.value), value_width),
                          t("plan_draft.line", line=item.line))
        with console.capture() as captured:
            console.print(table)
        click.echo(captured.get().rstrip("\n"))
    needed = [name for name in draft.missing if name in ("title", "theme", "period")]
    other = [name for name in draft.missing if name not in needed]
    if needed:
        click.echo("")
        click.echo(t("plan_draft.missing_needed", fields=", ".join(fact_label(n) for n in needed)))
        click.echo(t("plan_draft.fill_in", file=target))
    if other:
        click.echo(t("plan_draft.missing_other", fields=", ".join(fact_label(n) for n in other)))
    click.echo("")
    click.echo(t("plan_draft.written", file=target, posts=len(draft.posts)))
    click.echo(t("plan_draft.next_steps"))
    click.echo(f"  loa campaign diff {target}")
    click.echo(f"  loa campaign import {target}")
