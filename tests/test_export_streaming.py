"""`loa log export --format xlsx` streams its sheet straight into the zip (posts/xlsx_stream.py): the file must be
what a spreadsheet library writes. Checked three ways: cell by cell against the same rows written by openpyxl,
opened by openpyxl for what an officer relies on, and converted by LibreOffice as an office would open it.

LibreOffice (soffice with Calc) is installed by .ci/run: a missing one fails, never skips.
"""
from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Campaign, OutreachEntry
from loa.posts.outreach_export import COLUMNS, DATE_FORMAT, export_log, flat_row, headers
from loa.posts.outreach_log import LogFilter, iter_entries
from loa.posts.spreadsheet import xlsx_text

UTC = dt.timezone.utc
FORMULA = '=HYPERLINK("http://evil.example", "bấm vào đây")'
LONG = "Bài dài " * 5000  # 40,000 characters: past Excel's 32,767 per cell
# (at, kind, channel, title, count, place, detail): every kind of value a log row holds
ROWS = [
    (dt.datetime(2031, 10, 2, 1, 30, tzinfo=UTC), "offline", None, "Treo băng rôn, khẩu hiệu tại trụ sở Sở", 3,
     "Cần Thơ", {"unit": "băng rôn", "by": "Nguyễn Thị Hoà"}),
    (dt.datetime(2031, 10, 2, 2, 0, tzinfo=UTC), "published", "facebook", FORMULA, None, None,
     {"remote_id": "123_456", "permalink": "https://www.facebook.com/123_456?a=1&b=<2>", "attempt": 1}),
    (dt.datetime(2031, 10, 2, 3, 15, 59, tzinfo=UTC), "failed", "portal", "+84 Đường dây nóng @sở -1", None, None,
     {"error": "HTTP 500\r\nmáy chủ lỗi", "class": "permanent"}),
    (dt.datetime(2031, 10, 3, 16, 59, tzinfo=UTC), "note", None, "Ghi\x01chú\x0b cũ\x1f từ\ufffe trước", None,
     "  Phường Ninh Kiều  ", None),  # control characters of a row stored before input refused them
    (dt.datetime(2031, 10, 4, 0, 0, tzinfo=UTC), "metrics", "facebook", LONG, None, None,
     {"metrics": {"reactions": 12, "comments": 3}, "unavailable": {"views": "thiếu quyền"}}),
    (dt.datetime(2031, 10, 5, 23, 59, 59, tzinfo=UTC), "offline", None, "\x02\x03", 0, None, None),  # nothing left
]


@pytest.fixture
def database(tmp_path):
    from loa.posts.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'loa.db'}", create=True)
    with db.transaction() as session:
        campaign = Campaign(slug="tuan-le", name="Tuần lễ", start_date=dt.date(2031, 10, 1),
                            end_date=dt.date(2031, 10, 7), timezone="Asia/Ho_Chi_Minh", channels=["portal"],
                            hashtags=[])
        session.add(campaign)
        session.flush()
        for at, kind, channel, title, count, place, detail in ROWS:
            session.add(OutreachEntry(at=at, kind=kind, campaign_id=campaign.id, channel=channel, title=title,
                                      count=count, place=place, detail=detail))
    yield db
    db.dispose()


def export(database, target: Path, fmt: str = "xlsx") -> int:
    with database.session() as session, closing(iter_entries(session, LogFilter(), default_timezone="UTC")) as entries:
        return export_log(entries, fmt, target)


