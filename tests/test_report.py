"""`loa report`: the official report (DOCX in the Decree 30 format, XLSX, HTML), its figures taken from the log."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import campaign_toml
from support.organization import fill_organization
from support.outreach_log import seed
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from loa.posts.db import open_database
from loa.posts.models import Campaign, Delivery, Post
from loa.posts.outreach import record
from loa.posts.times import iso_utc
from loa.scheduler.config import config_template
from loa.scheduler.report.figures import METRICS, compute_figures

SLUG = "tuan-le"
START = dt.date(2031, 10, 1)
TNR = "Times New Roman"
XSS_TITLE = '<b>Sách & "báo"</b>'


def report(project, *args: str, lang: str = "vi") -> Path:
    out = project.root / f"out-{len(list(project.root.glob('out-*')))}"
    fmt = args[args.index("--format") + 1] if "--format" in args else "docx"
    path = out.with_suffix(f".{fmt}")
    project.ok("--lang", lang, "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08", *args)
    return path


@pytest.fixture
def campaign(project):
    path = project.write("c.toml", campaign_toml(SLUG, start=START, posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    fill_organization(project.config)  # the shipped config.toml holds placeholders, which a report refuses
    return project


def texts(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def all_runs(document):
    for paragraph in document.paragraphs:
        yield from paragraph.runs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield from paragraph.runs


# ------------------------------------------------------------------------------------------------ DOCX layout


def test_docx_page_setup_fonts_and_body(campaign):
    seed(campaign)
    document = Document(report(campaign))
    section = document.sections[0]
    mm = {name: round(getattr(section, name).mm, 1) for name in (
        "page_width", "page_height", "top_margin", "bottom_margin", "left_margin", "right_margin")}
    assert (mm["page_width"], mm["page_height"]) == (210, 297)  # A4 portrait (twips round to 0.02 mm)
    # Decree 30/2020/NĐ-CP as README states it: exactly 20/20/30/15 mm (twips round to 0.1 mm here)
    assert (mm["top_margin"], mm["bottom_margin"], mm["left_margin"], mm["right_margin"]) == (20, 20, 30, 15)
    runs = list(all_runs(document))
    assert runs
    for run in runs:  # Times New Roman for every script, so Vietnamese never falls back to another font
        fonts = run._element.rPr.rFonts
        assert {fonts.get(qn(f"w:{s}")) for s in ("ascii", "hAnsi", "eastAsia", "cs")} == {TNR}, run.text
    normal = document.styles["Normal"]
    assert normal.font.name == TNR and normal.element.rPr.rFonts.get(qn("w:eastAsia")) == TNR
    body = [p for p in document.paragraphs if p.text.startswith(("Căn cứ", "Đã đăng", "Về tiến độ"))]
    assert len(body) == 3
    for paragraph in body:
        fmt = paragraph.paragraph_format
        assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert round(fmt.first_line_indent.cm, 2) == 1.27 and fmt.space_after == Pt(6)
        assert [run.font.size for run in paragraph.runs] == [Pt(14)] * len(paragraph.runs)
    placeholder = next(r for r in runs if r.text.startswith("[Đánh giá của đơn vị"))
    assert placeholder.font.highlight_color is not None  # the officer's own words: a marked place


def test_docx_header_block(campaign):
    document = Document(report(campaign))
    header = document.tables[0]
    assert not header._tbl.xpath("./w:tblPr/w:tblBorders/*[@w:val!='nil']")  # borderless
    left = [p for p in header.cell(0, 0).paragraphs]
    right = [p for p in header.cell(0, 1).paragraphs]
    parent, agency, left_rule = left
    # 13 pt, broken between words by the report itself (tests/test_report_print.py checks the printed lines)
    assert parent.text == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ CẦN THƠ" and parent.text.isupper()
    assert parent.runs[0].font.size == Pt(13) and not parent.runs[0].font.bold
    assert agency.text == "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and agency.runs[0].font.bold
    assert agency.runs[0].font.size == Pt(13)
    motto, slogan, right_rule = right
    assert motto.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and motto.runs[0].font.bold
    assert motto.runs[0].font.size == Pt(12)
    assert slogan.text == "Độc lập - Tự do - Hạnh phúc" and slogan.runs[0].font.bold
    assert slogan.runs[0].font.size == Pt(13)
    for rule in (left_rule, right_rule):  # the short lines under the agency and the slogan
        assert rule.text == "" and rule._p.xpath("./w:pPr/w:pBdr/w:bottom[@w:val='single']")
        assert rule.paragraph_format.left_indent == rule.paragraph_format.right_indent > 0  # short and centred
    assert header.cell(1, 0).text == "Số: …/BC-SKHCN"
    date = header.cell(1, 1).paragraphs[0]
    assert date.text == "Cần Thơ, ngày 08 tháng 10 năm 2031" and date.runs[0].font.italic
    title, summary = [p for p in document.paragraphs if p.text][:2]
    assert title.text == "BÁO CÁO" and title.runs[0].font.bold and title.runs[0].font.size == Pt(14)
    assert summary.text == "Kết quả thực hiện Kế hoạch tuyên truyền Tuần lễ hưởng ứng học tập suốt đời"
    assert summary.runs[0].font.bold
    closing = document.tables[-1]
    recipients = closing.cell(0, 0).paragraphs
    assert recipients[0].text == "Nơi nhận:" and recipients[0].runs[0].font.bold and recipients[0].runs[0].font.italic
    assert recipients[0].runs[0].font.size == Pt(12)
    lines = [p.text for p in recipients[1:]]
    assert lines[0] == "- UBND thành phố Cần Thơ (để báo cáo);" and lines[-1] == "- Lưu: VT, …."
    assert all(p.runs[0].font.size == Pt(11) for p in recipients[1:])
    signer = [p.text for p in closing.cell(0, 1).paragraphs if p.text]
    assert signer == ["GIÁM ĐỐC", "Ngô Anh Tín"]


@pytest.mark.parametrize("typed, expected", [
    ("08/10/2024", "Cần Thơ, ngày 08 tháng 10 năm 2024"),
    ("2025-02-05", "Cần Thơ, ngày 05 tháng 02 năm 2025"),
    ("15/12/2024", "Cần Thơ, ngày 15 tháng 12 năm 2024"),
    ("2024-01-31", "Cần Thơ, ngày 31 tháng 01 năm 2024"),
    ("2024-03-01", "Cần Thơ, ngày 01 tháng 3 năm 2024"),
])
def test_date_line_is_zero_padded_as_decree_30_says(campaign, typed, expected):
    path = campaign.root / "r.docx"
    campaign.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", typed)
    assert Document(path).tables[0].cell(1, 1).text == expected


def test_report_date_defaults_to_today_in_the_campaign_timezone(campaign):
    campaign.ok("report", "--campaign", SLUG)  # no -o: var/reports/ next to config.toml
    path = campaign.root / "var" / "reports" / f"{SLUG}-bao-cao.docx"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    assert Document(path).tables[0].cell(1, 1).text == f"Cần Thơ, {today.day:02d} {today:%B} {today.year}"


# ------------------------------------------------------------------------------------------------ figures


def count(project, kind: str, channel: str | None = None) -> int:
    query = "SELECT count(*) FROM outreach_entries WHERE kind = ?" + (" AND channel = ?" if channel else "")
    return project.sql(query, *([kind, channel] if channel else [kind]))[0][0]


def test_docx_figures_match_the_log(campaign):
    seed(campaign)
    document = Document(report(campaign))
    text = texts(document)
    published = count(campaign, "published")
    portal, facebook = count(campaign, "published", "portal"), count(campaign, "published", "facebook")
    assert (published, portal, facebook) == (3, 2, 1)
    assert (f"Đã đăng {published} lượt tin, bài (2 tin, bài) trên 2 kênh (Trang Facebook: {facebook}; "
            f"Cổng thông tin điện tử: {portal}).") in text  # channels by the names people read
    per_day = document.tables[1]
    rows = [[cell.text for cell in row.cells] for row in per_day.rows]
    assert rows[0] == ["Ngày", "Trang Facebook", "Cổng thông tin điện tử", "Tổng cộng", "Lượt tương tác"]
    assert rows[1] == ["01/10/2031", "1", "1", "2", "17"]
    assert rows[2] == ["02/10/2031", "0", "1", "1", "không có số liệu"]  # posts, but no figures read
    assert rows[-1] == ["Tổng cộng", str(facebook), str(portal), str(published), "17"]
    assert len(rows) == 1 + 2 + 1  # only the days with publications: the 5 quiet days are left out, and said so
    assert "Những ngày không có tin, bài đăng không liệt kê trong bảng." in text
    assert len(document.inline_shapes) == 2  # publications per day and channel; interactions and reach
    assert "Biểu đồ 1. Số lượt tin, bài đã đăng theo ngày và theo kênh" in text
    assert "Biểu đồ 2. Lượt tương tác và lượt tiếp cận theo ngày" in text
    links = document.tables[2]
    cells = [[cell.text for cell in row.cells] for row in links.rows]
    assert cells[0] == ["STT", "Thời gian đăng", "Kênh", "Tiêu đề", "Liên kết", "Lượt tương tác", "Lượt tiếp cận",
                        "Người duyệt"]  # the approver: tests/test_review.py
    permalinks = {row[0] for row in campaign.sql(
        "SELECT json_extract(detail, '$.permalink') FROM outreach_entries WHERE kind = 'published'")}
    assert {row[4] for row in cells[1:]} == permalinks
    assert cells[1][1:4] == ["08:01 01/10/2031", "Cổng thông tin điện tử", "Bài số 1"] and cells[1][5:7] == ["4", "không có số liệu"]
    assert cells[2][5:7] == ["13", "500"]  # the latest snapshot (24 h), not the first
    # reach and interactions: known ones summed, the others never counted as 0
    assert "- Tổng lượt tương tác (cảm xúc, bình luận, chia sẻ): 17 (số liệu của 2/3 lượt đăng);" in text
    assert "- Lượt tiếp cận: 500 (số liệu của 1/3 lượt đăng);" in text
    assert "- Lượt xem: không có số liệu;" in text
    assert "- Lượt bày tỏ cảm xúc: 10 (số liệu của 1/3 lượt đăng);" in text
    # offline activities with their counts, from the same log
    offline = document.tables[3]
    assert [[c.text for c in row.cells] for row in offline.rows][1:] == [
        ["1", "01/10/2031", "Treo băng rôn tại trụ sở Sở", "Trụ sở Sở", "3"], ["2", "02/10/2031", "Hội sách", "–", "1"]]
    offline_total = campaign.sql("SELECT sum(count) FROM outreach_entries WHERE kind = 'offline'")[0][0]
    # seeded without units: one group, never called a total of anything
    assert f"Đã tổ chức 2 hoạt động tuyên truyền trực tiếp (số lượng: {offline_total} chưa ghi đơn vị):" in text
    # the assessment: on time is within 60 s of due_at (due_at from the deliveries table for old entries)
    assert ("Về tiến độ: 2/3 lượt tin, bài (66,7%) được đăng đúng lịch (trong vòng 60 giây so với giờ đã định); "
            "1 lượt đăng trễ.") in text
    failed = count(campaign, "failed")
    assert f"Đăng không thành công: {failed} lượt (Trang Facebook: {failed}), với các nguyên nhân:" in text
    assert "- HTTP 500: lỗi máy chủ: 1;" in text and "- token hết hạn: 1;" in text
    assert f"Quá hạn, không đăng: {count(campaign, 'missed')} lượt" in text
    assert "- quá hạn quá thời gian cho phép: 1;" in text
    assert f"Số lần phải đăng lại do lỗi tạm thời: {count(campaign, 'attempt')}." in text


def test_a_campaign_with_nothing_published_still_reports(campaign):
    document = Document(report(campaign))
    text = texts(document)
    assert "Chưa có tin, bài nào được đăng trong thời gian thực hiện chiến dịch." in text
    assert "Chưa ghi nhận hoạt động tuyên truyền trực tiếp nào." in text
    assert len(document.inline_shapes) == 0 and len(document.tables) == 2  # header block and signature only
    assert "[Đánh giá của đơn vị" in text


def test_the_report_follows_the_language(campaign):
    seed(campaign)
    text = texts(Document(report(campaign, lang="en")))
    assert "3 publications (2 posts) on 2 channels (Facebook Page: 1; Web portal: 2)." in text
    assert "- Views: unavailable;" in text


# ------------------------------------------------------------------------------------------------ XLSX, HTML


def test_xlsx_summary_and_detail_sheets(campaign):
    seed(campaign)
    workbook = load_workbook(report(campaign, "--format", "xlsx"))
    assert workbook.sheetnames == ["Tổng hợp", "Chi tiết"]
    summary, detail = workbook["Tổng hợp"], workbook["Chi tiết"]
    for sheet in (summary, detail):
        assert sheet.freeze_panes == "A2" and all(cell.font.bold for cell in sheet[1] if cell.value is not None)
    values = {row[0]: row[1] for row in summary.iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert values["Lượt tin, bài đã đăng"] == count(campaign, "published") == 3
    assert values["Lượt tin, bài đã đăng – Cổng thông tin điện tử"] == 2 and values["Đăng đúng lịch"] == 2
    assert values["Đăng không thành công"] == count(campaign, "failed")
    assert values["Lượt xem"] == "không có số liệu" and values["Lượt tiếp cận"] == 500
    day_one = [row for row in summary.iter_rows(values_only=True) if row[0] == dt.datetime(2031, 10, 1)]
    assert day_one[0][:5] == (dt.datetime(2031, 10, 1), 1, 1, 2, 17)  # the per-day table: dates are dates
    assert day_one[1][:4] == (dt.datetime(2031, 10, 1), "Treo băng rôn tại trụ sở Sở", "Trụ sở Sở", 3)
    rows = list(detail.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3 and detail.auto_filter.ref == "A1:N4"  # N: the approver (tests/test_review.py)
    first = rows[0]
    assert first[0] == dt.datetime(2031, 10, 1, 8, 1, 5) and first[2] == 5 and first[3] == "Có"  # never TRUE
    assert first[4:7] == ("Cổng thông tin điện tử", "Bài số 1", rows[0][6]) and first[6].startswith("https://")
    assert first[7] == "không có số liệu" and first[8] == 4  # reactions unavailable, comments 4


def test_html_is_self_contained_with_the_figures_and_escaped_titles(campaign):
    campaign.ok("post", "edit", "1", "--title", XSS_TITLE)
    seed(campaign)
    page = report(campaign, "--format", "html").read_text(encoding="utf-8")
    assert "Đã đăng 3 lượt tin, bài (2 tin, bài)" in page
    assert "&lt;b&gt;Sách &amp; &quot;báo&quot;&lt;/b&gt;" in page and XSS_TITLE not in page
    assert re.search(r'<img alt="[^"]*" src="data:image/png;base64,[A-Za-z0-9+/=]{500,}">', page)
    assert "<mark>[Đánh giá của đơn vị" in page and "Cần Thơ, ngày 08 tháng 10 năm 2031" in page
    assert not re.search(r'(src|href)="(?!data:|https://portal\.example\.vn/)', page)  # nothing to fetch
    assert report(campaign, "--format", "html").read_bytes() == page.encode("utf-8")  # same log, same bytes


# ------------------------------------------------------------------------------------------------ bad input


def test_unknown_campaign(campaign):
    message = campaign.fails("report", "--campaign", "khong-co")
    assert message.startswith("error: --campaign:") and "khong-co" in message
    assert not (campaign.root / "var" / "reports").exists()


@pytest.mark.parametrize("args, where", [
    (["--format", "pdf"], "--format"),
    (["--date", "31/02/2031"], "--date"),
    (["-o", "{root}/missing/r.docx"], "-o"),
    (["-o", "{root}/config.toml/r.docx"], "-o"),  # a file where a folder should be
    (["-o", "{root}/var"], "-o"),  # a folder where the file should be
])
def test_bad_arguments_write_nothing(campaign, args, where):
    before = sorted(p.name for p in campaign.root.rglob("*"))
    args = [a.format(root=campaign.root) for a in args]
    message = campaign.fails("report", "--campaign", SLUG, *args)
    assert where in message
    assert sorted(p.name for p in campaign.root.rglob("*")) == before


def test_an_unwritable_output_leaves_the_old_file(campaign, monkeypatch):
    path = campaign.root / "r.docx"
    path.write_bytes(b"old")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    # patched: root (as in CI) writes through any permission bits; a real read-only file system is in
    # test_real_faults.py, this keeps the EACCES path covered where no mount is possible
    monkeypatch.setattr("loa.scheduler.report.write_atomically", refuse)
    message = campaign.fails("report", "--campaign", SLUG, "-o", str(path))
    assert message.startswith("error: -o:") and "no permission to write here" in message
    assert path.read_bytes() == b"old" and not list(campaign.root.glob(".loa-tmp-*"))


# ------------------------------------------------------------------------------------------------ the real path


def test_sample_campaign_published_through_loa_publish(project):
    sample = Path(__file__).resolve().parent.parent / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
    project.ok("campaign", "import", str(sample), "--start", "2031-10-01", "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]][:3]
    for post_id in ids:
        project.ok("publish", str(post_id))  # the daemon's path to the embedded static-site / dry-run channels
    project.ok("--lang", "vi", "report", "--campaign", "hoc-tap-suot-doi-2024", "--date", "2031-10-08")
    document = Document(project.root / "var" / "reports" / "hoc-tap-suot-doi-2024-bao-cao.docx")
    text = texts(document)
    published = count(project, "published")
    assert published >= 3
    assert f"Đã đăng {published} lượt tin, bài ({len(ids)} tin, bài)" in text
    assert "Căn cứ Kế hoạch số .../KH-SKHCN ngày ... tháng 9 năm 2024 của Sở Khoa học và Công nghệ" in text
    # published ahead of schedule by `loa publish`: on time; due times from the deliveries table
    assert f"Về tiến độ: {published}/{published} lượt tin, bài (100,0%)" in text
    links = {row.cells[4].text for row in document.tables[2].rows[1:]}
    assert links == {row[0] for row in project.sql("SELECT permalink FROM deliveries WHERE status = 'published'")}
    assert all(link.startswith("file://") for link in links)
    assert "Các kênh chưa cung cấp số liệu tiếp cận, tương tác" in text  # no metrics: said, not zeros


def test_the_same_figures_on_postgresql(bare, postgres):
    url = postgres.create_database("loa_test_report")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    fill_organization(bare.config)
    bare.ok("campaign", "import", str(bare.write("c.toml", campaign_toml(SLUG, start=START, posts=3))), "--approve")
    seed(bare, url)
    text = texts(Document(report(bare)))
    assert "Đã đăng 3 lượt tin, bài (2 tin, bài) trên 2 kênh (Trang Facebook: 1; Cổng thông tin điện tử: 2)." in text
    assert "- Tổng lượt tương tác (cảm xúc, bình luận, chia sẻ): 17 (số liệu của 2/3 lượt đăng);" in text
    assert "- Lượt xem: không có số liệu;" in text and "Về tiến độ: 2/3 lượt tin, bài (66,7%)" in text


def test_demo_reports_exist_and_open(tmp_path):
    """`make demo` ends with the three reports; real processes, as a user runs them (no display needed)."""
    loa = str(Path(sys.executable).with_name("loa"))
    environment = {**{k: v for k, v in os.environ.items() if k not in ("LOA_CONFIG", "DISPLAY")}, "LOA_LANG": "vi"}
    sample = Path(__file__).resolve().parent.parent / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
    for args in (["init"], ["campaign", "import", str(sample), "--start", "now", "--pace", "2", "--approve"],
                 *(["report", "--campaign", "hoc-tap-suot-doi-2024", "--format", f] for f in ("docx", "xlsx", "html"))):
        done = subprocess.run([loa, *args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    folder = tmp_path / "var" / "reports"
    assert "Chưa có tin, bài nào được đăng" in texts(Document(folder / "hoc-tap-suot-doi-2024-bao-cao.docx"))
    assert load_workbook(folder / "hoc-tap-suot-doi-2024-bao-cao.xlsx").sheetnames == ["Tổng hợp", "Chi tiết"]
    assert "BÁO CÁO" in (folder / "hoc-tap-suot-doi-2024-bao-cao.html").read_text(encoding="utf-8")


def test_the_command_line_starts_without_the_report_libraries():
    code = ("import sys, scheduler.cli; "
            "print(sorted(m for m in ('matplotlib', 'docx', 'openpyxl', 'loa.scheduler.report') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------ any log

metric_values = st.dictionaries(st.sampled_from(METRICS), st.integers(0, 10**6), max_size=6)
publication = st.tuples(st.sampled_from(["portal", "facebook", "zalo"]), st.integers(-300, 4000),
                        st.integers(0, 80), st.booleans(), st.none() | st.tuples(metric_values, metric_values))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(publications=st.lists(publication, max_size=25))
def test_figures_of_any_log_add_up(tmp_path_factory, publications):
    """Whatever the log holds: counts per channel and day add up, on time is delay <= 60 s, unknown is never 0."""
    folder = tmp_path_factory.mktemp("log")
    db = open_database(f"sqlite:///{folder / 'loa.db'}", create=True)
    tz = dt.timezone(dt.timedelta(hours=7))
    start = dt.datetime(2031, 10, 1, 8, tzinfo=tz)
    with db.transaction() as session:
        campaign = Campaign(slug="c", name="C", start_date=start.date(), end_date=start.date() + dt.timedelta(days=6),
                            timezone="Asia/Ho_Chi_Minh", channels=["portal"], hashtags=[])
        session.add(campaign)
        session.flush()
        for n, (channel, delay, day, with_due, snapshot) in enumerate(publications):
            due = start + dt.timedelta(days=day, minutes=n)
            post = Post(campaign_id=campaign.id, seq=n, title=f"Bài {n}", body=".", publish_at=due)
            session.add(post)
            session.flush()
            delivery = Delivery(post_id=post.id, channel=channel, due_at=due, available_at=due)
            session.add(delivery)
            session.flush()
            detail = {"permalink": f"https://x.vn/{n}", **({"due_at": iso_utc(due)} if with_due else {})}
            record(session, "published", campaign_id=campaign.id, post=post, channel=channel, delivery_id=delivery.id,
                   at=due + dt.timedelta(seconds=delay), detail=detail)
            if snapshot:
                values, unavailable = snapshot
                record(session, "metrics", campaign_id=campaign.id, channel=channel, delivery_id=delivery.id,
                       detail={"stage": "24h", "metrics": values, "unavailable": {k: "-" for k in unavailable}})
    with db.session() as session:
        figures = compute_figures(session, "c")
    db.dispose()
    assert figures.published == len(publications) == sum(figures.published_per_channel.values())
    assert sum(p.posts for p in figures.periods) == len(publications)
    for channel in ("portal", "facebook", "zalo"):
        assert figures.published_per_channel.get(channel, 0) == sum(1 for p in publications if p[0] == channel)
    assert figures.on_time == sum(1 for p in publications if p[1] <= 60) and figures.timing_unknown == 0
    assert figures.on_time + figures.late == len(publications)
    for name in METRICS:
        known = [s[0][name] for *_, s in publications if s and name in s[0] and name not in s[1]]
        total = figures.metric_totals[name]
        assert (total.total, total.known, total.of) == (sum(known), len(known), len(publications))
        assert total.available == bool(known)  # nothing known: shown as "no data", not 0


def test_the_report_counts_what_loa_log_shows(project):
    """The sample week published by the daemon, offline activities added by hand: every figure of the report is
    the count `loa log` gives."""
    import collections

    from conftest import fast_daemon

    fast_daemon(project)
    sample = Path(__file__).resolve().parent.parent / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
    slug = "hoc-tap-suot-doi-2024"
    project.ok("campaign", "import", str(sample), "--start", "now", "--pace", "0.2", "--approve")
    project.ok("run", "--until-idle")
    project.ok("log", "add", "--campaign", slug, "--kind", "offline", "--title", "Treo băng rôn tại trụ sở Sở",
               "--count", "3", "--unit", "băng rôn", "--place", "Trụ sở Sở")
    project.ok("log", "add", "--campaign", slug, "--kind", "offline", "--title", "Hội sách", "--count", "2")
    entries = project.json("log", "--campaign", slug)["entries"]
    published = collections.Counter(e["channel"] for e in entries if e["kind"] == "published")
    offline = sum(e["count"] for e in entries if e["kind"] == "offline")
    posts = len({e["post_id"] for e in entries if e["kind"] == "published"})
    assert sum(published.values()) == 31 and offline == 5
    project.ok("--lang", "vi", "report", "--campaign", slug)
    text = texts(Document(project.root / "var" / "reports" / f"{slug}-bao-cao.docx"))
    total = sum(published.values())
    assert (f"Đã đăng {total} lượt tin, bài ({posts} tin, bài) trên 2 kênh (Trang Facebook: {published['facebook']}; "
            f"Cổng thông tin điện tử: {published['portal']}).") in text
    assert "Đã tổ chức 2 hoạt động tuyên truyền trực tiếp (số lượng: 3 băng rôn, 2 chưa ghi đơn vị):" in text
    assert f"Về tiến độ: {total}/{total} lượt tin, bài (100,0%)" in text
