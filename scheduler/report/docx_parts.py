"""The DOCX report's building blocks: its fonts and sizes, and the helpers that write paragraphs, runs and borderless
tables (used by docx.py for the body and by docx_appendix.py for the photo appendix)."""
from __future__ import annotations

import re

from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

FONT = "Times New Roman"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
BODY_PT, HEADER_PT, AGENCY_PT, MOTTO_PT, TABLE_PT, RECIPIENTS_PT = 14, 13, 13, 12, 12, 11
PARAGRAPH_GAP_PT = 6


def _fonts(element, size: float | None = None) -> None:
    """Times New Roman for every script on an rPr-holding element (a run or a style)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            node = rpr.find(qn(tag))
            if node is None:
                node = OxmlElement(tag)
                rpr.append(node)
            node.set(qn("w:val"), str(int(size * 2)))


def _run(paragraph: DocxParagraph, text: str, *, size: float, bold: bool = False, italic: bool = False,
         highlight: bool = False) -> None:
    run = paragraph.add_run(CONTROL.sub("", text))
    run.font.name = FONT
    run.font.size = Pt(size)
    if bold:
        run.font.bold = True
    if italic:
        run.font.italic = True
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    _fonts(run._element)


def _format(paragraph: DocxParagraph, *, align=WD_ALIGN_PARAGRAPH.CENTER, before: float = 0, after: float = 0,
            first_line: float | None = None) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.first_line_indent = Cm(first_line) if first_line else None
    fmt.line_spacing = 1.0


def _line(cell: _Cell, text: str, *, size: float, bold: bool = False, italic: bool = False,
          after: float = 0) -> DocxParagraph:
    paragraph = cell.add_paragraph()
    _format(paragraph, after=after)
    _run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def _table_property(table: DocxTable, element) -> None:
    """Add to tblPr before tblLook, the schema's last child (Word refuses elements out of order)."""
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(element)
    else:
        properties.append(element)


def _no_borders(table: DocxTable) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:val"), "nil")
        borders.append(node)
    _table_property(table, borders)


def _widths(table: DocxTable, widths_cm: list[float]) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)


def _emptied(cell: _Cell) -> _Cell:
    """A new cell holds one empty paragraph; remove it so the cell's first line is ours."""
    for paragraph in list(cell.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    return cell


def _end_mark(document: DocumentObject) -> None:
    """The paragraph a document must have after a table: hidden, 1 pt, an exact line of 1 pt and no spacing. Even
    so small, a visible one spilled onto a page of its own when the signature ended at the foot of a page."""
    paragraph = document.add_paragraph()
    _format(paragraph)
    paragraph.paragraph_format.line_spacing = Pt(1)  # exact, not a multiple of the font's height
    properties = paragraph._p.get_or_add_pPr()
    mark = OxmlElement("w:rPr")
    mark.append(OxmlElement("w:vanish"))
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "2")
        mark.append(size)
    properties.append(mark)
