"""Time handling: stored in UTC, parsed and shown in the campaign's timezone.

One parser for every place a person types a time or a date (campaign files, every CLI option, the web editor),
accepting the forms Vietnamese plans use: ``08:30``, ``8:30``, ``8h30``, ``8h``, ``20h``, ``8g30``, ``8 giờ 30``,
``8 giờ 30 phút``, ``2 giờ chiều``; dates ``1/10/2024``, ``01/10/2024``, ``1-10-2024``, ``1.10.2024``, ``2024-10-01``,
``ngày 1 tháng 10 năm 2024``; a moment is a date and a time in either order, or ISO 8601 with an offset. An
impossible date says why ("tháng 9 chỉ có 30 ngày").
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UserError
from .i18n import t
from .folding import fold

# Years loa accepts: far enough for any campaign, and away from datetime's limits (9999 + a timezone overflows).
FIRST_YEAR, LAST_YEAR = 1970, 2999


def in_range(day: dt.date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


# Matched on folded text (lower case, no diacritics: "giờ" is "gio", "chiều" "chieu"), spaces collapsed.
_CLOCK_COLON = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
# "8h30", "8h", "8g30", "8 giờ 30 phút", "8h30p", "8 giờ 5"
_CLOCK_SPOKEN = re.compile(r"(\d{1,2}) ?(?:h|g|gio) ?(?:(\d{1,2}) ?(?:p|ph|phut|')?)?")
_HALF_OF_DAY = re.compile(r"(.*?) ?(sang|trua|chieu|toi|dem)")
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d+)")
_YEAR_FIRST = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})")
_DAY_IN_WORDS = re.compile(r"(\d{1,2}) thang (\d{1,2}),? nam (\d+)")
# a date anywhere in a text (a TOML value, an ISO moment): for explain_bad_date
_ANY_DATE = re.compile(r"(?<!\d)(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})(?!\d)")
# what may stand between a date and a time: "1/10/2024 8h30", "1/10/2024, 8h30", "8h30 ngày 1/10/2024", "... lúc 8h"
_JOINERS = re.compile(r"^(?:(?:,|(?:luc|ngay|vao)\b) ?|t(?=\d))|(?:,|\b(?:luc|ngay|vao))$")
_ISO_MOMENT = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}(?::?\d{2})?)?")


class _Bad(ValueError):
    """A reason a typed time or date is not one (the message, without where it was typed)."""


class _NoSuchClock(_Bad):
    """A time of day shaped right but off the clock (25h, 8h75); ``reason`` says which part."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def _clock(text: str) -> dt.time:
    value = _normal(text)
    half = None
    if (found := _HALF_OF_DAY.fullmatch(value)) and found.group(1):
        value, half = found.group(1), found.group(2)
    if found := _CLOCK_COLON.fullmatch(value):
        hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    elif found := _CLOCK_SPOKEN.fullmatch(value):
        hour, minute, second = int(found.group(1)), int(found.group(2) or 0), 0
    else:
        raise _Bad(t("err.bad_clock", value=text.strip()))
    reason = (t("when.hour_range") if hour > 23 else t("when.minute_range") if minute > 59
              else t("when.second_range") if second > 59 else None)
    if reason is not None:
        raise _NoSuchClock(t("when.impossible_clock", value=text.strip(), reason=reason), reason)
    if half is not None:
        hour = _afternoon(hour, half, text)
    return dt.time(hour, minute, second)


def _afternoon(hour: int, half: str, text: str) -> int:
    """``2 giờ chiều`` is 14:00, ``11 giờ đêm`` 23:00, ``8 giờ sáng`` 8:00; ``15 giờ sáng`` is a contradiction."""
    if hour > 12:
        if half in ("chieu", "toi", "dem") or (half == "trua" and hour <= 14):
            return hour  # "20h tối": already on the 24-hour clock
        raise _Bad(t("when.half_mismatch", value=text.strip()))
    if half == "sang":
        return 0 if hour == 12 else hour
    if half == "trua":
        return hour if hour >= 11 else hour + 12
    if half == "dem":
        return hour + 12 if 6 <= hour < 12 else (0 if hour == 12 else hour)
    return hour if hour == 12 else hour + 12  # chiều, tối


def _calendar_reason(year: int, month: int, day: int) -> str | None:
    """Why day/month/year is not on the calendar ("tháng 9 chỉ có 30 ngày"), or None when it is."""
    if not 1 <= month <= 12:
        return t("when.no_month", month=month)
    if day < 1:
        return t("when.no_day", day=day)
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if day > days:
        return t("when.not_leap", year=year) if month == 2 and day == 29 else t("when.month_days", month=month,
                                                                                 days=days)
    return None


def _checked_date(year: int, month: int, day: int, *, digits: str, text: str) -> dt.date:
    if len(digits) != 4:
        raise _Bad(t("when.short_year", value=text.strip()))
    if (reason := _calendar_reason(year, month, day)) is not None:
        raise _Bad(t("when.impossible_date", value=text.strip(), reason=reason))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _Bad(t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR))
    return dt.date(year, month, day)


