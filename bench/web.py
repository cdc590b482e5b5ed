"""Workspace benchmark (`make bench`): figures, not pass/fail, against a baseline in the same run.

A fresh project (``loa init``) gets one account and 10,000 posts (20,000 deliveries; a banner render on one post in
three, so cards have thumbnails) in 20 campaigns, spread over five years around today, about 38 a week, as an agency publishing
five or six times a day. Measured with Flask's test client (server time: routing, queries, templates):

1. the week page (``GET /``, this week) p50/p95 over 50 requests, with the needs-attention panel from its cache
   (what most requests get) and computed on every request (what a page right after a change gets); baselines: the
   same page over an empty queue, and the listing query alone (``list_queue`` for the week, what
   ``loa queue --week --json`` runs);
2. the month page (``GET /month``) p50/p95, with the panel cached and computed per request;
3. the page's size in KB before images (HTML, CSS and scripts it loads: htmx, week.js, loa.css);
4. the editor's live preview: ``POST /posts/preview`` when the route exists in this checkout, else the renderer's
   own preview work (texts of every channel plus the 1200×630 banner, a new headline each time) — said in the output;
5. the server at rest: ``loa web`` as a process, its CPU over 10 s from /proc/PID/stat.

    python bench/web.py [--posts N] [--runs N] [--keep DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTS = 10_000
CAMPAIGNS = 20
YEARS = 5
WEEK_TARGET_MS = 50.0
PREVIEW_TARGET_MS = 120.0
PAGE_TARGET_KB = 150.0
IDLE_TARGET_PCT = 1.0
ACCOUNT, PASSWORD = "bench-admin", "mat-khau-bench-123"
TITLES = ["Phát động Tuần lễ hưởng ứng học tập suốt đời năm {n}", "Ngày Khuyến học Việt Nam 02/10 – bài số {n}",
          "Gợi ý đọc sách khoa học và công nghệ cho công chức, viên chức (kỳ {n})",
          "Mỗi ngày một trang sách – hôm nay bạn đã đọc gì? #{n}"]
CAMPAIGN = """[campaign]
slug = "bench"
name = "Chiến dịch thử tải"
start = {start}
end = {end}
channels = ["portal", "facebook"]

[[posts]]
day = 1
time = "08:00"
title = "Bài mẫu có banner"
body = "Nội dung."
banner = {{ headline = "Học tập suốt đời" }}
"""


def loa(config: Path, *args: str, stdin: str | None = None) -> str:
    config.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, "-c", "from loa.scheduler.cli import main; main()", "--config", str(config),
                             *args], input=stdin, capture_output=True, text=True, cwd=config.parent,
                            env={**os.environ, "LOA_LANG": "en"})
    if result.returncode != 0:
        raise SystemExit(f"loa {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def build(folder: Path, posts: int, *, say=print) -> Path:
    """An initialised project with ``posts`` posts (raw SQL after one real import: its banner is reused)."""
    config = folder / "config.toml"
    loa(config, "init")
    loa(config, "users", "add", ACCOUNT, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    today = dt.date.today()
    first, last = today - dt.timedelta(days=YEARS * 365 // 2), today + dt.timedelta(days=YEARS * 365 // 2)
    (folder / "bench.toml").write_text(CAMPAIGN.format(start=today + dt.timedelta(days=1), end=today + dt.timedelta(days=2)), "utf-8")
    loa(config, "campaign", "import", "bench.toml")
    started = time.perf_counter()
    con = sqlite3.connect(folder / "var" / "loa.db", isolation_level=None)
    con.execute("UPDATE campaigns SET start_date = ?, end_date = ?", (first.isoformat(), last.isoformat()))
    cursor = con.execute("SELECT * FROM campaigns WHERE id = 1")
    names, row = [d[0] for d in cursor.description], cursor.fetchone()
    for cid in range(2, CAMPAIGNS + 1):  # campaigns side by side, as an agency runs them
        values = dict(zip(names, row), id=cid, slug=f"bench-{cid:02d}", name=f"Chiến dịch thử tải {cid}")
        con.execute(f"INSERT INTO campaigns ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    list(values.values()))
    banner = con.execute("SELECT name, media_path, sha256, size FROM renders WHERE kind = 'banner' "
                         "ORDER BY name LIMIT 1").fetchone()
    now = dt.datetime.now(dt.timezone.utc)
    tz = dt.timezone(dt.timedelta(hours=7))
    rng = random.Random(12)
    post_rows, delivery_rows, render_rows = [], [], []
    for pid in range(2, posts + 1):
        day = first + dt.timedelta(days=rng.randrange((last - first).days))
        moment = dt.datetime.combine(day, dt.time(7 + rng.randrange(14), 5 * rng.randrange(12)), tz)
        past = moment < now
        status = "done" if past else rng.choice(("draft", "approved", "approved"))
        created = ts(moment - dt.timedelta(days=10))
        post_rows.append((pid, 1 + pid % CAMPAIGNS, pid, rng.choice(TITLES).format(n=pid), "Nội dung bài.\n\nĐoạn hai.", None,
                          '{"headline": "Học tập suốt đời"}' if pid % 3 == 0 else "null", ts(moment), status, 1,
                          created, created, "bench-admin"))
        for channel in ("portal", "facebook"):
            state = "published" if past else "pending"
            delivery_rows.append((pid, channel, state, ts(moment), ts(moment), 1 if past else 0,
                                  f"https://example.gov.vn/{pid}" if past else None, ts(moment) if past else None,
                                  created))
        if pid % 3 == 0 and banner:
            render_rows.append((pid, 1, "banner", None, banner[0], banner[1], banner[2], banner[3], created))
    con.execute("BEGIN")
    con.executemany("INSERT INTO posts (id, campaign_id, seq, title, body, template, banner, publish_at, status, "
                    "revision, created_at, updated_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", post_rows)
    con.executemany("INSERT INTO deliveries (post_id, channel, status, due_at, available_at, attempts, permalink, "
                    "published_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)", delivery_rows)
    con.executemany("INSERT INTO renders (post_id, revision, kind, channel, name, media_path, sha256, size, "
                    "created_at) VALUES (?,?,?,?,?,?,?,?,?)", render_rows)
    con.execute("COMMIT")  # no ANALYZE: loa never runs it, so the planner works without statistics, as in use
    con.close()
    say(f"  {posts:,} posts from {first} to {last} written in {time.perf_counter() - started:.1f} s")
    return config


def signed_in(config: Path):
    """A Flask test client of the project's app, signed in through the login form."""
    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app

    app = create_app(load_config(config))
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"name": ACCOUNT, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return app, client


