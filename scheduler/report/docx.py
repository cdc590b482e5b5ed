"""The report as DOCX in the format of Decree 30/2020/NĐ-CP, Appendix I (administrative documents).

A4 portrait; margins 20 mm top and bottom, 30 mm left, 15 mm right; Times New Roman everywhere (also for East
Asian and complex scripts, so Word never swaps in another font for Vietnamese); the header block as a borderless
two-column table; body 14 pt, justified, first-line indent 1.27 cm, 6 pt between paragraphs.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from loa.posts.i18n import t

from .document import Chart, Closing, Header, Paragraph, ReportDocument, Table
from .docx_parts import (AGENCY_PT, BODY_PT, CONTROL, FONT, HEADER_PT, MOTTO_PT, PARAGRAPH_GAP_PT, RECIPIENTS_PT,
                         TABLE_PT, _emptied, _end_mark, _fonts, _format, _line, _no_borders, _run, _table_property,
                         _widths)
from .lines import balanced_lines
from .wording import number

FIRST_LINE_CM = 1.27
LEFT_COLUMN_CM, RIGHT_COLUMN_CM = 7.4, 9.1  # the header block: 16.5 cm = A4 210 mm - 30 mm - 15 mm
CLOSING_LEFT_CM, CLOSING_RIGHT_CM = 8.0, 8.5
HEADER_CELL_MARGIN_CM = 0.05  # Word's 0.19 cm each side would leave the agency's name too little room
AGENCY_RULE_CM, SLOGAN_RULE_CM, SUMMARY_RULE_CM = 2.0, 6.0, 3.0  # Decree 30: a third to a half; as the slogan


def _broken_line(cell: _Cell, text: str, column_cm: float, *, size: float, bold: bool = False) -> DocxParagraph:
    """One paragraph whose lines break where ``balanced_lines`` says (explicit breaks), never where the cell ends."""
    paragraph = cell.add_paragraph()
    _format(paragraph)
    # 4 pt spare: kerning and rounding in the renderer
    usable_pt = (column_cm - 2 * HEADER_CELL_MARGIN_CM) / 2.54 * 72 - 4
    for n, line in enumerate(balanced_lines(text, usable_pt, size, bold=bold)):
        if n:
            run = paragraph.add_run()
            _fonts(run._element, size)
            run.add_break()
        _run(paragraph, line, size=size, bold=bold)
    return paragraph


def _rule(cell_or_doc, width_cm: float, column_cm: float) -> DocxParagraph:
    """A short centred line under a heading: an empty 1 pt paragraph with a bottom border, narrowed by its indents.

    Its paragraph mark is 1 pt too: with the 14 pt of Normal, LibreOffice would draw the line over the text above.
    """
    paragraph = cell_or_doc.add_paragraph()
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    properties.append(borders)  # first child: pPr keeps the schema's element order
    _format(paragraph, before=2)
    side = max(0.0, (column_cm - width_cm) / 2)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)
    mark = OxmlElement("w:rPr")  # after spacing, indents and alignment, as the schema orders pPr
    properties.append(mark)
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "2")
        mark.append(size)
    _run(paragraph, "", size=1)
    return paragraph


def _page_numbers(document: DocumentObject) -> None:
    """Decree 30: the page number centred in the header, from the second page on."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    _format(paragraph)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        run = paragraph.add_run()
        run.font.size = Pt(HEADER_PT)
        _fonts(run._element)
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._r.append(node)


def _cell_margins(table: DocxTable, side_cm: float) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        node = OxmlElement(f"w:{edge}")
        node.set(qn("w:w"), str(int(Cm(side_cm).twips)))
        node.set(qn("w:type"), "dxa")
        margins.append(node)
    _table_property(table, margins)


def _setup(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = section.footer_distance = Mm(10)
    for style in document.styles:  # every style of the template, so nothing falls back to Calibri or Cambria
        if hasattr(style, "font"):
            style.font.name = FONT
            _fonts(style.element)
    normal = document.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
        fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr_default.find(qn("w:rPr")).insert(0, fonts)
        for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(script), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)


