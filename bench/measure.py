"""Timing and query-plan helpers: repeat a call, keep every duration, report median/min/max.

Each figure gets one untimed warm-up run first, so the medians describe a warm page cache (the steady state of
a machine that runs loa every day), and the first run's cold cost does not hide in the spread.
"""
from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class Timing:
    """Durations in seconds of the runs of one figure."""

    runs: list[float] = field(default_factory=list)
    timed_out: bool = False  # the last run hit its time limit: its duration is a lower bound

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    @property
    def max(self) -> float:
        return max(self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {"median_s": self.median, "min_s": self.min, "max_s": self.max, "runs": len(self.runs),
                **asdict(self)}


def repeat(call: Callable[[], Any], runs: int, *, warmup: int = 1, budget_s: float | None = None,
           min_runs: int = 3) -> Timing:
    """Time ``call`` ``runs`` times; with ``budget_s``, stop early once the budget is spent (after min_runs)."""
    for _ in range(warmup):
        call()
    timing = Timing()
    started = time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        timing.runs.append(time.perf_counter() - t0)
        if budget_s is not None and len(timing.runs) >= min_runs and time.perf_counter() - started > budget_s:
            break
    return timing


def run_command(args: Sequence[str], *, timeout_s: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a command with its output thrown away (as ``> /dev/null``); a failure stops the benchmark.

    Past ``timeout_s`` the child is killed (by subprocess.run) and subprocess.TimeoutExpired is raised.
    """
    result = subprocess.run(list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
                            timeout=timeout_s)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode}: {result.stderr.decode()[-500:]}")
    return result


def time_command(args: Sequence[str], runs: int, *, warmup: int = 1, before: Callable[[], None] | None = None,
                 timeout_s: float | None = None) -> Timing:
    """Wall time of a whole process, start-up included; ``before`` (untimed) prepares each run.

    A run that exceeds ``timeout_s`` is killed and ends the series: the others would only take as long again.
    """
    for _ in range(warmup):
        if before:
            before()
        run_command(args)
    timing = Timing()
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        try:
            run_command(args, timeout_s=timeout_s)
        except subprocess.TimeoutExpired:
            timing.runs.append(time.perf_counter() - t0)
            timing.timed_out = True
            break
        timing.runs.append(time.perf_counter() - t0)
    return timing


class StatementCapture:
    """Records the SQL and parameters an engine really executes (for EXPLAIN QUERY PLAN of the same query)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []

    def _listen(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                _executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))

    def __enter__(self) -> StatementCapture:
        event.listen(self.engine, "before_cursor_execute", self._listen)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._listen)


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines, like the sqlite3 shell draws it."""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines
