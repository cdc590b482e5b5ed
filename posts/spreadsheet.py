"""Text that reaches a spreadsheet cell (``loa log export``, ``loa report --format xlsx``): one rule for both.

A title like ``=HYPERLINK("http://evil", "click")`` comes from a user; a spreadsheet must show it, never run it.
In XLSX a text cell is typed as a string, so it is never a formula; in CSV, where there are no types, such text
gets a leading apostrophe. Characters XML cannot hold are dropped, so old rows stored before loa refused control
characters at input still give a valid file.
"""
from __future__ import annotations

import re
from typing import Any

from .vocabulary import yes_no

XLSX_TEXT_LIMIT = 32_767  # characters Excel keeps in a cell
# Text a spreadsheet would run as a formula when it opens a CSV: such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 does not allow (openpyxl's ILLEGAL_CHARACTERS_RE, and the non-characters and lone
# surrogates it lets through): dropped from spreadsheet cells.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def csv_text(value: str) -> str:
    """A CSV field a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: no characters XML forbids, at most Excel's cell limit."""
    if ILLEGAL_XML.search(value):  # control characters are not allowed in the file format
        value = ILLEGAL_XML.sub("", value)
    if len(value) > XLSX_TEXT_LIMIT:
        value = value[:XLSX_TEXT_LIMIT - 1] + "…"
    return value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """A write-only cell for ``value``: text is cleaned and typed as a string (openpyxl would otherwise store text
    starting with "=" as a live formula); other values are kept as they are, typed by openpyxl."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, bool):  # "Có"/"Không" as a person reads it, never Excel's TRUE/FALSE
        value = yes_no(value)
    if not isinstance(value, str):  # numbers, dates, and cells already made
        return value
    cell = WriteOnlyCell(sheet, value=xlsx_text(value))
    cell.data_type = "s"  # never a formula
    return cell


def xlsx_row(sheet: Any, values: list[Any]) -> list[Any]:
    """A row for a write-only sheet's ``append``, every text cell through ``xlsx_cell``."""
    return [xlsx_cell(sheet, value) for value in values]