def timed(call, runs: int) -> list[float]:
    call()  # warm-up: templates compiled, caches filled
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, times: list[float], target: float | None = None) -> None:
    goal = f"target ≤ {target:.0f} ms p95: {'met' if p(times, .95) <= target else 'MISSED'}" if target else ""
    print(f"  {name:<48} p50 {statistics.median(times):7.1f} ms   p95 {p(times, .95):7.1f} ms   {goal}")


def get(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def page_weight(client, html: str) -> tuple[float, dict[str, int]]:
    parts = {"html": len(html.encode())}
    for src in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', html):
        response = client.get(src)
        parts[src.rsplit("/", 1)[1]] = len(response.data)
        response.close()
    return sum(parts.values()) / 1024, parts


def preview(app, client, config: Path, runs: int) -> tuple[str, list[float]]:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    headlines = [f"Học tập suốt đời – lần thử {n}" for n in range(runs + 1)]
    if "/posts/preview" in rules:
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', get(client, "/")).group(1)
        fields = {"campaign": "bench", "title": "Bài thử xem trước", "body": "Đoạn một.\n\nĐoạn hai.",
                  "at": f"{dt.date.today() + dt.timedelta(days=1):%d/%m/%Y} 08:00", "channels": ["portal", "facebook"]}
        count = iter(range(10 ** 6))

        def call() -> None:
            response = client.post("/posts/preview", data={**fields, "banner_headline": headlines[next(count) % len(
                headlines)]}, headers={"X-CSRF-Token": token, "HX-Request": "true"})
            assert response.status_code in (200, 422), response.status_code
        return "POST /posts/preview (texts + banner)", timed(call, runs)
    from loa.posts.models import Campaign
    from loa.posts.render.artefacts import PostContent
    from loa.scheduler.project import build_renderer
    from loa.scheduler.config import load_config

    loaded = load_config(config)
    renderer = build_renderer(loaded)
    ws = app.extensions["loa"]
    with ws.database.session() as session:
        campaign = session.get(Campaign, 1)
        count = iter(range(10 ** 6))

        def direct() -> None:
            n = next(count)
            renderer.render(PostContent(10 ** 6 + n, 1, "Bài thử xem trước", "Đoạn một.\n\nĐoạn hai.",
                                        dt.datetime.now(dt.timezone.utc), None, {"headline": headlines[n % len(
                                            headlines)]}, ["portal", "facebook"]), campaign, where="bench")
        return "renderer.render (no /posts/preview here: texts + banners)", timed(direct, runs)


def idle_cpu(config: Path, seconds: float = 10.0) -> float:
    """``loa web`` at rest: CPU seconds over wall seconds, in percent, after it answered once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-c", "from loa.scheduler.cli import main; main()", "--config",
                                str(config), "web", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=config.parent)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("loa web did not start") from None
                time.sleep(0.1)

        def cpu() -> float:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

        time.sleep(1)  # let the first request's work finish
        c0, t0 = cpu(), time.monotonic()
        time.sleep(seconds)
        return 100 * (cpu() - c0) / (time.monotonic() - t0)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=POSTS)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="loa-bench-web-"))
    try:
        load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
        print(f"== workspace: {options.posts:,} posts, {options.runs} requests per figure "
              f"(load average {load} on {os.cpu_count()} cores: figures are server time on this machine) ==")
        full = build(folder / "full", options.posts)
        empty = folder / "empty" / "config.toml"
        loa(empty, "init")
        loa(empty, "users", "add", ACCOUNT, "--role", "admin", "--password-stdin",
            stdin=PASSWORD + "\n")
        app, client = signed_in(full)
        _, empty_client = signed_in(empty)
        html = get(client, "/")
        cards = len(re.findall(r'<li class="wcard ', html))
        print(f"  this week: {cards} cards")
        line("week page, 10,000 posts (server time)", timed(lambda: get(client, "/"), options.runs),
             WEEK_TARGET_MS)
        attention_cache = app.extensions["loa_attention"]

        def uncached(path: str) -> None:  # the panel recomputed: a page right after a change, or every 10 s
            attention_cache.clear()
            get(client, path)
        line("week page, attention panel computed per request", timed(lambda: uncached("/"), options.runs),
             WEEK_TARGET_MS)
        line("baseline: week page, empty queue", timed(lambda: get(empty_client, "/"), options.runs))
        from loa.posts.listing import list_queue
        from loa.posts.times import week_range, zone

        tz = zone("Asia/Ho_Chi_Minh")
        monday, sunday = week_range(dt.datetime.now(tz).date())
        since = dt.datetime.combine(monday, dt.time(), tz)
        until = dt.datetime.combine(sunday + dt.timedelta(days=1), dt.time(), tz)
        database = app.extensions["loa"].database

        def query() -> None:
            with database.session() as session:
                list_queue(session, since=since, until=until)
        line("baseline: list_queue for the week (the query)", timed(query, options.runs))
        line("month page, 10,000 posts", timed(lambda: get(client, "/month"), options.runs))
        line("month page, attention panel computed per request", timed(lambda: uncached("/month"), options.runs))
        # where the week page's time goes: the needs-attention panel (scheduler.status, on every page) vs the rest
        from loa.scheduler.status import daemon_status

        ws = app.extensions["loa"]
        line("of which: the attention panel (daemon_status)", timed(lambda: daemon_status(ws.database, ws.config),
                                                                    options.runs))
        with app.test_request_context():
            from loa.scheduler.web.layout import attention
            from loa.scheduler.web.auth import g

            g.signed_in = None
            ready = attention()

        def _precomputed() -> None:
            from flask import g as request_g

            request_g.attention = ready
        app.before_request_funcs.setdefault(None, []).append(_precomputed)  # after the app's own hooks
        line("week page with the attention panel precomputed", timed(lambda: get(client, "/"), options.runs),
             WEEK_TARGET_MS)
        kb, parts = page_weight(client, html)
        verdict = "met" if kb <= PAGE_TARGET_KB else "MISSED"
        print(f"  week page before images: {kb:.1f} KB ({', '.join(f'{k} {v / 1024:.1f}' for k, v in parts.items())})"
              f"   target ≤ {PAGE_TARGET_KB:.0f} KB: {verdict}")
        what, times = preview(app, client, full, max(10, options.runs // 2))
        line(f"live preview: {what}", times, PREVIEW_TARGET_MS)
        cpu = idle_cpu(full)
        print(f"  loa web at rest: {cpu:.2f} % CPU over 10 s   target < {IDLE_TARGET_PCT:.0f} %: "
              f"{'met' if cpu < IDLE_TARGET_PCT else 'MISSED'}")
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
