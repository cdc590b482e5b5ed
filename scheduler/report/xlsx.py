"""The report as XLSX: a summary sheet (the document's figures) and a detail sheet (every published delivery).

openpyxl's write-only mode streams rows to the file, so the detail sheet of 100,000 entries stays in bounded
memory. Cells are typed (dates, integers, booleans); a metric that is unavailable is the text "no data", never 0.
Every text goes through posts.spreadsheet, as in ``loa log export``: a title starting with "=" stays text.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from loa.posts.i18n import t
from loa.posts.spreadsheet import xlsx_cell, xlsx_row

from .figures import METRICS, MetricTotal, Published, ReportFigures


def _header(sheet: WriteOnlyWorksheet, names: list[str], widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for name in names:
        cell = xlsx_cell(sheet, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cells.append(cell)
    sheet.append(cells)


def _bold(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = xlsx_cell(sheet, text)
    cell.font = Font(bold=True)
    return cell


def _metric(total: MetricTotal) -> int | str:
    return total.total if total.available else t("report.no_data")


def _naive(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no timezones: the local wall-clock time, as the document shows it."""
    return None if moment is None else moment.replace(tzinfo=None)


def _summary(workbook: Workbook, figures: ReportFigures) -> None:
    sheet = workbook.create_sheet(t("report.sheet_summary"))
    _header(sheet, [t("report.col_item"), t("report.col_value"), t("report.col_note")], [44, 18, 40])
    rows: list[list[object]] = [
        [t("report.item_campaign"), figures.name, figures.slug],
        [t("report.item_period"), figures.start, figures.end],
        [t("report.item_published"), figures.published, None],
        [t("report.item_posts"), figures.posts_published, None],
        *([f"{t('report.item_published')} – {figures.channel_name(channel)}", count, None]
          for channel, count in sorted(figures.published_per_channel.items())),
        [t("report.item_on_time"), figures.on_time, None],
        [t("report.item_late"), figures.late, None],
        [t("report.item_failed"), figures.failed, None],
        *([f"{t('report.item_failed')} – {reason}", count, None] for reason, count in figures.failed_reasons),
        [t("report.item_missed"), figures.missed, None],
        [t("report.item_retries"), figures.retries, None],
        [t("fix.action_update"), figures.corrected, None],  # "đính chính"
        [t("fix.action_delete"), figures.taken_down, None],  # "gỡ bài"
        [t("report.metric_interactions"), _metric(figures.interactions),
         t("report.known_note", known=figures.interactions.known, of=figures.interactions.of)],
        *([t(f"report.metric_{name}"), _metric(total), t("report.known_note", known=total.known, of=total.of)]
          for name, total in figures.metric_totals.items()),
        [t("report.item_offline"), figures.offline_activities, None],
        *([t("names.item_offline_unit", unit=unit) if unit else t("names.item_offline_no_unit"), count, None]
          for unit, count in figures.offline_units),
    ]
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    sheet.append([])
    channels = figures.channels
    first = t("report.col_month") if figures.by_month else t("report14.col_week") if figures.by_week else None
    sheet.append([_bold(sheet, first or t("report.col_day")),
                  *(_bold(sheet, figures.channel_name(c)) for c in channels), _bold(sheet, t("report.col_total")),
                  _bold(sheet, t("report.col_interactions"))])
    for period in figures.periods:
        interactions = t("report.no_data") if period.interactions is None else period.interactions
        sheet.append(xlsx_row(sheet, [period.label if first else period.start,
                                      *(period.per_channel.get(c, 0) for c in channels), period.posts,
                                      interactions]))
    if figures.changes:
        sheet.append([])
        sheet.append([_bold(sheet, t("report.col_time")), _bold(sheet, t("report.col_channel")),
                      _bold(sheet, t("report.col_title")), _bold(sheet, t("fix.report_col_action"))])
        words = {"corrected": t("fix.action_update"), "taken_down": t("fix.action_delete")}
        for change in figures.changes:
            sheet.append(xlsx_row(sheet, [_naive(change.at), figures.channel_name(change.channel), change.title,
                                          words[change.kind]]))
    if figures.offline:
        sheet.append([])
        sheet.append([_bold(sheet, t("report.col_date")), _bold(sheet, t("report.col_activity")),
                      _bold(sheet, t("report.col_place")), _bold(sheet, t("report.col_count")),
                      _bold(sheet, t("names.col_unit"))])
        for item in figures.offline:
            sheet.append(xlsx_row(sheet, [item.day, item.title, item.place, item.count, item.unit]))


def _detail(workbook: Workbook, rows: Iterable[Published], *, approvers: bool = False) -> None:
    sheet = workbook.create_sheet(t("report.sheet_detail"))
    names = [t("report.col_time"), t("report.col_due"), t("report.col_delay"), t("report.col_on_time"),
             t("report.col_channel"), t("report.col_title"), t("report.col_link"),
             *(t(f"report.metric_{name}") for name in METRICS), *([t("review.col_approved_by")] if approvers else [])]
    _header(sheet, names, [18, 18, 10, 10, 12, 60, 45, *([12] * len(METRICS)), *([20] if approvers else [])])
    count, no_data = 0, t("report.no_data")  # t() once: it looks the language up on every call
    for row in rows:
        delay = row.delay_s
        sheet.append(xlsx_row(sheet, [
            _naive(row.at), _naive(row.due_at), None if delay is None else round(delay), row.on_time, row.channel,
            row.title, row.permalink,
            *(no_data if row.metrics[name] is None else row.metrics[name] for name in METRICS),
            *([row.approved_by] if approvers else [])]))
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"


def _named(rows: Iterable[Published], figures: ReportFigures) -> Iterable[Published]:
    """The detail rows with their channel as people read it, as the summary names it."""
    for row in rows:
        row.channel = figures.channel_name(row.channel)
        yield row


def xlsx_bytes(figures: ReportFigures, rows: Iterable[Published]) -> bytes:
    workbook = Workbook(write_only=True)
    _summary(workbook, figures)
    _detail(workbook, _named(rows, figures), approvers=figures.approvers)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
