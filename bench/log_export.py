"""Outreach-log export benchmark (`make bench`): 100,000 entries to CSV, XLSX and JSONL, time and peak memory.

A temporary SQLite database (loa's schema, through its migrations) gets 10,000 posts with 20,000 deliveries and a
realistic log of 100,000 entries: queued / rendered / approved per post, published and two engagement snapshots
per delivery, failed attempts, offline activities. Each export runs in a fresh child process that does what the
user runs (`loa log export --format F -o FILE`, in-process through the CLI), so its peak memory is its own; the
children run with bytecode cached (compiled once before timing), as on a user's machine.

The XLSX writers side by side, in the same run, on the same entries and rows (the log read the same way, the rows
made by the same ``flat_row``): loa's streamed sheet (posts/xlsx_stream.py); openpyxl in write-only mode with lxml,
typed cells (the baseline: the library loa used before); XlsxWriter in constant_memory mode, typed cells (shown when
XlsxWriter is installed: `pip install -e '.[bench]'`). ``--naive`` adds the naive way: every entry loaded through
the ORM into a list, then an openpyxl workbook in normal (in-memory) mode. A child that only imports loa gives the
interpreter's own footprint. Targets (issue 17): XLSX at most 8 s, peak memory at most 150 MB.

    python bench/log_export.py [--entries N] [--keep DIR] [--naive] [--only xlsx,openpyxl-xlsx]
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRIES = 100_000
XLSX_TARGET_S = 8.0
MEMORY_TARGET_MB = 150.0
CONFIG = """[database]
url = "sqlite:///loa.db"

[defaults]
timezone = "Asia/Ho_Chi_Minh"

[render]
media = "media"

[channels.portal]
adapter = "static-site"
path = "site"

