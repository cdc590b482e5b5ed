"""Offline activities keep their units (`loa log add --unit "băng rôn"`): stored with the entry, shown by `loa log
--long`, exported as their own column, and summed per unit in the report, never across units."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from conftest import campaign_toml
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from support.organization import fill_organization

SLUG = "tuan-le"


@pytest.fixture
def campaign(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(SLUG, start=dt.date(2031, 10, 1)))),
               "--approve")
    fill_organization(project.config)
    return project


def add(project, title: str, count: str | None, *extra: str):
    args = ["log", "add", "--campaign", SLUG, "--kind", "offline", "--title", title, "--date", "2031-10-02"]
    return project.ok(*args, *(["--count", count] if count is not None else []), *extra)


def offline_entries(project):
    return project.json("log", "--kind", "offline")["entries"]


def test_the_unit_is_stored_shown_and_exported(campaign):
    add(campaign, "Treo băng rôn", "3", "--unit", "  băng   rôn ", "--place", "Trụ sở Sở")
    add(campaign, "Phát tờ rơi", "500")
    entries = offline_entries(campaign)
    assert [e["detail"] for e in entries] == [{"unit": "băng rôn"}, None]  # one line, single spaces
    long = campaign.ok("--lang", "vi", "log", "--kind", "offline", "--long", env={"COLUMNS": "200"}).stdout
    assert "số lượng 3 băng rôn" in long and "số lượng 500" in long

    target = campaign.root / "nhat-ky.csv"
    campaign.ok("--lang", "vi", "log", "export", "--format", "csv", "-o", str(target), "--kind", "offline")
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"), newline="")))
    assert [(r["Số lượng"], r["Đơn vị"]) for r in rows] == [("3", "băng rôn"), ("500", "")]

    book = campaign.root / "nhat-ky.xlsx"
    campaign.ok("--lang", "vi", "log", "export", "--format", "xlsx", "-o", str(book), "--kind", "offline")
    sheet = load_workbook(book).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[header.index("Số lượng") + 1] == "Đơn vị"  # beside its count
    values = [dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [(v["Số lượng"], v["Đơn vị"]) for v in values] == [(3, "băng rôn"), (500, None)]


def test_a_photo_and_a_unit_are_kept_together(campaign):
    from PIL import Image

    photo = campaign.root / "anh.png"
    Image.new("RGB", (8, 8), "red").save(photo)
    add(campaign, "Treo băng rôn", "3", "--unit", "băng rôn", "--photo", str(photo))
    detail = offline_entries(campaign)[0]["detail"]
    assert detail["unit"] == "băng rôn" and detail["photo"].startswith("log-photos/")


def test_the_report_sums_counts_per_unit_never_across(campaign):
    add(campaign, "Treo băng rôn tại trụ sở", "3", "--unit", "băng rôn")
    add(campaign, "Phát tờ rơi", "500", "--unit", "tờ rơi")
    add(campaign, "Treo băng rôn ở phường", "2", "--unit", "Băng rôn")  # one unit, however it is capitalised
    add(campaign, "Hội sách", "4")
    path = campaign.root / "bao-cao.docx"
    campaign.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08")
    document = Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert ("Đã tổ chức 4 hoạt động tuyên truyền trực tiếp (số lượng: 5 băng rôn, 500 tờ rơi, "
            "4 chưa ghi đơn vị):") in text
    assert "509" not in text and "tổng số lượng" not in text
    table = next(t for t in document.tables if t.rows[0].cells[-1].text == "Số lượng")
    assert [row.cells[-1].text for row in table.rows[1:]] == ["3 băng rôn", "500 tờ rơi", "2 Băng rôn", "4"]

    english = campaign.root / "report.docx"
    campaign.ok("--lang", "en", "report", "--campaign", SLUG, "-o", str(english), "--date", "2031-10-08")
    text = "\n".join(p.text for p in Document(english).paragraphs)
    assert "4 offline activities were held (counts: 5 băng rôn, 500 tờ rơi, 4 without a unit):" in text

    book = campaign.root / "bao-cao.xlsx"
    campaign.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(book), "--format", "xlsx")
    summary = {row[0]: row[1] for row in load_workbook(book)["Tổng hợp"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Số lượng (hoạt động trực tiếp) – băng rôn"] == 5
    assert summary["Số lượng (hoạt động trực tiếp) – tờ rơi"] == 500
    assert summary["Số lượng (hoạt động trực tiếp) – chưa ghi đơn vị"] == 4
    assert "Tổng số lượng (hoạt động trực tiếp)" not in summary


@pytest.mark.parametrize(("extra", "count", "words"), [
    (["--unit", "x" * 41], "3", "41 characters long, at most 40"),
    (["--unit", "băng\x1brôn"], "3", "U+001B"),
    (["--unit", "băng rôn", "--kind", "note"], None, "goes with a count"),
])
def test_a_bad_unit_is_one_line_and_nothing_is_written(campaign, extra, count, words):
    before = campaign.counts()
    args = ["log", "add", "--campaign", SLUG, "--kind", "offline", "--title", "Treo băng rôn", *extra,
            *(["--count", count] if count is not None else [])]
    message = campaign.fails(*args)
    assert message.startswith("error: --unit: ") and words in message
    assert campaign.counts() == before


def test_a_bad_unit_is_refused_in_vietnamese(campaign):
    message = campaign.fails("--lang", "vi", "log", "add", "--campaign", SLUG, "--title", "Hội sách",
                             "--count", "3", "--unit", "x" * 41)
    assert message == "lỗi: --unit: đơn vị tính dài 41 ký tự, tối đa 40 ký tự"


def test_count_is_still_required_for_an_offline_activity(campaign):
    message = campaign.fails("log", "add", "--campaign", SLUG, "--title", "Treo băng rôn", "--unit", "băng rôn")
    assert "--count" in message


UNITS = st.sampled_from([None, "băng rôn", "Băng rôn", "tờ rơi", "người tham dự", "buổi"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activities=st.lists(st.tuples(UNITS, st.integers(0, 10_000)), max_size=8))
def test_per_unit_sums_match_the_log(campaign, activities):
    from loa.posts.db import open_database
    from loa.posts.outreach_manual import add_manual_entry
    from loa.scheduler.report.figures import compute_figures

    campaign.sql("DELETE FROM outreach_entries WHERE kind = 'offline'")
    db = open_database(f"sqlite:///{campaign.db_path}")
    try:
        for unit, count in activities:
            add_manual_entry(db, campaign=SLUG, kind="offline", title="Hoạt động", count=str(count), unit=unit,
                             media_dir=campaign.root / "var" / "media", day="2031-10-02")
        with db.session() as session:
            figures = compute_figures(session, SLUG)
    finally:
        db.dispose()
    expected: dict[str | None, int] = {}
    for unit, count in activities:
        key = unit.casefold() if unit else None
        expected[key] = expected.get(key, 0) + count
    got = {(unit.casefold() if unit else None): total for unit, total in figures.offline_units}
    assert got == expected and len(got) == len(figures.offline_units)  # one group per unit, no sum across
    assert [unit for unit, _ in figures.offline_units][-1:] == ([None] if None in expected else
                                                                [u for u, _ in figures.offline_units][-1:])
    assert figures.offline_activities == len(activities)
