"""Every figure of the report, computed from the outreach log (so the report and `loa log` agree).

Counts are aggregated in SQL; the published entries are streamed once (``yield_per``) with their delivery's
``due_at`` and their latest metrics snapshot joined in SQL, so 100,000 entries are read in bounded memory, and tallied
as plain rows (no object per entry). The counts per kind and channel and the latest snapshot per delivery come from
the index on (campaign_id, kind, channel, delivery_id) alone.
Only the first ``LINKS_CAP`` published entries are kept for the per-post links table of the document.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loa.posts.lookup import get_campaign
from loa.posts.models import OutreachEntry
from loa.posts.times import zone

METRICS = ("reactions", "comments", "shares", "views", "reach", "clicks")
INTERACTIONS = ("reactions", "comments", "shares")  # what the report calls "lượt tương tác"
ON_TIME_S = 60  # published within a minute of its scheduled time counts as on time
LINKS_CAP = 200  # rows of the per-post links table in the document; the XLSX detail sheet has every row
OFFLINE_CAP = 200
REASONS_CAP = 10
DAYS_PER_DAY_ROW = 14  # a campaign longer than two weeks is tabulated per week (a month: 31 rows, mostly zeros)
WEEKS_CAP = 26  # beyond half a year of weeks, per month
NOTES_CAP = 100


@dataclass
class Published:
    """One published delivery, with its latest metrics (a metric missing or unavailable is None)."""

    at: dt.datetime  # local time, in the campaign's timezone
    channel: str
    title: str
    permalink: str | None
    remote_id: str | None
    due_at: dt.datetime | None  # local time
    metrics: dict[str, int | None]
    unavailable: dict[str, str]
    approved_by: str | None = None  # who last approved the post (its ``approved_by``), when anyone is recorded

    @property
    def delay_s(self) -> float | None:
        return None if self.due_at is None else (self.at - self.due_at).total_seconds()

    @property
    def on_time(self) -> bool | None:
        delay = self.delay_s
        return None if delay is None else delay <= ON_TIME_S

    @property
    def interactions(self) -> int | None:
        known = [self.metrics[name] for name in INTERACTIONS if self.metrics.get(name) is not None]
        return sum(known) if known else None  # type: ignore[arg-type]


@dataclass
class MetricTotal:
    """A metric summed over the deliveries that reported it; ``known`` of ``of`` deliveries did."""

    total: int
    known: int
    of: int

    @property
    def available(self) -> bool:
        return self.known > 0


@dataclass
class Period:
    """A day (or a month, for long campaigns) of the period table and the chart."""

    label: str
    start: dt.date
    per_channel: dict[str, int]
    interactions: int | None
    reach: int | None = None

    @property
    def posts(self) -> int:
        return sum(self.per_channel.values())


@dataclass
class Offline:
    day: dt.date
    title: str
    count: int | None
    place: str | None
    photo: str | None
    unit: str | None = None  # "băng rôn", "tờ rơi" (``loa log add --unit``)

    @property
    def amount(self) -> str:
        """"3 băng rôn", "500", or "–": the count with its unit, for a table cell."""
        if self.count is None:
            return "–"
        return f"{self.count} {self.unit}" if self.unit else str(self.count)


@dataclass
class Note:
    """The officer's own remark (``loa log add --kind note``), for "Đánh giá chung"."""

    day: dt.date
    title: str
    place: str | None


@dataclass
class Photo:
    """A photo attached to an offline activity or a note: the evidence, for the report's appendix."""

    day: dt.date
    title: str
    place: str | None
    path: str  # relative to the media folder (``log-photos/<sha256>.<ext>``)


@dataclass
class Change:
    """A correction ("đính chính") or a take-down ("gỡ bài") carried out on a channel."""

    at: dt.datetime  # local time
    channel: str
    title: str
    kind: str  # "corrected" or "taken_down"


