"""The benchmark's databases: a million posts (two deliveries each) and, for the baseline, a copy without indexes.

The schema comes from loa itself (``open_database(create=True)`` runs the Alembic migrations); only the rows are
written with raw SQL, because a million ORM inserts would take far longer than the benchmark itself. Values use
the formats the ORM writes (naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff', dates 'YYYY-MM-DD', JSON text, 'null' for a
JSON None). Both files are cached in bench/out/ and reused while their metadata matches. The outreach log stays
empty: none of the measured queries reads it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from loa.posts.db import SCHEMA_HEAD, open_database
from textgen import pool

GENERATOR = 3  # bump when the generated data changes, so cached databases are rebuilt
POSTS = 1_000_000
LANES = 20  # campaigns running at the same time
WINDOWS = 10  # campaigns per lane over the five years (about six months each)
DAYS = 5 * 365 + 1
TIMEZONE = "Asia/Ho_Chi_Minh"
CHUNK = 50_000
EPOCH = dt.datetime(1970, 1, 1)
CONFIG = """# Written by bench/build_db.py: the keys of /work/main/config.toml, pointing at the benchmark database.
[database]
url = "sqlite:///{db}"

[defaults]
timezone = "{tz}"

[render]
theme = "khuyen-hoc"
media = "media"

[organization]
parent_agency = "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ"
agency = "SỞ KHOA HỌC VÀ CÔNG NGHỆ"

[channels.portal]
adapter = "static-site"
path = "site"

[channels.facebook]
adapter = "dry-run"
"""


CAMPAIGN_COLUMNS = ("id, slug, name, theme, start_date, end_date, timezone, plan_ref, channels, hashtags, banner_theme, "
                    "source_file, created_at, updated_at")
POST_COLUMNS = "id, campaign_id, seq, title, body, template, banner, publish_at, status, revision, created_at, updated_at"
DELIVERY_COLUMNS = ("id, post_id, channel, status, due_at, available_at, attempts, lease_owner, lease_expires_at, "
                    "remote_id, permalink, last_error, published_at, updated_at")


@dataclass
class Built:
    path: Path
    config: Path
    anchor: dt.datetime  # "now" of the data: before it posts are done, after it they wait (aware UTC)
    seconds: float | None  # build time, None when reused
    reused: bool


def write_config(directory: Path, db_name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(CONFIG.format(db=db_name, tz=TIMEZONE), encoding="utf-8")
    return path


def ts(seconds: int) -> str:
    """Epoch seconds as the naive-UTC text SQLAlchemy's SQLite DateTime writes."""
    return (EPOCH + dt.timedelta(seconds=seconds)).isoformat(" ", "microseconds")


def _meta_path(db: Path) -> Path:
    return db.with_suffix(".meta.json")


def _cached(db: Path, expected: dict[str, object]) -> dict[str, object] | None:
    """The metadata of a usable cached database, else None."""
    meta = _meta_path(db)
    if not db.exists() or not meta.exists():
        return None
    data = json.loads(meta.read_text())
    if any(data.get(key) != value for key, value in expected.items()):
        return None
    with closing(sqlite3.connect(db)) as con:  # closing(): sqlite3's own `with` only commits
        try:
            revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
            count = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        except sqlite3.DatabaseError:
            return None
    return data if revision == (SCHEMA_HEAD,) and count == POSTS else None


def _remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def build(out: Path, *, say: Callable[[str], None] = print) -> Built:
    """The 1M-post database in ``out``, built unless a matching one is cached there."""
    db = out / "queue-1m.db"
    config = write_config(out, db.name)
    expected = {"generator": GENERATOR, "posts": POSTS, "schema": SCHEMA_HEAD}
    if (meta := _cached(db, expected)) is not None:
        say(f"reusing {db} (built {meta['anchor']}, {meta['seconds']:.0f} s to build)")
        return Built(db, config, dt.datetime.fromisoformat(str(meta["anchor"])), None, True)
    say(f"building {db} with {POSTS:,} posts (cached for later runs) ...")
    started = time.perf_counter()
    anchor = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    tmp = out / "queue-1m.building.db"  # renamed at the end: an interrupted build never looks cached
    _remove(tmp)
    open_database(f"sqlite:///{tmp}", create=True).dispose()  # loa's own schema, via its migrations
    con = sqlite3.connect(tmp, isolation_level=None)
    # Bulk-load settings; the file is thrown away if this process dies, so durability is not needed here.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    con.execute("PRAGMA temp_store=MEMORY")
    # Secondary indexes are dropped and re-created from their own DDL: sorting once beats a million inserts.
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                          "AND tbl_name IN ('posts', 'deliveries')").fetchall()
    for name, _ in indexes:
        con.execute(f"DROP INDEX {name}")
    _fill(con, anchor, say)
    t0 = time.perf_counter()
    for _, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    say(f"  indexes and ANALYZE: {time.perf_counter() - t0:.1f} s")
    con.execute("PRAGMA journal_mode=WAL")  # what loa uses (it sets it on every connection anyway)
    con.close()
    _remove(db)
    os.replace(tmp, db)
    seconds = time.perf_counter() - started
    _meta_path(db).write_text(json.dumps({**expected, "anchor": anchor.isoformat(), "seconds": seconds}))
    say(f"built in {seconds:.1f} s ({db.stat().st_size / 1e9:.2f} GB)")
    return Built(db, config, anchor, seconds, False)


