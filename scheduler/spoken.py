"""Durations and moments as people say and read them: "6 tiếng", "1 tiếng 30 phút", "2026-12-02 19:31:08 +07:00"."""
from __future__ import annotations

import datetime as dt

from posts.i18n import t
from posts.times import zone


def duration_text(seconds: float) -> str:
    """A duration in the largest units that say it: days and hours, hours and minutes, or minutes (rounded)."""
    minutes = max(0, round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        parts = [(minutes, "minute")]
    # "1 hour" / "2 hours": English needs the singular; Vietnamese says "1 tiếng" and "2 tiếng" alike
    words = [t(f"attention.{unit}{'' if count == 1 else 's'}", count=count) for count, unit in parts if count]
    return " ".join(words) or t("attention.minutes", count=0)


def local_moment(moment: dt.datetime, timezone: str) -> str:
    """``2026-12-02 19:31:08 +07:00``: local time in ``timezone`` with its offset, to the second."""
    if moment.tzinfo is None:  # the database keeps UTC without a zone (SQLite)
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = moment.astimezone(zone(timezone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"