[channels.facebook]
adapter = "dry-run"
"""
TITLES = ["Phát động Tuần lễ hưởng ứng học tập suốt đời năm {n}", "Ngày Khuyến học Việt Nam 02/10 – bài số {n}",
          "Gợi ý đọc sách khoa học và công nghệ cho công chức, viên chức (kỳ {n})",
          "Mỗi ngày một trang sách – hôm nay bạn đã đọc gì? #{n}"]


def ts(moment: dt.datetime) -> str:
    return moment.isoformat(" ", "microseconds")  # the naive-UTC text SQLAlchemy writes on SQLite


def build(folder: Path, entries: int) -> Path:
    """The database with ``entries`` log entries (rows written with raw SQL: ORM inserts would take minutes)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from loa.posts.db import open_database

    db = folder / "loa.db"
    open_database(f"sqlite:///{db}", create=True).dispose()
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    rng = random.Random(6)
    posts = max(1, entries // 10)
    start = dt.datetime(2024, 9, 30, 17, 0)
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    for cid, (slug, tz) in enumerate((("hoc-tap-suot-doi-2024", "Asia/Ho_Chi_Minh"), ("chuyen-doi-so", "UTC")), 1):
        con.execute("INSERT INTO campaigns (id, slug, name, theme, start_date, end_date, timezone, plan_ref, channels, "
                    "hashtags, banner_theme, source_file, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (cid, slug, f"Chiến dịch {slug}", "Phát triển văn hóa đọc", "2024-10-01", "2025-12-31", tz,
                     "Kế hoạch số 123/KH-SKHCN", '["portal", "facebook"]', '["#HocTapSuotDoi"]', "khuyen-hoc", None,
                     ts(start), ts(start)))
    post_rows, delivery_rows, log = [], [], []

    def entry(at: dt.datetime, kind: str, cid: int, pid: int | None, did: int | None, channel: str | None,
              title: str | None, detail: object, count: int | None = None, place: str | None = None) -> None:
        log.append((ts(at), kind, cid, pid, did, channel, title, count, place,
                    json.dumps(detail, ensure_ascii=False) if detail is not None else None))

    for pid in range(1, posts + 1):
        cid = 1 + pid % 2
        title = rng.choice(TITLES).format(n=pid)
        due = start + dt.timedelta(minutes=37 * pid)
        queued = due - dt.timedelta(days=3)
        post_rows.append((pid, cid, pid, title, "Nội dung " * 40, None, None, ts(due), "done", 1, ts(queued), ts(due)))
        entry(queued, "queued", cid, pid, None, None, title, {"publish_at": due.isoformat() + "+00:00",
                                                               "channels": ["portal", "facebook"]})
        entry(queued, "rendered", cid, pid, None, None, title, {"revision": 1, "files": [
            {"name": name, "channel": channel, "sha256": f"{rng.getrandbits(256):064x}", "size": rng.randint(900, 200_000)}
            for name, channel in (("portal.html", "portal"), ("facebook.txt", "facebook"),
                                  ("banner-portal.png", None), ("banner-facebook.png", None))]})
        entry(queued + dt.timedelta(hours=1), "approved", cid, pid, None, None, title, None)
        for offset, channel in enumerate(("portal", "facebook")):
            did = 2 * pid - 1 + offset
            remote = f"{rng.randint(10**14, 10**15)}_{rng.randint(10**15, 10**16)}" if channel == "facebook" \
                else str(rng.randint(100, 99999))
            link = f"https://www.facebook.com/{remote}" if channel == "facebook" else f"https://sokhcn.cantho.gov.vn/?p={remote}"
            delivery_rows.append((did, pid, channel, "published", ts(due), ts(due), 1, None, None, remote, link, None,
                                  ts(due), ts(due)))
            if rng.random() < 0.25:
                entry(due, "attempt", cid, pid, did, channel, title, {"error": "HTTP 503 from the server",
                                                                       "class": "transient", "attempt": 1,
                                                                       "due_at": due.isoformat() + "Z"})
            entry(due + dt.timedelta(seconds=2), "published", cid, pid, did, channel, title,
                  {"remote_id": remote, "permalink": link, "attempt": 1, "due_at": due.isoformat() + "Z"})
            for hours in (1, 24):
                entry(due + dt.timedelta(hours=hours), "metrics", cid, pid, did, channel, title,
                      {"metrics": {"reactions": rng.randint(0, 300), "comments": rng.randint(0, 40),
                                   "shares": rng.randint(0, 20), "views": None}})
    while len(log) < entries:
        day = start + dt.timedelta(days=rng.randint(0, 400), hours=5)
        entry(day, "offline", 1, None, None, None, "Treo băng rôn, khẩu hiệu tại trụ sở Sở", None, rng.randint(1, 20),
              place="Cần Thơ")
    log = log[:entries]
    con.executemany("INSERT INTO posts (id, campaign_id, seq, title, body, template, banner, publish_at, status, "
                    "revision, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", post_rows)
    con.executemany("INSERT INTO deliveries (id, post_id, channel, status, due_at, available_at, attempts, lease_owner, "
                    "lease_expires_at, remote_id, permalink, last_error, published_at, updated_at) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", delivery_rows)
    con.executemany("INSERT INTO outreach_entries (at, kind, campaign_id, post_id, delivery_id, channel, title, count, "
                    "place, detail) VALUES (?,?,?,?,?,?,?,?,?,?)", log)
    con.execute("COMMIT")
    con.close()
    return folder / "config.toml"


