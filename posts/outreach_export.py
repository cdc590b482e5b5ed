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
from .files import replaced_when_done
from .i18n import t

FORMATS = ("csv", "xlsx", "jsonl")
# (key, width in characters in the spreadsheet); the header is t("logcmd.col_<key>")
COLUMNS = (("id", 8), ("at", 17), ("at_utc", 21), ("kind", 12), ("campaign", 24), ("channel", 12),
           ("post_id", 8), ("delivery_id", 9), ("title", 50), ("count", 9), ("place", 24), ("remote_id", 24),
           ("permalink", 40), ("error", 40), ("metrics", 30), ("detail", 60))
DATE_FORMAT = "dd/mm/yyyy hh:mm"
XLSX_TEXT_LIMIT = 32_767  # characters Excel keeps in a cell
# Text a spreadsheet would run as a formula when it opens a CSV: such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def detail_json(detail: dict[str, Any] | None) -> str | None:
    return None if detail is None else json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def metrics_summary(kind: str, detail: dict[str, Any] | None) -> str | None:
    """``reactions=12, comments=3, views=–``: a metrics snapshot on one line; an unreadable figure is ``–``."""
    if not detail:
        return None
    source = detail.get("metrics") if isinstance(detail.get("metrics"), dict) else detail if kind == "metrics" else None
    if not source:
        return None
    parts = []
    for name, value in source.items():
        if isinstance(value, dict):
            value = value.get("value", value.get("count"))
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            parts.append(f"{name}={value}")
        elif value is None:
            parts.append(f"{name}=–")
    return ", ".join(parts) or None


def flat_row(entry: dict[str, Any]) -> list[Any]:
    """One entry as the export's columns (the ``at`` cell as the local wall-clock time, naive)."""
    detail = entry["detail"] if isinstance(entry["detail"], dict) else None
    found = detail or {}
    error = found.get("error")
    return [entry["id"], dt.datetime.fromisoformat(entry["at"]).replace(tzinfo=None), entry["at_utc"], entry["kind"],
            entry["campaign"], entry["channel"], entry["post_id"], entry["delivery_id"], entry["title"],
            entry["count"], entry["place"], _text(found.get("remote_id")), _text(found.get("permalink")),
            _text(error), metrics_summary(entry["kind"], detail), detail_json(entry["detail"])]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def headers() -> list[str]:
    return [t(f"logcmd.col_{key}") for key, _ in COLUMNS]


def export_log(entries: Iterable[dict[str, Any]], fmt: str, target: Path) -> int:
    """Write ``entries`` to ``target`` in ``fmt``; returns how many. The target appears only when complete."""
    writers: dict[str, Callable[[Iterable[dict[str, Any]], Path], int]] = {
        "csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl}
    if fmt not in writers:
        raise UserError(t("logcmd.err_format", format=fmt, known=", ".join(FORMATS)), where="--format")
    if target.is_dir():
        raise UserError(t("logcmd.err_output_is_folder", path=target), where="-o")
    opened = False
    try:
        with replaced_when_done(target) as temporary:
            opened = True
            return writers[fmt](entries, temporary)
    except OSError as exc:
        if opened:  # the folder took the file, then writing failed (a full disk): a runtime failure
            raise
        raise UserError(t("logcmd.err_output_unwritable", path=target, error=exc.strerror or exc),
                        where="-o") from None


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return value


def write_csv(entries: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    # utf-8-sig writes the BOM Excel needs to read Vietnamese as UTF-8; newline="" lets csv write its \r\n
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(headers())
        for entry in entries:
            writer.writerow([_csv_cell(value) for value in flat_row(entry)])
            count += 1
    return count


def write_jsonl(entries: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        for entry in entries:
            stream.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
            stream.write("\n")
            count += 1
    return count


def write_xlsx(entries: Iterable[dict[str, Any]], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
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
    at_column = [key for key, _ in COLUMNS].index("at")

    def text(value: str) -> Any:
        if ILLEGAL_CHARACTERS_RE.search(value):  # control characters are not allowed in the file format
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if len(value) > XLSX_TEXT_LIMIT:
            value = value[:XLSX_TEXT_LIMIT - 1] + "…"
        if value.startswith("="):  # openpyxl would store it as a formula; a title is text
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    count = 0
    for entry in entries:
        row = flat_row(entry)
        for index, value in enumerate(row):
            if isinstance(value, str):
                row[index] = text(value)
        moment = WriteOnlyCell(sheet, value=row[at_column])
        moment.number_format = DATE_FORMAT
        row[at_column] = moment
        sheet.append(row)
        count += 1
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    workbook.save(path)
    return count
