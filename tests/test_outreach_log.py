"""`loa log`: the outreach log listed with filters, offline activities added by hand, and exports for the office."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import campaign_toml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from loa.posts.errors import UserError
from loa.posts.models import OutreachEntry
from loa.posts.vocabulary import label

HEADERS = ["ID", "Time", "Time (UTC)", "Kind", "Campaign", "Channel", "Post", "Delivery", "Title", "Count", "Unit",
           "Place", "Remote id", "Link", "Error", "Engagement", "By", "Detail (JSON)", "Kind code"]
ENTRY_KEYS = {"id", "at", "at_utc", "kind", "campaign", "post_id", "delivery_id", "channel", "title", "count",
              "place", "detail"}


@pytest.fixture
def logged(project):
    """Two campaigns (Hanoi time and UTC), every post of the first approved and its first post published."""
    project.ok("campaign", "import", str(project.write("a.toml", campaign_toml(
        "tuan-le", start=dt.date(2031, 10, 1), posts=2, post_lines='banner = { headline = "Đọc sách" }'))),
        "--approve")
    project.ok("campaign", "import", str(project.write("b.toml", campaign_toml(
        "khac", start=dt.date(2031, 10, 1), posts=1, extra_campaign='timezone = "UTC"'))))
    first = project.json("queue", "--campaign", "tuan-le")["posts"][0]["id"]
    project.ok("publish", str(first))
    return project


def entries(project, *args):
    return project.json("log", *args)["entries"]


def add_offline(project, *extra, campaign="tuan-le", title="Treo băng rôn tại trụ sở Sở", count="3"):
    return project.ok("log", "add", "--campaign", campaign, "--kind", "offline", "--title", title,
                      "--count", count, *extra)


def test_log_lists_everything_in_a_stable_json_shape(logged):
    everything = entries(logged)
    assert all(set(e) == ENTRY_KEYS for e in everything)
    kinds = [e["kind"] for e in everything]
    for kind in ("imported", "queued", "rendered", "approved", "published"):
        assert kind in kinds
    assert [e["at_utc"] for e in everything] == sorted(e["at_utc"] for e in everything)  # time order
    rendered = next(e for e in everything if e["kind"] == "rendered" and e["campaign"] == "tuan-le")
    files = {f["name"]: f for f in rendered["detail"]["files"]}
    assert {"portal.html", "facebook.txt", "banner-portal.png", "banner-facebook.png"} <= set(files)
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in files.values())
    published = [e for e in everything if e["kind"] == "published"]
    assert {e["channel"] for e in published} == {"portal", "facebook"}
    assert all(e["detail"]["permalink"].startswith("file://") and e["detail"]["remote_id"] for e in published)
    # at is shown in the campaign's timezone, at_utc in UTC
    hanoi = next(e for e in everything if e["campaign"] == "tuan-le")
    utc = next(e for e in everything if e["campaign"] == "khac")
    assert hanoi["at"].endswith("+07:00") and utc["at"].endswith("+00:00") and hanoi["at_utc"].endswith("Z")


def test_filters_by_campaign_channel_kind(logged):
    assert {e["campaign"] for e in entries(logged, "--campaign", "khac")} == {"khac"}
    portal = entries(logged, "--channel", "portal")
    assert portal and {e["channel"] for e in portal} == {"portal"}
    assert [e["kind"] for e in entries(logged, "--kind", "published", "--channel", "facebook")] == ["published"]
    assert len(entries(logged, "--kind", "queued")) == 3
    assert entries(logged, "--kind", "offline") == []


def test_days_are_whole_days_in_the_campaign_timezone(logged):
    for day in ("2031-10-01", "2031-10-02", "2031-10-03"):
        add_offline(logged, "--date", day, title=f"Hoạt động {day}")
    add_offline(logged, "--date", "02/10/2031", campaign="khac", title="UTC")
    # 00:30 on 02/10 in Hanoi is still 01/10 in UTC
    logged.sql("INSERT INTO outreach_entries (at, kind, campaign_id, title) SELECT '2031-10-01 17:30:00.000000', "
               "'note', id, 'Nửa đêm' FROM campaigns WHERE slug='tuan-le'")
    day2 = entries(logged, "--campaign", "tuan-le", "--from", "2031-10-02", "--to", "02/10/2031")
    assert [e["title"] for e in day2] == ["Nửa đêm", "Hoạt động 2031-10-02"]
    assert day2[0]["at"] == "2031-10-02T00:30:00+07:00" and day2[0]["at_utc"] == "2031-10-01T17:30:00Z"
    assert day2[1]["at"] == "2031-10-02T12:00:00+07:00" and day2[1]["at_utc"] == "2031-10-02T05:00:00Z"
    assert [e["title"] for e in entries(logged, "--campaign", "tuan-le", "--kind", "offline",
                                        "--from", "2031-10-03")] == ["Hoạt động 2031-10-03"]
    assert [e["at"] for e in entries(logged, "--campaign", "khac", "--kind", "offline")] == ["2031-10-02T12:00:00+00:00"]


def test_table_for_people(logged):
    add_offline(logged, "--place", "Cần Thơ", "--date", "2031-10-02")
    out = logged.run("log", "--kind", "offline", env={"COLUMNS": "200"}).stdout
    assert "Treo băng rôn tại trụ sở Sở" in out and "02/10/2031 12:00" in out and "offline activity" in out
    assert "1 entries." in out and "Cần Thơ" not in out  # one line per entry: the details are for --long
    long = logged.run("log", "--kind", "offline", "--long", env={"COLUMNS": "200"}).stdout
    assert "tuan-le" in long and "Treo băng rôn tại trụ sở Sở" in long and "Cần Thơ" in long and "count 3" in long
    vi = logged.run("log", "--kind", "offline", "--campaign", "tuan-le", "--long",
                    env={"LOA_LANG": "vi", "COLUMNS": "200"}).stdout
    assert "tuan-le" not in vi  # one campaign: not named on every entry
    assert "hoạt động trực tiếp" in vi and "1 mục." in vi
    assert "No log entries match." in logged.ok("log", "--kind", "missed").stdout
    assert "Records an offline activity" in logged.ok("log", "add", "--help").stdout
    assert "Nhật ký truyền thông" in logged.run("log", "--help", env={"LOA_LANG": "vi"}).stdout


def test_unknown_names_and_bad_dates_are_one_line_errors(logged):
    message = logged.fails("log", "--kind", "publish")
    assert message.startswith("error: --kind: there is no 'publish'") and 'did you mean "published"' in message
    assert "--campaign" in logged.fails("log", "--campaign", "khong-co")
    assert "--channel" in logged.fails("log", "--channel", "zalo")
    assert "--from" in logged.fails("log", "--from", "31/02/2031")
    assert "--to" in logged.fails("log", "--from", "2031-10-02", "--to", "2031-10-01")


def png(path: Path, colour: str = "red", fmt: str = "PNG") -> Path:
    Image.new("RGB", (40, 30), colour).save(path, format=fmt)
    return path


def test_add_an_offline_activity_with_a_photo(logged):
    photo = png(logged.root / "bang-ron.png")
    result = add_offline(logged, "--place", "Trụ sở Sở", "--date", "2031-10-02", "--photo", str(photo))
    assert "Recorded entry" in result.stdout
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    row = logged.sql("SELECT o.kind, c.slug, o.title, o.count, o.place, o.at, o.detail, o.post_id FROM "
                     "outreach_entries o JOIN campaigns c ON c.id = o.campaign_id WHERE o.kind = 'offline'")
    assert len(row) == 1
    kind, slug, title, count, place, at, detail, post_id = row[0]
    assert (kind, slug, title, count, place, post_id) == ("offline", "tuan-le", "Treo băng rôn tại trụ sở Sở", 3,
                                                           "Trụ sở Sở", None)
    assert at == "2031-10-02 05:00:00.000000"  # noon in Hanoi, stored in UTC
    assert json.loads(detail) == {"photo": f"log-photos/{digest}.png", "photo_sha256": digest}
    stored = logged.root / "var" / "media" / "log-photos" / f"{digest}.png"
    assert stored.read_bytes() == photo.read_bytes()
    # the same photo again: one file, two entries; a JPEG keeps its own extension
    add_offline(logged, "--photo", str(photo), title="Lần hai")
    jpeg = png(logged.root / "hoi-sach.jpeg", "blue", "JPEG")
    shown = logged.json("log", "add", "--campaign", "tuan-le", "--kind", "note", "--title", "Hội sách",
                        "--photo", str(jpeg))
    assert shown["detail"]["photo"].endswith(".jpg") and shown["count"] is None
    assert sorted(p.suffix for p in stored.parent.iterdir()) == [".jpg", ".png"]


def test_add_defaults_to_today_in_the_campaign_timezone(logged):
    add_offline(logged, campaign="khac", count="0")
    (at, count), = logged.sql("SELECT at, count FROM outreach_entries WHERE kind = 'offline'")
    today = dt.datetime.now(ZoneInfo("UTC")).date()
    assert count == 0 and at == f"{today.isoformat()} 12:00:00.000000"


def test_add_refuses_bad_input_and_writes_nothing(logged):
    before = logged.counts()
    not_image = logged.write("gia-anh.png", "đây không phải ảnh")
    truncated = logged.root / "cut.png"
    truncated.write_bytes(png(logged.root / "full.png").read_bytes()[:60])
    photo = png(logged.root / "ok.png")
    assert "is not an image" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--count", "1",
                                             "--photo", str(not_image))
    assert "--photo" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--count", "1",
                                     "--photo", str(truncated))
    assert "--photo" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--count", "1",
                                     "--photo", str(logged.root / "missing.png"))
    for count in ("-1", "ba", "1.5", str(2**31)):
        assert "--count" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--count", count,
                                         "--photo", str(photo))
    assert "--count" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--photo", str(photo))
    for day in ("31/02/2031", "2031-13-01", "hôm nay", "9999-01-01"):
        assert "--date" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "t", "--count", "1",
                                        "--date", day, "--photo", str(photo))
    assert "--kind" in logged.fails("log", "add", "--campaign", "tuan-le", "--kind", "published", "--title", "t")
    assert "--campaign" in logged.fails("log", "add", "--campaign", "khong-co", "--title", "t", "--count", "1",
                                        "--photo", str(photo))
    assert "--title" in logged.fails("log", "add", "--campaign", "tuan-le", "--title", "  ", "--count", "1")
    assert logged.counts() == before
    assert not (logged.root / "var" / "media" / "log-photos").exists()


def offline_entries(project):
    add_offline(project, "--place", "Cần Thơ", "--date", "2031-10-02")
    add_offline(project, "--date", "2031-10-03", title="=HYPERLINK(\"http://x\")", count="12")


def test_csv_export_has_a_bom_and_the_listed_entries(logged):
    offline_entries(logged)
    target = logged.root / "nhat-ky.csv"
    result = logged.ok("log", "export", "--format", "csv", "-o", str(target))
    listed = entries(logged)
    assert f"Exported {len(listed)} entries" in result.stdout
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == HEADERS and len(rows) == len(listed) + 1
    by_id = {int(r[0]): dict(zip(HEADERS, r)) for r in rows[1:]}
    for entry in listed:
        row = by_id[entry["id"]]
        assert row["Kind code"] == entry["kind"] and row["Time (UTC)"] == entry["at_utc"]
        assert row["Kind"] == label("kind", entry["kind"])  # the word a person reads, "offline activity"
        assert row["Time"] == entry["at"][:19].replace("T", " ")
        assert json.loads(row["Detail (JSON)"] or "null") == entry["detail"]
    published = next(r for r in by_id.values() if r["Kind code"] == "published")
    assert published["Link"].startswith("file://") and published["Remote id"]
    offline = [r for r in by_id.values() if r["Kind code"] == "offline"]
    assert offline[0]["Title"] == "Treo băng rôn tại trụ sở Sở" and offline[0]["Count"] == "3"
    assert offline[1]["Title"] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet must not run it


def test_xlsx_export_is_typed_and_styled(logged):
    offline_entries(logged)
    target = logged.root / "nhat-ky.xlsx"
    logged.ok("log", "export", "--format", "xlsx", "-o", str(target), "--campaign", "tuan-le")
    listed = entries(logged, "--campaign", "tuan-le")
    sheet = load_workbook(target).active
    header = next(sheet.iter_rows(max_row=1))
    assert [c.value for c in header] == HEADERS and all(c.font.bold for c in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:S{len(listed) + 1}"
    assert sheet.column_dimensions["I"].width >= 40 and sheet.column_dimensions["A"].width < 12
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(listed)
    for cells, entry in zip(rows, listed):
        values = dict(zip(HEADERS, cells))
        assert values["ID"].value == entry["id"] and values["ID"].data_type == "n"
        moment = values["Time"].value
        assert isinstance(moment, dt.datetime) and values["Time"].number_format == "dd/mm/yyyy hh:mm"
        assert moment == dt.datetime.fromisoformat(entry["at"]).replace(tzinfo=None)
    offline = [dict(zip(HEADERS, c)) for c in rows if c[18].value == "offline"]
    assert offline[0]["Kind"].value == label("kind", "offline") != "offline"
    assert offline[0]["Count"].value == 3 and offline[0]["Count"].data_type == "n"
    assert offline[0]["Time"].value == dt.datetime(2031, 10, 2, 12, 0)
    assert offline[1]["Title"].value == "=HYPERLINK(\"http://x\")" and offline[1]["Title"].data_type == "s"


def test_jsonl_export_is_the_json_listing(logged):
    offline_entries(logged)
    target = logged.root / "nhat-ky.jsonl"
    logged.ok("log", "export", "--format", "jsonl", "-o", str(target), "--kind", "offline")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == entries(logged, "--kind", "offline")
    assert len(lines) == 2


def test_export_writes_whole_files_or_nothing(logged):
    folder = logged.root / "out"
    folder.mkdir()
    target = folder / "log.csv"
    target.write_text("cũ", encoding="utf-8")
    assert "-o" in logged.fails("log", "export", "--format", "csv", "-o", str(logged.root / "missing" / "x.csv"))
    assert "-o" in logged.fails("log", "export", "--format", "xlsx", "-o", str(folder))
    assert "--format" in logged.fails("log", "export", "--format", "pdf", "-o", str(target))
    assert "--campaign" in logged.fails("log", "export", "--format", "csv", "-o", str(target), "--campaign", "x")
    assert "--kind" in logged.fails("log", "export", "--format", "xlsx", "-o", str(target), "--kind", "x")
    assert target.read_text(encoding="utf-8") == "cũ" and sorted(p.name for p in folder.iterdir()) == ["log.csv"]
    logged.ok("log", "export", "--format", "csv", "-o", str(target))  # an old export is replaced whole
    assert target.read_bytes().startswith(b"\xef\xbb\xbfID,") and sorted(p.name for p in folder.iterdir()) == ["log.csv"]


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
TITLES = st.text(alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + " 0123456789,.;:!?-–'\"=+@()/\n#%&<>"
                                          + "漢字🙂\r\t\x00\x01\x1f\x85\u2028\uffff&"), min_size=1, max_size=80)


@pytest.fixture
def database(tmp_path):
    from loa.posts.db import open_database
    from loa.posts.models import Campaign

    db = open_database(f"sqlite:///{tmp_path / 'loa.db'}", create=True)
    with db.transaction() as session:
        session.add(Campaign(slug="tuan-le", name="Tuần lễ", start_date=dt.date(2031, 10, 1),
                             end_date=dt.date(2031, 10, 7), timezone="Asia/Ho_Chi_Minh", channels=["portal"],
                             hashtags=[]))
    yield db
    db.dispose()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TITLES)
@example(title="\x01\x02")  # nothing left for the spreadsheet
@example(title="=1+1 & <b> \r\n  x")
def test_vietnamese_titles_round_trip_through_every_format(database, tmp_path, title):
    from loa.posts.outreach_export import export_log
    from loa.posts.outreach_log import LogFilter, iter_entries
    from loa.posts.outreach_manual import add_manual_entry

    expected = unicodedata.normalize("NFC", title.strip())
    if not expected:  # nothing but blanks: refused, naming the option, and nothing recorded
        with database.session() as session:
            before = session.scalar(select(func.count()).select_from(OutreachEntry))
        with pytest.raises(UserError) as refused:
            add_manual_entry(database, campaign="tuan-le", kind="note", title=title, day="2031-10-02",
                             media_dir=tmp_path / "media")
        assert refused.value.where == "--title"
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(OutreachEntry)) == before
        return
    from loa.posts.plain_text import problem

    def add() -> dict:
        return add_manual_entry(database, campaign="tuan-le", kind="note", title=title, day="2031-10-02",
                                media_dir=tmp_path / "media")

    if problem(title) is None:
        added = add()
    else:  # control characters are refused at input (issue 10); a database from before may hold them still
        with pytest.raises(UserError):
            add()
        with database.transaction() as session:
            entry = OutreachEntry(at=dt.datetime(2031, 10, 2, 5, tzinfo=dt.timezone.utc), kind="note",
                                  campaign_id=1, title=expected)
            session.add(entry)
            session.flush()
            added = {"id": entry.id, "title": expected}
    assert added["title"] == expected
    chosen = LogFilter(campaign="tuan-le", kind="note")
    read: dict[str, object] = {}
    for fmt in ("csv", "xlsx", "jsonl"):
        target = tmp_path / f"log.{fmt}"
        with database.session() as session:
            export_log(iter_entries(session, chosen, default_timezone="UTC"), fmt, target)
        if fmt == "csv":
            with open(target, encoding="utf-8-sig", newline="") as stream:  # as csv wants it: no newline changes
                rows = list(csv.reader(stream))
            read[fmt] = {int(r[0]): r[8] for r in rows[1:]}[added["id"]]
        elif fmt == "xlsx":
            sheet = load_workbook(target, read_only=True).active
            # a row ends at its last cell: one whose title was all control characters ends before the title
            read[fmt] = {r[0]: r[8] if len(r) > 8 else None for r in sheet.iter_rows(min_row=2, values_only=True)}[added["id"]]
        else:
            lines = [json.loads(line) for line in target.read_bytes().decode("utf-8").splitlines()]
            read[fmt] = {e["id"]: e["title"] for e in lines}[added["id"]]
    guarded = "'" + expected if expected.startswith(("=", "+", "-", "@")) else expected
    # XML 1.0 has no place for most control characters: the spreadsheet drops them (tab, CR and LF stay)
    printable = "".join(c for c in expected if (c in "\t\r\n" or ord(c) >= 32) and c not in "\ufffe\uffff")
    assert read == {"csv": guarded, "xlsx": printable or None, "jsonl": expected}


def test_log_streams_from_postgresql_in_partitions(bare, postgres):
    """On PostgreSQL the entries come through a server-side cursor, a partition at a time; all of them arrive."""
    from sqlalchemy import create_engine

    from loa.scheduler.config import config_template

    url = postgres.create_database("loa_test_outreach_log")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    bare.ok("campaign", "import", str(bare.write("a.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))))
    add_offline(bare, "--date", "2031-10-02")
    engine = create_engine(url)
    with engine.begin() as connection:  # 2,500 notes: more than two partitions of the stream
        connection.exec_driver_sql(
            "INSERT INTO outreach_entries (at, kind, campaign_id, title) SELECT TIMESTAMP '2031-10-03 01:00' + "
            "n * INTERVAL '1 second', 'note', (SELECT id FROM campaigns), 'Ghi chú ' || n FROM generate_series(1, 2500) n")
    engine.dispose()
    notes = entries(bare, "--kind", "note")
    assert [n["title"] for n in notes] == [f"Ghi chú {n}" for n in range(1, 2501)]
    assert notes[0]["at"] == "2031-10-03T08:00:01+07:00"
    offline = entries(bare, "--kind", "offline")
    assert offline[0]["at_utc"] == "2031-10-02T05:00:00Z" and offline[0]["count"] == 3
    target = bare.root / "log.xlsx"
    bare.ok("log", "export", "--format", "xlsx", "-o", str(target), "--from", "2031-10-03")
    rows = list(load_workbook(target, read_only=True).active.iter_rows(min_row=2, values_only=True))
    assert [r[8] for r in rows] == [f"Ghi chú {n}" for n in range(1, 2501)]
