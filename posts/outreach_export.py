"""``loa log export``: the outreach log as CSV (UTF-8 with a BOM, for Excel), XLSX (typed cells) or JSON Lines.

Entries stream from the database into the file one at a time (the XLSX sheet's rows go straight into its zip,
posts/xlsx_stream.py), so a log of 100,000 entries exports in bounded memory. The file is written beside the target
and renamed at the end: nothing half-written is ever left under the target's name.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import UserError
from .files import replaced_when_done, writable_target
from .i18n import t
from .vocabulary import label
from .spreadsheet import csv_text

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


# one encoder for every row (json.dumps with options builds a new one per call: exports run to 100,000 rows)
_DETAIL_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def detail_json(detail: dict[str, Any] | None) -> str | None:
    return None if detail is None else _DETAIL_ENCODER.encode(detail)


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
    """Typed cells (numbers, a date for the local time, text never a formula) under a bold frozen header with an
    autofilter, streamed row by row into the file (posts/xlsx_stream.py: the libraries are 5-10 times slower)."""
    from .xlsx_stream import MAX_ROWS, TooManyRows, write_sheet

    kind_words: dict[str, str] = {}

    def rows() -> Iterator[list[Any]]:
        for entry in entries:
            row = flat_row(entry, kind_words)
            row[1] = dt.datetime.fromisoformat(row[1])  # a typed date cell
            yield row

    try:
        return write_sheet(path, title=t("logcmd.sheet_title"), headers=headers(),
                           widths=[width for _, width in COLUMNS], rows=rows(), date_format=DATE_FORMAT)
    except TooManyRows:
        raise UserError(t("logcmd.err_xlsx_rows", most=MAX_ROWS - 1), where="--format") from None
