"""Dates and periods as Vietnamese plans write them, found in one cleaned line of text (pure functions, no I/O).

``find_periods`` — every period, in order. Accepted forms (case-insensitive; "ngày" optional; stray commas, repeated
spaces; "/", "-" or "." between day, month and year; leading zeros or not; "-", "–" or "—" as a range dash):

- ``từ [ngày] START (đến|tới|-) [hết] [ngày] END`` where END is ``D/M/Y``, ``D/M``, ``D tháng M [năm Y]`` and START is
  the same or just a day: ``từ ngày 01/10/2024 đến ngày 07/10/2024``, ``từ ngày 1 đến ngày 7-10-2018``,
  ``từ ngày 1-7/10/2024``, ``từ ngày 1 - 7/10/2019``, ``từ ngày 01 tháng 10 năm 2024 đến ngày 07 tháng 10 năm 2024``,
  ``từ ngày 01 đến ngày 07 tháng 10 năm 2024``, ``từ 27/9 đến 5/10``, ``từ ngày 25/12/2024 đến hết ngày 05/01/2025``.
  A time or weekday before the date (``từ 7h30 ngày …``, ``từ thứ Ba, ngày …``) and a weekday after it
  (``01/10/2024 (thứ Ba)``) are allowed; the end may be a whole month (``đến hết tháng 12/2024``: its last day).
- the same without "từ" when both ends are full dates with a month (``01/10/2024 – 07/10/2024``, ``ngày 01/10 đến
  ngày 07/10/2024``): plans write "Thời gian: 01/10 - 07/10/2024" too.
- month ranges ``từ tháng 3 đến tháng 5 năm 2025``, ``từ tháng 3/2025 đến tháng 5/2025``, ``từ tháng 3-5/2025``:
  the 1st of the first month to the last day of the last month.
- one month: ``trong tháng 4/2025``, ``trong (suốt|cả) tháng 4 năm 2025``. A bare ``Tháng 4 năm 2025`` is NOT a
  period: plans mention months in references and reports ("Công văn … tháng 3/2025") far more often than as the time
  of the campaign, and the first period found may become the campaign's dates.
- ``… đến hết ngày 05/01/2025`` without a start is a date (``find_dates``), not a period: it has no beginning.

Missing years: a start without a year takes the end's year (one year earlier when that would put it after the end:
``từ 28/12 đến 3/1/2025`` starts on 28/12/2024); an end without a year takes the start's (one year later when before
the start); when neither has one, the plan's year (``plan_year``), the end moving into the next year when it is
before the start. Without ``plan_year`` such a period is skipped. A bare start day takes the end's month and year.

Never a period (skipped, never an error): an impossible date (31/9), an end before the start, a year outside
2000–2100. ``find_dates`` applies the same rules to single dates. ``find_plan_date`` reads the place-and-date line of
the header, blanks allowed.

The text is expected NFC-normalised (the reading step does it); spans index the text as given.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from loa.posts.plan.model import Period, PlanDate

T = TypeVar("T")

YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True)
class FoundSpan(Generic[T]):
    """A value found in a line and the characters it came from: ``text[start:end]``."""

    value: T
    start: int
    end: int


# --- building blocks (each builder takes a group-name prefix: one regex may hold several dates) -------------------

_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_GAP = r"[\s,]*"                    # stray commas and repeated spaces between words
_GAP1 = r"(?:\s*,\s*|\s+)[\s,]*"    # at least one space or comma
_DASH = r"[-–—]"
# "7h30", "7 giờ 30 phút", "14h" before the date; "(thứ Ba)", "(Chủ nhật)" after it
_TIME = r"(?:\d{1,2}\s*(?:giờ|h)(?:\s*\d{1,2}(?:\s*phút|')?)?" + _GAP1 + r")?"
_WEEKDAY = r"(?:" + _GAP + r"\(\s*(?:thứ\s+\w+|chủ\s+nhật|cn)\s*\))?"
_WHEN = _TIME + r"(?:(?:thứ\s+\w+|chủ\s+nhật)" + _GAP1 + r")?"   # "7h30", "thứ Ba, " before "ngày"


def _numeric(p: str) -> str:
    """``D/M/Y`` or ``D/M`` (one separator throughout); never part of a longer chain of numbers (``1/10/24``)."""
    return (rf"(?<!\d)(?<!\d[/.])(?P<{p}d>{_DAY})(?P<{p}s>[/.\-])(?P<{p}m>{_MONTH})"
            rf"(?:(?P={p}s)(?P<{p}y>\d{{4}})(?!\d)|(?!\d|(?P={p}s)\d|[/.]\d))")   # "27/9-5/10": a dash, not a year


def _written(p: str) -> str:
    """``D tháng M năm Y``, ``D tháng M/Y`` or ``D tháng M``."""
    return (rf"(?<!\d)(?P<{p}wd>{_DAY}){_GAP1}tháng{_GAP1}(?P<{p}wm>{_MONTH})"
            rf"(?:{_GAP}(?:năm{_GAP}|[/.\-])(?P<{p}wy>\d{{4}})(?!\d)|(?!\s*[/.]?\s*\d))")


def _date(p: str) -> str:
    return rf"(?:{_numeric(p)}|{_written(p)})"


def _month_year(p: str, *, dash_may_follow: bool = False) -> str:
    """``M``, ``M/Y``, ``M năm Y`` (after "tháng"); a dash may follow a month without a year: ``tháng 3-5/2025``."""
    return (rf"(?<!\d)(?P<{p}m>{_MONTH})(?:{_GAP}(?:năm{_GAP}|[/.\-])(?P<{p}y>\d{{4}})(?!\d)"
            + (r"|(?!\s*[/.]?\s*\d))" if dash_may_follow else r"|(?!\s*[/.\-]?\s*\d))"))


_NGAY = rf"(?:ngày{_GAP1})?"
_CONNECTOR = rf"{_GAP}(?:(?:cho\s+)?(?:đến|tới)(?:\s+hết)?{_GAP1}|{_DASH}{_GAP})"

# "từ [ngày] START CONNECTOR [ngày] END"; START may be a bare day ("từ ngày 1 - 7/10/2019")
_FROM_TO = re.compile(
    rf"\btừ{_GAP1}{_WHEN}{_NGAY}(?:{_date('s')}|(?P<sbare>{_DAY})(?![\d/.]|{_GAP1}tháng)){_WEEKDAY}"
    rf"{_CONNECTOR}(?:{_WHEN}{_NGAY}{_date('e')}{_WEEKDAY}|tháng{_GAP1}{_month_year('em')})",
    re.IGNORECASE)
# the same without "từ", matched where a date begins (a "ngày" before it is taken in afterwards)
_BARE_RANGE = re.compile(rf"{_date('s')}{_WEEKDAY}{_CONNECTOR}{_NGAY}{_date('e')}{_WEEKDAY}", re.IGNORECASE)
_MONTH_RANGE = re.compile(
    rf"\btừ{_GAP1}tháng{_GAP1}{_month_year('s', dash_may_follow=True)}{_CONNECTOR}(?:tháng{_GAP1})?"
    rf"{_month_year('e')}", re.IGNORECASE)
_ONE_MONTH = re.compile(rf"\btrong{_GAP1}(?:(?:suốt|cả){_GAP1})?tháng{_GAP1}{_month_year('o')}", re.IGNORECASE)
_SINGLE_DATE = re.compile(_date("x"), re.IGNORECASE)
_NGAY_BEFORE = re.compile(rf"\bngày{_GAP1}\Z", re.IGNORECASE)

# Speed: a regex that may begin anywhere is tried at every character, so each pattern is only tried where its first
# word or digit is (found by a plain character-class scan, which re runs in C), after cheap `in` tests on the line.
_DIGIT_RUN = re.compile(r"\d+")
_TU = re.compile(r"[tT][ừỪ]")
_TRONG = re.compile(r"[tT][rR][oO][nN][gG]")
_RANGE_WORDS = ("đến", "tới", "-", "–", "—")


def _matches_at(pattern: re.Pattern[str], anchor: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """The matches of ``pattern`` that begin where ``anchor`` matches, left to right, without overlaps."""
    matches: list[re.Match[str]] = []
    consumed = 0
    for place in anchor.finditer(text):
        if place.start() < consumed:
            continue
        match = pattern.match(text, place.start())
        if match is not None:
            matches.append(match)
            consumed = match.end()
    return matches


def _with_ngay(text: str, start: int) -> int:
    """Where the date at ``start`` begins when "ngày" is written before it."""
    before = _NGAY_BEFORE.search(text, max(0, start - 12), start)
    return before.start() if before is not None else start


# --- turning matched parts into dates ----------------------------------------------------------------------------

_Parts = tuple[int | None, int | None, int | None]   # day, month, year as written (None = not written)


def _parts(match: re.Match[str], p: str) -> _Parts | None:
    """The day, month and year of date ``p`` in ``match`` (numeric or written form), or None when it did not match."""
    for day_group, month_group, year_group in ((f"{p}d", f"{p}m", f"{p}y"), (f"{p}wd", f"{p}wm", f"{p}wy")):
        if match.group(day_group) is not None:
            year = match.group(year_group)
            return int(match.group(day_group)), int(match.group(month_group)), int(year) if year else None
    return None


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:   # 31/9, 29/2 of a common year
        return None


def _resolve(start: _Parts, end: _Parts, plan_year: int | None) -> Period | None:
    """Fill in the years the plan left out (see the module's rules) and check the period is real."""
    (start_day, start_month, start_year), (end_day, end_month, end_year) = start, end
    assert start_day is not None and end_day is not None and end_month is not None
    if start_month is None:            # "từ ngày 1 - 7/10/2019": the start day is in the end's month
        start_month = end_month
    if start_year is None and end_year is None:
        if plan_year is None:
            return None
        start_year = end_year = plan_year
        first, last = _make_date(start_year, start_month, start_day), _make_date(end_year, end_month, end_day)
        if first is not None and last is not None and last < first:
            end_year += 1
    elif start_year is None:
        assert end_year is not None
        start_year = end_year
        first, last = _make_date(start_year, start_month, start_day), _make_date(end_year, end_month, end_day)
        if first is not None and last is not None and first > last and start is not None and start[1] is not None:
            start_year -= 1            # "từ 28/12 đến 3/1/2025" (not for a bare day: "từ 28 đến 3/1" is no period)
    elif end_year is None:
        end_year = start_year
        first, last = _make_date(start_year, start_month, start_day), _make_date(end_year, end_month, end_day)
        if first is not None and last is not None and last < first:
            end_year += 1
    first, last = _make_date(start_year, start_month, start_day), _make_date(end_year, end_month, end_day)
    if first is None or last is None or last < first:
        return None
    return Period(first, last)


def _month_period(first_month: int, first_year: int, last_month: int, last_year: int) -> Period | None:
    first = _make_date(first_year, first_month, 1)
    last = _make_date(last_year, last_month, calendar.monthrange(last_year, last_month)[1]) \
        if YEAR_MIN <= last_year <= YEAR_MAX else None
    if first is None or last is None or last < first:
        return None
    return Period(first, last)


def _from_month_range(match: re.Match[str], plan_year: int | None) -> Period | None:
    first_month, last_month = int(match["sm"]), int(match["em"])
    first_year = int(match["sy"]) if match["sy"] else None
    last_year = int(match["ey"]) if match["ey"] else None
    if first_year is None and last_year is None:
        if plan_year is None:
            return None
        first_year = last_year = plan_year
        if last_month < first_month:          # "từ tháng 11 đến tháng 2": into the next year
            last_year += 1
    elif first_year is None:
        assert last_year is not None
        first_year = last_year - 1 if first_month > last_month else last_year
    elif last_year is None:
        last_year = first_year + 1 if last_month < first_month else first_year
    return _month_period(first_month, first_year, last_month, last_year)


def _from_one_month(match: re.Match[str], plan_year: int | None) -> Period | None:
    year = int(match["oy"]) if match["oy"] else plan_year
    if year is None:
        return None
    return _month_period(int(match["om"]), year, int(match["om"]), year)


def _from_day_range(match: re.Match[str], plan_year: int | None) -> Period | None:
    for p in ("s", "e"):   # "1.2" without a year is a heading number ("2.1. Nội dung"), never a date
        if match.group(f"{p}s") == "." and match.group(f"{p}y") is None:
            return None
    start = _parts(match, "s")
    if start is None:
        start = (int(match["sbare"]), None, None)
    if match.groupdict().get("emm") is not None:   # "từ ngày 15/11/2024 đến hết tháng 12/2024"
        return _to_month_end(start, int(match["emm"]), int(match["emy"]) if match["emy"] else None, plan_year)
    end = _parts(match, "e")
    assert end is not None
    return _resolve(start, end, plan_year)


def _to_month_end(start: _Parts, month: int, year: int | None, plan_year: int | None) -> Period | None:
    """From a day to the last day of a month; the years the plan left out as in ``_resolve``."""
    start_day, start_month, start_year = start
    if start_month is None:               # "từ ngày 15 đến hết tháng 12/2024"
        start_month = month
    year_written = year is not None
    year = year if year is not None else start_year if start_year is not None else plan_year
    if year is None or not YEAR_MIN <= year <= YEAR_MAX:
        return None
    if start_year is None:
        start_year = year - 1 if year_written and start_month > month else year
    if not year_written and month < start_month:   # "từ 15/11 đến hết tháng 2": February of the next year
        year += 1
    assert start_day is not None
    first = _make_date(start_year, start_month, start_day)
    if first is None:
        return None
    period = _month_period(month, year, month, year)
    return Period(first, period.end) if period is not None and period.end >= first else None


# --- the three public functions ----------------------------------------------------------------------------------

def find_periods(text: str, *, plan_year: int | None) -> list[FoundSpan[Period]]:
    """Every period in ``text`` (one cleaned line), in order, without overlaps; see the module's list of forms."""
    if _DIGIT_RUN.search(text) is None:
        return []
    lower = text.lower()
    candidates: list[FoundSpan[Period]] = []
    if "từ" in lower:
        for pattern, build in ((_FROM_TO, _from_day_range), (_MONTH_RANGE, _from_month_range)):
            for match in _matches_at(pattern, _TU, text):
                period = build(match, plan_year)
                if period is not None:
                    candidates.append(FoundSpan(period, match.start(), match.end()))
    if "trong" in lower:
        for match in _matches_at(_ONE_MONTH, _TRONG, text):
            period = _from_one_month(match, plan_year)
            if period is not None:
                candidates.append(FoundSpan(period, match.start(), match.end()))
    # a range without "từ" has at least four numbers ("01/10 - 07/10")
    if len(_DIGIT_RUN.findall(text)) >= 4 and any(word in lower for word in _RANGE_WORDS):
        for match in _matches_at(_BARE_RANGE, _DIGIT_RUN, text):
            period = _from_day_range(match, plan_year)
            if period is not None:
                candidates.append(FoundSpan(period, _with_ngay(text, match.start()), match.end()))
    # earlier forms win on overlap (a bare range inside "từ … đến …" is the same words read twice)
    kept: list[FoundSpan[Period]] = []
    for candidate in candidates:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda found: found.start)


