"""Durations and moments as people say and read them: "6 tiếng", "1 tiếng 30 phút", "2026-12-02 19:31:08 +07:00"."""
from __future__ import annotations

import datetime as dt

from loa.posts.i18n import t
from loa.posts.times import zone


def duration_text(seconds: float) -> str:
    """A duration in the largest units that say it: days and hours, hours and minutes, or minutes (rounded)."""
    minutes = max(0, round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        words = [_days(days), _hours(hours)]
    elif hours:
        words = [_hours(hours), _minutes(minutes) if minutes else None]
    else:
        return _minutes(minutes)
    return " ".join(word for word in words if word)


# "1 hour" / "2 hours": English needs the singular; Vietnamese says "1 tiếng" and "2 tiếng" alike. None for 0.
def _days(count: int) -> str | None:
    return (t("attention.day", count=count) if count == 1 else t("attention.days", count=count)) if count else None


def _hours(count: int) -> str | None:
    return (t("attention.hour", count=count) if count == 1 else t("attention.hours", count=count)) if count else None


def _minutes(count: int) -> str | None:
    return t("attention.minute", count=count) if count == 1 else t("attention.minutes", count=count)


def local_moment(moment: dt.datetime, timezone: str) -> str:
    """``2026-12-02 19:31:08 +07:00``: local time in ``timezone`` with its offset, to the second."""
    if moment.tzinfo is None:  # the database keeps UTC without a zone (SQLite)
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = moment.astimezone(zone(timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"
