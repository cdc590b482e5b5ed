"""Plan documents built in the test: DOCX with python-docx, PDF from that DOCX by LibreOffice, a scanned PDF.

A missing soffice FAILS (assert), never skips: .ci/run installs libreoffice-writer-nogui.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

# the header block of a real plan: a 2-column borderless table, agency on the left, national motto on the right
HEADER_LEFT = ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Số: 15/KH-SKHCN")
HEADER_RIGHT = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Cần Thơ, ngày 25 tháng 9 năm 2024")


def write_docx(path: Path, lines: Sequence[str], *,
               header: tuple[Sequence[str], Sequence[str]] | None = (HEADER_LEFT, HEADER_RIGHT),
               centred: Sequence[str] = ("KẾ HOẠCH",)) -> Path:
    """A plan as Word writes it: the 2-column ``header`` table (left cell lines, right cell lines; None for none),
    then one paragraph per item of ``lines`` ("" = an empty paragraph). Lines in ``centred`` are centred and bold,
    the rest justified, in Times New Roman 13 pt like Decree 30 documents."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)
    if header is not None:
        table = document.add_table(rows=1, cols=2)
        for cell, cell_lines in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].text = cell_lines[0]
            for text in cell_lines[1:]:
                cell.add_paragraph(text)
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in lines:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if text in centred:
            paragraph.alignment, run.bold = WD_ALIGN_PARAGRAPH.CENTER, True
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.save(str(path))
    return path


def docx_to_pdf(docx: Path) -> Path:
    """The PDF LibreOffice makes of ``docx`` (next to it): support/plan_docs.py's one converter."""
    from .plan_docs import pdf_from_docx

    return pdf_from_docx(docx)


def scanned_pdf(path: Path, pages: int = 2) -> Path:
    """A PDF of page images only, no text layer: what a scanner sends."""
    from PIL import Image, ImageDraw

    images = []
    for number in range(pages):
        image = Image.new("RGB", (595, 842), "white")
        ImageDraw.Draw(image).text((60, 60 + 20 * number), f"KE HOACH {number + 1}", fill="black")
        images.append(image)
    images[0].save(path, "PDF", save_all=True, append_images=images[1:])
    return path
