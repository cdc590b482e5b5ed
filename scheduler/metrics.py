"""Engagement figures of published deliveries: read at about +1 h, +24 h and +7 days, and on demand.

Each reading is one ``metrics`` entry of the outreach log (``detail``: stage, metrics, unavailable, source), so the
report is built from the same log as everything else. No table of its own: what is due is found from the
deliveries published in the last ``WINDOW`` and their ``metrics`` entries, a bounded set.

Rules (issue 6):
- A figure that cannot be read is recorded as unavailable with the reason, never as 0.
- A stage is read once. After downtime only the latest due stage is read (a daemon down for two days reads the
  +24 h figures once, not +1 h then +24 h).
- A passing failure (network, 5xx, rate limit) is recorded (marked ``transient``, so the log shows it), and the
  stage is read again at a later run, no sooner than ``RETRY_DELAY`` (or the platform's own wait) and at most
  ``MAX_TRIES`` times in all; a refusal (token, permission, deleted post) ends the stage with its reason.
  When nothing at all could be read that way, the channel's other readings wait for the next run.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from loa.posts.db import Database
from loa.posts.lookup import get_campaign
from loa.posts.models import Campaign, Delivery, OutreachEntry, Post, utcnow
from loa.posts.outreach import record
from loa.posts.times import iso_utc

from .config import Config
from .dispatch import publisher_for
from .publishers import METRIC_NAMES, Metrics, Publisher, PublishError, TransientError

STAGES = (("1h", dt.timedelta(hours=1)), ("24h", dt.timedelta(hours=24)), ("7d", dt.timedelta(days=7)))
WINDOW = dt.timedelta(days=8)  # the +7 d reading may be retried for a day; older deliveries are left alone
RETRY_DELAY = dt.timedelta(minutes=15)
MAX_TRIES = 3  # readings of one stage that failed for a passing reason; then the stage is over
BATCH = 200  # readings per run at most: a backlog is read over several runs instead of one long burst
CHUNK = 500  # ids per IN (...) query


@dataclass(frozen=True)
class Reading:
    """One delivery to read: what the log needs to name it."""

    delivery_id: int
    post_id: int
    campaign_id: int
    campaign: str
    title: str
    channel: str
    remote_id: str | None
    permalink: str | None
    published_at: dt.datetime


def due_stage(published_at: dt.datetime, snapshots: list[dict[str, Any]], now: dt.datetime) -> str | None:
    """The stage to read now, given the delivery's earlier ``metrics`` entries (their details), or None."""
    age = now - published_at
    if age > WINDOW:
        return None
    reached = [name for name, offset in STAGES if age >= offset]
    if not reached:
        return None
    latest = reached[-1]
    later = {name for name, _ in STAGES[len(reached) - 1:]}
    if any(s.get("stage") in later and not s.get("transient") for s in snapshots):
        return None
    tries = [s for s in snapshots if s.get("stage") == latest and s.get("transient")]
    if len(tries) >= MAX_TRIES:
        return None
    if tries:
        last = max(_parse(s.get("retry_at")) or now for s in tries)
        if now < last:
            return None
    return latest


