"""``loa log export``: the outreach log as CSV (UTF-8 with a BOM, for Excel), XLSX (typed cells) or JSON Lines.

Entries stream from the database into the file one at a time (openpyxl in write-only mode), so a log of
100,000 entries exports in bounded memory. The file is written beside the target and renamed at the end:
nothing half-written is ever left under the target's name.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import UserError
from .files import replaced_when_done, writable_target
from .i18n import t
from .vocabulary import label
from .spreadsheet import ILLEGAL_XML, XLSX_TEXT_LIMIT, csv_text, xlsx_cell
from .spreadsheet import xlsx_text as _xlsx_text

FORMATS = ("csv", "xlsx", "jsonl")
# (key, width in characters in the spreadsheet); the header is t("logcmd.col_<key>"). "kind" is the word a person
# reads ("xếp lịch"), "kind_code" the stored code ("queued") for machines: last, so earlier columns keep their place.
# "unit" sits beside "count" (a person reads "3 | băng rôn"), although a column added later would keep places.
LOG_COLUMNS = (("id", 8), ("at", 17), ("at_utc", 21), ("kind", 22), ("campaign", 24), ("channel", 12),
               ("post_id", 8), ("delivery_id", 9), ("title", 50), ("count", 9), ("unit", 14), ("place", 24),
               ("remote_id", 24), ("permalink", 40), ("error", 40), ("metrics", 30), ("by", 16), ("detail", 60))
_LOGCMD_COLUMNS = tuple(column for column in LOG_COLUMNS if column[0] != "unit")  # headers in [logcmd]
COLUMNS = (*LOG_COLUMNS, ("kind_code", 14))
TEXT_COLUMNS = ("kind", "campaign", "channel", "title", "unit", "place", "remote_id", "permalink", "error", "metrics",
                "by", "kind_code")
DATE_FORMAT = "dd/mm/yyyy hh:mm"


def detail_json(detail: dict[str, Any] | None) -> str | None:
    return None if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def metrics_summary(kind: str, detail: dict[str, Any] | None) -> str | None:
    """``reactions=12, comments=3, views=–``: a metrics reading on one line; an unavailable figure is ``–``.

    Readings (scheduler/metrics.py) are ``{"metrics": {name: number}, "unavailable": {name: reason}}``.
    """
    if kind != "metrics" or not detail:
        return None
    values = detail.get("metrics") if isinstance(detail.get("metrics"), dict) else {}
    unavailable = detail.get("unavailable") if isinstance(detail.get("unavailable"), dict) else {}
    parts = [f"{name}={value}" for name, value in values.items()
             if isinstance(value, (int, float)) and not isinstance(value, bool)]
    parts += [f"{name}=–" for name in unavailable if name not in values]
    return ", ".join(parts) or None


def flat_row(entry: dict[str, Any], kind_words: dict[str, str] | None = None) -> list[Any]:
    """One entry as the export's columns; ``at`` as the local wall-clock time, ``YYYY-MM-DD HH:MM:SS``.

    ``kind_words`` caches the kinds' words (one t() per kind, not per row: exports run to 100,000 rows)."""
    kind = entry["kind"]
    if kind_words is None:
        kind_words = {}
    if kind not in kind_words:
        kind_words[kind] = label("kind", kind)
    detail = entry["detail"]
    unit = detail.get("unit") if isinstance(detail, dict) else None  # "băng rôn" of `loa log add --unit`
    if isinstance(detail, dict) and detail:
        remote_id, permalink, error = detail.get("remote_id"), detail.get("permalink"), detail.get("error")
        by = detail.get("by")
        extra = [None if remote_id is None else str(remote_id), None if permalink is None else str(permalink),
                 None if error is None else str(error), metrics_summary(entry["kind"], detail),
                 None if by is None else str(by)]
    else:
        extra = [None, None, None, None, None]
    return [entry["id"], entry["at"][:19].replace("T", " "), entry["at_utc"], kind_words[kind], entry["campaign"],
            entry["channel"], entry["post_id"], entry["delivery_id"], entry["title"], entry["count"],
            unit if isinstance(unit, str) else None, entry["place"],
            *extra, detail_json(detail), kind]


def headers() -> list[str]:
    words = {key: t(f"logcmd.col_{key}") for key, _ in _LOGCMD_COLUMNS}
    words["unit"] = t("names.col_unit")  # its header is in the locales' [names] table
    return [*(words[key] for key, _ in LOG_COLUMNS), t("vocab.col_kind_code")]