def reference_xlsx(database, target: Path) -> None:
    """The same rows written by openpyxl (normal mode), with the rules the export promises: text typed as text,
    cleaned of what XML forbids; the local time a dated number; a bold, light-blue, frozen header; an autofilter."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("logcmd.sheet_title")
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font, cell.alignment = Font(bold=True), Alignment(vertical="center")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    with database.session() as session, closing(iter_entries(session, LogFilter(), default_timezone="UTC")) as entries:
        for number, entry in enumerate(entries, start=2):
            for column, value in enumerate(flat_row(entry), start=1):
                if value is None:
                    continue
                cell = sheet.cell(number, column)
                if column == 2:
                    cell.value, cell.number_format = dt.datetime.fromisoformat(value), DATE_FORMAT
                elif isinstance(value, str):
                    cell.value = xlsx_text(value) or None
                    cell.data_type = "s"  # never a formula
                else:
                    cell.value = value
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{sheet.max_row}"
    workbook.save(target)


def cells(path: Path) -> dict[str, object]:
    sheet = load_workbook(path).active
    header = sheet[1]
    return {
        "title": sheet.title,
        "cells": [[(c.value, c.data_type, c.number_format if c.value is not None else None) for c in row]
                  for row in sheet.iter_rows()],
        "header": [(c.font.b, c.fill.fill_type, c.fill.fgColor.rgb[-6:], c.alignment.vertical) for c in header],
        "freeze": sheet.freeze_panes,
        "filter": sheet.auto_filter.ref,
        "widths": [sheet.column_dimensions[get_column_letter(i)].width for i in range(1, len(COLUMNS) + 1)],
    }


def test_the_streamed_sheet_is_what_openpyxl_writes(database, tmp_path):
    streamed, reference = tmp_path / "streamed.xlsx", tmp_path / "reference.xlsx"
    assert export(database, streamed) == len(ROWS)
    reference_xlsx(database, reference)
    ours, theirs = cells(streamed), cells(reference)
    assert len(ours["cells"]) == len(ROWS) + 1
    for number, (mine, expected) in enumerate(zip(ours["cells"], theirs["cells"]), start=1):
        assert mine == expected, f"row {number}"
    assert ours == theirs


def test_what_an_officer_relies_on_survives_the_stream(database, tmp_path):
    target = tmp_path / "nhat-ky.xlsx"
    export(database, target)
    sheet = load_workbook(target).active
    by_kind = {row[18].value: row for row in sheet.iter_rows(min_row=2)}
    assert [c.value for c in sheet[1]] == headers() and all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:S{len(ROWS) + 1}"
    offline = next(sheet.iter_rows(min_row=2))
    assert offline[0].data_type == "n" and isinstance(offline[0].value, int)
    assert offline[1].value == dt.datetime(2031, 10, 2, 8, 30) and offline[1].number_format == DATE_FORMAT
    assert offline[8].value == "Treo băng rôn, khẩu hiệu tại trụ sở Sở" and offline[9].value == 3
    assert offline[10].value == "băng rôn" and offline[16].value == "Nguyễn Thị Hoà"
    published = by_kind["published"]
    assert published[8].value == FORMULA and published[8].data_type == "s"  # shown, never run
    assert published[13].value == "https://www.facebook.com/123_456?a=1&b=<2>"
    failed = by_kind["failed"]
    assert failed[8].value == "+84 Đường dây nóng @sở -1" and failed[8].data_type == "s"
    assert failed[14].value == "HTTP 500\r\nmáy chủ lỗi"  # the carriage return kept
    assert failed[1].value == dt.datetime(2031, 10, 2, 10, 15, 59)
    note = by_kind["note"]
    assert note[8].value == "Ghichú cũ từ trước" and note[11].value == "  Phường Ninh Kiều  "
    metrics = by_kind["metrics"]
    assert len(metrics[8].value) == 32_767 and metrics[8].value.endswith("…")
    assert metrics[15].value == "reactions=12, comments=3, views=–"
    last = list(sheet.iter_rows(min_row=len(ROWS) + 1))[0]
    assert last[8].value is None and last[9].value == 0  # a title of control characters only: an empty cell
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the file


def test_libreoffice_opens_it_as_an_office_would(database, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is needed: .ci/run installs libreoffice-calc-nogui"
    target = tmp_path / "nhat-ky.xlsx"
    export(database, target)
    profile = tmp_path / "lo-profile"
    # 44 comma, 34 quote, 76 UTF-8, 1 from the first line; the cells as formatted (dates as the sheet shows them)
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path), str(target)],
                   check=True, capture_output=True, timeout=300)
    converted = tmp_path / "nhat-ky.csv"
    assert converted.exists(), "LibreOffice could not read the XLSX"
    with open(converted, encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == headers() and len(rows) == len(ROWS) + 1
    by_kind = {row[18]: row for row in rows[1:]}
    assert rows[1][1] == "02/10/2031 08:30" and rows[1][8] == "Treo băng rôn, khẩu hiệu tại trụ sở Sở"
    assert rows[1][9] == "3"
    assert by_kind["published"][8] == FORMULA  # the text itself: a formula would show its result
    assert by_kind["failed"][8] == "+84 Đường dây nóng @sở -1"
    assert by_kind["note"][8] == "Ghichú cũ từ trước"


def test_more_rows_than_a_sheet_holds_is_refused_and_leaves_nothing(database, tmp_path, monkeypatch):
    import loa.posts.xlsx_stream

    monkeypatch.setattr(loa.posts.xlsx_stream, "MAX_ROWS", 4)  # a header and three rows
    target = tmp_path / "nhat-ky.xlsx"
    with pytest.raises(UserError) as refused:
        export(database, target)
    assert refused.value.where == "--format" and "csv" in str(refused.value)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("loa.db")] == []  # no file, no temporary