CHANGE_KINDS = ("corrected", "taken_down")


@dataclass
class ReportFigures:
    slug: str
    name: str
    theme: str | None
    plan_ref: str | None
    start: dt.date
    end: dt.date
    timezone: str
    kinds: dict[str, int]  # entries per kind, as `loa log --kind K` counts them
    published_per_channel: dict[str, int]
    posts_published: int  # distinct posts with at least one published delivery
    periods: list[Period]  # every day (week, month) of the campaign, quiet ones too: the chart's time axis
    by_month: bool
    links: list[Published]
    on_time: int = 0
    late: int = 0
    timing_unknown: int = 0
    metric_totals: dict[str, MetricTotal] = field(default_factory=dict)
    interactions: MetricTotal = field(default_factory=lambda: MetricTotal(0, 0, 0))
    failed_per_channel: dict[str, int] = field(default_factory=dict)
    failed_reasons: list[tuple[str, int]] = field(default_factory=list)
    missed_reasons: list[tuple[str, int]] = field(default_factory=list)
    offline: list[Offline] = field(default_factory=list)
    offline_activities: int = 0
    offline_units: list[tuple[str | None, int]] = field(default_factory=list)  # count per unit; None: no unit given
    changes: list[Change] = field(default_factory=list)  # the first LINKS_CAP, oldest first
    approvers: bool = False  # some published post names its approver: the lists get a "Người duyệt" column
    channel_names: dict[str, str] = field(default_factory=dict)  # key -> the name people read (channel_names.py)

    def channel_name(self, channel: str) -> str:
        """How the report names ``channel``: its display name, or its key for a channel no longer configured."""
        return self.channel_names.get(channel, channel)
    by_week: bool = False
    notes: list[Note] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)

    @property
    def corrected(self) -> int:
        return self.kinds.get("corrected", 0)

    @property
    def taken_down(self) -> int:
        return self.kinds.get("taken_down", 0)

    @property
    def published(self) -> int:
        return self.kinds.get("published", 0)

    @property
    def failed(self) -> int:
        return self.kinds.get("failed", 0)

    @property
    def missed(self) -> int:
        return self.kinds.get("missed", 0)

    @property
    def retries(self) -> int:
        return self.kinds.get("attempt", 0)

    @property
    def channels(self) -> list[str]:
        return sorted(self.published_per_channel)


def _reasons(session: Session, campaign_id: int, kind: str, key: str) -> list[tuple[str, int]]:
    counter: Counter[str] = Counter()
    query = select(OutreachEntry.detail).where(OutreachEntry.campaign_id == campaign_id, OutreachEntry.kind == kind)
    for (detail,) in session.execute(query.execution_options(yield_per=2000)):
        text = str((detail or {}).get(key) or "").strip()
        counter[(text.splitlines() or ["?"])[0][:200]] += 1
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) > REASONS_CAP:  # the rest as one line, so the counts still add up
        rest = sum(count for _, count in ranked[REASONS_CAP - 1:])
        ranked = ranked[:REASONS_CAP - 1] + [("…", rest)]
    return ranked