def collect_due_metrics(db: Database, config: Config, *, now: dt.datetime | None = None,
                        adapters: dict[str, Publisher] | None = None) -> int:
    """Read the figures of every delivery that has a stage due (at most ``BATCH``); returns the readings recorded.

    For the daemon's periodic job. ``adapters`` keeps one publisher per channel across runs.
    """
    now = now or utcnow()
    since = now - WINDOW
    with db.session() as session:
        published = session.execute(select(Delivery.id, Delivery.published_at).where(
            Delivery.status == "published", Delivery.action == "publish", ~_taken_down(),
            Delivery.published_at >= since, Delivery.published_at <= now - STAGES[0][1])
            .order_by(Delivery.published_at, Delivery.id)).all()
        # Every reading of these was taken after they were published, so after ``since``: the (kind, at) index.
        # Only the keys due_stage needs are extracted, in SQL: the figures stay unparsed.
        snapshots: dict[int, list[dict[str, Any]]] = {}
        for delivery_id, stage, transient, retry_at in session.execute(select(
                OutreachEntry.delivery_id, OutreachEntry.detail["stage"].as_string(),
                OutreachEntry.detail["transient"].as_boolean(), OutreachEntry.detail["retry_at"].as_string())
                .where(OutreachEntry.kind == "metrics", OutreachEntry.at >= since)):
            snapshots.setdefault(delivery_id, []).append({"stage": stage, "transient": transient,
                                                          "retry_at": retry_at})
        due = {delivery_id: stage for delivery_id, published_at in published
               if (stage := due_stage(published_at, snapshots.get(delivery_id, []), now)) is not None}
        chosen = list(due)[:BATCH]
        readings = []
        for chunk in (chosen[i:i + CHUNK] for i in range(0, len(chosen), CHUNK)):
            readings += _candidates(session, Delivery.id.in_(chunk))
        readings = _with_post_ids(session, readings)
    adapters = {} if adapters is None else adapters
    recorded = 0
    unreachable: set[str] = set()
    for reading in readings:
        if reading.channel in unreachable:
            continue  # still due: read at a later run, without a failed reading of its own for this one
        figures = read_figures(config, reading, adapters, db=db)
        if figures.transient and not figures.values:
            # nothing could be read (network, 5xx, rate limit): the channel's other readings wait for the next run
            # instead of each spending a try (and the platform's quota) on the same trouble
            unreachable.add(reading.channel)
        if _record(db, reading, due[reading.delivery_id], figures, now, recheck=True):
            recorded += 1
    return recorded


