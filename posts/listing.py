"""Reading the queue: the schedule listing, campaign summaries, one post in full, and the due deliveries.

These return plain dicts (the stable ``--json`` shapes documented in the README); the CLI draws tables from the
same dicts. Listings use Core queries, not ORM objects, so a week out of a million posts comes back quickly.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from .lookup import get_campaign, get_post
from .models import DELIVERY_STATUSES, POST_STATUSES, Campaign, Delivery, OutreachEntry, Post
from .times import iso, iso_utc, zone
from .vocabulary import code_for

OPEN_POST_STATUSES = ("draft", "approved")
DUE_DELIVERY_STATUSES = ("pending", "retry_wait")


def list_queue(session: Session, *, campaign: str | None = None, since: dt.datetime | None = None,
               until: dt.datetime | None = None, status: str | None = None,
               channel: str | None = None, archived: bool = False) -> list[dict[str, Any]]:
    """Posts in time order with their per-channel status. Without a range or status: all that is not done.
    Archived campaigns only with ``archived`` or when named."""
    conditions = []
    if campaign is not None:
        conditions.append(Post.campaign_id == get_campaign(session, campaign).id)
    elif not archived:
        conditions.append(Campaign.archived_at.is_(None))
    if since is not None:
        conditions.append(Post.publish_at >= since)
    if until is not None:
        conditions.append(Post.publish_at < until)
    # the publications: corrections and take-downs are shown by `loa post show`
    delivery_join = and_(Delivery.post_id == Post.id, Delivery.action == "publish")
    if channel is not None:
        delivery_join = and_(delivery_join, Delivery.channel == channel)
        conditions.append(Post.id.in_(select(Delivery.post_id).where(Delivery.channel == channel)))
    if status is not None:
        status = code_for("status", status, where="--status")  # "nháp", "da duyet" as well as "draft"
        if status in POST_STATUSES:
            conditions.append(Post.status == status)
        elif status in DELIVERY_STATUSES:
            matching = select(Delivery.post_id).where(Delivery.status == status, Delivery.action == "publish")
            if channel is not None:
                matching = matching.where(Delivery.channel == channel)
            conditions.append(Post.id.in_(matching))
    elif since is None and until is None:
        conditions.append(Post.status.in_(OPEN_POST_STATUSES))
    query = (
        select(Post.id, Post.title, Post.status, Post.publish_at, Post.review_comment, Campaign.slug,
               Campaign.timezone,
               Delivery.id.label("delivery_id"), Delivery.channel, Delivery.status.label("delivery_status"),
               Delivery.permalink)
        .join(Campaign, Campaign.id == Post.campaign_id)
        .outerjoin(Delivery, delivery_join)
        .where(*conditions)
        .order_by(Post.publish_at, Post.id)  # a post's deliveries come together; their order is set below
    )
    rows: list[dict[str, Any]] = []
    moments: dict[tuple[dt.datetime, str], tuple[str | None, str | None]] = {}
    for r in session.connection().execute(query):  # Core rows: no ORM bookkeeping for thousands of them
        if not rows or rows[-1]["id"] != r.id:
            key = (r.publish_at, r.timezone)
            if key not in moments:  # posts of a week share few distinct times
                moments[key] = (iso(r.publish_at.astimezone(zone(r.timezone))), iso_utc(r.publish_at))
            local, utc = moments[key]
            rows.append({"id": r.id, "campaign": r.slug, "title": r.title, "status": r.status,
                         "publish_at": local, "publish_at_utc": utc, "timezone": r.timezone,
                         "review_comment": r.review_comment, "deliveries": []})
        if r.channel is not None:
            rows[-1]["deliveries"].append((r.delivery_id, {"channel": r.channel, "status": r.delivery_status,
                                                           "permalink": r.permalink}))
    for row in rows:
        row["deliveries"] = [delivery for _, delivery in sorted(row["deliveries"], key=lambda d: d[0])]
    return rows


def due_deliveries(session: Session, now: dt.datetime, *, limit: int = 50) -> list[tuple[int, str, dt.datetime]]:
    """The next deliveries the daemon may send: approved posts, pending or retrying, due by ``now``."""
    query = (
        select(Delivery.id, Delivery.channel, Delivery.available_at)
        .join(Post, Post.id == Delivery.post_id)
        .where(Delivery.status.in_(DUE_DELIVERY_STATUSES), Delivery.available_at <= now,
               or_(Post.status == "approved", Delivery.action == "delete"))  # a take-down needs no approval
        .order_by(Delivery.available_at, Delivery.id)
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(query)]


def campaign_record(session: Session, campaign: Campaign, *, detailed: bool = False) -> dict[str, Any]:
    posts = dict(session.execute(select(Post.status, func.count()).where(Post.campaign_id == campaign.id)
                                 .group_by(Post.status)).all())
    tz = zone(campaign.timezone)
    next_at = session.scalar(select(func.min(Post.publish_at)).where(
        Post.campaign_id == campaign.id, Post.status.in_(OPEN_POST_STATUSES)))
    record: dict[str, Any] = {
        "slug": campaign.slug, "name": campaign.name, "theme": campaign.theme,
        "start": campaign.start_date.isoformat(), "end": campaign.end_date.isoformat(),
        "timezone": campaign.timezone, "channels": campaign.channels,
        "posts": {status: posts.get(status, 0) for status in POST_STATUSES},
        "next_post_at": iso(next_at.astimezone(tz)) if next_at else None,
        "archived_at": iso(campaign.archived_at.astimezone(tz)) if campaign.archived_at else None,
        "cancelled_at": iso(campaign.cancelled_at.astimezone(tz)) if campaign.cancelled_at else None,
    }
    if detailed:
        deliveries = session.execute(
            select(Delivery.channel, Delivery.status, func.count()).join(Post, Post.id == Delivery.post_id)
            .where(Post.campaign_id == campaign.id, Delivery.action == "publish")
            .group_by(Delivery.channel, Delivery.status)).all()
        by_channel: dict[str, dict[str, int]] = {}
        for channel, status, count in deliveries:
            by_channel.setdefault(channel, {})[status] = count
        record.update({"plan_ref": campaign.plan_ref, "hashtags": campaign.hashtags,
                       "banner_theme": campaign.banner_theme, "source_file": campaign.source_file,
                       "deliveries": by_channel})
    return record


def list_campaigns(session: Session, *, archived: bool = False) -> list[dict[str, Any]]:
    """The campaigns, archived ones only with ``archived``."""
    query = select(Campaign).order_by(Campaign.start_date, Campaign.slug)
    campaigns = session.scalars(query if archived else query.where(Campaign.archived_at.is_(None))).all()
    return [campaign_record(session, campaign) for campaign in campaigns]


def show_campaign(session: Session, slug: str) -> dict[str, Any]:
    return campaign_record(session, get_campaign(session, slug, where="SLUG"), detailed=True)


def post_record(session: Session, post_id: int) -> dict[str, Any]:
    post = get_post(session, post_id)
    tz = zone(post.campaign.timezone)
    history = session.scalars(select(OutreachEntry).where(OutreachEntry.post_id == post.id)
                              .order_by(OutreachEntry.at, OutreachEntry.id)).all()
    return {
        "id": post.id, "campaign": post.campaign.slug, "title": post.title, "body": post.body,
        "status": post.status, "revision": post.revision, "template": post.template, "banner": post.banner,
        "images": post.images or [],
        "publish_at": iso(post.publish_at.astimezone(tz)), "publish_at_utc": iso_utc(post.publish_at),
        "timezone": post.campaign.timezone,
        # who: account names (or, from the command line, --by / LOA_USER / the login name); None before issue 12
        "created_by": post.created_by, "edited_by": post.edited_by, "approved_by": post.approved_by,
        "approved_at": iso(post.approved_at.astimezone(tz)) if post.approved_at else None,
        "review_comment": post.review_comment,  # the approver's note when sending it back, until the next edit
        "deliveries": [{"channel": d.channel, "status": d.status, "attempts": d.attempts,
                        "remote_id": d.remote_id, "permalink": d.permalink, "last_error": d.last_error,
                        "published_at": iso_utc(d.published_at), "may_have_gone_out": d.may_have_gone_out}
                       for d in post.deliveries],
        # corrections ("update") and take-downs ("delete") of what went out, one per channel and action
        "changes": [{"action": d.action, "channel": d.channel, "status": d.status, "attempts": d.attempts,
                     "remote_id": d.remote_id, "permalink": d.permalink, "last_error": d.last_error,
                     "done_at": iso_utc(d.published_at) if d.status == "published" else None}
                    for d in post.changes],
        "history": [{"at": iso(e.at.astimezone(tz)), "kind": e.kind, "channel": e.channel,
                     "by": (e.detail or {}).get("by"), "detail": e.detail} for e in history],
    }