def export_log(entries: Iterable[dict[str, Any]], fmt: str, target: Path) -> int:
    """Write ``entries`` to ``target`` in ``fmt``; returns how many. The target appears only when complete."""
    writers: dict[str, Callable[[Iterable[dict[str, Any]], Path], int]] = {
        "csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
    if fmt not in writers:
        raise UserError(t("logcmd.err_format", format=fmt, known=", ".join(FORMATS)), where="--format")
    if target.is_dir():
        raise UserError(t("logcmd.err_output_is_folder", path=target), where="-o")
    writable_target(target, where="-o")  # a device or a FIFO is refused, never replaced by a regular file
    opened = False
    try:
        with replaced_when_done(target, where="-o") as temporary:
            opened = True
            return writers[fmt](entries, temporary)
    except OSError as exc:
        if opened:  # the folder took the file, then writing failed (a full disk): a runtime failure
            raise
        raise UserError(t("logcmd.err_output_unwritable", path=target, error=exc.strerror or exc),
                        where="-o") from None


def write_csv(entries: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    texts = [index for index, (key, _) in enumerate(COLUMNS) if key in TEXT_COLUMNS]
    # utf-8-sig writes the BOM Excel needs to read Vietnamese as UTF-8; newline="" lets csv write its \r\n
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(headers())
        kind_words: dict[str, str] = {}
        for entry in entries:
            row = flat_row(entry, kind_words)
            for index in texts:
                if row[index]:
                    row[index] = csv_text(row[index])
            writer.writerow(row)
            count += 1
    return count


def write_jsonl(entries: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        for entry in entries:
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
            if "\u2028" in line or "\u2029" in line or "\x85" in line:  # line breaks to many readers: escaped
                line = line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
            stream.write(line)
            stream.write("\n")
            count += 1
    return count


def write_xlsx(entries: Iterable[dict[str, Any]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(t("logcmd.sheet_title"))
    # write-only sheets take their layout before the first row, and the filter before saving
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header_row = []
    for label in headers():
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill, cell.alignment = bold, fill, Alignment(vertical="center")
        header_row.append(cell)
    sheet.append(header_row)
    date_cell = WriteOnlyCell(sheet, value=dt.datetime(2000, 1, 1))
    date_cell.number_format = DATE_FORMAT
    rows = _FastRows(sheet, date_cell)
    count, kind_words = 0, dict[str, str]()
    for entry in entries:
        row = flat_row(entry, kind_words)
        row[1] = dt.datetime.fromisoformat(row[1])  # a typed date cell
        rows.append(row)
        count += 1
    rows.flush()
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.save(path)
    return count


class _FastRows:
    """Appends plain rows (text, whole numbers, naive datetimes) to a write-only sheet, about ten times faster.

    openpyxl makes a cell object per value and an XML element per cell (about 25 µs a cell on a small server:
    40 s for 100,000 entries). The log's rows need none of that: they are written as XML text, a batch at a time,
    parsed by lxml in C and handed to the sheet's own XML stream. Text becomes inline strings (so a title starting
    with "=" stays text), numbers numbers, times numbers with the date style taken from a real styled cell. This
    leans on two internals of openpyxl's write-only sheet (``_values_to_row`` and its writer's ``write_row``) and
    on lxml; without them rows go through ``append`` cell by cell, slower but the same file.
    """

    BATCH = 500  # rows parsed at a time

    def __init__(self, sheet: Any, date_cell: Any) -> None:
        from openpyxl.utils import get_column_letter
        from openpyxl.utils.datetime import to_excel

        self.sheet, self.to_excel = sheet, to_excel
        self.date_style = str(date_cell.style_id)  # registers the number format with the workbook
        self.letters = [get_column_letter(i) for i in range(1, len(COLUMNS) + 1)]
        self.next_row = 2  # after the header
        self.pending: list[str] = []
        self.fast = self._hook(sheet)

    def _hook(self, sheet: Any) -> bool:
        from openpyxl import LXML

        writer_of = getattr(sheet, "_get_writer", None)
        if not LXML or writer_of is None or not hasattr(sheet, "_values_to_row"):
            return False
        writer_of()
        writer = getattr(sheet, "_writer", None)
        if writer is None or not hasattr(writer, "write_row"):
            return False
        from lxml import etree

        plain_values, plain_write = sheet._values_to_row, writer.write_row

        def values_to_row(values: Any, row_index: int) -> Any:
            return values if isinstance(values, _Batch) else plain_values(values, row_index)

        def write_row(xf: Any, row: Any, row_index: int) -> None:
            if isinstance(row, _Batch):
                xf.write(*etree.fromstring(row.xml))
            else:
                plain_write(xf, row, row_index)

        sheet._values_to_row, writer.write_row = values_to_row, write_row
        return True

    def append(self, values: list[Any]) -> None:
        if not self.fast:
            self._append_cells(values)
            return
        self.pending.append(self._row_xml(values, self.next_row))
        self.next_row += 1
        if len(self.pending) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.sheet.append(_Batch(f"<rows>{''.join(self.pending)}</rows>"))
            self.pending = []

    def _row_xml(self, values: list[Any], row_index: int) -> str:
        # One look at all the row's text first: most rows need no cleaning or escaping at all.
        texts = "\n".join(value for value in values if type(value) is str)
        careful = (len(texts) > XLSX_TEXT_LIMIT or ILLEGAL_XML.search(texts) is not None
                   or "&" in texts or "<" in texts or ">" in texts or "\r" in texts)
        parts = [f'<row r="{row_index}">']
        for letter, value in zip(self.letters, values):
            if value is None:
                continue
            if type(value) is str:
                if careful:
                    value = _escape(_xlsx_text(value))
                if not value:  # an empty cell, as openpyxl leaves it
                    continue
                if value[0].isspace() or value[-1].isspace():
                    parts.append(f'<c r="{letter}{row_index}" t="inlineStr"><is><t xml:space="preserve">{value}'
                                 '</t></is></c>')
                else:
                    parts.append(f'<c r="{letter}{row_index}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif type(value) is int:
                parts.append(f'<c r="{letter}{row_index}" t="n"><v>{value}</v></c>')
            elif isinstance(value, dt.datetime):
                parts.append(f'<c r="{letter}{row_index}" t="n" s="{self.date_style}"><v>'
                             f'{self.to_excel(value)!r}</v></c>')
            else:
                parts.append(f'<c r="{letter}{row_index}" t="n"><v>{value!r}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    def _append_cells(self, values: list[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell

        row = []
        for value in values:
            if isinstance(value, str):
                value = xlsx_cell(self.sheet, value)
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = DATE_FORMAT
                value = cell
            row.append(value)
        self.sheet.append(row)


def _escape(text: str) -> str:
    # a carriage return is kept as a character reference: XML parsers turn a literal one into a line feed
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class _Batch(list):  # type: ignore[type-arg]  # a list, because the sheet's append accepts nothing else
    """Rows as XML text for ``_FastRows``."""

    def __init__(self, xml: str) -> None:
        super().__init__()
        self.xml = xml
