"""The DOCX report as the director sees it printed: converted to PDF by LibreOffice, read back page by page.

Needs LibreOffice (soffice) and poppler (pdftotext), both installed by .ci/run: a missing one fails, never skips.
"""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import campaign_toml
from support.organization import CAN_THO, fill_organization
from support.outreach_log import seed
from support.plan_docs import pdfs_from_docx as to_pdf

SLUG = "tuan-le"
START = dt.date(2031, 10, 1)
SIGNER_TITLE, SIGNER_NAME = CAN_THO["signer_title"], CAN_THO["signer_name"]


def pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages by form feeds)."""
    assert shutil.which("pdftotext"), "pdftotext is needed: .ci/run installs poppler-utils"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    found = text.split("\f")
    if found and not found[-1].strip():
        found = found[:-1]  # pdftotext ends the last page with a form feed too
    return found


def left_column_head(pdf: Path) -> str:
    """The text of page 1's header block, left column: a crop in points (A4 is 595 x 842)."""
    return subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-x", "80", "-y", "40", "-W", "215", "-H", "130",
                           str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def page_of(texts: list[str], needle: str) -> int:
    hits = [n for n, text in enumerate(texts) if needle in text]
    assert len(hits) == 1, f"{needle!r} on pages {hits}"
    return hits[0]