def _date(text: str) -> dt.date:
    value = _normal(text)
    value = value.removeprefix("ngay ").strip()
    if found := _YEAR_FIRST.fullmatch(value):
        return _checked_date(int(found.group(1)), int(found.group(3)), int(found.group(4)), digits=found.group(1), text=text)
    if found := _DAY_FIRST.fullmatch(value):
        return _checked_date(int(found.group(4)), int(found.group(3)), int(found.group(1)), digits=found.group(4), text=text)
    if found := _DAY_IN_WORDS.fullmatch(value):
        return _checked_date(int(found.group(3)), int(found.group(2)), int(found.group(1)), digits=found.group(3), text=text)
    raise _Bad(t("err.bad_date", value=text.strip()))


def explain_bad_date(text: str) -> str | None:
    """Why the first date written in ``text`` cannot exist ("tháng 9 chỉ có 30 ngày"), or None when it can, or
    when ``text`` holds no date. For messages about dates other parsers refused (the TOML reader's "2026-09-31")."""
    found = _ANY_DATE.search(str(text))
    if found is None:
        return None
    numbers = [int(part) for part in re.split(r"[/.-]", found.group(0))]
    year, month, day = numbers if numbers[0] > 31 or len(found.group(0).split("-")[0]) == 4 else numbers[::-1]
    return _calendar_reason(year, month, day)


def zone(name: str, *, where: str | None = None) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UserError(t("err.unknown_timezone", timezone=name), where=where) from None


def parse_date(text: str, *, where: str | None = None) -> dt.date:
    """A day as people write it: ``1/10/2024``, ``01/10/2024``, ``1-10-2024``, ``1.10.2024``, ``2024-10-01``."""
    try:
        return _date(text)
    except _Bad as exc:
        raise UserError(str(exc), where=where) from None


def parse_clock(text: str, *, where: str | None = None) -> dt.time:
    """A time of day as people write it: ``08:30``, ``8:30``, ``8h30``, ``8h``, ``20h``, ``8 giờ 30 phút``."""
    try:
        return _clock(text)
    except _Bad as exc:
        raise UserError(str(exc), where=where) from None


def parse_moment(text: str, *, where: str | None = None) -> dt.datetime:
    """A date and a time in either order (``1/10/2024 8h30``, ``8h30 ngày 1/10/2024``) or ISO 8601
    (``2024-10-01T08:30+07:00``). Naive unless the text carries an offset; a bare date or time is refused."""
    try:
        return _moment(text)
    except _Bad as exc:
        raise UserError(str(exc), where=where) from None


def _moment(text: str) -> dt.datetime:
    value = _normal(text)
    if _ISO_MOMENT.fullmatch(value):  # ISO 8601, maybe with an offset ("Z", "+07:00")
        try:
            return dt.datetime.fromisoformat(value.upper())
        except ValueError:
            pass  # "2024-10-1 08:30" is still a date and a time: read below
    date_match = _first_date(value)
    if date_match is None:
        try:
            _clock(value)
        except _Bad:
            raise _Bad(t("err.bad_when", value=text.strip())) from None
        raise _Bad(t("when.missing_date", value=text.strip()))
    day = _date(date_match.group(0))
    rest = (value[: date_match.start()] + " " + value[date_match.end():]).strip()
    rest = _JOINERS.sub("", _JOINERS.sub("", rest).strip()).strip()
    if not rest:
        raise _Bad(t("when.missing_clock", value=text.strip()))
    try:
        clock = _clock(rest)
    except _NoSuchClock as exc:  # quoted as typed, not as folded for reading
        raise _Bad(t("when.impossible_clock", value=text.strip(), reason=exc.reason)) from None
    except _Bad:
        raise _Bad(t("err.bad_when", value=text.strip())) from None
    return dt.datetime.combine(day, clock)


def _first_date(value: str) -> re.Match[str] | None:
    for pattern in (re.compile(r"(?<![\d:])" + _YEAR_FIRST.pattern + r"(?![\d:])"),
                    re.compile(r"(?<![\d:])" + _DAY_FIRST.pattern + r"(?![\d:])"),
                    re.compile(r"(?:ngay )?" + _DAY_IN_WORDS.pattern)):
        if found := pattern.search(value):
            return found
    return None


def parse_when(text: str, tz: ZoneInfo, *, where: str | None = None) -> dt.datetime:
    """A moment typed by the user (see ``parse_moment``). Without an offset it is read in ``tz`` (the campaign's
    timezone). Returns an aware datetime."""
    moment = localize(parse_moment(text, where=where), tz)
    for day in (moment.astimezone(tz).date(), moment.astimezone(dt.timezone.utc).date()):
        if not in_range(day):  # 2999-12-31T23:00-12:00 is already the year 3000 in Hanoi: an error, not a warning
            raise UserError(t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR), where=where)
    return moment


def localize(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Attach ``tz`` to a naive wall-clock time; leave an aware one as it is."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def to_local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return moment.astimezone(tz)


def weekday_name(day: dt.date) -> str:
    return t(f"weekday.{day.weekday()}")


def day_label(day: dt.date) -> str:
    """``Thứ Ba, 01/10/2024``."""
    return f"{weekday_name(day)}, {day:%d/%m/%Y}"


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def iso_utc(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def week_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the calendar week containing ``today`` (the office's week)."""
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)
