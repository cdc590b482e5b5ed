"""Daemon benchmark (`make bench`): `loa run` as a user runs it, against a local double of the Facebook Graph API.

Three figures, each against the target of issue 5 ("Benchmarks"):

1. Punctuality: 200 text-only posts due 0.3 s apart (over 60 s) on one Facebook channel; `loa run --until-idle`
   as a subprocess. Lateness = the moment the double received the POST minus the delivery's due_at (and, for
   comparison, deliveries.published_at - due_at from the database). p50 / p99 / max. Target p99 <= 1 s.
2. Idle cost: 10,000 deliveries due in 30+ days; `loa run` idles 60 s after a 5 s warm-up. CPU % (utime+stime
   from /proc/PID/stat) and RSS (VmRSS). Targets < 1 % CPU, <= 80 MB. Then SIGTERM: exit code and time to exit.
3. Throughput: 1,000 text-only deliveries all due now through `loa run --until-idle` ([daemon] spacing_seconds = 0)
   vs a bare `requests.Session` loop making the same POST /{page}/feed calls (same messages, same Authorization
   header) against a fresh double in the same run. Ratio target <= 1.3. The daemon also reads each new post's
   permalink (GET /{post-id}), so the bare loop makes those calls too. One sender (the default): three runs, each
   followed by its bare loop (a machine shared with other work loads both alike), the median ratio saved as the
   closing table's row; then four senders (`concurrency = 4` on the channel) once.
   `python bench/daemon.py --throughput-only` runs this figure alone.

Set-up (config, `loa init`, `loa campaign import`) is never timed. Everything lives in a temporary folder.
Missing a target is reported, not an error.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.facebook import GraphDouble  # noqa: E402
from table import save_row  # noqa: E402

LOA = Path(sys.executable).parent / "loa"  # the venv's console script, next to its python
TOKEN = "EAAB-bench-token"
PUNCTUAL_POSTS, PUNCTUAL_GAP_S, PUNCTUAL_LEAD_S, PUNCTUAL_TARGET = 200, 0.3, 20.0, 1.0
IDLE_POSTS, IDLE_WARMUP_S, IDLE_SAMPLE_S, IDLE_CPU_TARGET, IDLE_RSS_TARGET = 10_000, 5.0, 60.0, 1.0, 80.0
THROUGHPUT_POSTS, THROUGHPUT_TARGET, THROUGHPUT_REPS = 1_000, 1.3, 3
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class TimedGraph(GraphDouble):
    """The Graph API double, noting when each request arrived (its body read, before it is answered).

    TCP_NODELAY on its connections: the double writes an answer's headers and body in two writes, and Nagle's
    algorithm against the client's delayed ACK then holds every answer ~40 ms on loopback (measured: 49 ms per
    POST without it, 3 ms with it). That stall would dominate both sides of the throughput comparison.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[tuple[float, Any]] = []  # (time.time(), RecordedRequest)

    def start(self) -> TimedGraph:
        super().start()
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # before any connection is accepted
        return self

    def _dispatch(self, record: Any, files: dict[str, bytes]) -> dict[str, Any]:
        self.arrivals.append((time.time(), record))  # called under the double's lock
        return super()._dispatch(record, files)

    def feed_posts(self) -> list[tuple[float, Any]]:
        return [(at, r) for at, r in self.arrivals if r.method == "POST" and r.path.endswith("/feed")]


# -- set-up ---------------------------------------------------------------------------------------------------------
def write_config(root: Path, graph: GraphDouble, daemon: str = "", channel: str = "") -> Path:
    """A project whose posts go to one Facebook channel on the double; ``daemon``: lines of the [daemon] section,
    ``channel``: more lines of the channel's (``concurrency = 4``)."""
    path = root / "config.toml"
    path.write_text(f"""[database]
url = "sqlite:///var/loa.db"

[defaults]
timezone = "UTC"

[daemon]
{daemon}

[channels.facebook]
adapter = "facebook"
page_id = "{graph.page_id}"
token_env = "LOA_FACEBOOK_TOKEN"
graph_url = "{graph.url}"
api_version = "v25.0"
{channel}
""", encoding="utf-8")
    return path


def body_text(n: int) -> str:
    """A post body of a realistic size (~600 characters), different for every post."""
    sentence = (f"Bài số {n}: Sở Khoa học và Công nghệ thành phố Cần Thơ hưởng ứng Tuần lễ học tập suốt đời, "
                f"khuyến khích mọi người dân đọc sách, học kỹ năng số và tham gia các lớp học cộng đồng. ")
    return (sentence * 3).strip()


