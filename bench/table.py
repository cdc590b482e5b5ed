"""The closing table of `make bench`: one row per figure of the performance targets, the baseline beside it.

Each benchmark script calls ``save_row(...)`` for the figures it measures; the rows land in bench/out/table/ (one
JSON file each, so scripts can run in any order or alone). ``python bench/table.py`` prints every saved row of this
run, in the order of ROW_ORDER, with its target and verdict. A row missing from the run is shown as "not measured".
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "out" / "table"

# The figures of issue 17's table first (its order), then the publishing rows of issue 16.
ROW_ORDER = (
    "loa --help",
    "loa queue (demo database)",
    "banner 1200x630 (layout + encode)",
    "import 10,000 posts (1/3 with a banner)",
    "re-import unchanged 10,000 posts",
    "loa run, 1,000 text posts (Graph double)",
    "log export xlsx, 100,000 entries",
    "log export xlsx, peak memory",
    "report docx, 100,000 entries",
    "publish wordpress",
    "publish zalo",
    "publish telegram",
    "publish email",
    "publish http",
)


@dataclass
class Row:
    """One figure: what loa measured, the baseline measured in the same run, and the target it is held to."""

    figure: str     # one of ROW_ORDER (others are printed after them)
    value: str      # loa's figure, readable: "0.18 s", "11.2 ms", "1.12x"
    baseline: str   # the baseline's figure and what it is: "0.05 s (python -c pass)"
    target: str     # readable: "<= 4x python -c pass"
    met: bool
    note: str = ""  # e.g. "median of 5", "estimate", the reason a target is missed


def _file(figure: str) -> Path:
    return TABLE / (re.sub(r"[^a-z0-9]+", "-", figure.lower()).strip("-") + ".json")


def save_row(figure: str, value: str, baseline: str, target: str, met: bool, note: str = "") -> Row:
    """Record one row for the closing table (overwrites the same figure's row from an earlier run)."""
    row = Row(figure, value, baseline, target, bool(met), note)
    TABLE.mkdir(parents=True, exist_ok=True)
    _file(figure).write_text(json.dumps(asdict(row), ensure_ascii=False, indent=1), encoding="utf-8")
    return row


def saved_rows() -> list[Row]:
    rows = [Row(**json.loads(path.read_text(encoding="utf-8"))) for path in sorted(TABLE.glob("*.json"))]
    rank = {name: i for i, name in enumerate(ROW_ORDER)}
    return sorted(rows, key=lambda row: (rank.get(row.figure, len(rank)), row.figure))


def print_table() -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console() if Console().is_terminal else Console(width=160)
    rows = {row.figure: row for row in saved_rows()}
    table = Table(title="Performance targets: loa against a baseline measured in the same run")
    for column in ("figure", "loa", "baseline (same run)", "target", "verdict", "note"):
        table.add_column(column, overflow="fold")
    for name in list(ROW_ORDER) + [name for name in rows if name not in ROW_ORDER]:
        row = rows.get(name)
        if row is None:
            table.add_row(name, "-", "-", "-", "not measured", "")
            continue
        verdict = "[green]target met[/green]" if row.met else "[bold red]TARGET MISSED[/bold red]"
        table.add_row(row.figure, row.value, row.baseline, row.target, verdict, row.note)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(print_table())
