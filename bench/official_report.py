"""Report benchmark (`make bench`): `loa report` on a campaign with 100,000 outreach entries.

A temp SQLite database gets one year-long campaign: 10,000 posts on two channels, their queued/approved entries,
published, retried, failed and missed deliveries, three metrics snapshots per published delivery and offline
activities: 100,000 entries. Each report (DOCX, XLSX, HTML) runs as its own `loa report` process, timed from the
outside (after a warm-up, the median of three), with bytecode cached as on a user's machine; its peak memory is the
child's ru_maxrss (os.wait4). The configuration is the shipped config.toml with a real organisation filled in (`loa
report` refuses the template's placeholders). The baseline, in the same run, is the naive way: load every entry of
the campaign through the ORM and compute the same figures in Python (no document); `loa --version` gives the floor
every command pays. The DOCX is timed again with its charts drawn in-process (LOA_REPORT_CHART_WORKER=0), to show
what the chart worker gains in the same run. Targets (issue 17): DOCX <= 2 s, peak memory <= 200 MB.
"""
from __future__ import annotations

import compileall
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRIES = 100_000
POSTS = 10_000
CHANNELS = ("portal", "facebook")
TARGET_DOCX_S, TARGET_MB = 2.0, 200.0
RUNS = 3
ROOT = Path(__file__).resolve().parent.parent
LOA = str(Path(sys.executable).with_name("loa"))
# the organisation printed on the report, in place of the shipped config.toml's placeholders
ORGANIZATION = {"parent_agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                "document_code": "SKHCN", "place": "Cần Thơ", "signer_title": "GIÁM ĐỐC",
                "signer_name": "Nguyễn Văn An", "recipients": ["UBND thành phố (để báo cáo)", "Ban Giám đốc Sở"]}

BASELINE = r"""
import resource, sys, time
from collections import Counter
from sqlalchemy import select
from loa.posts.db import open_database
from loa.posts.models import OutreachEntry, Campaign
start = time.perf_counter()
db = open_database(sys.argv[1])
with db.session() as session:
    cid = session.scalar(select(Campaign.id).where(Campaign.slug == "bench-report"))
    entries = session.scalars(select(OutreachEntry).where(OutreachEntry.campaign_id == cid)
                              .order_by(OutreachEntry.id)).all()
    kinds = Counter(e.kind for e in entries)
    per_channel = Counter(e.channel for e in entries if e.kind == "published")
    latest = {e.delivery_id: e.detail for e in entries if e.kind == "metrics"}
    reach = sum((d.get("metrics") or {}).get("reach", 0) for d in latest.values())
print(time.perf_counter() - start)
"""