def _header(document: DocumentObject, header: Header) -> None:
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, HEADER_CELL_MARGIN_CM)
    _widths(table, [LEFT_COLUMN_CM, RIGHT_COLUMN_CM])
    left, right = _emptied(table.cell(0, 0)), _emptied(table.cell(0, 1))
    if header.parent_agency:
        _broken_line(left, header.parent_agency, LEFT_COLUMN_CM, size=AGENCY_PT)
    _broken_line(left, header.agency or "…", LEFT_COLUMN_CM, size=AGENCY_PT, bold=True)
    _rule(left, AGENCY_RULE_CM, LEFT_COLUMN_CM)
    _line(right, header.motto, size=MOTTO_PT, bold=True)
    _line(right, header.slogan, size=HEADER_PT, bold=True)
    _rule(right, SLOGAN_RULE_CM, RIGHT_COLUMN_CM)
    number_cell, date_cell = _emptied(table.cell(1, 0)), _emptied(table.cell(1, 1))
    _line(number_cell, header.number, size=HEADER_PT)
    _line(date_cell, header.date_line, size=BODY_PT, italic=True)
    for cell in (number_cell, date_cell):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)

    title = document.add_paragraph()
    _format(title, before=18)
    _run(title, header.title, size=BODY_PT, bold=True)
    summary = document.add_paragraph()
    _format(summary)
    _run(summary, header.summary, size=BODY_PT, bold=True)
    _rule(document, SUMMARY_RULE_CM, LEFT_COLUMN_CM + RIGHT_COLUMN_CM)
    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _paragraph(document: DocumentObject, block: Paragraph, *, keep_with_next: bool = False) -> None:
    paragraph = document.add_paragraph()
    _format(paragraph, align=WD_ALIGN_PARAGRAPH.JUSTIFY, after=PARAGRAPH_GAP_PT,
            first_line=FIRST_LINE_CM if block.indent else None)
    paragraph.paragraph_format.line_spacing = 1.15
    paragraph.paragraph_format.keep_with_next = block.heading or keep_with_next
    for segment in block.segments:
        _run(paragraph, segment.text, size=BODY_PT, bold=block.heading, italic=segment.placeholder,
             highlight=segment.placeholder)


def _xml_text(value: object) -> str:
    """Text for the XML of a cell: escaped, without the control characters XML cannot hold."""
    return xml_escape(CONTROL.sub("", str(value)))


def _table(document: DocumentObject, block: Table) -> None:
    """A data table, written as one piece of XML: python-docx's cell API costs milliseconds a cell."""
    widths = [int(Cm(w).twips) for w in block.widths_cm]
    fonts = "".join(f' w:{script}="{FONT}"' for script in ("ascii", "hAnsi", "eastAsia", "cs"))
    size = TABLE_PT * 2

    thousands = number(1000)[1]  # "." or ",": the language is looked up once, not per cell
    # a column of figures is centred, its "no data" and "–" cells too
    centred = [any(isinstance(row[i], int) for row in block.rows) for i in range(len(block.headers))]

    def cell(value: str | int, width: int, header: bool, centre: bool) -> str:
        align = "center" if header or centre else "left"
        if isinstance(value, int):  # 1.709, as the text around the table writes it
            value = f"{value:,}".replace(",", thousands)
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>'
                f'<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/><w:jc w:val="{align}"/>'
                f'</w:pPr><w:r><w:rPr><w:rFonts{fonts}/>{"<w:b/>" if header else ""}<w:sz w:val="{size}"/>'
                f'<w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{_xml_text(value)}</w:t></w:r></w:p>'
                "</w:tc>")

    head = "".join(cell(h, w, True, True) for h, w in zip(block.headers, widths))
    rows = [f"<w:tr><w:trPr><w:tblHeader/></w:trPr>{head}</w:tr>"]  # repeated on every page the table spans
    rows += ["<w:tr><w:trPr><w:cantSplit/></w:trPr>"
             + "".join(cell(v, w, False, c) for v, w, c in zip(row, widths, centred)) + "</w:tr>"
             for row in block.rows]
    style = document.styles["Table Grid"].style_id
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    table = parse_xml(
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        f'{"".join(rows)}</w:tbl>')
    document.element.body.find(qn("w:sectPr")).addprevious(table)
    if block.note:
        note = document.add_paragraph()
        _format(note, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=3, after=PARAGRAPH_GAP_PT)
        _run(note, block.note, size=TABLE_PT, italic=True)
    else:
        document.add_paragraph().paragraph_format.space_after = Pt(0)


