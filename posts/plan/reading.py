"""A plan file (DOCX, PDF, TXT, Markdown) read into numbered, cleaned lines: ``read_plan(path) -> PlanText``.

What "dòng N" (``PlanLine.number``) means, so the officer can find it in her own copy:

- TXT and Markdown: the line number in the file, as any text editor shows it (blank lines counted, never returned).
- DOCX: the paragraph number, counting every paragraph of the document body from the top, in the order Word shows
  them: body paragraphs and the paragraphs of table cells (row by row, cell by cell, nested tables where they
  stand), empty paragraphs included. The page header and footer, text boxes and deleted (tracked) text are not read.
  A paragraph with manual line breaks (Shift+Enter) gives one line per broken piece, all with the paragraph's number.
- PDF: the paragraph number, counting paragraphs rebuilt from the wrapped lines of the text layer from the top
  (PDF has no paragraphs of its own); ``page`` is the page the paragraph starts on.

Text files: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1258 when that decodes to plain text and
the bytes are not UTF-8 with a few broken bytes. PDF paragraphs are rebuilt in ``pdf_reading``.
Every line goes through ``clean_text``. Anything that cannot be read is one ``UserError`` naming the file.
"""
from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import UserError
from ..i18n import t
from ..os_errors import os_error_text
from .clean import clean_text
from .model import PlanKind, PlanLine, PlanText

MAX_BYTES = 20 * 1024 * 1024  # a plan is a few dozen pages; 20 MB is a scan or the wrong file
KINDS: dict[str, PlanKind] = {".docx": "docx", ".pdf": "pdf", ".txt": "txt", ".md": "md", ".markdown": "md"}


def read_plan(path: Path) -> PlanText:
    """The plan's lines, cleaned and numbered (see the module docstring for what the numbers mean)."""
    path = Path(path)
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise UserError(t("plan_read.unknown_kind"), where=str(path))
    data = _read_bytes(path)
    if kind == "docx":
        lines = _docx_lines(data, path)
    elif kind == "pdf":
        from .pdf_reading import pdf_lines

        lines = pdf_lines(data, path)
    else:
        lines = _text_lines(_decode(data, path), markdown=kind == "md")
    if not lines:
        raise UserError(t("plan_read.no_text"), where=str(path))
    return PlanText(path=path, kind=kind, lines=tuple(lines))


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UserError(os_error_text(exc), where=str(path)) from None
    if len(data) > MAX_BYTES:
        raise UserError(t("plan_read.too_big", limit=MAX_BYTES // (1024 * 1024)), where=str(path))
    if not data.strip():
        raise UserError(t("plan_read.empty"), where=str(path))
    return data


# ---- text and Markdown ----------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1258 when it decodes to plain text; else refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp1258"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1258" and _mostly_utf8(data):
            break  # UTF-8 with a few broken bytes: read as Windows-1258 it would be silent gibberish ("Há»c")
        if not _CONTROL.search(text):  # control characters: a binary file, or the wrong guess
            return text
    raise UserError(t("plan_read.unknown_encoding"), where=str(path))


def _mostly_utf8(data: bytes) -> bool:
    decoded = data.decode("utf-8", errors="replace")
    broken = decoded.count("\ufffd")
    return sum(1 for char in decoded if ord(char) > 127) - broken > broken


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_MD_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_MD_BULLET = re.compile(r"^(\s*)\*\s+")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")


def _text_lines(text: str, *, markdown: bool) -> list[PlanLine]:
    # split on the three line ends only (str.splitlines also splits on \x0b, \x1c, U+2028... which editors don't
    # count as lines, and "dòng N" must match the editor)
    lines = []
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        cleaned = clean_text(_unmark(raw) if markdown else raw)
        if cleaned:
            lines.append(PlanLine(number=number, text=cleaned))
    return lines


def _unmark(line: str) -> str:
    """A Markdown line as text: no heading marks, quote marks, ``*`` bullets, links; "a)", "1.", "-" items stay."""
    if _MD_RULE.match(line):
        return ""
    line = _MD_QUOTE.sub("", line)
    heading = _MD_HEADING.match(line)
    if heading:
        line = heading.group(1)
    line = _MD_BULLET.sub(r"\1", line)
    line = _MD_LINK.sub(r"\1", line)
    line = line.replace("`", "")
    # emphasis markers go in clean_text; an escaped \* is a real star, kept as one
    return _MD_ESCAPE.sub(r"\1", line)


# ---- DOCX -----------------------------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Word 97-2003 .doc (or .xls) renamed .docx
# inside a paragraph: not read (text boxes repeat their text in a fallback copy; deleted text is not the plan)
_SKIPPED_IN_PARAGRAPH = {f"{_W}{name}" for name in ("del", "moveFrom", "pPr", "rPr", "instrText", "delText",
                                                     "drawing", "pict", "object", "fldData")}
_SKIPPED_IN_PARAGRAPH.add("{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent")


def _docx_lines(data: bytes, path: Path) -> list[PlanLine]:
    if data.startswith(_OLE_MAGIC):
        raise UserError(t("plan_read.old_doc"), where=str(path))
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        body = Document(io.BytesIO(data)).element.body
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError, EOFError):
        raise UserError(t("plan_read.not_docx"), where=str(path)) from None
    lines = []
    for number, paragraph in enumerate(_docx_paragraphs(body), start=1):
        for piece in _paragraph_text(paragraph).split("\n"):
            cleaned = clean_text(piece)
            if cleaned:
                lines.append(PlanLine(number=number, text=cleaned))
    return lines


def _docx_paragraphs(container) -> Iterator[object]:  # noqa: ANN001 - lxml elements
    """Every w:p of the body in reading order: paragraphs, table cells row by row (nested tables inside), content
    controls opened. A cell merged with the one above (vMerge continue) is Word's empty placeholder: its paragraphs
    count for numbering but python-docx's habit of repeating the merged cell's text is avoided by reading XML."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == f"{_W}p":
            yield child
        elif tag in (f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml",
                     f"{_W}smartTag", f"{_W}ins", f"{_W}moveTo"):
            yield from _docx_paragraphs(child)


def _paragraph_text(paragraph) -> str:  # noqa: ANN001 - an lxml w:p
    parts: list[str] = []

    def walk(element) -> None:  # noqa: ANN001
        for child in element.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED_IN_PARAGRAPH:
                continue
            if tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in (f"{_W}tab", f"{_W}ptab"):
                parts.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                parts.append("-")
            elif tag == f"{_W}sym":
                parts.append(" ")
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)