def _fill(con: sqlite3.Connection, anchor: dt.datetime, say: Callable[[str], None]) -> None:
    rng = random.Random(20261126)
    tz = ZoneInfo(TIMEZONE)
    offset = int(tz.utcoffset(anchor.replace(tzinfo=None)).total_seconds())  # Vietnam has no DST
    now = int((anchor.replace(tzinfo=None) - EPOCH).total_seconds())
    first_day = anchor.astimezone(tz).date() - dt.timedelta(days=DAYS // 2)
    day0 = int((dt.datetime.combine(first_day, dt.time(0)) - EPOCH).total_seconds()) - offset  # local midnight
    window = DAYS * 86400 // WINDOWS
    # Moments: a uniform day, an office slot 07:00-20:55 local every 5 minutes. Each post belongs to one of
    # LANES concurrent campaigns; lanes are staggered so campaigns start and end on different days.
    posts = []
    rand = rng.random  # int(rand() * n) is several times cheaper than randrange(n), a million times over
    for _ in range(POSTS):
        t = day0 + int(rand() * DAYS) * 86400 + (7 * 12 + int(rand() * 14 * 12)) * 300
        lane = int(rand() * LANES)
        shift = lane * window // LANES
        k = (t - day0 + shift) // window
        posts.append((day0 - shift + k * window, lane, t))
    posts.sort()  # import order: campaign by campaign, as each was planned, posts in time order within it
    campaigns: dict[tuple[int, int], int] = {}
    for start, lane, _ in posts:
        campaigns.setdefault((start, lane), len(campaigns) + 1)
    titles, bodies = pool(rng, 2000)
    banners = [json.dumps({"headline": title[:60]}) for title in titles]
    con.execute("BEGIN")
    con.executemany(_insert("campaigns", CAMPAIGN_COLUMNS), [
        (cid, f"bench-{cid:03d}", f"Chiến dịch thử tải số {cid}", "Phát triển văn hóa đọc",
         _day(max(start, day0), offset), _day(min(start + window, day0 + DAYS * 86400) - 1, offset), TIMEZONE,
         None, '["portal", "facebook"]', '["#HocTapSuotDoi"]', None, f"campaigns/bench-{cid:03d}.toml",
         ts(start - 7 * 86400), ts(start - 7 * 86400))
        for (start, _lane), cid in campaigns.items()])
    con.execute("COMMIT")
    say(f"  {len(campaigns)} campaigns, {DAYS} days from {first_day}, data 'now' = {anchor:%Y-%m-%d %H:%M} UTC")
    seqs: dict[int, int] = {}
    imported = {cid: ts(start - 7 * 86400) for (start, _lane), cid in campaigns.items()}  # created_at
    t0 = time.perf_counter()
    for lo in range(0, POSTS, CHUNK):
        post_rows, delivery_rows = [], []
        for pid, (start, lane, t) in enumerate(posts[lo:lo + CHUNK], start=lo + 1):
            cid = campaigns[(start, lane)]
            seq = seqs[cid] = seqs.get(cid, 0) + 1
            created = imported[cid]
            status, portal, facebook, revision, updated = _fates(rng, t, now, created)
            n = int(rand() * len(titles))
            publish_at = ts(t)
            post_rows.append((pid, cid, seq, titles[n], bodies[n], None, banners[n] if n % 3 == 0 else "null",
                              publish_at, status, revision, created, updated))
            for did, channel, fate in ((2 * pid - 1, "portal", portal), (2 * pid, "facebook", facebook)):
                delivery_rows.append((did, pid, channel, *fate(did, channel, publish_at, created)))
        con.execute("BEGIN")
        con.executemany(_insert("posts", POST_COLUMNS), post_rows)
        con.executemany(_insert("deliveries", DELIVERY_COLUMNS), delivery_rows)
        con.execute("COMMIT")
    say(f"  rows: {time.perf_counter() - t0:.1f} s")


def _insert(table: str, columns: str) -> str:
    """Columns named, so a column a later migration adds (nullable or with a default) does not break the build."""
    return f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(',')))})"


