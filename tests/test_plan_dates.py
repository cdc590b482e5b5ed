"""Periods, single dates and the header's place-and-date line, as Vietnamese plans write them (posts/plan/periods.py).

A table of every accepted form (and of what is not a period), then property tests: periods generated within a month,
across a month end and across a year end, rendered in every form with random zeros, separators, spaces and commas."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from loa.posts.plan.model import Period, PlanDate
from loa.posts.plan.periods import find_dates, find_periods, find_plan_date

D = dt.date

PERIODS = [
    # (text, plan_year, expected (start, end) or None for "no period")
    ("Tổ chức hưởng ứng Tuần lễ từ ngày 01 tháng 10 năm 2024 đến ngày 07 tháng 10 năm 2024.", None,
     (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ ngày 01/10/2024 đến ngày 07/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ ngày 1 đến ngày 7-10-2018", None, (D(2018, 10, 1), D(2018, 10, 7))),
    ("từ ngày 1-7/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ ngày 1 - 7/10/2019", None, (D(2019, 10, 1), D(2019, 10, 7))),
    ("từ ngày 1–7/10/2019", None, (D(2019, 10, 1), D(2019, 10, 7))),
    ("từ ngày 01 đến ngày 07 tháng 10 năm 2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ ngày 01 tháng 10 đến ngày 07 tháng 10 năm 2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("Thời gian: từ 27/9 đến 5/10.", 2024, (D(2024, 9, 27), D(2024, 10, 5))),
    ("từ 28/12 đến 3/1", 2024, (D(2024, 12, 28), D(2025, 1, 3))),
    ("từ ngày 28/12 đến ngày 3/1/2025", None, (D(2024, 12, 28), D(2025, 1, 3))),
    ("từ ngày 28/12/2024 đến ngày 3/1", None, (D(2024, 12, 28), D(2025, 1, 3))),
    ("từ ngày 25/12/2024 đến hết ngày 05/01/2025", None, (D(2024, 12, 25), D(2025, 1, 5))),
    ("Tháng hành động vì an toàn thực phẩm năm 2025 từ ngày 15/4 đến ngày 15/5/2025", None,
     (D(2025, 4, 15), D(2025, 5, 15))),
    ("Từ  ngày , 01/10/2024 ,  đến  ngày 07/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("TỪ NGÀY 1.10.2024 ĐẾN NGÀY 7.10.2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ 7h30 ngày 01/10/2024 (thứ Ba) đến 17 giờ ngày 07/10/2024 (thứ Hai)", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("kể từ ngày 1/10/2024 tới ngày 7/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("Thời gian: 01/10 - 07/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("ngày 01/10/2024 đến ngày 07/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ tháng 3 đến tháng 5 năm 2025", None, (D(2025, 3, 1), D(2025, 5, 31))),
    ("từ tháng 3/2025 đến tháng 5/2025", None, (D(2025, 3, 1), D(2025, 5, 31))),
    ("từ tháng 3-5/2025", None, (D(2025, 3, 1), D(2025, 5, 31))),
    ("từ tháng 11/2024 đến tháng 2/2025", None, (D(2024, 11, 1), D(2025, 2, 28))),
    ("từ tháng 11 đến tháng 2", 2024, (D(2024, 11, 1), D(2025, 2, 28))),
    ("trong tháng 4/2025", None, (D(2025, 4, 1), D(2025, 4, 30))),
    ("trong suốt tháng 2 năm 2024", None, (D(2024, 2, 1), D(2024, 2, 29))),
    ("trong tháng 10", 2024, (D(2024, 10, 1), D(2024, 10, 31))),
    ("từ thứ Ba, ngày 01/10/2024 đến thứ Hai, ngày 07/10/2024", None, (D(2024, 10, 1), D(2024, 10, 7))),
    ("từ ngày 15/11/2024 đến hết tháng 12/2024", None, (D(2024, 11, 15), D(2024, 12, 31))),
    ("từ ngày 15/11 đến hết tháng 2", 2024, (D(2024, 11, 15), D(2025, 2, 28))),
    # not periods
    ("Tháng 4 năm 2025", 2025, None),                          # a bare month: a mention, not the campaign's time
    ("từ 27/9 đến 5/10", None, None),                          # no year anywhere and no plan year
    ("từ ngày 31/9/2024 đến ngày 5/10/2024", None, None),      # 31/9 does not exist
    ("từ ngày 7/10/2024 đến ngày 1/10/2024", None, None),      # end before start
    ("từ ngày 28 đến ngày 3/1/2025", None, None),              # a bare start day after the end day
    ("từ ngày 01/10/1999 đến ngày 07/10/1999", None, None),    # years outside 2000–2100
    ("từ ngày 01/10/2101 đến ngày 07/10/2101", None, None),
    ("2.1. Nội dung: nâng từ 1.2 đến 1.5 lần", 2024, None),    # heading numbers and ratios, not dates
    ("từ 1/10/24 đến 7/10/24", 2024, None),                    # two-digit years are not read
    ("đến hết ngày 05/01/2025", 2025, None),                   # an end without a start is a date, not a period
    ("trong tháng 4-5/2025", 2025, None),
]


@pytest.mark.parametrize(("text", "plan_year", "expected"), PERIODS, ids=[row[0][:50] for row in PERIODS])
def test_period_forms(text: str, plan_year: int | None, expected: tuple[dt.date, dt.date] | None) -> None:
    found = find_periods(text, plan_year=plan_year)
    if expected is None:
        assert found == []
        return
    assert [found_one.value for found_one in found] == [Period(*expected)]
    span = text[found[0].start:found[0].end]
    assert span.lower().lstrip("kể ").startswith(("từ", "ngày", "01", "trong")), span
    assert span[-1].isdigit() or span.endswith(")"), span


def test_several_periods_in_order_with_their_spans() -> None:
    text = ("Giai đoạn 1 từ ngày 01/3/2025 đến ngày 15/3/2025; giai đoạn 2 từ 16/3 đến 31/3/2025, "
            "sơ kết trong tháng 4/2025.")
    found = find_periods(text, plan_year=2025)
    assert [(one.value.start, one.value.end) for one in found] == [
        (D(2025, 3, 1), D(2025, 3, 15)), (D(2025, 3, 16), D(2025, 3, 31)), (D(2025, 4, 1), D(2025, 4, 30))]
    assert [text[one.start:one.end] for one in found] == [
        "từ ngày 01/3/2025 đến ngày 15/3/2025", "từ 16/3 đến 31/3/2025", "trong tháng 4/2025"]


DATES = [
    ("báo cáo kết quả về Sở trước ngày 15/10/2024.", None, [D(2024, 10, 15)]),
    ("15-10-2024", None, [D(2024, 10, 15)]),
    ("15.10.2024", None, [D(2024, 10, 15)]),
    ("ngày 15 tháng 10 năm 2024", None, [D(2024, 10, 15)]),
    ("ngày 15 tháng 10", 2024, [D(2024, 10, 15)]),
    ("Ngày Khuyến học Việt Nam 02/10", 2024, [D(2024, 10, 2)]),
    ("ngày 15-10", 2024, [D(2024, 10, 15)]),
    ("từ ngày 1-7/10/2024", None, [D(2024, 10, 7)]),
    ("từ ngày 01/10/2024 đến ngày 07/10/2024", None, [D(2024, 10, 1), D(2024, 10, 7)]),
    ("Công văn số 4043/UBND-KGVX ngày 19 tháng 9 năm 2024", None, [D(2024, 9, 19)]),
    ("Ngày Khuyến học Việt Nam 02/10", None, []),                 # no year and no plan year
    ("2.1. Nội dung", 2024, []),
    ("trang 1-2", 2024, []),
    ("Nghị định số 30/2020/NĐ-CP", 2024, []),
    ("ngày 31/9/2024", None, []),
    ("ngày 29/2/2023", None, []),
    ("ngày 15/10/1999", None, []),
    ("ngày 15/10/24", 2024, []),
]


@pytest.mark.parametrize(("text", "plan_year", "expected"), DATES, ids=[row[0][:50] for row in DATES])
def test_single_dates(text: str, plan_year: int | None, expected: list[dt.date]) -> None:
    assert [found.value for found in find_dates(text, plan_year=plan_year)] == expected


PLAN_DATES = [
    ("Cần Thơ, ngày 25 tháng 9 năm 2024", ("Cần Thơ", PlanDate(25, 9, 2024))),
    ("Cần Thơ, ngày tháng 9 năm 2024", ("Cần Thơ", PlanDate(None, 9, 2024))),
    ("Cần Thơ, ngày   tháng 9 năm 2024", ("Cần Thơ", PlanDate(None, 9, 2024))),
    ("Hà Nội, ngày ... tháng ... năm 2024", ("Hà Nội", PlanDate(None, None, 2024))),
    ("TP. Hồ Chí Minh, ngày…tháng…năm 2024", ("TP. Hồ Chí Minh", PlanDate(None, None, 2024))),
    ("Phường 5, ngày    tháng    năm 2024", ("Phường 5", PlanDate(None, None, 2024))),
    ("Phường 5, Quận 3, ngày 01 tháng 02 năm 2025", ("Phường 5, Quận 3", PlanDate(1, 2, 2025))),
    ("Số: 15/KH-SKHCN Cần Thơ, ngày 25 tháng 9 năm 2024", ("Cần Thơ", PlanDate(25, 9, 2024))),
    ("Hà Nội, Ngày 3 tháng 4 năm 2025.", ("Hà Nội", PlanDate(3, 4, 2025))),
    ("Đà Nẵng, ngày ___ tháng ___ năm 20__", ("Đà Nẵng", PlanDate(None, None, None))),
    ("SỞ KHOA HỌC VÀ CÔNG NGHỆ Cần Thơ, ngày 25 tháng 9 năm 2024", ("Cần Thơ", PlanDate(25, 9, 2024))),
    ("Độc lập - Tự do - Hạnh phúc Hà Nội, ngày 3 tháng 4 năm 2025", ("Hà Nội", PlanDate(3, 4, 2025))),
    ("ngày 25 tháng 9 năm 2024", ("", PlanDate(25, 9, 2024))),
    ("Các đơn vị gửi báo cáo kết quả về Văn phòng Sở, ngày 15 tháng 10 năm 2024", None),
    ("Căn cứ Công văn số 4043/UBND-KGVX ngày 19 tháng 9 năm 2024 của Ủy ban nhân dân thành phố", None),
    ("Căn cứ Kế hoạch, ngày 19 tháng 9 năm 2024", None),
    ("Cần Thơ, ngày 31 tháng 9 năm 2024", None),
    ("Cần Thơ, ngày 25 tháng 13 năm 2024", None),
    ("Tổ chức hưởng ứng Tuần lễ từ ngày 01 tháng 10 năm 2024 đến ngày 07 tháng 10 năm 2024.", None),
]


@pytest.mark.parametrize(("text", "expected"), PLAN_DATES, ids=[row[0][:50] for row in PLAN_DATES])
def test_plan_date_line(text: str, expected: tuple[str, PlanDate] | None) -> None:
    assert find_plan_date(text) == expected


# --- property tests ------------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def periods(draw: st.DrawFn) -> tuple[dt.date, dt.date]:
    """A period within one month, across a month end, or across a year end (all within 2000–2099)."""
    kind = draw(st.sampled_from(["month", "across month", "across year"]))
    if kind == "across year":
        year = draw(st.integers(2000, 2098))
        start = D(year, 12, draw(st.integers(1, 31)))
        return start, D(year + 1, 1, draw(st.integers(1, 31)))
    start = draw(st.dates(D(2000, 1, 1), D(2099, 11, 30)))
    if kind == "month":
        last_day = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return start, start + dt.timedelta(days=draw(st.integers(0, (last_day - start).days)))
    next_month = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start, next_month + dt.timedelta(days=draw(st.integers(0, 27)))


def _number(draw: st.DrawFn, value: int) -> str:
    return f"{value:02d}" if draw(st.booleans()) else str(value)


def _space(draw: st.DrawFn) -> str:
    """One space, usually; sometimes several, sometimes with a stray comma."""
    return draw(st.sampled_from([" ", " ", " ", "  ", "   ", " , ", ", "]))


def _word(draw: st.DrawFn, word: str) -> str:
    return draw(st.sampled_from([word, word.capitalize(), word.upper()]))


def _numeric(draw: st.DrawFn, day: dt.date, separator: str, *, year: bool) -> str:
    parts = [_number(draw, day.day), _number(draw, day.month)] + ([str(day.year)] if year else [])
    return separator.join(parts)


def _written(draw: st.DrawFn, day: dt.date, *, year: bool) -> str:
    text = f"{_number(draw, day.day)}{_space(draw)}tháng{_space(draw)}{_number(draw, day.month)}"
    return text + (f"{_space(draw)}năm {day.year}" if year else "")


@st.composite
def written_periods(draw: st.DrawFn) -> tuple[str, int | None, dt.date, dt.date]:
    """A period rendered in one of the forms plans use; returns (text, plan_year, start, end)."""
    start, end = draw(periods())
    same_month = (start.year, start.month) == (end.year, end.month)
    forms = ["numeric", "written", "start without year", "end without year", "no year"]
    if same_month:
        forms += ["bare start day", "bare start day written", "day range"]
    form = draw(st.sampled_from(forms))
    separator = draw(st.sampled_from(["/", "-", "."] if form != "no year" else ["/", "-"]))
    sep = separator if form not in {"start without year", "end without year"} or separator != "." else "/"
    ngay = lambda: draw(st.sampled_from(["", _word(draw, "ngày") + _space(draw)]))  # noqa: E731
    connector = draw(st.sampled_from(["đến", "đến hết", "tới", "-", "–", "—"]))
    if connector in {"-", "–", "—"} and sep == "-" and form != "numeric":
        connector_text = f" {connector} "    # "1-10-1-11-2024" would be ambiguous to a reader too
    elif connector in {"-", "–", "—"}:
        connector_text = draw(st.sampled_from([connector, f" {connector} ", f"{connector} "]))
    else:
        connector_text = f"{_space(draw)}{_word(draw, connector)}{_space(draw)}"
    plan_year: int | None = draw(st.one_of(st.none(), st.integers(2000, 2100)))
    if form == "numeric":
        first, last = _numeric(draw, start, sep, year=True), _numeric(draw, end, sep, year=True)
    elif form == "written":
        first, last = _written(draw, start, year=True), _written(draw, end, year=True)
    elif form == "start without year":
        first, last = _numeric(draw, start, sep, year=False), _numeric(draw, end, sep, year=True)
    elif form == "end without year":
        first, last = _numeric(draw, start, sep, year=True), _numeric(draw, end, sep, year=False)
    elif form == "no year":
        first, last = _numeric(draw, start, sep, year=False), _numeric(draw, end, sep, year=False)
        plan_year = start.year
    elif form == "bare start day":
        first, last = _number(draw, start.day), _numeric(draw, end, sep, year=True)
    elif form == "bare start day written":
        first, last = _number(draw, start.day), _written(draw, end, year=True)
    else:   # "từ ngày 1-7/10/2024", "từ ngày 1 - 7/10/2019"
        first, last = _number(draw, start.day), _numeric(draw, end, sep, year=True)
        connector_text = draw(st.sampled_from(["-", " - ", "–", " – "]))
        return (f"{_word(draw, 'từ')}{_space(draw)}{ngay()}{first}{connector_text}{last}", plan_year, start, end)
    text = f"{_word(draw, 'từ')}{_space(draw)}{ngay()}{first}{connector_text}{ngay()}{last}"
    return text, plan_year, start, end


@PROPERTY
@given(written_periods(), st.sampled_from(["", "Thời gian: ", "Tổ chức Tuần lễ "]), st.sampled_from(["", ".", "; "]))
def test_every_written_period_is_found_exactly(period: tuple[str, int | None, dt.date, dt.date], before: str,
                                                after: str) -> None:
    text, plan_year, start, end = period
    line = before + text + after
    found = find_periods(line, plan_year=plan_year)
    assert [one.value for one in found] == [Period(start, end)], line
    assert line[found[0].start:found[0].end] == text.strip(" ,"), line


@PROPERTY
@given(st.dates(D(2000, 1, 1), D(2100, 12, 31)), st.data())
def test_every_written_date_is_found(day: dt.date, data: st.DataObject) -> None:
    draw = data.draw
    form = draw(st.sampled_from(["/", "-", ".", "written", "no year /", "no year ngày -", "written no year"]))
    plan_year: int | None = draw(st.one_of(st.none(), st.integers(2000, 2100)))
    if form in {"/", "-", "."}:
        text = _numeric(draw, day, form, year=True)
    elif form == "written":
        text = "ngày " + _written(draw, day, year=True)
    elif form == "no year /":
        assume(not (day.month == 2 and day.day == 29))
        text, plan_year = _numeric(draw, day, "/", year=False), day.year
    elif form == "no year ngày -":
        text, plan_year = "ngày " + _numeric(draw, day, "-", year=False), day.year
    else:
        text, plan_year = "ngày " + _written(draw, day, year=False), day.year
    line = f"Các đơn vị báo cáo kết quả trước {text}."
    found = find_dates(line, plan_year=plan_year)
    assert [one.value for one in found] == [day], line
    assert line[found[0].start:found[0].end] == text


BLANKS = ["", " ", "   ", " ... ", "...", "…", " … ", "___", " ____ ", "....."]


@PROPERTY
@given(st.sampled_from(["Cần Thơ", "Hà Nội", "TP. Hồ Chí Minh", "Phường 5", "Thủ Dầu Một", "Xã Tân Phú Đông"]),
       st.one_of(st.none(), st.integers(1, 28)), st.one_of(st.none(), st.integers(1, 12)), st.integers(2000, 2100),
       st.data())
def test_place_and_date_line_with_blanks(place: str, day: int | None, month: int | None, year: int,
                                         data: st.DataObject) -> None:
    draw = data.draw

    def part(value: int | None) -> str:
        if value is None:
            return draw(st.sampled_from(BLANKS))
        return draw(st.sampled_from([" ", "  "])) + _number(draw, value) + draw(st.sampled_from([" ", "  "]))

    line = f"{place},{draw(st.sampled_from([' ', '  ']))}ngày{part(day)}tháng{part(month)}năm {year}"
    assert find_plan_date(line) == (place, PlanDate(day, month, year)), line


NOISE_ALPHABET = st.sampled_from(list("0123456789/-.–, ()") + ["từ", "Từ", "ngày", "tháng", "năm", "đến", "hết", "tới",
                                                                  " ", "trong", "2024", "31", "12", "h", "thứ Ba"])


@PROPERTY
@given(st.one_of(st.text(max_size=200), st.lists(NOISE_ALPHABET, max_size=40).map("".join)),
       st.one_of(st.none(), st.integers(1900, 2200)))
def test_noise_never_raises_and_results_are_real(text: str, plan_year: int | None) -> None:
    for found in find_periods(text, plan_year=plan_year):
        assert 0 <= found.start < found.end <= len(text)
        assert found.value.start <= found.value.end
        assert 2000 <= found.value.start.year and found.value.end.year <= 2101
    for found_date in find_dates(text, plan_year=plan_year):
        assert 0 <= found_date.start < found_date.end <= len(text)
        assert 2000 <= found_date.value.year <= 2100
    plan_date = find_plan_date(text)
    assert plan_date is None or isinstance(plan_date[1], PlanDate)
