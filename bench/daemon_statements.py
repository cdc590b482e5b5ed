"""Statements per delivery (`make bench`): what the database runs while the daemon sends a backlog, on SQLite and on
a local PostgreSQL (Debian's binaries, when installed), counted with SQLAlchemy's events.

200 text posts due now go to the Facebook Graph double; the daemon (in this process, as `loa run` builds it) sends
them in one sweep. Counted as the database sees them (tests/support/statements.py: SQLite's trace callback, SQLAlchemy's
events on PostgreSQL): each statement, BEGIN, COMMIT and ROLLBACK included. Set-up (`loa init`, the import, the
daemon's start) is not counted. Printed: the total per delivery and per kind, and the
statements of one delivery's record.
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sqlalchemy import text  # noqa: E402
from support.facebook import GraphDouble  # noqa: E402
from support.postgres import PostgresServer, binaries  # noqa: E402
from support.statements import counted  # noqa: E402

from loa.posts.db import open_database  # noqa: E402
from loa.scheduler.config import config_template, load_config  # noqa: E402
from loa.scheduler.daemon import PublishingDaemon  # noqa: E402

LOA = Path(sys.executable).parent / "loa"
TOKEN = "EAAB-bench-statements"
POSTS = 200


def loa(root: Path, *args: str) -> None:
    env = {**os.environ, "LOA_LANG": "en", "LOA_FACEBOOK_TOKEN": TOKEN}
    subprocess.run([str(LOA), "--config", str(root / "config.toml"), *args], check=True, cwd=root, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def project(root: Path, graph: GraphDouble, url: str) -> Path:
    config = config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"')
    config += (f'\n[channels.graph]\nadapter = "facebook"\npage_id = "{graph.page_id}"\n'
               f'token_env = "LOA_FACEBOOK_TOKEN"\ngraph_url = "{graph.url}"\napi_version = "v25.0"\n')
    (root / "config.toml").write_text(config, encoding="utf-8")
    loa(root, "init")
    today = dt.date.today()
    posts = "".join(f'\n[[posts]]\nday = 1\ntime = "08:00"\ntitle = "Tin số {n}"\nbody = "Nội dung tin số {n}."\n'
                    for n in range(1, POSTS + 1))
    (root / "c.toml").write_text(f'[campaign]\nslug = "dem-lenh"\nname = "Đếm lệnh"\nstart = {today}\n'
                                 f'end = {today}\nchannels = ["graph"]\n{posts}', encoding="utf-8")
    loa(root, "campaign", "import", str(root / "c.toml"), "--approve", "--allow-past")
    return root / "config.toml"


def count(config_path: Path) -> tuple[int, list[str]]:
    """Send the backlog in one sweep; (deliveries sent, the statements run, in order)."""
    os.environ["LOA_FACEBOOK_TOKEN"] = TOKEN
    config = load_config(config_path)
    db = open_database(config.database_url)
    with db.engine.begin() as connection:  # due a moment ago, all of them
        moment = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=1)
        connection.execute(text("UPDATE deliveries SET due_at = :t, available_at = :t"), {"t": moment})
    daemon = PublishingDaemon(db, config)
    daemon.start(schedule=False)
    with counted(db) as ran:
        daemon.sweep()
    daemon.stop()
    db.dispose()
    return daemon.sent, ran


def report(name: str, sent: int, ran: list[str]) -> None:
    per_delivery = len(ran) / max(1, sent)
    kinds = collections.Counter(ran)
    print(f"{name}: {sent} deliveries, {len(ran)} statements: {per_delivery:.2f} per delivery "
          f"({', '.join(f'{kind} {n / max(1, sent):.2f}' for kind, n in kinds.most_common())})")


def main() -> int:
    print(f"loa statements per delivery: {POSTS} due text posts, one sweep; load average {os.getloadavg()[0]:.2f}")
    logging.getLogger().addHandler(logging.NullHandler())  # the daemon's own lines are not the figures
    with tempfile.TemporaryDirectory(prefix="loa-bench-statements-") as folder:
        sqlite_root = Path(folder) / "sqlite"
        sqlite_root.mkdir()
        with GraphDouble(token=TOKEN) as graph:
            report("SQLite", *count(project(sqlite_root, graph, "sqlite:///var/loa.db")))
        if binaries() is None:
            print("PostgreSQL: not measured (Debian's postgresql binaries are not installed)")
        else:
            server = PostgresServer().start()
            try:
                pg_root = Path(folder) / "postgresql"
                pg_root.mkdir()
                url = server.create_database("loa_statements")
                with GraphDouble(token=TOKEN) as graph:  # a fresh Page: the same texts are no duplicates there
                    report("PostgreSQL", *count(project(pg_root, graph, url)))
            finally:
                server.stop()
    print("Per publication: BEGIN, UPDATE deliveries (RETURNING), INSERT the log entry (its post's title copied by "
          "the insert), UPDATE posts (done when nothing is left to send), COMMIT; PostgreSQL also locks the post row "
          "first. Per claim of 20: the paused channels, the claim (UPDATE ... RETURNING), what each delivery sends "
          "(one SELECT); per round, the next due time (a read).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