def naive_xlsx(config: Path, target: Path) -> None:
    """The baseline: every entry as an ORM object in a list, then a normal (in-memory) openpyxl workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from sqlalchemy import select

    from loa.posts.db import open_database
    from loa.posts.models import Campaign, OutreachEntry
    from loa.posts.outreach_export import headers
    from loa.posts.times import zone
    from loa.scheduler.config import load_config

    db = open_database(load_config(config).database_url)
    with db.session() as session:
        campaigns = {c.id: c for c in session.scalars(select(Campaign))}
        rows = session.scalars(select(OutreachEntry).order_by(OutreachEntry.at, OutreachEntry.id)).all()
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(headers())
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for e in rows:
            campaign = campaigns.get(e.campaign_id)
            local = e.at.astimezone(zone(campaign.timezone if campaign else "Asia/Ho_Chi_Minh")).replace(tzinfo=None)
            detail = e.detail or {}
            sheet.append([e.id, local, e.at.isoformat(), e.kind, campaign.slug if campaign else None, e.channel,
                          e.post_id, e.delivery_id, e.title, e.count, e.place, detail.get("remote_id"),
                          detail.get("permalink"), detail.get("error"), None,
                          json.dumps(e.detail, ensure_ascii=False) if e.detail is not None else None])
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        workbook.save(target)
    db.dispose()


def library_xlsx(config: Path, target: Path, library: str) -> None:
    """The log's rows, read and made exactly as `loa log export` does, written by ``library`` with typed cells: a
    bold frozen header, column widths, an autofilter, text never a formula, dates as dates."""
    from contextlib import closing

    from loa.posts.db import open_database
    from loa.posts.i18n import t
    from loa.posts.outreach_export import COLUMNS, DATE_FORMAT, flat_row, headers
    from loa.posts.outreach_log import LogFilter, iter_entries
    from loa.posts.spreadsheet import xlsx_text
    from loa.scheduler.config import load_config

    loaded = load_config(config)
    db = open_database(loaded.database_url)
    with db.session() as session, closing(iter_entries(session, LogFilter(), default_timezone=loaded.timezone)) \
            as entries:
        kind_words: dict[str, str] = {}
        rows = ((row, dt.datetime.fromisoformat(row[1])) for row in (flat_row(e, kind_words) for e in entries))
        if library == "openpyxl":
            from openpyxl import Workbook
            from openpyxl.cell import WriteOnlyCell
            from openpyxl.styles import Font, PatternFill
            from openpyxl.utils import get_column_letter

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(t("logcmd.sheet_title"))
            for index, (_, width) in enumerate(COLUMNS, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = width
            sheet.freeze_panes = "A2"
            header = []
            for text in headers():
                cell = WriteOnlyCell(sheet, value=text)
                cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
                header.append(cell)
            sheet.append(header)
            count = 0
            for row, local in rows:
                cells: list[object] = []
                for value in row:
                    if type(value) is str:
                        cell = WriteOnlyCell(sheet, value=xlsx_text(value))
                        cell.data_type = "s"  # never a formula
                        value = cell
                    cells.append(value)
                date = WriteOnlyCell(sheet, value=local)
                date.number_format = DATE_FORMAT
                cells[1] = date
                sheet.append(cells)
                count += 1
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
            workbook.save(target)
        else:
            import xlsxwriter

            workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_formulas": False,
                                                         "strings_to_numbers": False, "strings_to_urls": False})
            sheet = workbook.add_worksheet(t("logcmd.sheet_title"))
            bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
            date_format = workbook.add_format({"num_format": DATE_FORMAT})
            for index, (_, width) in enumerate(COLUMNS):
                sheet.set_column(index, index, width)
            sheet.freeze_panes(1, 0)
            sheet.write_row(0, 0, headers(), bold)
            write_string, write_number = sheet.write_string, sheet.write_number
            number = 0
            for number, (row, local) in enumerate(rows, start=1):
                row[1] = None
                for column, value in enumerate(row):
                    if type(value) is str:
                        write_string(number, column, xlsx_text(value))
                    elif type(value) is int:
                        write_number(number, column, value)
                sheet.write_datetime(number, 1, local, date_format)  # same row: constant_memory keeps it
            sheet.autofilter(0, 0, number, len(COLUMNS) - 1)
            workbook.close()
    db.dispose()


def child(mode: str, config: Path, target: Path) -> None:
    """One measurement in this (fresh) process; prints seconds and peak RSS as JSON."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import loa.scheduler.cli  # noqa: F401 - start-up imports are part of every mode, the idle one included

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    if mode == "naive-xlsx":
        naive_xlsx(config, target)
    elif mode in ("openpyxl-xlsx", "xlsxwriter-xlsx"):
        library_xlsx(config, target, mode.split("-")[0])
    elif mode != "idle":
        from loa.scheduler.cli import cli

        try:
            cli.main(args=["--config", str(config), "log", "export", "--format", mode, "-o", str(target)])
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
                      "peak_mb": peak_rss_mb(), "bytes": target.stat().st_size if target.exists() else 0}))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child would
    report its parent's peak (the parent built the database in memory) when that is higher."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def calibration() -> float:
    """Seconds of CPU for sum(i*i) over ten million numbers: compare figures from different machines with it."""
    started = time.process_time()
    sum(i * i for i in range(10_000_000))
    return time.process_time() - started


