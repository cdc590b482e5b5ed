"""Printing the benchmark: durations in readable units, query plans, and the closing summary table (rich)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from measure import Timing

# Wide enough for the summary table when the output goes to a file or a pipe (rich would assume 80 columns).
console = Console() if Console().is_terminal else Console(width=140)


def seconds(value: float) -> str:
    """0.0042 -> '4.20 ms', 0.25 -> '250 ms', 7.3 -> '7.30 s'."""
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


@dataclass
class Figure:
    """One line of the summary: the indexed figure, its baseline if any, and the target it is held to."""

    name: str
    indexed: Timing
    baseline: Timing | None
    target: float | None
    note: str = ""  # e.g. "estimate" or "timed out", shown next to the verdict

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        if self.indexed.timed_out:
            return "TARGET MISSED"
        return "target met" if self.indexed.median <= self.target else "TARGET MISSED"

    @property
    def speedup(self) -> float | None:
        return None if self.baseline is None else self.baseline.median / self.indexed.median

    def as_dict(self) -> dict[str, Any]:
        return {"figure": self.name.strip(), "indexed": self.indexed.as_dict(),
                "baseline": self.baseline.as_dict() if self.baseline else None, "speedup": self.speedup,
                "target_s": self.target, "verdict": self.verdict, "note": self.note}


def _one_line(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def print_plan(label: str, statement: tuple[str, Any], plan: list[str], *, baseline: list[str]) -> None:
    sql, parameters = statement
    console.print(f"[bold]{label}[/bold]: {_one_line(sql)}", markup=True, highlight=False, soft_wrap=False)
    console.print(f"  parameters: {tuple(parameters)}", highlight=False)
    console.print("  EXPLAIN QUERY PLAN (indexed):", highlight=False)
    for line in plan:
        console.print(f"    {line}", highlight=False)
    console.print("  EXPLAIN QUERY PLAN (baseline, no secondary indexes):", highlight=False)
    for line in baseline:
        console.print(f"    {line}", highlight=False)


def print_summary(figures: list[Figure]) -> None:
    table = Table(title="Summary: medians; indexed = loa's schema, baseline = the same data without its ix_* indexes")
    # min/max are on each figure's own line above and in results.json; the table stays one line per figure
    for column, justify in (("figure", "left"), ("indexed", "right"), ("baseline", "right"), ("speed-up", "right"),
                            ("target", "right"), ("verdict", "left")):
        table.add_column(column, justify=justify, no_wrap=column == "figure")  # type: ignore[arg-type]
    for figure in figures:
        verdict = figure.verdict
        style = {"target met": "green", "TARGET MISSED": "bold red"}.get(verdict, "")
        table.add_row(
            figure.name,
            ("> " if figure.indexed.timed_out else "") + seconds(figure.indexed.median),
            seconds(figure.baseline.median) if figure.baseline else "-",
            f"{figure.speedup:.0f}x" if figure.speedup is not None else "-",
            f"<= {seconds(figure.target)}" if figure.target is not None else "-",
            (f"[{style}]{verdict}[/{style}]" if style else verdict) + (f" ({figure.note})" if figure.note else ""),
        )
    console.print(table)
