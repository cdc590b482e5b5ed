"""Reading the outreach log: entries streamed in time order with filters, as plain dicts (the ``--json`` shape).

The log of a busy year holds hundreds of thousands of entries, and ``loa log export`` must stay in bounded memory,
so entries come from one Core query read in partitions (``yield_per``: a server-side cursor on PostgreSQL, a
stepping cursor on SQLite) and are turned into dicts one at a time; nothing collects them in a list.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import UserError
from .i18n import t
from .lookup import get_campaign
from .models import Campaign, OutreachEntry
from .times import iso, iso_utc, parse_date, zone

# Kinds loa writes itself: queue changes (posts/), outcomes of the daemon (scheduler/dispatch.py), metrics.
WRITTEN_KINDS = ("imported", "queued", "edited", "rescheduled", "approved", "rendered", "cancelled", "replaced",
                 "attempt", "published", "failed", "missed", "unknown", "metrics",
                 "correction", "corrected", "takedown", "taken_down")  # đính chính, gỡ bài (posts/corrections.py)
# Kinds a person adds with ``loa log add``: activities off the internet, and remarks for the report.
MANUAL_KINDS = ("offline", "note")
KNOWN_KINDS = WRITTEN_KINDS + MANUAL_KINDS
PARTITION = 1000  # rows fetched at a time: small enough for memory, large enough for speed


@dataclass(frozen=True)
class LogFilter:
    """What ``loa log`` and ``loa log export`` select. Days are whole days in the campaign's timezone."""

    campaign: str | None = None
    channel: str | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    kind: str | None = None


def parse_filter(*, campaign: str | None = None, channel: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, kind: str | None = None) -> LogFilter:
    """The filter from what the user typed; dates as ``YYYY-MM-DD`` or ``DD/MM/YYYY``."""
    first = parse_date(date_from, where="--from") if date_from else None
    last = parse_date(date_to, where="--to") if date_to else None
    if first and last and last < first:
        raise UserError(t("err.range_reversed"), where="--to")
    return LogFilter(campaign=campaign, channel=channel, first=first, last=last, kind=kind)


def log_query(session: Session, chosen: LogFilter, *, default_timezone: str,
              known_channels: Sequence[str] = ()) -> Any:
    """The SELECT for ``chosen``, after checking its names: an unknown campaign, channel or kind is an error.

    A channel is known when the configuration has it or the log mentions it (a channel removed from config.toml
    still has its history); a kind likewise (a kind a newer loa wrote is still listed).
    """
    conditions = []
    tz = zone(default_timezone)
    if chosen.campaign is not None:
        campaign = get_campaign(session, chosen.campaign)
        conditions.append(OutreachEntry.campaign_id == campaign.id)
        tz = zone(campaign.timezone)
    if chosen.channel is not None:
        logged = _distinct(session, OutreachEntry.channel)
        if chosen.channel not in known_channels and chosen.channel not in logged:
            known = ", ".join(dict.fromkeys([*known_channels, *sorted(logged)])) or "-"
            raise UserError(t("err.unknown_channel", channel=chosen.channel, known=known), where="--channel")
        conditions.append(OutreachEntry.channel == chosen.channel)
    if chosen.kind is not None:
        if chosen.kind not in KNOWN_KINDS and chosen.kind not in _distinct(session, OutreachEntry.kind):
            raise UserError(t("logcmd.err_unknown_kind", kind=chosen.kind, known=", ".join(KNOWN_KINDS)),
                            where="--kind")
        conditions.append(OutreachEntry.kind == chosen.kind)
    if chosen.first is not None:
        conditions.append(OutreachEntry.at >= dt.datetime.combine(chosen.first, dt.time(0), tzinfo=tz))
    if chosen.last is not None:
        after = chosen.last + dt.timedelta(days=1)
        conditions.append(OutreachEntry.at < dt.datetime.combine(after, dt.time(0), tzinfo=tz))
    return (
        select(OutreachEntry.id, OutreachEntry.at, OutreachEntry.kind, OutreachEntry.post_id,
               OutreachEntry.delivery_id, OutreachEntry.channel, OutreachEntry.title, OutreachEntry.count,
               OutreachEntry.place, OutreachEntry.detail, Campaign.slug, Campaign.timezone)
        .outerjoin(Campaign, Campaign.id == OutreachEntry.campaign_id)
        .where(*conditions)
        .order_by(OutreachEntry.at, OutreachEntry.id)
    )


def _distinct(session: Session, column: Any) -> set[str]:
    return {value for value in session.scalars(select(column).distinct()) if value is not None}


def iter_entries(session: Session, chosen: LogFilter, *, default_timezone: str,
                 known_channels: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
    """Entries in time order as dicts, streamed: memory stays flat however long the log is.

    ``at`` is shown in the entry's campaign's timezone (the default timezone for entries of no campaign).
    """
    query = log_query(session, chosen, default_timezone=default_timezone, known_channels=known_channels)
    return _stream(session, query, zone(default_timezone))  # names are checked now, rows read when iterated


def _stream(session: Session, query: Any, default: ZoneInfo) -> Iterator[dict[str, Any]]:
    zones: dict[str, ZoneInfo] = {}
    result = session.connection().execution_options(yield_per=PARTITION).execute(query)
    try:
        # unpacked, not read by name: a row's attribute lookup is a good part of the time on 100,000 entries
        for entry_id, at, kind, post_id, delivery_id, channel, title, count, place, detail, slug, timezone in result:
            tz = default if timezone is None else zones.get(timezone) or zones.setdefault(timezone, zone(timezone))
            yield {"id": entry_id, "at": iso(at.astimezone(tz)), "at_utc": iso_utc(at), "kind": kind,
                   "campaign": slug, "post_id": post_id, "delivery_id": delivery_id, "channel": channel,
                   "title": title, "count": count, "place": place, "detail": detail}
    finally:
        result.close()
