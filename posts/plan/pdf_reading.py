"""A PDF plan's text layer (PDFium) rebuilt into paragraphs: PDF only knows lines, the officer's plan has paragraphs.

A line is joined with the next when it is a wrapped line of a paragraph: it is about as long as the page's full
lines (the longest lines of the document, measured in characters), does not end a sentence or heading (``. ; : ! ?``
- unless the next line starts in lower case, which no new sentence does), and the next line does not start an item
("1.", "a)", "-", "+", "II.", "•") nor is a heading in capitals ("KẾ HOẠCH"). Words are never un-hyphenated (a
hyphen at the end of a line is not Vietnamese usage: it is a real dash). A page number alone on the first or last
line of a page ("3", "- 3 -", "Trang 3") is dropped.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import UserError
from ..i18n import t
from .clean import clean_text
from .model import PlanLine

_ITEM = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.)]|[a-zđ][.)]|[IVXLC]{1,6}[.)]|[-+•–—*])(?:\s|$)")
_ENDS_SENTENCE = re.compile(r"[.;:!?]['\")]*$|\./\.$")
_PAGE_NUMBER = re.compile(r"^(?:[-–]\s*)?(?:trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*[-–])?$", re.I)
FULL_LINE = 0.8  # a line at least this share of a full line's length may wrap on to the next


def pdf_lines(data: bytes, path: Path) -> list[PlanLine]:
    """The paragraphs of the PDF's text layer, numbered from 1; refused in one line when there is none."""
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF-" not in data[:1024]:
        raise UserError(t("plan_read.not_pdf"), where=str(path))
    pages = _page_texts(data, path)
    page_lines = [_without_page_numbers([clean_text(line) for line in text.split("\n")]) for text in pages]
    if not any(page_lines):
        raise UserError(t("plan_read.pdf_scanned"), where=str(path))
    return _paragraphs(page_lines)


def _page_texts(data: bytes, path: Path) -> list[str]:
    """Every page's text, in PDFium's reading order. PDFium (pypdfium2) rather than a pure-Python parser: it reads a
    20-page plan in under 0.1 s where pypdf took 1.5 s (bench/draft.py), and it is the engine Chromium prints with."""
    import pypdfium2 as pdfium

    password_error = 4  # PDFium's FPDF_ERR_PASSWORD
    try:
        # many PDFs are "protected" only against editing, with an empty password to open them: PDFium opens those
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as refused:
        key = "plan_read.pdf_encrypted" if getattr(refused, "err_code", None) == password_error else "plan_read.not_pdf"
        raise UserError(t(key), where=str(path)) from None
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return texts
    except pdfium.PdfiumError:
        raise UserError(t("plan_read.not_pdf"), where=str(path)) from None
    finally:
        document.close()


def _without_page_numbers(lines: list[str]) -> list[str]:
    lines = [line for line in lines if line]
    while lines and _PAGE_NUMBER.match(lines[0]):
        lines.pop(0)
    while lines and _PAGE_NUMBER.match(lines[-1]):
        lines.pop()
    return lines


def _full_length(page_lines: list[list[str]]) -> int:
    """The length of a full line: the 90th percentile, so one overlong line (two table cells) does not set it."""
    lengths = sorted(len(line) for lines in page_lines for line in lines)
    return max(lengths[int(len(lengths) * 0.9) - 1 if len(lengths) >= 10 else -1], 1)


def _is_capital_heading(line: str) -> bool:
    letters = [char for char in line if char.isalpha()]
    return bool(letters) and len(line) <= 60 and all(char.isupper() for char in letters)


def _continues(line: str, following: str, full: int) -> bool:
    """Whether ``following`` is the rest of the paragraph ``line`` wraps into."""
    if len(line) < FULL_LINE * full or _ITEM.match(following):
        return False
    if _is_capital_heading(line) or _is_capital_heading(following):
        return False
    return not _ENDS_SENTENCE.search(line) or following[:1].islower()


def _paragraphs(page_lines: list[list[str]]) -> list[PlanLine]:
    full = _full_length(page_lines)
    paragraphs: list[PlanLine] = []
    text, start_page, previous = "", 0, ""
    for page, lines in enumerate(page_lines, start=1):
        for line in lines:
            if text and _continues(previous, line, full):
                text = f"{text} {line}"
            else:
                if text:
                    paragraphs.append(PlanLine(number=len(paragraphs) + 1, text=text, page=start_page))
                text, start_page = line, page
            previous = line
    if text:
        paragraphs.append(PlanLine(number=len(paragraphs) + 1, text=text, page=start_page))
    return paragraphs
