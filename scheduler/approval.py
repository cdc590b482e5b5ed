"""Drafts that will miss their time: still not approved, and due within ``[daemon] approval_warning_hours`` or
already overdue. Only approved posts are sent, so such a post silently never goes out unless someone is told:
``loa status`` lists them (with the command that approves them) and the daemon logs a warning once per post
and revision (an edit that returns a post to draft warns again).
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from loa.posts.i18n import t
from loa.posts.models import Campaign, Delivery, Post
from loa.posts.times import iso, zone

from .events import emit
from .spoken import local_moment

STILL_TO_SEND = ("pending", "retry_wait", "missed")  # a delivery the post's approval would let go


def _drafts(now: dt.datetime, hours: float) -> Any:
    due = exists().where(Delivery.post_id == Post.id, Delivery.action == "publish",
                         Delivery.status.in_(STILL_TO_SEND))
    return (select(Post.id, Post.title, Post.publish_at, Post.revision, Campaign.slug, Campaign.timezone)
            .join(Campaign, Campaign.id == Post.campaign_id)
            .where(Post.status == "draft", Post.publish_at <= now + dt.timedelta(hours=hours), due,
                   Campaign.archived_at.is_(None), Campaign.cancelled_at.is_(None)))


def drafts_due(session: Session, *, now: dt.datetime, hours: float, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many, the first ``limit`` as ``loa status`` attention items), earliest first."""
    query = _drafts(now, hours)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = []
    for row in session.execute(query.order_by(Post.publish_at, Post.id).limit(limit)):
        when = iso(row.publish_at.astimezone(zone(row.timezone)))
        reason = t("approval.overdue" if row.publish_at <= now else "approval.due_soon", at=when[:16].replace("T", " "))
        items.append({"post": row.id, "title": row.title, "campaign": row.slug, "channel": None, "status": "draft",
                      "due_at": when, "reason": reason, "hint": t("approval.hint", id=row.id)})
    return total, items


class DraftWarnings:
    """The daemon's warnings: each post once per revision, however many sweeps see it."""

    def __init__(self, hours: float) -> None:
        self.hours = hours
        self.warned: set[tuple[int, int]] = set()

    def check(self, session: Session, now: dt.datetime) -> int:
        count = 0
        for row in session.execute(_drafts(now, self.hours).order_by(Post.publish_at, Post.id).limit(1000)):
            if (row.id, row.revision) in self.warned:
                continue
            self.warned.add((row.id, row.revision))
            count += 1
            key = "daemonlog.draft_overdue" if row.publish_at <= now else "daemonlog.draft_due"
            emit("draft-due", t(key, at=local_moment(row.publish_at, row.timezone)[:16], id=row.id), post=row.id,
                 level=logging.WARNING)
        return count
