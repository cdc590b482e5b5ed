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

SLUG = "tuan-le"
START = dt.date(2031, 10, 1)
SIGNER_TITLE, SIGNER_NAME = CAN_THO["signer_title"], CAN_THO["signer_name"]


def to_pdf(*docx: Path) -> list[Path]:
    """Convert with LibreOffice headless, in one process, with a private profile so parallel runs never clash."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is needed: .ci/run installs libreoffice-writer-nogui"
    folder = docx[0].parent
    profile = folder / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, docx)], check=True, capture_output=True, timeout=240)
    pdfs = [path.with_suffix(".pdf") for path in docx]
    assert all(pdf.exists() for pdf in pdfs), pdfs
    return pdfs


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
