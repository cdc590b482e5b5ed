"""``loa status``: is anything publishing, what is queued, what comes next, and what needs a person.

A plain dict (the ``--json`` shape in the README); scheduler/views.py draws it for a person.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from posts.db import Database
from posts.models import DELIVERY_STATUSES, Campaign, Daemon, Delivery, Post, utcnow
from posts.times import iso, zone

from .claims import claimable, paused_channels
from .config import Config

NEEDS_A_PERSON = ("failed", "unknown", "missed")
ATTENTION_LIMIT = 100
HINTS = {
    "failed": "loa retry {post}",
    "unknown": "check {channel}; then loa retry {post} --channel {channel} (or leave it if it is there)",
    "missed": "loa post reschedule {post} WHEN, or loa retry {post}",
    "waiting": "fix {first} first: {first_status}",
}


def _when(moment: dt.datetime | None, tz: str) -> str | None:
    return iso(moment.astimezone(zone(tz))) if moment is not None else None


def daemon_status(db: Database, config: Config, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    stale_after = dt.timedelta(seconds=3 * config.document.daemon.heartbeat_seconds + 5)
    with db.session() as session:
        daemons = [{"owner": d.owner, "host": d.host, "pid": d.pid, "version": d.version,
                    "started_at": iso(d.started_at), "heartbeat_at": iso(d.heartbeat_at),
                    "alive": d.stopped_at is None and now - d.heartbeat_at <= stale_after}
                   for d in session.scalars(select(Daemon).where(Daemon.stopped_at.is_(None))
                                            .order_by(Daemon.heartbeat_at.desc()).limit(20))]
        counts = dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
        paused = paused_channels(session, now)
        next_row = session.execute(
            select(Delivery.id, Delivery.channel, Delivery.available_at, Post.id.label("post_id"), Post.title,
                   Campaign.timezone)
            .join(Post, Post.id == Delivery.post_id).join(Campaign, Campaign.id == Post.campaign_id)
            .where(Delivery.id.in_(claimable(None, after=config.after, paused=paused).scalar_subquery()))
            .order_by(Delivery.available_at, Delivery.id).limit(1)).first()
        attention = _attention(session, config)
    return {
        "daemon": {"alive": any(d["alive"] for d in daemons), "processes": daemons},
        "deliveries": {status: counts.get(status, 0) for status in DELIVERY_STATUSES},
        "next": None if next_row is None else {
            "post": next_row.post_id, "title": next_row.title, "channel": next_row.channel,
            "at": _when(next_row.available_at, next_row.timezone)},
        "paused": [{"channel": s.channel, "kind": s.pause_kind, "reason": s.paused_reason,
                    "since": iso(s.paused_at), "until": iso(s.resume_at)} for s in paused.values()],
        "attention": attention,
    }


def _attention(session, config: Config) -> dict[str, Any]:
    """Deliveries no daemon will move without a person: failed, unknown, missed, and those waiting on one."""
    columns = (Delivery.id, Delivery.channel, Delivery.status, Delivery.last_error, Delivery.due_at,
               Post.id.label("post_id"), Post.title, Campaign.slug, Campaign.timezone)
    base = select(*columns).join(Post, Post.id == Delivery.post_id).join(Campaign, Campaign.id == Post.campaign_id)
    # an unknown send of a cancelled post may still be live on the platform: it is shown all the same
    stuck = base.where(Delivery.status.in_(NEEDS_A_PERSON), or_(Post.status != "cancelled",
                                                                Delivery.status == "unknown"))
    total = session.scalar(select(func.count()).select_from(stuck.subquery()))
    rows = [_item(r, r.status, r.last_error) for r in
            session.execute(stuck.order_by(Delivery.due_at, Delivery.id).limit(ATTENTION_LIMIT))]
    # a delivery waiting for a channel of its post that failed (or is unknown, missed) waits for a person too
    first = aliased(Delivery)
    wanted = {**config.after}
    waiting = session.execute(
        base.add_columns(first.channel.label("first"), first.status.label("first_status"), Delivery.wait_for)
        .join(first, first.post_id == Delivery.post_id)
        .where(Delivery.status.in_(("pending", "retry_wait")), first.status.in_(NEEDS_A_PERSON),
               Post.status == "approved")
        .limit(ATTENTION_LIMIT * 4)).all()
    for r in waiting:
        if (r.wait_for or wanted.get(r.channel)) == r.first and len(rows) < ATTENTION_LIMIT:
            rows.append(_item(r, "waiting", f"waiting for {r.first} ({r.first_status})", first=r.first,
                              first_status=r.first_status))
            total += 1
    return {"total": total, "items": rows}


def _item(r: Any, status: str, reason: str | None, **extra: str) -> dict[str, Any]:
    hint = HINTS[status].format(post=r.post_id, channel=r.channel, **extra)
    return {"post": r.post_id, "title": r.title, "campaign": r.slug, "channel": r.channel, "status": status,
            "due_at": _when(r.due_at, r.timezone), "reason": reason, "hint": hint}