def build(db_path: Path) -> str:
    """The campaign and its log, inserted with plain SQL (the benchmark is of the report, not of the inserts)."""
    from sqlalchemy import insert

    from loa.posts.db import open_database
    from loa.posts.models import Campaign, Delivery, OutreachEntry, Post

    url = f"sqlite:///{db_path}"
    database = open_database(url, create=True)
    rng = random.Random(6)
    utc = dt.timezone.utc
    start = dt.datetime(2030, 1, 1, 1, 0, tzinfo=utc)
    with database.transaction() as session:
        campaign = Campaign(slug="bench-report", name="Chiến dịch thử tải báo cáo", theme="Thử tải",
                            start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 12, 31),
                            timezone="Asia/Ho_Chi_Minh", plan_ref="Kế hoạch số 1/KH-THU", channels=list(CHANNELS),
                            hashtags=[])
        session.add(campaign)
        session.flush()
        cid = campaign.id
        due = [start + dt.timedelta(minutes=52 * n) for n in range(POSTS)]
        session.execute(insert(Post), [
            {"id": n + 1, "campaign_id": cid, "seq": n + 1, "title": f"Bài thử tải số {n + 1} về văn hóa đọc",
             "body": ".", "publish_at": due[n], "status": "done"} for n in range(POSTS)])
        deliveries = [{"id": 2 * n + c + 1, "post_id": n + 1, "channel": channel, "status": "published",
                       "due_at": due[n], "available_at": due[n], "attempts": 1}
                      for n in range(POSTS) for c, channel in enumerate(CHANNELS)]
        session.execute(insert(Delivery), deliveries)
        entries: list[dict] = []
        for n in range(POSTS):
            entries.append({"kind": "queued", "campaign_id": cid, "post_id": n + 1, "at": start, "title": "t"})
            entries.append({"kind": "approved", "campaign_id": cid, "post_id": n + 1, "at": start, "title": "t"})
        for d in deliveries:
            post, when = d["post_id"], d["due_at"]
            fate = rng.random()
            base = {"campaign_id": cid, "post_id": post, "delivery_id": d["id"], "channel": d["channel"],
                    "title": f"Bài thử tải số {post} về văn hóa đọc"}
            if fate < 0.04:
                entries.append({**base, "kind": "failed", "at": when, "detail": {
                    "error": rng.choice(["HTTP 500", "token hết hạn", "ảnh quá lớn"]), "class": "permanent",
                    "attempt": 1}})
                continue
            if fate < 0.06:
                entries.append({**base, "kind": "missed", "at": when, "detail": {"reason": "quá hạn"}})
                continue
            if fate < 0.10:
                entries.append({**base, "kind": "attempt", "at": when, "detail": {"error": "HTTP 503",
                                                                                   "class": "transient"}})
            delay = rng.choice([1, 3, 20, 45, 90, 600])
            entries.append({**base, "kind": "published", "at": when + dt.timedelta(seconds=delay), "detail": {
                "remote_id": str(d["id"]), "permalink": f"https://portal.example.vn/bai/{d['id']}", "attempt": 1,
                **({"due_at": when.isoformat()} if fate < 0.8 else {})}})
        published = [e for e in entries if e["kind"] == "published"]
        offline = 500
        for n in range(offline):
            entries.append({"kind": "offline", "campaign_id": cid, "title": f"Treo băng rôn đợt {n + 1}",
                            "count": rng.randint(1, 20), "place": "Trụ sở", "at": start + dt.timedelta(days=n % 365)})
        stages = ("1h", "24h", "7d")
        n = 0
        while len(entries) < ENTRIES:  # snapshots until 100,000 entries
            e = published[n % len(published)]
            stage = stages[(n // len(published)) % 3]
            metrics = {"reactions": rng.randint(0, 50), "comments": rng.randint(0, 9), "shares": rng.randint(0, 5),
                       "reach": rng.randint(10, 5000)}
            unavailable = {"views": "thiếu quyền"} if e["channel"] == "facebook" else {"reach": "không hỗ trợ"}
            entries.append({"kind": "metrics", "campaign_id": cid, "delivery_id": e["delivery_id"],
                            "channel": e["channel"], "at": e["at"] + dt.timedelta(hours=1),
                            "detail": {"stage": stage, "metrics": metrics, "unavailable": unavailable}})
            n += 1
        session.execute(insert(OutreachEntry), entries)
    database.dispose()
    return url


def with_organization(config: str) -> str:
    """The shipped config.toml with ORGANIZATION in its [organization] table (each key's line replaced)."""
    start = config.index("\n[organization]\n") + 1
    end = config.find("\n[", start + 1)
    end = len(config) if end < 0 else end
    table = config[start:end]
    for key, value in ORGANIZATION.items():
        table, found = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {json.dumps(value, ensure_ascii=False)}", table)
        if not found:
            raise SystemExit(f"config.toml: [organization] has no {key}")
    return config[:start] + table + config[end:]


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident memory (MB) and CPU seconds of one child process.

    CPU seconds are shown too because wall time on a busy machine (other jobs on the same cores) says little. Both
    count the report's chart worker (a child it waits for); the peak is the larger of the two processes', not their
    sum.
    """
    start = time.perf_counter()
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # .pyc, as users have
    environment.update(env or {})
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} exited {child.returncode}: {error[-500:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # ru_maxrss: kilobytes on Linux


def repeated(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """One untimed warm-up (page cache, .pyc files), then the median of RUNS runs (the highest peak memory)."""
    run(args, env)
    runs = [run(args, env) for _ in range(RUNS)]
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), statistics.median(r[2] for r in runs))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        (root / "var").mkdir()
        # built by a child process: a child forked from a parent that grew would inherit its peak memory figure
        url = f"sqlite:///{root / 'var' / 'loa.db'}"  # where the shipped config.toml looks
        subprocess.run([sys.executable, __file__, "--build", str(root / "var" / "loa.db")], check=True)
        config = (ROOT / "config.toml").read_text(encoding="utf-8")
        (root / "config.toml").write_text(with_organization(config), encoding="utf-8")
        compileall.compile_dir(ROOT / "posts", quiet=1)  # bytecode cached before timing, as on a user's machine
        compileall.compile_dir(ROOT / "scheduler", quiet=1)
        print(f"report benchmark: {ENTRIES:,} outreach entries built in {time.perf_counter() - started:.1f} s")
        results = {}
        for key, fmt, env in (("docx", "docx", None), ("docx-inline", "docx", {"LOA_REPORT_CHART_WORKER": "0"}),
                              ("xlsx", "xlsx", None), ("html", "html", None)):
            out = root / f"r.{fmt}"
            results[key] = repeated([LOA, "--config", str(root / "config.toml"), "report", "--campaign",
                                     "bench-report", "--format", fmt, "-o", str(out), "--date", "2031-01-05"], env)
            results[key] += (out.stat().st_size,)
        results["baseline"] = repeated([sys.executable, "-c", BASELINE, url]) + (0,)
        idle = repeated([LOA, "--version"])
    print(f"{'':34}{'seconds':>9}{'cpu s':>8}{'peak MB':>10}{'file KB':>10}")
    names = {"docx": "loa report --format docx", "docx-inline": "  charts drawn in-process",
             "xlsx": "loa report --format xlsx",
             "html": "loa report --format html", "baseline": "baseline: every entry via the ORM"}
    for key, label in names.items():
        seconds, mb, cpu, size = results[key]
        print(f"{label:34}{seconds:9.2f}{cpu:8.2f}{mb:10.0f}{size / 1024:10.0f}")
    print(f"{'loa --version (start-up floor)':34}{idle[0]:9.2f}{idle[2]:8.2f}{idle[1]:10.0f}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    docx_s, docx_mb = results["docx"][0], results["docx"][1]
    worst_mb = max(results[f][1] for f in ("docx", "xlsx", "html"))
    verdict = "target met" if docx_s <= TARGET_DOCX_S and worst_mb <= TARGET_MB else "TARGET MISSED"
    print(f"DOCX {docx_s:.2f} s (target <= {TARGET_DOCX_S:.0f} s); peak memory of the reports {worst_mb:.0f} MB "
          f"(target <= {TARGET_MB:.0f} MB): {verdict}")
    load = os.getloadavg()[0]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from table import save_row

    base, inline = results["baseline"], results["docx-inline"]
    save_row("report docx, 100,000 entries", f"{docx_s:.2f} s",
             f"{base[0]:.2f} s (every entry via the ORM, figures only, no document)", f"<= {TARGET_DOCX_S:.0f} s",
             docx_s <= TARGET_DOCX_S,
             f"median of {RUNS}; CPU {results['docx'][2]:.2f} s; peak {docx_mb:.0f} MB; charts in-process "
             f"{inline[0]:.2f} s (CPU {inline[2]:.2f} s); loa --version {idle[0]:.2f} s; load {load:.1f}")
    print(json.dumps({k: {"seconds": round(v[0], 3), "cpu_s": round(v[2], 3), "peak_mb": round(v[1], 1)}
                      for k, v in results.items()}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]))
    else:
        main()