def compute_figures(session: Session, slug: str,
                    periods_known: Callable[[ReportFigures], None] | None = None) -> ReportFigures:
    """The report's figures; ``periods_known`` is called as soon as the periods and channels are (the report sends
    them to its chart worker then, so the charts are drawn while the rest is read)."""
    campaign = get_campaign(session, slug)
    cid = campaign.id
    # one pass over the campaign's entries for every count by kind and channel
    kinds: Counter[str] = Counter()
    published_per_channel: dict[str, int] = {}
    failed_per_channel: dict[str, int] = {}
    for kind, channel, number in session.execute(
            select(OutreachEntry.kind, OutreachEntry.channel, func.count()).where(OutreachEntry.campaign_id == cid)
            .group_by(OutreachEntry.kind, OutreachEntry.channel)):
        kinds[kind] += number
        if kind in ("published", "failed"):
            target = published_per_channel if kind == "published" else failed_per_channel
            target[channel or "-"] = target.get(channel or "-", 0) + number
    posts_published = session.scalar(select(func.count(func.distinct(OutreachEntry.post_id))).where(
        OutreachEntry.campaign_id == cid, OutreachEntry.kind == "published")) or 0

    figures = ReportFigures(
        slug=campaign.slug, name=campaign.name, theme=campaign.theme, plan_ref=campaign.plan_ref,
        start=campaign.start_date, end=campaign.end_date, timezone=campaign.timezone, kinds=dict(kinds),
        published_per_channel=published_per_channel, posts_published=posts_published, periods=[],
        by_month=False, links=[], failed_per_channel=failed_per_channel)

    per_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    interactions_per_day: dict[dt.date, int] = {}
    reach_per_day: dict[dt.date, int] = {}
    sums = {name: MetricTotal(0, 0, 0) for name in METRICS}
    interactions = MetricTotal(0, 0, 0)
    from .published import tally_published  # here: published.py builds on this module's types

    tally_published(session, cid, zone(campaign.timezone), figures, per_day, interactions_per_day, reach_per_day,
                    sums, interactions)
    figures.metric_totals, figures.interactions = sums, interactions
    figures.periods, grain = _periods(campaign.start_date, campaign.end_date, per_day, interactions_per_day,
                                      reach_per_day)
    figures.by_month, figures.by_week = grain == "month", grain == "week"
    if periods_known is not None:
        periods_known(figures)
    _notes_and_photos(session, cid, zone(campaign.timezone), figures)
    figures.failed_reasons = _reasons(session, cid, "failed", "error")
    figures.missed_reasons = _reasons(session, cid, "missed", "reason")
    _offline(session, cid, zone(campaign.timezone), figures)
    query = (select(OutreachEntry.at, OutreachEntry.channel, OutreachEntry.title, OutreachEntry.kind)
             .where(OutreachEntry.campaign_id == cid, OutreachEntry.kind.in_(CHANGE_KINDS))
             .order_by(OutreachEntry.at, OutreachEntry.id).limit(LINKS_CAP))
    figures.changes = [Change(at.astimezone(zone(campaign.timezone)), channel or "-", title or "", kind)
                       for at, channel, title, kind in session.execute(query)]
    return figures