def _day(seconds: int, offset: int) -> str:
    """The local date of an epoch moment, as the ORM stores a Date."""
    return (EPOCH + dt.timedelta(seconds=seconds + offset)).date().isoformat()


# Builds the delivery columns after (id, post_id, channel) from (id, channel, due_at text, updated_at text).
RowFn = Callable[[int, str, str, str], tuple]


def _fates(rng: random.Random, t: int, now: int, created: str) -> tuple[str, RowFn, RowFn, int, str]:
    """Post status, one row-builder per delivery, revision and updated_at, for a post due at ``t``.

    Past posts: mostly done with both deliveries published, ~1 % of deliveries failed, ~1 % drafts whose
    deliveries were missed. The last 20 minutes and ~5 % of the last six hours are the daemon's live backlog
    (pending, or retry_wait after an error). Future posts: 80 % approved, 20 % draft, all pending. 2 % cancelled.
    """
    def pending(status: str = "pending", available: int | None = None, attempts: int = 0,
                error: str | None = None) -> RowFn:
        def row(_did: int, _channel: str, due: str, upd: str) -> tuple:
            return (status, due, due if available is None else ts(available), attempts, None, None, None, None,
                    error, None, upd)
        return row

    def published(delay: int, status: str = "published") -> RowFn:
        def row(did: int, channel: str, due: str, _upd: str) -> tuple:
            at = ts(t + delay)
            if status == "failed":
                return ("failed", due, due, 5, None, None, None, None, "HTTP 500 từ máy chủ", None, at)
            link = (f"https://portal.example.gov.vn/tin-tuc/{did}" if channel == "portal"
                    else f"https://www.facebook.com/123456789012345/posts/{did}")
            return ("published", due, due, 1, None, None, str(did), link, None, at, at)
        return row

    r = rng.random()
    if r < 0.02:
        return "cancelled", pending("cancelled"), pending("cancelled"), 2, created
    if t >= now:
        return ("approved" if r < 0.82 else "draft"), pending(), pending(), 1, created
    if t >= now - 20 * 60:
        return "approved", pending(), pending(), 1, created
    if r < 0.03:
        return "draft", pending("missed"), pending("missed"), 1, created
    if t >= now - 6 * 3600 and r < 0.15:  # facebook refused; the daemon retries within the next half hour
        retry = pending("retry_wait", now + rng.randrange(-600, 1800), rng.randint(1, 3), "HTTP 503: thử lại sau")
        return "approved", published(30), retry, 1, ts(t + 30)
    portal = published(rng.randint(5, 60), "failed" if r < 0.04 else "published")
    facebook = published(rng.randint(60, 180), "failed" if 0.04 <= r < 0.05 else "published")
    return "done", portal, facebook, 1, ts(t + 180)


def baseline_copy(built: Built, *, say: Callable[[str], None] = print) -> Path:
    """A copy of the database without loa's secondary indexes (ix_posts_*, ix_deliveries_*), cached too.

    Primary keys and the unique (post_id, channel) constraint stay: they are part of the table, not tuning.
    """
    copy = built.path.with_name("queue-1m-noindex.db")
    meta = _meta_path(copy)
    expected = {"source_anchor": built.anchor.isoformat(), "generator": GENERATOR}
    if copy.exists() and meta.exists() and json.loads(meta.read_text()) == expected:
        say(f"reusing baseline copy {copy}")
        return copy
    started = time.perf_counter()
    _remove(copy)
    tmp = copy.with_name("queue-1m-noindex.building.db")
    _remove(tmp)
    shutil.copyfile(built.path, tmp)
    # closed before the rename: the DROPs sit in the WAL until the last connection checkpoints it
    with closing(sqlite3.connect(tmp, isolation_level=None)) as con:
        names = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND "
            "(name LIKE 'ix\\_posts\\_%' ESCAPE '\\' OR name LIKE 'ix\\_deliveries\\_%' ESCAPE '\\')")]
        for name in names:
            con.execute(f"DROP INDEX {name}")  # also drops its sqlite_stat1 rows
    os.replace(tmp, copy)
    meta.write_text(json.dumps(expected))
    say(f"baseline copy without {', '.join(names)}: {time.perf_counter() - started:.1f} s")
    return copy
