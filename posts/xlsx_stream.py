"""A one-sheet XLSX written as a stream: each row's XML goes straight into the zip, as the rows come.

Why hand-rolled: `loa log export --format xlsx` writes 100,000 rows of 19 columns. Measured on the same machine
and rows (bench/log_export.py, writer alone): openpyxl write-only with lxml about 19 s per 100,000 rows, XlsxWriter
in constant_memory mode about 9 s, this writer under 2 s. A log sheet needs little of what those libraries offer: text,
whole numbers and dates, a bold header row that stays frozen, column widths and an autofilter.

What a spreadsheet sees, and why it is safe: every text is an inline string (``t="inlineStr"``), so text that
starts with "=" stays text and is never run as a formula; characters XML cannot hold are dropped and text is cut at
Excel's cell limit (posts/spreadsheet.py); numbers are numbers; datetimes are date serials with a date format. The
zip is deflated at level 1: the sheet's XML is very repetitive, so level 1 is nearly as small and several times
faster than the default.
"""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .spreadsheet import ILLEGAL_XML, XLSX_TEXT_LIMIT, xlsx_text
from .vocabulary import yes_no

MAX_ROWS = 1_048_576  # a sheet's rows in Excel, the header included
_EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()  # day 0 of Excel's (1900, leap-bug corrected) dates
_DATE_STYLE, _HEADER_STYLE = 2, 1  # indexes into cellXfs of _STYLES
# text to clean (ILLEGAL_XML) or escape: one search of a row's joined text instead of one per cell and character
_NEEDS_CARE = re.compile("[&<>\r" + ILLEGAL_XML.pattern[1:])
_BATCH = 1000  # rows joined and written to the zip at a time

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>')
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    '</Relationships>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        '<Application>loa</Application></Properties>')
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
# cellXfs: 0 plain, 1 the header (bold, light blue, centred vertically), 2 a date
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="{date_format}"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill><fill><patternFill patternType="solid"><fgColor rgb="FF{header_fill}"/><bgColor indexed="64"/>'
    '</patternFill></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')


class TooManyRows(ValueError):
    """More rows than a sheet holds (MAX_ROWS): the file is not finished."""


def column_letter(index: int) -> str:
    """``A`` for 1, ``S`` for 19, ``AA`` for 27."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """Text for XML element content; a carriage return as a character reference (a parser turns a literal one
    into a line feed)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def excel_serial(moment: dt.datetime) -> float:
    """A naive datetime as Excel's date serial (days since 30/12/1899, the time as a fraction)."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6
    return moment.toordinal() - _EXCEL_EPOCH_ORDINAL + seconds / 86400


class _RowWriter:
    """Turns a row of values into ``<row>`` XML; most rows need no cleaning or escaping, checked once per row."""

    def __init__(self, columns: int) -> None:
        self.letters = [column_letter(i) for i in range(1, columns + 1)]

    def row(self, values: Sequence[Any], number: int, style: int = 0) -> str:
        texts = "\n".join([value for value in values if type(value) is str])
        careful = len(texts) > XLSX_TEXT_LIMIT or _NEEDS_CARE.search(texts) is not None
        styled = f' s="{style}"' if style else ""
        parts = [f'<row r="{number}">']
        append = parts.append
        for letter, value in zip(self.letters, values):
            if value is None:
                continue
            kind = type(value)
            if kind is bool:  # "Có"/"Không" as a person reads it, never Excel's TRUE/FALSE
                value, kind, careful = yes_no(value), str, True
            if kind is str:
                if careful:
                    value = escape(xlsx_text(value))
                if not value:  # an empty cell is left out, as openpyxl leaves it
                    continue
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                append(f'<c r="{letter}{number}"{styled} t="inlineStr"><is><t{space}>{value}</t></is></c>')
            elif kind is int or kind is float:
                append(f'<c r="{letter}{number}"{styled}><v>{value!r}</v></c>')
            elif isinstance(value, dt.datetime):
                append(f'<c r="{letter}{number}" s="{_DATE_STYLE}"><v>{excel_serial(value)!r}</v></c>')
            else:
                raise TypeError(f"no spreadsheet cell for {kind.__name__}")
        append("</row>")
        return "".join(parts)


def write_sheet(path: Path, *, title: str, headers: Sequence[str], widths: Sequence[float],
                rows: Iterable[Sequence[Any]], date_format: str = "dd/mm/yyyy hh:mm",
                header_fill: str = "DDEBF7") -> int:
    """Write ``rows`` under a bold, frozen ``headers`` row with an autofilter; returns how many rows.

    Values may be None (no cell), text, bool, int, float or a naive datetime (shown with ``date_format``).
    """
    writer = _RowWriter(len(headers))
    last_column = column_letter(len(headers))
    count = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("docProps/app.xml", _APP)
        archive.writestr("docProps/core.xml", _core_properties())
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES.format(date_format=escape(date_format), header_fill=header_fill))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(_sheet_head(widths).encode())
            sheet.write(writer.row(list(headers), 1, _HEADER_STYLE).encode())
            pending: list[str] = []
            for values in rows:
                count += 1
                if count + 1 > MAX_ROWS:
                    raise TooManyRows(count)
                pending.append(writer.row(values, count + 1))
                if len(pending) >= _BATCH:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            sheet.write("".join(pending).encode())
            sheet.write(f'</sheetData><autoFilter ref="A1:{last_column}{count + 1}"/>'
                        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                        '</worksheet>'.encode())
        archive.writestr("xl/workbook.xml", _workbook(title, f"$A$1:${last_column}${count + 1}"))
    return count


def _sheet_head(widths: Sequence[float]) -> str:
    columns = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                      for i, width in enumerate(widths, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
            f'xmlns:r="{_REL}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{columns}</cols><sheetData>')


def _workbook(title: str, filtered: str) -> str:
    # Excel's sheet names: at most 31 characters, none of []:*?/\ ; the filter's range names the sheet quoted
    name = "".join(c for c in xlsx_text(title) if c not in "[]:*?/\\")[:31].strip("'") or "Sheet1"
    quoted = name.replace("'", "''")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/></sheets>'
            f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{escape(chr(39) + quoted + chr(39))}!{filtered}</definedName></definedNames>"
            '</workbook>')


def _core_properties() -> str:
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>loa</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
