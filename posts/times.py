"""Time handling: stored in UTC, parsed and shown in the campaign's timezone.

Officers write dates both as ISO (2024-10-01) and the Vietnamese way (01/10/2024); both are accepted.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UserError
from .i18n import t

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# Years loa accepts: far enough for any campaign, and away from datetime's limits (9999 + a timezone overflows).
FIRST_YEAR, LAST_YEAR = 1970, 2999


def in_range(day: dt.date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


CLOCK_FORMATS = ("%H:%M", "%H:%M:%S")
# "8h30", "8h", "14g30": how times are written in Vietnamese office texts
SPOKEN_CLOCK = re.compile(r"(\d{1,2})\s*[hHgG]\s*(\d{2})?(?:p|ph|phút)?")


def _clock_text(text: str) -> str:
    """``8h30`` → ``8:30``, ``8h`` → ``8:00``; anything else unchanged."""
    found = SPOKEN_CLOCK.fullmatch(text.strip())
    return f"{found.group(1)}:{found.group(2) or '00'}" if found else text


def zone(name: str, *, where: str | None = None) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UserError(t("err.unknown_timezone", timezone=name), where=where) from None


def parse_date(text: str, *, where: str) -> dt.date:
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
        if not in_range(day):
            break
        return day
    raise UserError(t("err.bad_date", value=text), where=where)


def parse_clock(text: str, *, where: str) -> dt.time:
    for fmt in CLOCK_FORMATS:
        try:
            return dt.datetime.strptime(_clock_text(text).strip(), fmt).time()
        except ValueError:
            continue
    raise UserError(t("err.bad_clock", value=text), where=where)


def parse_when(text: str, tz: ZoneInfo, *, where: str) -> dt.datetime:
    """A moment typed by the user: ``2024-10-01 08:00``, ``01/10/2024 08:00``, ``03/10/2024 8h30`` or ISO 8601
    with an offset.

    Without an offset it is read in ``tz`` (the campaign's timezone). Returns an aware datetime.
    """
    value = text.strip()
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
        date_part, _, clock_part = value.partition(" ")
        if clock_part:
            for fmt in DATE_FORMATS:
                for clock_fmt in CLOCK_FORMATS:
                    try:
                        parsed = dt.datetime.strptime(f"{date_part} {_clock_text(clock_part).strip()}",
                                                      f"{fmt} {clock_fmt}")
                        break
                    except ValueError:
                        continue
                if parsed:
                    break
    if (parsed is None or (len(value) <= 10 and parsed.hour == parsed.minute == 0 and ":" not in value)
            or not in_range(parsed.date())):
        # A bare date is not a moment: refuse rather than guess midnight.
        raise UserError(t("err.bad_when", value=text), where=where)
    moment = localize(parsed, tz)
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