def _chart(document: DocumentObject, block: Chart) -> Callable[[], None]:
    """The chart's paragraph and caption; returns what adds the picture (docx_bytes calls it once every other block
    is laid out, so the chart worker draws meanwhile)."""
    picture = document.add_paragraph()
    _format(picture, before=PARAGRAPH_GAP_PT)
    picture.paragraph_format.keep_with_next = True  # with its caption
    run = picture.add_run()
    _fonts(run._element)
    caption = document.add_paragraph()
    _format(caption, after=PARAGRAPH_GAP_PT * 2)
    _run(caption, block.caption, size=TABLE_PT, italic=True)

    def add_picture() -> None:
        run.add_picture(io.BytesIO(block.png), width=Cm(14))

    return add_picture


def _closing(document: DocumentObject, closing: Closing) -> None:
    """Decree 30's foot: "Nơi nhận" on the left beside the signer on the right, in one borderless row that never
    splits across pages (Word and LibreOffice move the whole row to the next page instead)."""
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [CLOSING_LEFT_CM, CLOSING_RIGHT_CM])
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    row_properties.append(OxmlElement("w:cantSplit"))
    left, right = _emptied(table.cell(0, 0)), _emptied(table.cell(0, 1))
    heading = left.add_paragraph()
    _format(heading, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    _run(heading, t("report.recipients"), size=12, bold=True, italic=True)
    for entry in closing.recipients:
        paragraph = left.add_paragraph()
        _format(paragraph, align=WD_ALIGN_PARAGRAPH.LEFT)
        _run(paragraph, entry, size=RECIPIENTS_PT)
    title = _line(right, closing.signer_title, size=BODY_PT, bold=True)
    title.paragraph_format.space_before = Pt(6)
    for _ in range(4):  # room for the signature and the seal
        _line(right, "", size=BODY_PT)
    _line(right, closing.signer_name, size=BODY_PT, bold=True)
    for paragraph in [*left.paragraphs, *right.paragraphs]:  # belt and braces for renderers ignoring cantSplit
        paragraph.paragraph_format.keep_together = True
        # with the next line of its cell; the cells' last lines are not tied to the end mark after the table
        paragraph.paragraph_format.keep_with_next = paragraph not in (left.paragraphs[-1], right.paragraphs[-1])
    _end_mark(document)


def docx_bytes(report: ReportDocument) -> bytes:
    document = Document()
    _setup(document)
    _page_numbers(document)
    _header(document, report.header)
    pictures: list[Callable[[], None]] = []
    for block, following in zip(report.blocks, [*report.blocks[1:], None]):
        if isinstance(block, Paragraph):  # a table's or chart's introduction stays on its page, the last line
            # ("Trên đây là báo cáo…") with the signature
            _paragraph(document, block, keep_with_next=isinstance(following, (Table, Chart))
                       or (following is None and report.closing is not None))
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Chart):
            pictures.append(_chart(document, block))
    for add_picture in pictures:  # in order, before the appendix's photos: the charts are image1.png, image2.png
        add_picture()
    if report.closing:
        _closing(document, report.closing)
    if report.appendix:
        from .docx_appendix import add_appendix  # here: it builds on this module's helpers

        add_appendix(document, report.appendix)
    properties = document.core_properties
    properties.title, properties.author = report.header.summary, report.header.agency
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
