"""Engagement-figures benchmark (`make bench`): the daemon's periodic `collect_due_metrics` on the 1M-post queue.

The database of bench/run.py (1,000,000 posts over five years, two deliveries each, most of them published) is
copied, so the figures written here never reach the cached file. Its channels are local (static-site, dry-run),
so every reading is loa's own work: finding what is due and recording it, no network.

Figures:
  a. one run with a backlog: every delivery of the last 8 days due, read and recorded in one run (BATCH lifted)
  b. the steady state the daemon pays every few minutes: a run that finds nothing due (median of several)
  c. baseline in the same run: the bare SQL that lists the published deliveries of the last 8 days, which b.
     cannot beat; b./c. is loa's overhead for deciding what is due
  d. b. again once the copy has an index on deliveries (status, published_at), which schema 0002 lacks: what a
     migration adding it would buy (the scan of every published delivery is most of b.)
Target (ours): b. under 0.5 s, so a 5-minute period costs under 0.2 % of a core.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import build_db
from measure import StatementCapture, explain, repeat

from loa.posts.db import open_database
from loa.scheduler import metrics
from loa.scheduler.config import load_config

BENCH = Path(__file__).resolve().parent
TARGET_S = 0.5


def main() -> None:
    built = build_db.build(BENCH / "out")
    now = built.anchor
    with tempfile.TemporaryDirectory(dir=BENCH / "out") as folder:
        copy = Path(folder) / built.path.name
        t0 = time.perf_counter()
        shutil.copyfile(built.path, copy)
        print(f"copied the 1M-post database in {time.perf_counter() - t0:.1f} s")
        config_path = build_db.write_config(Path(folder), copy.name)
        config = load_config(config_path)
        database = open_database(config.database_url)
        since, until = now - metrics.WINDOW, now - metrics.STAGES[0][1]
        bare = ("SELECT id FROM deliveries WHERE status = 'published' AND published_at >= ? AND published_at <= ?",
                (_ts(since), _ts(until)))
        with closing(sqlite3.connect(copy)) as con:
            in_window = len(con.execute(*bare).fetchall())
        print(f"published deliveries in the 8-day window: {in_window:,}")

        saved, metrics.BATCH = metrics.BATCH, 10**9
        t0 = time.perf_counter()
        recorded = metrics.collect_due_metrics(database, config, now=now)
        backlog = time.perf_counter() - t0
        metrics.BATCH = saved
        print(f"a. backlog run: {recorded:,} readings recorded in {backlog:.2f} s "
              f"({backlog / max(recorded, 1) * 1000:.2f} ms per reading)")

        with StatementCapture(database.engine) as capture:
            assert metrics.collect_due_metrics(database, config, now=now) == 0
        steady = repeat(lambda: metrics.collect_due_metrics(database, config, now=now), 5)

        def bare_query() -> None:
            with closing(sqlite3.connect(copy)) as con:
                con.execute(*bare).fetchall()

        baseline = repeat(bare_query, 5)
        print(f"b. steady run (nothing due): median {steady.median * 1000:.1f} ms "
              f"(min {steady.min * 1000:.1f}, max {steady.max * 1000:.1f}); target {TARGET_S * 1000:.0f} ms: "
              f"{'met' if steady.median <= TARGET_S else 'MISSED'}")
        print(f"c. baseline, bare SQL of the window: median {baseline.median * 1000:.1f} ms "
              f"-> loa's overhead x{steady.median / baseline.median:.1f}")
        statement = capture.statements[0]
        print("plan of loa's first query:")
        for line in explain(database.engine, *statement):
            print(f"  {line}")
        with closing(sqlite3.connect(copy)) as con:
            con.execute("CREATE INDEX bench_deliveries_status_published_at ON deliveries (status, published_at)")
            con.execute("ANALYZE")
        database.dispose()
        database = open_database(config.database_url)
        indexed = repeat(lambda: metrics.collect_due_metrics(database, config, now=now), 5)
        print(f"d. steady run with an index on deliveries (status, published_at): median "
              f"{indexed.median * 1000:.1f} ms (x{steady.median / indexed.median:.0f} faster than b.)")
        for line in explain(database.engine, *statement):
            print(f"  {line}")
        database.dispose()


def _ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


if __name__ == "__main__":
    sys.exit(main())
