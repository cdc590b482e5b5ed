"""Monitoring benchmark (`make bench`): what `loa status` and one `/metrics` scrape cost on the 1M-post queue.

The database of bench/run.py (1,000,000 posts over five years, two deliveries each, most of them published) is
only read. "Now" is the data's own (its anchor), so the last day's publications are there as on a live server.

Figures:
  a. `loa status`'s work (daemon_status), median of several
  b. one /metrics scrape's work (metrics_text: a.'s report, the deliveries per channel and status, the last day's
     lateness), median of several
  c. baseline in the same run: the bare SQL count of deliveries per status, which any status has to make
Target (ours): b. under 1 s, so a scrape every 15 s costs under 7 % of a core and stays far from Prometheus's 10 s
scrape timeout.
"""
from __future__ import annotations

import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import build_db
from measure import repeat
from table import save_row

from loa.posts.db import open_database
from loa.scheduler.config import load_config
from loa.scheduler.monitoring import metrics_text
from loa.scheduler.status import daemon_status

BENCH = Path(__file__).resolve().parent
TARGET_S = 1.0


def main() -> int:
    built = build_db.build(BENCH / "out")
    config = load_config(built.config)
    database = open_database(config.database_url)
    now = built.anchor
    status = repeat(lambda: daemon_status(database, config, now=now), 5)
    scrape = repeat(lambda: metrics_text(database, config, now=now), 5)

    def bare_counts() -> None:
        with closing(sqlite3.connect(built.path)) as con:
            con.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()

    baseline = repeat(bare_counts, 5)
    database.dispose()
    with closing(sqlite3.connect(built.path)) as con:
        deliveries, = con.execute("SELECT count(*) FROM deliveries").fetchone()
    print(f"deliveries: {deliveries:,}")
    print(f"a. loa status's work: median {status.median * 1000:.1f} ms (min {status.min * 1000:.1f})")
    print(f"b. one /metrics scrape: median {scrape.median * 1000:.1f} ms (min {scrape.min * 1000:.1f}); target "
          f"{TARGET_S * 1000:.0f} ms: {'met' if scrape.median <= TARGET_S else 'MISSED'}")
    print(f"c. baseline, bare SQL count per status: median {baseline.median * 1000:.1f} ms "
          f"-> a scrape is x{scrape.median / baseline.median:.1f}")
    save_row("/metrics scrape, 1M-post queue", f"{scrape.median:.2f} s",
             f"{baseline.median:.2f} s (bare count per status)", f"<= {TARGET_S:.0f} s",
             scrape.median <= TARGET_S, f"median of {len(scrape.runs)}; loa status {status.median:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
