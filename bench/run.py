"""`make bench`: loa's queue with 1,000,000 posts in SQLite, against the targets of the issue.

Figures (medians of several runs, after one untimed warm-up, except imports: each goes into a fresh database):
  a. week listing in-process: posts.listing.list_queue(this week) + json.dumps  (target <= 0.3 s)
  b. `loa --config bench/out/config.toml queue --week --json > /dev/null` as a user runs it, and
     `loa --version` to show how much of that is Python start-up
  c. due lookup in-process: posts.listing.due_deliveries(now, limit=50)        (target <= 5 ms)
  d. `loa campaign import` of a 10,000-post file into a fresh database           (target <= 10 s)
     (each run capped at IMPORT_CAP_S; in-process: loading and queueing), then the same file with a banner on a
     third of the posts, measured for real by bench/import_speed.py (target <= 45 s; the re-import draws nothing)
Baseline in the same run: a. and c. on a copy of the database without loa's secondary indexes.
It prints figures and query plans, and writes bench/out/results.json. Missing a target is reported, not an error.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import build_db
import import_speed
from campaign_gen import write_campaign
from measure import StatementCapture, Timing, explain, repeat, time_command
from report import Figure, console, print_plan, print_summary, seconds
from loa.posts.campaign_file import load_campaign_file
from loa.posts.campaigns import import_campaign
from loa.posts.db import Database, open_database
from loa.posts.listing import due_deliveries, list_queue
from loa.posts.times import week_range, zone
from loa.scheduler.cli.common import App, json_text
from loa.scheduler.config import load_config

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
LOA = Path(sys.executable).parent / "loa"  # the venv's console script, next to its python
WEEK_TARGET, DUE_TARGET, IMPORT_TARGET = 0.3, 0.005, 10.0
WEEK_RUNS, CLI_RUNS, DUE_RUNS, IMPORT_RUNS = 9, 5, 200, 3
BASELINE_BUDGET_S = 20.0  # per baseline figure: a full scan per call would take minutes over 200 runs
IMPORT_POSTS = 10_000
IMPORT_CAP_S = 60.0  # per CLI import run: six times the target; beyond it the figure is only "missed"


def _spread(timing: Timing) -> str:
    return (f"{seconds(timing.median)} median (min {seconds(timing.min)}, max {seconds(timing.max)}, "
            f"{len(timing.runs)} runs)")


def this_week(timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """[Monday 00:00, next Monday 00:00) in ``timezone``, exactly as `loa queue --week` computes it."""
    tz = zone(timezone)
    monday, sunday = week_range(dt.datetime.now(tz).date())
    return (dt.datetime.combine(monday, dt.time(0), tzinfo=tz),
            dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(0), tzinfo=tz))


def query_figures(db: Database, since: dt.datetime, until: dt.datetime, now: dt.datetime, *,
                  budget: float | None) -> dict[str, Any]:
    """Figures a. and c. on one database, with the SQL each function really ran and its plan."""

    def week() -> str:
        with db.session() as session:
            rows = list_queue(session, since=since, until=until)
        return json_text({"posts": rows}, pretty=False)  # what `loa queue --json` prints into a pipe

    def due() -> list[tuple[Any, ...]]:
        with db.session() as session:
            return due_deliveries(session, now, limit=50)

    with StatementCapture(db.engine) as capture:
        text = week()
        listing = json.loads(text)["posts"]
        week_sql = capture.statements[-1]
        found = due()
        due_sql = capture.statements[-1]
    return {
        "week": repeat(week, WEEK_RUNS, budget_s=budget, min_runs=WEEK_RUNS if budget is None else 3),
        "due": repeat(due, DUE_RUNS, budget_s=budget, min_runs=5),
        "week_posts": len(listing), "week_deliveries": sum(len(p["deliveries"]) for p in listing),
        "due_rows": len(found), "json_mb": len(text.encode()) / 1e6,
        "plans": {"week listing": (week_sql, explain(db.engine, *week_sql)),
                  "due deliveries": (due_sql, explain(db.engine, *due_sql))},
    }


def import_figures() -> dict[str, Any]:
    """Figure d.: the CLI import into fresh databases and, in-process, where its time goes.

    In-process parts: load_campaign_file and import_campaign without a renderer (queueing alone). The import with
    banners is bench/import_speed.py's, measured whole.
    """
    folder = OUT / "import"
    shutil.rmtree(folder, ignore_errors=True)
    # The timed import: 10,000 posts, texts rendered for every channel, no banners.
    campaign = write_campaign(folder / "campaign-10k.toml", IMPORT_POSTS, banners=False)
    console.print(f"campaign file: {campaign} ({campaign.stat().st_size / 1e6:.1f} MB, {IMPORT_POSTS:,} posts)")
    run_dir = folder / "cli"
    cli_config = run_dir / "config.toml"

    def fresh() -> None:  # untimed: a new folder, config and `loa init`
        shutil.rmtree(run_dir, ignore_errors=True)
        build_db.write_config(run_dir, "import.db")
        time_command([str(LOA), "--config", str(cli_config), "init"], 1, warmup=0)

    cli = time_command([str(LOA), "--config", str(cli_config), "campaign", "import", str(campaign), "--approve"],
                       IMPORT_RUNS, warmup=0, before=fresh, timeout_s=IMPORT_CAP_S)
    with closing(sqlite3.connect(run_dir / "import.db")) as con:
        queued = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    inproc = folder / "inproc"  # own config, so banner files land in inproc/media and are cleaned up below
    app = App(str(build_db.write_config(inproc, "unused.db")))  # the CLI's objects: channels, timezone, renderer
    channels, timezone = app.config.channel_names, app.config.timezone
    load, queue = Timing(), Timing()
    for n in range(IMPORT_RUNS):
        database = open_database(f"sqlite:///{inproc / f'import-{n}.db'}", create=True)
        t0 = time.perf_counter()
        parsed = load_campaign_file(campaign, default_timezone=timezone, known_channels=channels)
        t1 = time.perf_counter()
        import_campaign(database, parsed, approve=True)
        load.runs.append(t1 - t0)
        queue.runs.append(time.perf_counter() - t1)
        database.dispose()
    for leftover in (run_dir, inproc):  # databases: hundreds of MB that nobody reads again
        shutil.rmtree(leftover, ignore_errors=True)
    banners = import_speed.measure(IMPORT_POSTS)  # the whole import with banners, and the re-import
    return {"cli": cli, "load": load, "queue": queue, "queued": queued, "file_mb": campaign.stat().st_size / 1e6,
            "banners": banners}


def main() -> int:
    started = time.perf_counter()
    console.rule("[bold]loa benchmark: 1,000,000 posts in SQLite")
    console.print(f"python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.machine()}, "
                  f"{len(os.sched_getaffinity(0))} CPUs, {dt.datetime.now():%Y-%m-%d %H:%M}")
    OUT.mkdir(parents=True, exist_ok=True)
    built = build_db.build(OUT, say=console.print)
    baseline_path = build_db.baseline_copy(built, say=console.print)
    config = load_config(built.config)
    since, until = this_week(config.timezone)
    now = built.anchor  # the data's "now": past posts are done, a live backlog of ~20 minutes is due
    console.print(f"week: {since:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} {config.timezone}; "
                  f"due lookup at the data's now, {now:%Y-%m-%d %H:%M} UTC")

    console.rule("a/c. in-process queries")
    results: dict[str, dict[str, Any]] = {}
    for name, url, budget in (("indexed", config.database_url, None),
                              ("baseline", f"sqlite:///{baseline_path}", BASELINE_BUDGET_S)):
        database = open_database(url)
        results[name] = query_figures(database, since, until, now, budget=budget)
        database.dispose()
        r = results[name]
        console.print(f"{name:>8}: week listing {_spread(r['week'])} - {r['week_posts']:,} posts in the week, "
                      f"{r['week_deliveries']:,} deliveries, JSON {r['json_mb']:.1f} MB")
        console.print(f"{'':>8}  due lookup {r['due'].median * 1000:.2f} ms median (min {seconds(r['due'].min)}, "
                      f"max {seconds(r['due'].max)}, {len(r['due'].runs)} runs) - {r['due_rows']} due deliveries")

    console.rule("b. the command as a user runs it")
    command = [str(LOA), "--config", str(built.config), "queue", "--week", "--json"]
    # untimed check (and warm-up): the command lists the same week as the in-process call
    listed = len(json.loads(subprocess.run(command, capture_output=True, check=True).stdout)["posts"])
    if listed != results["indexed"]["week_posts"]:
        console.print(f"[red]warning: loa queue listed {listed} posts, list_queue {results['indexed']['week_posts']}")
    week_cli = time_command(command, CLI_RUNS, warmup=0)
    version = time_command([str(LOA), "--version"], CLI_RUNS)
    console.print(f"loa queue --week --json > /dev/null: {_spread(week_cli)} - {listed:,} posts")
    console.print(f"loa --version (start-up and imports only): {_spread(version)} = "
                  f"{version.median / week_cli.median:.0%} of the command")

    console.rule("d. import of a 10,000-post campaign file (texts rendered, no banners)")
    imported = import_figures()
    cli_import = imported["cli"]
    if cli_import.timed_out:
        console.print(f"loa campaign import --approve: killed after {seconds(cli_import.runs[-1])} (limit "
                      f"{seconds(IMPORT_CAP_S)}); {len(cli_import.runs) - 1} run(s) finished before it")
    else:
        console.print(f"loa campaign import --approve: {_spread(cli_import)} - {imported['queued']:,} posts queued")
    console.print(f"in-process: load_campaign_file {_spread(imported['load'])}")
    console.print(f"            import_campaign without rendering {_spread(imported['queue'])}")

    console.rule("query plans (indexed database; baseline below each)")
    for label in ("week listing", "due deliveries"):
        print_plan(label, *results["indexed"]["plans"][label], baseline=results["baseline"]["plans"][label][1])

    ix, base = results["indexed"], results["baseline"]
    banners = imported["banners"]
    figures = [
        Figure("week listing in-process (list_queue+json)", ix["week"], base["week"], WEEK_TARGET),
        Figure("loa queue --week --json (process)", week_cli, None, WEEK_TARGET),
        Figure("  start-up alone: loa --version", version, None, None),
        Figure("due lookup (due_deliveries, 50)", ix["due"], base["due"], DUE_TARGET),
        Figure("loa campaign import, 10k posts (texts)", cli_import, None, IMPORT_TARGET,
               f"killed at {IMPORT_CAP_S:.0f} s" if cli_import.timed_out else ""),
        Figure("  in-process load_campaign_file", imported["load"], None, None),
        Figure("  in-process queueing (no renderer)", imported["queue"], None, None),
        # its baseline is not an index-less schema but one process drawing: in the note, not the baseline column
        Figure("loa campaign import, 10k posts, 1/3 banners", Timing([banners["import_s"]]), None,
               import_speed.IMPORT_TARGET_S,
               f"CPU {banners['import_cpu_s']:.0f} s, ~{banners['import_idle_s']:.0f} s on idle cores; one process "
               f"drawing {banners['serial_s']:.0f} s; load {banners['load']:.1f}"),
        Figure("  re-import unchanged (--replace), 0 drawn", Timing([banners["reimport_s"]]), None, None),
    ]
    print_summary(figures)
    write_results(OUT / "results.json", figures, built, results, imported, since, until)
    console.print(f"results: {OUT / 'results.json'}; benchmark took {time.perf_counter() - started:.0f} s")
    return 0


def write_results(path: Path, figures: list[Figure], built: build_db.Built, results: dict[str, Any],
                  imported: dict[str, Any], since: dt.datetime, until: dt.datetime) -> None:
    data = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "database": {"path": str(built.path), "posts": build_db.POSTS, "reused": built.reused,
                     "build_s": built.seconds, "data_now": built.anchor.isoformat(),
                     "size_bytes": built.path.stat().st_size},
        "week": {"since": since.isoformat(), "until": until.isoformat(),
                 "posts": results["indexed"]["week_posts"], "deliveries": results["indexed"]["week_deliveries"]},
        "due_rows": results["indexed"]["due_rows"],
        "import": {"posts_queued_by_cli": imported["queued"], "file_mb": imported["file_mb"],
                   "cli_time_limit_s": IMPORT_CAP_S, "with_banners": imported["banners"]},
        "figures": [figure.as_dict() for figure in figures],
        "plans": {name: {label: {"sql": sql, "parameters": list(params), "plan": plan}
                         for label, ((sql, params), plan) in r["plans"].items()}
                  for name, r in results.items()},
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