def find_dates(text: str, *, plan_year: int | None) -> list[FoundSpan[dt.date]]:
    """Every single date in ``text``, in order: ``15/10/2024``, ``15-10-2024``, ``15.10.2024``, ``ngày 15 tháng 10
    năm 2024``, and without a year (the plan's year) ``15/10``, ``ngày 15-10``, ``ngày 15 tháng 10``. The span
    includes a leading "ngày". Dates inside periods are reported too: the caller decides what each one means.

    Without a year, "-" needs "ngày" before it and "." is never a date: "2.1. Nội dung" is a heading, "trang 1-2"
    a page range."""
    found: list[FoundSpan[dt.date]] = []
    for match in _matches_at(_SINGLE_DATE, _DIGIT_RUN, text):
        day, month, year = _parts(match, "x") or (None, None, None)
        assert day is not None and month is not None
        start = _with_ngay(text, match.start())
        if year is None:
            separator = match["xs"]
            if plan_year is None or separator == "." or (separator == "-" and start == match.start()):
                continue
            year = plan_year
        value = _make_date(year, month, day)
        if value is not None:
            found.append(FoundSpan(value, start, match.end()))
    return found


_BLANK = r"[\s._…\-–]*"   # what a draft leaves where the day or month will be written: spaces, dots, "…", "___"
_PLAN_DATE_LINE = re.compile(
    rf"^\s*(?:số\s*:?\s*\S*\s+)?"           # a PDF may put "Số: 15/KH-SKHCN" and the date on one line
    rf"(?:(?P<place>[^\d\s,][^,]{{0,120}}?(?:,[^,]{{1,40}}?)?){_GAP}?,{_GAP})?"
    rf"ngày{_BLANK}(?:(?P<day>\d{{1,2}}){_BLANK})?"
    rf"tháng{_BLANK}(?:(?P<month>\d{{1,2}}){_BLANK})?"
    rf"năm{_BLANK}(?:(?P<year>\d{{4}})|\d{{2}}[._…]+)?\s*\.?\s*$",   # "năm 20__": the year left blank too
    re.IGNORECASE)