def write_campaign(path: Path, slug: str, moments: list[dt.datetime]) -> Path:
    """Text-only posts (no banner) at the given UTC moments (``at`` keeps the microseconds)."""
    first, last = min(moments).date(), max(moments).date()
    lines = ["[campaign]", f'slug = "{slug}"', 'name = "Thử tải daemon"', f"start = {first}", f"end = {last}",
             'timezone = "UTC"', 'channels = ["facebook"]', ""]
    for n, moment in enumerate(moments, start=1):
        lines += ["[[posts]]", f"at = {moment.replace(tzinfo=None).isoformat()}",
                  f"title = {json.dumps(f'Bài thử tải số {n}', ensure_ascii=False)}",
                  f"body = {json.dumps(body_text(n), ensure_ascii=False)}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LOA_CONFIG", "LOA_DATABASE_URL", "LOA_DEBUG")}
    env.update(LOA_FACEBOOK_TOKEN=TOKEN, LOA_LANG="en")
    return env


def loa(config: Path, *args: str) -> None:
    subprocess.run([str(LOA), "--config", str(config), *args], check=True, env=environment(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def prepare(root: Path, graph: GraphDouble, moments: list[dt.datetime], *, daemon: str = "", channel: str = "",
            allow_past: bool = False) -> tuple[Path, float]:
    """config.toml, `loa init`, `loa campaign import --approve`. Returns the config and the set-up's duration."""
    started = time.perf_counter()
    config = write_config(root, graph, daemon, channel)
    loa(config, "init")
    campaign = write_campaign(root / "campaign.toml", "bench-daemon", moments)
    loa(config, "campaign", "import", str(campaign), "--approve", *(["--allow-past"] if allow_past else []))
    return config, time.perf_counter() - started


def start_daemon(config: Path, log: Path, *args: str) -> subprocess.Popen:
    handle = open(log, "wb")
    try:
        return subprocess.Popen([str(LOA), "--config", str(config), "run", *args], env=environment(),
                                stdout=subprocess.DEVNULL, stderr=handle)
    finally:
        handle.close()  # the child holds its own descriptor


def wait_daemon(process: subprocess.Popen, log: Path, timeout: float) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise RuntimeError(f"loa run did not finish within {timeout:.0f} s; its log:\n{tail(log)}") from None


def tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def deliveries(root: Path) -> list[sqlite3.Row]:
    with closing(sqlite3.connect(root / "var" / "loa.db")) as con:
        con.row_factory = sqlite3.Row
        return con.execute("SELECT id, status, due_at, published_at, remote_id, attempts FROM deliveries").fetchall()


def utc(text: str) -> float:
    """A naive UTC timestamp as SQLite stores it -> seconds since the epoch."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q% of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def statuses(rows: list[sqlite3.Row]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))


@dataclass
class Line:
    figure: str
    value: str
    target: str
    met: bool | None


def verdict(met: bool | None) -> str:
    return "-" if met is None else ("target met" if met else "TARGET MISSED")


# -- 1. punctuality -------------------------------------------------------------------------------------------------
def punctuality(folder: Path) -> list[Line]:
    print(f"\n== 1. Punctuality: {PUNCTUAL_POSTS} deliveries due {PUNCTUAL_GAP_S} s apart, `loa run --until-idle`")
    root = folder / "punctuality"
    root.mkdir()
    with TimedGraph(token=TOKEN) as graph:
        # due times leave the import and the daemon's start-up (both untimed) PUNCTUAL_LEAD_S to happen in
        first = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=PUNCTUAL_LEAD_S)
        moments = [first + dt.timedelta(seconds=PUNCTUAL_GAP_S * k) for k in range(PUNCTUAL_POSTS)]
        config, setup_s = prepare(root, graph, moments)
        log = root / "daemon.log"
        started = time.time()
        process = start_daemon(config, log, "--until-idle")
        code = wait_daemon(process, log, PUNCTUAL_LEAD_S + PUNCTUAL_GAP_S * PUNCTUAL_POSTS + 120)
        rows = deliveries(root)
        posts = graph.feed_posts()
    print(f"set-up (init + import) {setup_s:.1f} s; daemon started {first.timestamp() - started:.1f} s before the "
          f"first due time; exit code {code}; deliveries: {statuses(rows)}; POSTs received: {len(posts)}")
    due = {row["remote_id"]: utc(row["due_at"]) for row in rows if row["remote_id"]}
    arrival = [at - due[r.response["id"]] for at, r in posts if r.status == 200 and r.response.get("id") in due]
    recorded = [utc(row["published_at"]) - utc(row["due_at"]) for row in rows if row["published_at"]]
    if len(arrival) != PUNCTUAL_POSTS or code != 0:
        print(f"[!] expected {PUNCTUAL_POSTS} posts matched to deliveries, got {len(arrival)}; log tail:\n{tail(log)}")
    if not arrival:
        return [Line("punctuality: lateness p99 (POST received)", "no data", f"<= {PUNCTUAL_TARGET:g} s", False)]
    for label, values in (("POST received by the double - due_at", arrival),
                          ("deliveries.published_at - due_at (DB)", recorded)):
        print(f"  {label}: p50 {percentile(values, 50) * 1000:.0f} ms, p99 {percentile(values, 99) * 1000:.0f} ms, "
              f"max {max(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} ms (n={len(values)})")
    early = sum(1 for v in arrival if v < 0)
    if early:
        print(f"  [!] {early} POSTs arrived BEFORE their due time")
    late = sorted(arrival)[-5:]
    print(f"  five latest: {', '.join(f'{v * 1000:.0f} ms' for v in late)}")
    p99 = percentile(arrival, 99)
    print(f"  p99 {p99 * 1000:.0f} ms, target <= {PUNCTUAL_TARGET:g} s: {verdict(p99 <= PUNCTUAL_TARGET)}")
    return [Line("punctuality: lateness p50 (POST received)", f"{percentile(arrival, 50) * 1000:.0f} ms", "-", None),
            Line("punctuality: lateness p99 (POST received)", f"{p99 * 1000:.0f} ms", f"<= {PUNCTUAL_TARGET:g} s",
                 p99 <= PUNCTUAL_TARGET),
            Line("punctuality: lateness max (POST received)", f"{max(arrival) * 1000:.0f} ms", "-", None),
            Line("punctuality: lateness p99 (DB published_at)", f"{percentile(recorded, 99) * 1000:.0f} ms", "-",
                 None)]


# -- 2. idle cost -----------------------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def idle_cost(folder: Path) -> list[Line]:
    print(f"\n== 2. Idle cost: `loa run` with {IDLE_POSTS:,} deliveries due in 30+ days, {IDLE_SAMPLE_S:.0f} s")
    root = folder / "idle"
    root.mkdir()
    with TimedGraph(token=TOKEN) as graph:
        base = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=30)
        moments = [base + dt.timedelta(minutes=4 * k) for k in range(IDLE_POSTS)]  # 30 to ~58 days ahead
        config, setup_s = prepare(root, graph, moments)
        print(f"set-up (init + import of {IDLE_POSTS:,} posts) {setup_s:.1f} s")
        log = root / "daemon.log"
        process = start_daemon(config, log)
        try:
            time.sleep(IDLE_WARMUP_S)
            if process.poll() is not None:
                raise RuntimeError(f"loa run exited with {process.returncode}:\n{tail(log)}")
            pid = process.pid
            cpu0, wall0, rss = cpu_seconds(pid), time.monotonic(), [rss_mb(pid)]
            warm_requests = len(graph.arrivals)
            while time.monotonic() - wall0 < IDLE_SAMPLE_S:
                time.sleep(1.0)
                rss.append(rss_mb(pid))
            cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0) * 100
            idle_requests = len(graph.arrivals) - warm_requests
            threads = len(os.listdir(f"/proc/{pid}/task"))
            stop_started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            try:
                code: int | None = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                code = None
            stop_s = time.monotonic() - stop_started
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        rows = deliveries(root)
    print(f"  CPU {cpu:.2f} % of one core over {IDLE_SAMPLE_S:.0f} s (target < {IDLE_CPU_TARGET:g} %): "
          f"{verdict(cpu < IDLE_CPU_TARGET)}")
    print(f"  RSS {rss[0]:.1f} MB after the warm-up, {rss[-1]:.1f} MB at the end, max {max(rss):.1f} MB (target <= {IDLE_RSS_TARGET:g} MB): "
          f"{verdict(max(rss) <= IDLE_RSS_TARGET)}; {threads} threads; {idle_requests} requests to the double")
    bound = 30.0  # [daemon] shutdown_seconds, default
    stopped_ok = code == 0 and stop_s <= bound
    print(f"  SIGTERM: exit code {code} after {stop_s:.2f} s (bound {bound:g} s): {verdict(stopped_ok)}; "
          f"deliveries afterwards: {statuses(rows)}")
    return [Line("idle: CPU % (60 s, 10k queued)", f"{cpu:.2f} %", f"< {IDLE_CPU_TARGET:g} %", cpu < IDLE_CPU_TARGET),
            Line("idle: RSS max", f"{max(rss):.1f} MB", f"<= {IDLE_RSS_TARGET:g} MB", max(rss) <= IDLE_RSS_TARGET),
            Line("idle: SIGTERM -> exit", f"code {code}, {stop_s:.2f} s", f"0 within {bound:g} s", stopped_ok)]


# -- 3. throughput --------------------------------------------------------------------------------------------------
def bare_loop(messages: list[str], *, permalink: bool) -> tuple[float, int]:
    """The same calls with a bare requests.Session against a fresh double. Returns (seconds, posts published)."""
    with TimedGraph(token=TOKEN) as graph:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {TOKEN}"}
        root = f"{graph.url}/v25.0"
        started = time.perf_counter()
        for message in messages:
            answer = session.post(f"{root}/{graph.page_id}/feed", data={"message": message}, headers=headers,
                                  timeout=(5, 60))
            answer.raise_for_status()
            if permalink:
                session.get(f"{root}/{answer.json()['id']}", params={"fields": "permalink_url"}, headers=headers,
                            timeout=(5, 60)).raise_for_status()
        elapsed = time.perf_counter() - started
        session.close()
        return elapsed, len(graph.published_posts())


def daemon_throughput(folder: Path, name: str, channel: str) -> tuple[float, float, list[str], int]:
    """1,000 due deliveries through `loa run --until-idle`. Returns (process wall, first-last POST, messages, code)."""
    root = folder / name
    root.mkdir()
    with TimedGraph(token=TOKEN) as graph:
        now = dt.datetime.now(dt.timezone.utc)
        # all due at the same moment, a moment before the import: due now, a few seconds overdue at the daemon's
        # start (< 60 s, so not "overdue after downtime"; spacing_seconds = 0 anyway)
        config, setup_s = prepare(root, graph, [now] * THROUGHPUT_POSTS, daemon="spacing_seconds = 0",
                                  channel=channel, allow_past=True)
        log = root / "daemon.log"
        started = time.perf_counter()
        process = start_daemon(config, log, "--until-idle")
        code = wait_daemon(process, log, 600)
        daemon_s = time.perf_counter() - started
        rows = deliveries(root)
        posts = sorted(graph.feed_posts(), key=lambda item: item[0])
        requests_per_delivery = len(graph.arrivals) / max(1, len(posts))
    print(f"[{name}] set-up (init + import) {setup_s:.1f} s; exit code {code}; deliveries: {statuses(rows)}; "
          f"feed POSTs {len(posts)}, all requests {len(graph.arrivals)} ({requests_per_delivery:.1f} per delivery)")
    if len(posts) != THROUGHPUT_POSTS or code != 0:
        print(f"[!] expected {THROUGHPUT_POSTS} POSTs and exit 0; log tail:\n{tail(log)}")
    first_last = posts[-1][0] - posts[0][0] if len(posts) > 1 else float("nan")
    return daemon_s, first_last, [r.form["message"] for _, r in posts], code


def throughput(folder: Path) -> list[Line]:
    print(f"\n== 3. Throughput: {THROUGHPUT_POSTS:,} deliveries due now, `loa run --until-idle` "
          f"([daemon] spacing_seconds = 0) vs a bare requests loop, {THROUGHPUT_REPS} pairs interleaved")
    pairs = []  # (daemon first-last, bare POST + GET), each bare loop right after its daemon run: same load
    for rep in range(THROUGHPUT_REPS):
        daemon_s, first_last, messages, _ = daemon_throughput(folder, f"throughput-{rep}", "")
        bare_get_s, bare_get_n = bare_loop(messages, permalink=True)
        pairs.append((first_last, bare_get_s))
        print(f"  pair {rep + 1}: daemon first-last {first_last:.2f} s (process {daemon_s:.2f} s), bare POST + GET "
              f"{bare_get_s:.2f} s ({bare_get_n} posts): {first_last / bare_get_s:.2f}x; load {os.getloadavg()[0]:.1f}")
    wide_s, wide_first_last, _, _ = daemon_throughput(folder, "throughput-4", "concurrency = 4")
    bare_wide_s, _ = bare_loop(messages, permalink=True)
    bare_s, bare_n = bare_loop(messages, permalink=False)
    per_post = 1000 / max(1, len(messages))
    ratio_same = statistics.median(daemon / bare for daemon, bare in pairs)
    first_last = statistics.median(daemon for daemon, _ in pairs)
    bare_get_s = statistics.median(bare for _, bare in pairs)
    ratio_wide = wide_first_last / bare_wide_s
    print(f"  daemon, first to last POST received   {first_last:7.2f} s ({first_last * per_post:.1f} ms per delivery, "
          f"median of {len(pairs)})")
    print(f"  daemon, concurrency = 4, first-last   {wide_first_last:7.2f} s ({wide_first_last * per_post:.1f} ms "
          f"per delivery; process {wide_s:.2f} s; bare loop right after it {bare_wide_s:.2f} s)")
    print(f"  bare requests, POST /feed only        {bare_s:7.2f} s ({bare_s * per_post:.1f} ms per post, {bare_n} posts)")
    print(f"  bare requests, POST + GET permalink   {bare_get_s:7.2f} s ({bare_get_s * per_post:.1f} ms per post, "
          f"median; the calls the daemon makes)")
    print(f"  ratio vs the same calls (POST + GET): {ratio_same:.2f} one sender (median of the pairs), {ratio_wide:.2f} "
          f"four senders; vs POST only: {first_last / bare_s:.2f}. Target <= {THROUGHPUT_TARGET:g}")
    save_row("loa run, 1,000 text posts (Graph double)", f"{first_last:.2f} s ({ratio_same:.2f}x)",
             f"{bare_get_s:.2f} s (bare requests loop, POST + GET permalink, same double)",
             f"<= {THROUGHPUT_TARGET:g}x the bare loop", ratio_same <= THROUGHPUT_TARGET,
             f"first to last POST received, one sender; median of {len(pairs)} interleaved pairs; four senders "
             f"{ratio_wide:.2f}x; load {os.getloadavg()[0]:.2f}")
    return [Line("throughput: daemon, first-last POST", f"{first_last:.2f} s", "-", None),
            Line("throughput: daemon, concurrency 4", f"{wide_first_last:.2f} s", "-", None),
            Line("throughput: bare loop, POST only", f"{bare_s:.2f} s", "-", None),
            Line("throughput: bare loop, POST + GET", f"{bare_get_s:.2f} s", "-", None),
            Line("throughput: ratio, one sender / POST+GET", f"{ratio_same:.2f}", f"<= {THROUGHPUT_TARGET:g}",
                 ratio_same <= THROUGHPUT_TARGET),
            Line("throughput: ratio, four senders / POST+GET", f"{ratio_wide:.2f}", f"<= {THROUGHPUT_TARGET:g}",
                 ratio_wide <= THROUGHPUT_TARGET)]


def main(argv: list[str]) -> int:
    """``--throughput-only``: figure 3 alone (and its row of the closing table), for work on the send path."""
    benches = (throughput,) if "--throughput-only" in argv else (punctuality, idle_cost, throughput)
    began = time.perf_counter()
    print(f"loa daemon benchmark: python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, "
          f"{len(os.sched_getaffinity(0))} CPUs, {dt.datetime.now():%Y-%m-%d %H:%M}, load average "
          f"{os.getloadavg()[0]:.1f} (other work on this machine skews every figure)")
    lines: list[Line] = []
    with tempfile.TemporaryDirectory(prefix="loa-bench-daemon-") as folder:
        for bench in benches:
            try:
                lines += bench(Path(folder))
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                detail = getattr(exc, "stderr", None)
                print(f"[!] {bench.__name__} failed: {exc}" + (f"\n{detail.decode(errors='replace')}" if detail else ""))
                lines.append(Line(bench.__name__, "failed", "-", False))
    width = max(len(line.figure) for line in lines)
    print(f"\nSummary (daemon benchmark, {time.perf_counter() - began:.0f} s, load average now "
          f"{os.getloadavg()[0]:.1f})")
    print(f"  {'figure':<{width}}  {'value':>18}  {'target':>14}  verdict")
    for line in lines:
        print(f"  {line.figure:<{width}}  {line.value:>18}  {line.target:>14}  {verdict(line.met)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
