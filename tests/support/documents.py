"""The text an officer reads in the files loa writes (reports, exports): one string per paragraph, cell or line."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path


def docx_text(path: Path) -> list[str]:
    from docx import Document

    document = Document(str(path))
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer):
            texts += [paragraph.text for paragraph in part.paragraphs]
    return texts


# A column "for machines" (issue 13: exports keep the English code beside the Vietnamese label): its header says so.
CODE_COLUMN = re.compile(r"\bmã\b|\bcode\b|json", re.I)


def _table_text(rows: list[list[object]]) -> list[str]:
    """Every cell of a table whose first row is its header, but for the columns of codes for machines."""
    header = [str(cell or "") for cell in rows[0]] if rows else []
    for_machines = {index for index, name in enumerate(header) if CODE_COLUMN.search(name)}
    return [*header, *(str(value).upper() if isinstance(value, bool) else str(value)
                       for row in rows[1:] for index, value in enumerate(row)
                       if value is not None and index not in for_machines)]


def xlsx_text(path: Path) -> list[str]:
    """Sheet names and every cell as the spreadsheet shows it (a boolean as TRUE/FALSE, as Excel does)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    texts = list(workbook.sheetnames)
    for sheet in workbook.worksheets:
        texts += _table_text([list(row) for row in sheet.iter_rows(values_only=True)])
    workbook.close()
    return texts


class _VisibleText(HTMLParser):
    """What a browser shows: text outside <script>/<style>, and the alt/title texts of elements."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.texts += [value for name, value in attrs if name in ("alt", "title", "aria-label") and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(data)


def html_text(path: Path) -> list[str]:
    parser = _VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.texts


def csv_text(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return _table_text(list(csv.reader(file)))


def _is_json(text: str) -> bool:
    """A cell holding a JSON object or list: details for machines (their keys stay English)."""
    if not text.lstrip().startswith(("{", "[")):
        return False
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


def document_text(path: Path) -> list[str]:
    """The readable text of a report or export, by its extension (JSON cells left out)."""
    readers = {".docx": docx_text, ".xlsx": xlsx_text, ".html": html_text, ".csv": csv_text}
    reader = readers.get(path.suffix.lower())
    texts = reader(path) if reader else path.read_text(encoding="utf-8-sig").splitlines()
    return [text for text in texts if not _is_json(text)]