_NOT_A_PLACE = re.compile(r"^(?:căn\s+cứ|theo|kèm|thực\s+hiện|số\b)", re.IGNORECASE)


_MOTTO = re.compile(r"^.*?hạnh\s+phúc\b[\s.,]*", re.IGNORECASE)


def _place_alone(written: str) -> str:
    """The place, without what a PDF's two header columns may have put before it on the same line: the motto
    ("Độc lập - Tự do - Hạnh phúc") or the agency's name in capitals ("SỞ KHOA HỌC VÀ CÔNG NGHỆ Cần Thơ")."""
    words = _MOTTO.sub("", written).split()
    capitals = 0
    while capitals < len(words) and words[capitals].isupper():
        capitals += 1
    if 2 <= capitals < len(words):   # "TP. Hồ Chí Minh" keeps its one capital word; "HÀ NỘI" stays whole
        words = words[capitals:]
    return " ".join(words)


def find_plan_date(text: str) -> tuple[str, PlanDate] | None:
    """The place-and-date line of a plan's header: ``Cần Thơ, ngày 25 tháng 9 năm 2024`` → ("Cần Thơ",
    PlanDate(25, 9, 2024)); a draft's blanks give None (``ngày   tháng 9 năm 2024`` → day None). Only when the whole
    line is that (not "Căn cứ … ngày 19 tháng 9 năm 2024 của …"); the place is "" when the line is only the date."""
    lower = text.lower()
    # cheap first: the line must end with "năm" and a year (or its blank), and be a header line's length
    year_word = lower.rfind("năm")
    if year_word < 0 or len(text) - year_word > 14 or len(text) > 200 or "tháng" not in lower:
        return None
    match = _PLAN_DATE_LINE.match(text)
    if match is None:
        return None
    place = _place_alone(match["place"] or "")
    if _NOT_A_PLACE.match(place) or len(place.split()) > 7:   # "Thành phố Thủ Dầu Một": 5
        return None
    day = int(match["day"]) if match["day"] else None
    month = int(match["month"]) if match["month"] else None
    year = int(match["year"]) if match["year"] else None
    if (day is not None and not 1 <= day <= 31) or (month is not None and not 1 <= month <= 12):
        return None
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        return None
    if day is not None and month is not None and year is not None and _make_date(year, month, day) is None:
        return None
    if day is not None and month is not None and day > calendar.monthrange(year or 2024, month)[1]:
        return None                   # 31/9 is no date whatever the year (2024: a leap year, so 29/2 passes)
    return place, PlanDate(day, month, year)