def refresh_metrics(db: Database, config: Config, *, campaign: str | None = None,
                    now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """``loa metrics refresh``: read every published delivery of the campaign (all campaigns: those published in
    the last ``WINDOW``) now, record each reading as stage ``manual`` and return them."""
    now = now or utcnow()
    with db.session() as session:
        if campaign is not None:
            chosen = Post.campaign_id == get_campaign(session, campaign).id
        else:
            chosen = Delivery.published_at >= now - WINDOW
        readings = _with_post_ids(session, _candidates(session, chosen))
    adapters: dict[str, Publisher] = {}
    rows = []
    for reading in readings:
        figures = read_figures(config, reading, adapters, db=db)
        _record(db, reading, "manual", figures, now, recheck=False)
        rows.append(_row(reading, "manual", figures, now))
    return rows


def read_figures(config: Config, reading: Reading, adapters: dict[str, Publisher], *,
                 db: Database | None = None) -> Metrics:
    """The figures of one delivery; any failure becomes figures unavailable with its reason."""
    if reading.remote_id is None:
        return Metrics.none("no remote id was recorded when it was published")
    try:
        if reading.channel not in adapters:
            adapters[reading.channel] = publisher_for(config, reading.channel, db=db)
        publisher = adapters[reading.channel]
        figures = publisher.metrics(reading.remote_id)
    except TransientError as exc:
        return Metrics.none(str(exc), transient=True, retry_at=exc.not_before)
    except PublishError as exc:
        return Metrics.none(str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. the channel left the config, or a third-party adapter's bug:
        # recorded with its reason, and the other deliveries are still read
        return Metrics.none(f"{type(exc).__name__}: {exc}")
    if figures is None:
        return Metrics.none(f"the {publisher.adapter} adapter reports no engagement figures")
    for name in METRIC_NAMES:
        if name not in figures.values and name not in figures.unavailable:
            figures.unavailable[name] = "not reported by this channel"
    return figures


def _candidates(session: Session, *conditions: Any) -> list[Reading]:
    """Published deliveries matching ``conditions``, oldest first: plain columns, no ORM objects (thousands)."""
    query = (select(Delivery.id, Delivery.post_id, Post.campaign_id, Campaign.slug, Post.title, Delivery.channel,
                    Delivery.remote_id, Delivery.permalink, Delivery.published_at)
             .join(Post, Post.id == Delivery.post_id).join(Campaign, Campaign.id == Post.campaign_id)
             .where(Delivery.status == "published", Delivery.action == "publish", ~_taken_down(),
                    Delivery.published_at.is_not(None), *conditions)
             .order_by(Delivery.published_at, Delivery.id))
    return [Reading(*row) for row in session.execute(query)]


def _taken_down() -> Any:
    """The publication was taken down ("gỡ bài"): there is nothing left to read figures of."""
    removal = aliased(Delivery)
    return exists().where(removal.post_id == Delivery.post_id, removal.channel == Delivery.channel,
                          removal.action == "delete", removal.status == "published")


def _with_post_ids(session: Session, readings: list[Reading]) -> list[Reading]:
    """A Facebook photo post's figures are on the Page post: its id is in the publication's log entry."""
    found: dict[tuple[int, str], str] = {}
    post_ids = sorted({r.post_id for r in readings})
    for chunk in (post_ids[i:i + CHUNK] for i in range(0, len(post_ids), CHUNK)):
        rows = session.execute(select(OutreachEntry.post_id, OutreachEntry.channel, OutreachEntry.detail).where(
            OutreachEntry.post_id.in_(chunk), OutreachEntry.kind == "published").order_by(OutreachEntry.id))
        for post_id, channel, detail in rows:
            if (detail or {}).get("post_id"):
                found[(post_id, channel)] = str(detail["post_id"])  # the latest publication wins
    return [replace(r, remote_id=found.get((r.post_id, r.channel), r.remote_id)) for r in readings]


def _snapshots_of(session: Session, reading: Reading) -> list[dict[str, Any]]:
    rows = session.execute(select(OutreachEntry.detail).where(  # the post_id index: a handful of rows
        OutreachEntry.post_id == reading.post_id, OutreachEntry.kind == "metrics",
        OutreachEntry.delivery_id == reading.delivery_id))
    return [detail or {} for (detail,) in rows]


def _record(db: Database, reading: Reading, stage: str, figures: Metrics, now: dt.datetime, *,
            recheck: bool) -> bool:
    """Append the reading to the log. ``recheck``: only if the stage is still due (two daemons on one database
    read the same stage at once: the delivery row is locked, and the second one records nothing)."""
    with db.transaction() as session:
        locked = select(Delivery).where(Delivery.id == reading.delivery_id)
        delivery = session.scalar(locked if db.is_sqlite else locked.with_for_update())
        if delivery is None:
            return False
        if recheck and due_stage(reading.published_at, _snapshots_of(session, reading), now) != stage:
            return False
        record(session, "metrics", campaign_id=reading.campaign_id, post=delivery.post, channel=reading.channel,
               delivery_id=reading.delivery_id, at=now, detail=snapshot_detail(stage, figures, now))
    return True


def snapshot_detail(stage: str, figures: Metrics, now: dt.datetime) -> dict[str, Any]:
    detail: dict[str, Any] = {"stage": stage, "metrics": {n: figures.values[n] for n in METRIC_NAMES
                                                          if n in figures.values},
                              "unavailable": {n: figures.unavailable[n] for n in METRIC_NAMES
                                              if n in figures.unavailable and n not in figures.values},
                              "source": figures.source}
    if figures.transient:
        detail["transient"] = True
        detail["retry_at"] = iso_utc(max(figures.retry_at or now, now + RETRY_DELAY))
    return detail


def _row(reading: Reading, stage: str, figures: Metrics, now: dt.datetime) -> dict[str, Any]:
    detail = snapshot_detail(stage, figures, now)
    return {"delivery": reading.delivery_id, "post": reading.post_id, "campaign": reading.campaign,
            "title": reading.title, "channel": reading.channel, "remote_id": reading.remote_id,
            "permalink": reading.permalink, "published_at": iso_utc(reading.published_at), "read_at": iso_utc(now),
            "stage": stage, "metrics": detail["metrics"], "unavailable": detail["unavailable"],
            "transient": bool(figures.transient)}


def _parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