def _periods(start: dt.date, end: dt.date, per_day: dict[dt.date, Counter[str]], interactions: dict[dt.date, int],
             reach: dict[dt.date, int]) -> tuple[list[Period], str]:
    """The campaign's days (quiet days included) and any day with posts outside them, grouped per day for a
    campaign of up to two weeks, per week (from the campaign's first day) up to half a year, else per month."""
    days = set(per_day) | {start + dt.timedelta(days=n) for n in range(min((end - start).days + 1, 366 * 3))}
    if (end - start).days < DAYS_PER_DAY_ROW and len(days) <= DAYS_PER_DAY_ROW * 2:
        return [Period(f"{day:%d/%m/%Y}", day, dict(per_day.get(day, {})), interactions.get(day), reach.get(day))
                for day in sorted(days)], "day"
    first, last = min(days), max(days)
    week_of = {day: start + dt.timedelta(days=7 * ((day - start).days // 7)) for day in days}
    grain = "week" if ((last - first).days // 7) + 1 <= WEEKS_CAP else "month"
    groups: dict[dt.date, Period] = {}
    if grain == "week":  # every week of the campaign, quiet ones too (the chart's axis)
        week = week_of[first]
        while week <= last:
            groups[week] = Period(_week_label(week, start, end), week, {}, None)
            week += dt.timedelta(days=7)
    for day in sorted(days):
        key = week_of[day] if grain == "week" else day.replace(day=1)
        period = groups.setdefault(key, Period(f"{day:%m/%Y}", key, {}, None))
        for channel, count in per_day.get(day, {}).items():
            period.per_channel[channel] = period.per_channel.get(channel, 0) + count
        if day in interactions:
            period.interactions = (period.interactions or 0) + interactions[day]
        if day in reach:
            period.reach = (period.reach or 0) + reach[day]
    return list(groups.values()), grain


def _week_label(week: dt.date, start: dt.date, end: dt.date) -> str:
    """"Tuần 2 (08/10–14/10)": the campaign's own weeks, the last one cut at its end day."""
    from loa.posts.i18n import t

    last = min(week + dt.timedelta(days=6), end) if week <= end else week + dt.timedelta(days=6)
    span = f"{week:%d/%m}–{last:%d/%m}"
    number = (week - start).days // 7 + 1
    return t("report14.week_label", n=number, span=span) if number >= 1 else span


def _notes_and_photos(session: Session, cid: int, tz: Any, figures: ReportFigures) -> None:
    """Notes for "Đánh giá chung", and every photo of an offline activity or a note for the appendix."""
    query = (select(OutreachEntry.kind, OutreachEntry.at, OutreachEntry.title, OutreachEntry.place,
                    OutreachEntry.detail["photo"].as_string())
             .where(OutreachEntry.campaign_id == cid, OutreachEntry.kind.in_(("note", "offline")))
             .order_by(OutreachEntry.at, OutreachEntry.id))
    for kind, at, title, place, photo in session.execute(query.execution_options(yield_per=2000)):
        day = at.astimezone(tz).date()
        if kind == "note" and len(figures.notes) < NOTES_CAP:
            figures.notes.append(Note(day, title or "", place))
        if photo and len(figures.photos) < OFFLINE_CAP:
            figures.photos.append(Photo(day, title or "", place, photo))


def _offline(session: Session, cid: int, tz: Any, figures: ReportFigures) -> None:
    where = (OutreachEntry.campaign_id == cid, OutreachEntry.kind == "offline")
    # counts are summed per unit only (_offline_units): "3 băng rôn + 500 tờ rơi" is not 503 of anything
    figures.offline_activities = session.scalar(select(func.count()).where(*where))
    figures.offline_units = _offline_units(session, where)
    query = (select(OutreachEntry.at, OutreachEntry.title, OutreachEntry.count, OutreachEntry.place,
                    OutreachEntry.detail).where(*where).order_by(OutreachEntry.at, OutreachEntry.id)
             .limit(OFFLINE_CAP))
    for at, title, count, place, detail in session.execute(query):
        detail = detail or {}
        figures.offline.append(Offline(day=at.astimezone(tz).date(), title=title or "", count=count, place=place,
                                       photo=detail.get("photo"), unit=_unit(detail.get("unit"))))


def _unit(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _offline_units(session: Session, where: tuple[Any, ...]) -> list[tuple[str | None, int]]:
    """Counts summed per unit, never across units: [("băng rôn", 3), ("tờ rơi", 500), (None, 12)].

    Units come in the order they were first recorded; "Băng rôn" and "băng rôn" are one unit, written as it was
    first; entries without a unit are their own group, last. Summed in SQL: one row per spelling."""
    unit = OutreachEntry.detail["unit"].as_string()
    sums: dict[str | None, int] = {}
    spelling: dict[str, str] = {}
    for written, count in session.execute(
            select(unit, func.coalesce(func.sum(OutreachEntry.count), 0)).where(*where)
            .group_by(unit).order_by(func.min(OutreachEntry.at), func.min(OutreachEntry.id))):
        name = _unit(written)
        key = name.casefold() if name else None
        sums[key] = sums.get(key, 0) + int(count)
        if key is not None:
            spelling.setdefault(key, name)  # type: ignore[arg-type]
    named = [(spelling[key], total) for key, total in sums.items() if key is not None]
    return named + ([(None, sums[None])] if None in sums else [])
