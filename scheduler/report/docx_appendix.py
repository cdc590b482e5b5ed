"""The report's appendix in the DOCX: the photos of the log (the evidence), two a row with their captions."""
from __future__ import annotations

import io

from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Cm

from .docx_parts import (BODY_PT, PARAGRAPH_GAP_PT, TABLE_PT, _emptied, _end_mark, _fonts, _format, _line, _no_borders,
                   _run, _widths)
from .document import Appendix

PHOTO_WIDTH_CM, PHOTO_COLUMN_CM = 7.6, 8.25  # two photos a row across the 16.5 cm text width


def _photo_size(jpeg: bytes) -> dict[str, Cm]:
    """A landscape photo fills the column's width; a portrait one is as tall as a landscape one would be."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        width, height = image.size
    if height * 4 > width * 3:
        return {"height": Cm(PHOTO_WIDTH_CM * 3 / 4)}
    return {"width": Cm(PHOTO_WIDTH_CM)}


def add_appendix(document: DocumentObject, appendix: Appendix) -> None:
    """On a page of its own after the signature: a title, then the photos two a row, each with its caption, place
    and date under it; a row never splits across pages (a photo is never parted from its caption)."""
    title = document.add_paragraph()
    _format(title)
    title.paragraph_format.page_break_before = True
    _run(title, appendix.title, size=BODY_PT, bold=True)
    for text, bold, italic, after in ((appendix.subtitle, True, False, 0),
                                      (appendix.attached, False, True, PARAGRAPH_GAP_PT * 2)):
        paragraph = document.add_paragraph()
        _format(paragraph, after=after)
        _run(paragraph, text, size=BODY_PT, bold=bold, italic=italic)
    rows = [appendix.photos[n:n + 2] for n in range(0, len(appendix.photos), 2)]
    table = document.add_table(rows=len(rows), cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, [PHOTO_COLUMN_CM, PHOTO_COLUMN_CM])
    for row, pair in zip(table.rows, rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, photo in zip(row.cells, pair):
            cell = _emptied(cell)
            if photo.image is not None:
                picture = cell.add_paragraph()
                _format(picture, before=PARAGRAPH_GAP_PT)
                picture.paragraph_format.keep_with_next = True
                run = picture.add_run()
                _fonts(run._element)
                run.add_picture(io.BytesIO(photo.image), **_photo_size(photo.image))
            lines = [(photo.caption, True, False), (photo.where, False, True)]
            if photo.missing:
                lines.append((photo.missing, False, True))
            for n, (text, bold, italic) in enumerate(lines):
                paragraph = _line(cell, text, size=TABLE_PT, bold=bold, italic=italic,
                                  after=PARAGRAPH_GAP_PT if n == len(lines) - 1 else 0)
                paragraph.paragraph_format.keep_with_next = n < len(lines) - 1
        for cell in row.cells[len(pair):]:  # an odd photo out: the empty cell still needs its paragraph
            if not cell.paragraphs:
                cell.add_paragraph()
    _end_mark(document)
