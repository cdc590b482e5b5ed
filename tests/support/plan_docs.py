"""Corpus plans as the officer receives them: a Word file laid out like a real plan, and the PDF LibreOffice makes of it.

The TXT's structure is read with simple rules (tests/plans/README.md):
- header: the lines before ``KẾ HOẠCH`` (or ``Kính gửi`` in a dispatch); its right column starts at the national motto
  (or the Youth Union's), else at the place-date line; it becomes a borderless 2-column table;
- title: ``KẾ HOẠCH`` and the lines up to the next blank line, centred bold;
- closing: from ``Nơi nhận:``, the ``-`` items in the left cell, the signer lines after them in the right cell;
- body: Roman-numeral lines and short numbered lines without a full stop are bold headings, the rest justified.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

MOTTOS = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐOÀN TNCS HỒ CHÍ MINH")
PLACE_DATE = re.compile(r",\s*ngày\b")
HEADING = re.compile(r"^(?:[IVX]+\.\s|(?:\d+|[a-zđ])[.)]\s+\S.{0,60}$)")


def _split(lines: list[str]) -> tuple[list[str], list[str], list[str], list[str]]:
    """(header, title, body, closing) lines of a plan as text; blank lines kept only in the body."""
    start = next((i for i, line in enumerate(lines)
                  if line.strip() == "KẾ HOẠCH" or line.strip().startswith("Kính gửi")), 0)
    header = lines[:start]
    rest = lines[start:]
    title: list[str] = []
    if rest and rest[0].strip() == "KẾ HOẠCH":
        end = next((i for i, line in enumerate(rest) if not line.strip()), len(rest))
        title, rest = rest[:end], rest[end:]
    closing_at = next((i for i, line in enumerate(rest) if line.strip().startswith("Nơi nhận")), len(rest))
    return header, title, rest[:closing_at], rest[closing_at:]


def _two_columns(document, left_cm: float, right_cm: float):  # type: ignore[no-untyped-def]
    """A borderless 1×2 table with fixed widths: the motto fits on one line in the wider right column."""
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    borders = table._tbl.tblPr.first_child_found_in("w:tblBorders")
    if borders is not None:
        table._tbl.tblPr.remove(borders)
    for cell, column, width in zip(table.rows[0].cells, table.columns, (left_cm, right_cm)):
        cell.width = column.width = Cm(width)  # LibreOffice reads the grid, Word the cells
    return table


def _fill(cell: _Cell, lines: list[str], *, bold_upper: bool = True) -> None:
    """Centred paragraphs in a table cell; upper-case lines bold, as agencies and signer titles are printed."""
    first = True
    for line in (line.strip() for line in lines):
        if not line:
            continue
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = bold_upper and line == line.upper()
        run.italic = PLACE_DATE.search(line) is not None


def _left_aligned(cell: _Cell, lines: list[str]) -> None:
    first = True
    for line in (line.strip() for line in lines):
        if not line:
            continue
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        run = paragraph.add_run(line)
        run.bold = line.startswith("Nơi nhận")
        run.italic = run.bold
        run.font.size = Pt(11)


def docx_from_txt(txt: Path, out: Path) -> Path:
    """Write ``out``: the plan ``txt`` as an agency's Word file (see the module's rules)."""
    lines = txt.read_text(encoding="utf-8").splitlines()
    header, title, body, closing = _split(lines)
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    style.font.size = Pt(13)
    section = document.sections[0]  # A4, the margins of Decree 30
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)

    if header:
        motto = next((i for i, line in enumerate(header) if line.strip() in MOTTOS), None)
        if motto is None:
            motto = next((i for i, line in enumerate(header) if PLACE_DATE.search(line)), len(header))
        table = _two_columns(document, 6.5, 10.0)
        _fill(table.cell(0, 0), header[:motto])
        _fill(table.cell(0, 1), header[motto:])

    for index, line in enumerate(title):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(line.strip()).bold = True
        if index == 0:
            paragraph.paragraph_format.space_before = Pt(12)

    for line in body:
        text = line.strip()
        if not text:
            continue
        paragraph = document.add_paragraph()
        heading = bool(HEADING.match(text)) and not text.endswith((".", ";", ":"))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if heading else WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = None if heading else Pt(28)
        paragraph.add_run(text).bold = heading or text.startswith("Kính gửi")

    if closing:
        last_item = max((i for i, line in enumerate(closing) if line.strip().startswith("-")), default=0)
        table = _two_columns(document, 8.25, 8.25)
        _left_aligned(table.cell(0, 0), closing[:last_item + 1])
        _fill(table.cell(0, 1), closing[last_item + 1:])

    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def pdfs_from_docx(*docx: Path) -> list[Path]:
    """Convert every DOCX with one LibreOffice process (slow to start), with a private profile so runs never clash.

    A missing soffice fails, never skips: .ci/run installs it."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is needed: .ci/run installs libreoffice-writer-nogui"
    folder = docx[0].parent
    profile = folder / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, docx)], check=True, capture_output=True, timeout=300)
    pdfs = [path.with_suffix(".pdf") for path in docx]
    missing = [pdf.name for pdf in pdfs if not pdf.exists()]
    assert not missing, f"LibreOffice made no PDF of {missing}"
    return pdfs


def pdf_from_docx(docx: Path) -> Path:
    """One DOCX as PDF (prefer ``pdfs_from_docx`` for many: it starts LibreOffice once)."""
    return pdfs_from_docx(docx)[0]