@pytest.fixture
def campaign(project):
    path = project.write("c.toml", campaign_toml(SLUG, start=START, posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    fill_organization(project.config)
    return project


def make_report(project, name: str, *extra: str) -> Path:
    path = project.root / f"{name}.docx"
    project.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08", *extra)
    return path


def test_the_signature_block_never_splits_across_pages(campaign):
    """Reports that grow one offline row at a time: the signature block reaches the foot of a page in some of them;
    the signer's title, the name and "Nơi nhận" are on one page in all of them, and no page is blank."""
    seed(campaign)
    reports = []
    for n in range(40):  # a row is ~0.55 cm, the signature block ~5 cm: every 2 rows, a report
        if n % 2 == 0:
            reports.append(make_report(campaign, f"r{n:02d}"))
        campaign.ok("log", "add", "--campaign", SLUG, "--kind", "offline", "--title", f"Hoạt động số {n}",
                    "--count", "1", "--date", "2031-10-03")
    page_counts = set()
    for pdf in to_pdf(*reports):
        texts = pages(pdf)
        page_counts.add(len(texts))
        title = page_of(texts, SIGNER_TITLE)
        assert page_of(texts, SIGNER_NAME) == title, pdf.name
        assert page_of(texts, "Nơi nhận:") == title, pdf.name
        assert page_of(texts, "Lưu: VT") == title, pdf.name
        assert title == len(texts) - 1, f"{pdf.name}: pages after the signature"
        assert all(text.strip() for text in texts), f"{pdf.name}: a blank page"
    assert len(page_counts) > 1  # the reports did cross a page boundary: the test covered the break


def test_recipients_sit_beside_the_signature(campaign):
    texts = pages(to_pdf(make_report(campaign, "r"))[0])
    last = texts[-1].splitlines()
    line = next(line for line in last if "Nơi nhận:" in line)
    assert SIGNER_TITLE in line  # the same printed line: two columns, not one below the other


@pytest.mark.parametrize("parent, agency, expected", [
    ("ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "SỞ Y TẾ", ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NINH", "SỞ Y TẾ"]),
    ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
     ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ", "SỞ KHOA HỌC VÀ CÔNG NGHỆ"]),
    ("ỦY BAN NHÂN DÂN HUYỆN BẢO LÂM", "TRUNG TÂM VĂN HÓA, THÔNG TIN VÀ THỂ THAO HUYỆN BẢO LÂM", None),
])
def test_the_agency_lines_break_between_words_as_a_person_would(campaign, parent, agency, expected):
    fill_organization(campaign.config, {"parent_agency": parent, "agency": agency})
    pdf = to_pdf(make_report(campaign, "r"))[0]
    # the left column of the header block (30 mm margin, 7.4 cm wide), above "Số: …"
    head = left_column_head(pdf).split("Số:")[0].splitlines()
    left = [line.strip() for line in head if line.strip()]
    assert all(len(line.split()) > 1 for line in left), left  # never one word alone on a line
    if expected:
        assert left == expected


# ------------------------------------------------------------------------------------------------ content


def texts_of(path: Path) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def test_a_month_long_campaign_is_tabulated_per_week_without_empty_rows(project):
    from docx import Document

    path = project.write("c.toml", campaign_toml(SLUG, start=START, days=31, posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    fill_organization(project.config)
    seed(project)
    report = make_report(project, "month")
    document = Document(str(report))
    rows = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert rows[0][0] == "Tuần"
    # the three posts are all in the first week: one row and the total, not 31 rows of mostly zeros
    assert [row[0] for row in rows[1:]] == ["Tuần 1 (01/10–07/10)", "Tổng cộng"]
    text = texts_of(report)
    assert "Những tuần không có tin, bài đăng không liệt kê trong bảng." in text
    assert "Biểu đồ 1. Số lượt tin, bài đã đăng theo tuần và theo kênh" in text


def test_a_chart_of_figures_only_when_there_are_figures(campaign):
    from docx import Document

    campaign.ok("publish", "1")  # published, no metrics read
    report = make_report(campaign, "r")
    text = texts_of(report)
    assert "Biểu đồ 1. Số lượt tin, bài đã đăng theo ngày và theo kênh" in text and "Biểu đồ 2" not in text
    assert len(Document(str(report)).inline_shapes) == 1


def test_notes_are_the_officers_remarks_and_photos_make_an_appendix(campaign):
    from docx import Document
    from PIL import Image

    seed(campaign)
    Image.new("RGB", (1600, 1200), (200, 60, 60)).save(campaign.root / "bang-ron.jpg")
    Image.new("RGB", (900, 1400), (60, 120, 200)).save(campaign.root / "cho.png")
    campaign.ok("log", "add", "--campaign", SLUG, "--kind", "offline", "--title", "Treo băng rôn tại phường",
                "--count", "3", "--place", "Phường Hồng Gai", "--photo", "bang-ron.jpg", "--date", "2031-10-05")
    campaign.ok("log", "add", "--campaign", SLUG, "--kind", "note", "--title", "Người dân hưởng ứng tích cực",
                "--photo", "cho.png", "--date", "2031-10-06")
    campaign.ok("log", "add", "--campaign", SLUG, "--kind", "note", "--title", "Cần thêm tờ rơi ở chợ",
                "--place", "Chợ Hạ Long", "--date", "2031-10-07")
    report = make_report(campaign, "r")
    text = texts_of(report)
    assessment = text[text.index("II. ĐÁNH GIÁ CHUNG"):text.index("III. ĐỀ XUẤT")]
    assert "Ý kiến của cán bộ theo dõi:" in assessment
    assert "- Người dân hưởng ứng tích cực (ngày 06/10/2031);" in assessment
    assert "- Cần thêm tờ rơi ở chợ (ngày 07/10/2031, tại Chợ Hạ Long);" in assessment
    document = Document(str(report))
    appendix = document.tables[-1]
    cells = [cell.text.strip() for cell in appendix.rows[0].cells]  # the photo's paragraph has no text
    assert cells[0] == "Ảnh 1. Treo băng rôn tại phường\nPhường Hồng Gai, ngày 05/10/2031"
    assert cells[1] == "Ảnh 2. Người dân hưởng ứng tích cực\nNgày 06/10/2031"
    assert len(document.inline_shapes) == 2 + 2  # two charts, two photos
    assert report.stat().st_size < 1_000_000  # thumbnails, not the camera's files
    # printed: the appendix starts on its own page after the signature, its photos with their captions
    texts = pages(to_pdf(report)[0])
    signature = page_of(texts, SIGNER_NAME)
    assert page_of(texts, "PHỤ LỤC") == signature + 1 == len(texts) - 1
    assert "Ảnh 1." in texts[-1] and "Ảnh 2." in texts[-1]


def test_a_photo_whose_file_is_gone_is_said_missing(campaign):
    from PIL import Image

    Image.new("RGB", (400, 300), (0, 0, 0)).save(campaign.root / "anh.jpg")
    campaign.ok("log", "add", "--campaign", SLUG, "--kind", "offline", "--title", "Hội sách", "--count", "1",
                "--photo", "anh.jpg", "--date", "2031-10-02")
    for photo in (campaign.root / "var").rglob("log-photos/*.jpg"):
        photo.unlink()
    for fmt in ("docx", "html"):
        path = campaign.root / f"r.{fmt}"
        campaign.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08",
                    "--format", fmt)
        shown = texts_of(path) if fmt == "docx" else path.read_text(encoding="utf-8")
        if fmt == "docx":
            from docx import Document

            shown += "\n".join(cell.text for cell in Document(str(path)).tables[-1].rows[0].cells)
        assert "Ảnh 1. Hội sách" in shown and "Không tìm thấy tệp ảnh log-photos/" in shown