def measure(mode: str, config: Path, target: Path) -> dict[str, float]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # .pyc files, as users have
    result = subprocess.run([sys.executable, __file__, "--child", mode, str(config), str(target)],
                            capture_output=True, text=True, check=False, env=environment)
    if result.returncode != 0:
        raise RuntimeError(f"{mode}: {result.stderr[-800:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=ENTRIES)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--naive", action="store_true", help="add the (slow) naive baseline")
    parser.add_argument("--only", help="these modes only, comma-separated (csv, jsonl, xlsx, openpyxl-xlsx, "
                                       "xlsxwriter-xlsx, naive-xlsx)")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CONFIG", "TARGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, config, target = args.child
        child(mode, Path(config), Path(target))
        return
    folder = args.keep or Path(tempfile.mkdtemp(prefix="loa-bench-log-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        config = build(folder, args.entries)
        print(f"log export: {args.entries:,} entries built in {time.perf_counter() - t0:.1f} s ({folder})")
        root = Path(__file__).resolve().parent.parent
        compileall.compile_dir(root / "posts", quiet=1)  # bytecode cached before timing, as on a user's machine
        compileall.compile_dir(root / "scheduler", quiet=1)
        idle = measure("idle", config, folder / "none")
        print(f"  {'idle':<16} {'(imports only)':>29}   peak RSS {idle['peak_mb']:6.1f} MB")
        print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (wall times stretch when the"
              f" CPUs are shared; CPU seconds less so); speed: {calibration():.2f} s for a fixed pure-Python loop")
        modes = ["csv", "jsonl", "xlsx", "openpyxl-xlsx"]
        if importlib.util.find_spec("xlsxwriter") is not None:
            modes.append("xlsxwriter-xlsx")
        else:
            print("  xlsxwriter-xlsx: XlsxWriter is not installed (pip install -e '.[bench]'); left out")
        modes += ["naive-xlsx"] if args.naive else []
        if args.only:
            modes = [mode for mode in args.only.split(",") if mode]
        figures = {}
        for mode in modes:
            extension = "xlsx" if mode.endswith("xlsx") else mode
            figures[mode] = figure = measure(mode, config, folder / f"log-{mode}.{extension}")
            print(f"  {mode:<16} {figure['seconds']:6.2f} s wall {figure['cpu_s']:6.2f} s CPU"
                  f"   peak RSS {figure['peak_mb']:6.1f} MB"
                  f"   ({figure['peak_mb'] - idle['peak_mb']:+.1f} MB over idle)   {figure['bytes'] / 1e6:6.1f} MB file")
        load = os.getloadavg()[0]
        print(f"  load average after the run: {load:.1f} on {os.cpu_count()} CPUs")
        if "xlsx" not in figures:
            return
        xlsx = figures["xlsx"]
        ok_time, ok_memory = xlsx["seconds"] <= XLSX_TARGET_S, xlsx["peak_mb"] <= MEMORY_TARGET_MB
        print(f"  target XLSX <= {XLSX_TARGET_S:.0f} s: {'met' if ok_time else 'MISSED'} ({xlsx['seconds']:.1f} s wall, "
              f"{xlsx['cpu_s']:.1f} s CPU); peak memory <= {MEMORY_TARGET_MB:.0f} MB: "
              f"{'met' if ok_memory else 'MISSED'} ({xlsx['peak_mb']:.0f} MB)")
        base = figures.get("openpyxl-xlsx")
        if base is None or args.entries != ENTRIES:
            return
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from table import save_row

        others = "; ".join(f"{mode} {f['seconds']:.1f} s, {f['peak_mb']:.0f} MB" for mode, f in figures.items()
                           if mode in ("xlsxwriter-xlsx", "naive-xlsx"))
        note = f"CPU {xlsx['cpu_s']:.1f} s (openpyxl {base['cpu_s']:.1f} s); load {load:.1f}" + \
            (f"; {others}" if others else "")
        save_row("log export xlsx, 100,000 entries", f"{xlsx['seconds']:.1f} s",
                 f"{base['seconds']:.1f} s (openpyxl write-only + lxml, same rows)", f"<= {XLSX_TARGET_S:.0f} s",
                 ok_time, note)
        save_row("log export xlsx, peak memory", f"{xlsx['peak_mb']:.0f} MB",
                 f"{base['peak_mb']:.0f} MB (openpyxl write-only + lxml, same rows)",
                 f"<= {MEMORY_TARGET_MB:.0f} MB", ok_memory, f"idle loa {idle['peak_mb']:.0f} MB; load {load:.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
