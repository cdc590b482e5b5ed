"""The calendar views of the queue (the workspace's week and month): posts of a range with their thumbnails, and
counts per day. Bounded to the range asked for (``posts.publish_at`` is indexed), so a week out of 10,000 posts
comes back in a few milliseconds.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .listing import list_queue
from .lookup import get_campaign
from .models import Campaign, Post, Render
from .times import zone

SHOWN_STATUSES = ("draft", "approved", "done")  # cancelled posts leave the calendar, as they leave the queue


def range_posts(session: Session, since: dt.datetime, until: dt.datetime, *,
                campaign: str | None = None) -> list[dict[str, Any]]:
    """``list_queue``'s rows for [since, until) without cancelled posts, each with ``thumb``: the stored file
    (relative to the media folder) and sha256 of its first banner, else its first photo, else None."""
    rows = [row for row in list_queue(session, campaign=campaign, since=since, until=until)
            if row["status"] in SHOWN_STATUSES]
    thumbs = post_thumbs(session, [row["id"] for row in rows])
    for row in rows:
        row["thumb"] = thumbs.get(row["id"])
    return rows


def post_thumbs(session: Session, post_ids: list[int]) -> dict[int, dict[str, str]]:
    """For each post, the render a thumbnail is made from: its first banner (by name), else its first photo."""
    found: dict[int, tuple[tuple[int, str], dict[str, str]]] = {}
    for start in range(0, len(post_ids), 500):
        chunk = post_ids[start:start + 500]
        query = (select(Render.post_id, Render.kind, Render.name, Render.media_path, Render.sha256)
                 .where(Render.post_id.in_(chunk), Render.kind.in_(("banner", "photo")),
                        Render.media_path.is_not(None)))
        for row in session.execute(query):
            rank = (0 if row.kind == "banner" else 1, row.name)
            if row.post_id not in found or rank < found[row.post_id][0]:
                found[row.post_id] = (rank, {"media_path": row.media_path, "sha256": row.sha256})
    return {post_id: thumb for post_id, (_rank, thumb) in found.items()}


def post_thumb(session: Session, post_id: int) -> dict[str, str] | None:
    """The thumbnail source of one post (None: it has no banner or photo); a post that does not exist is a
    ``UserError`` (through ``get_post``)."""
    from .lookup import get_post

    get_post(session, post_id)
    return post_thumbs(session, [post_id]).get(post_id)


def day_counts(session: Session, first: dt.date, last: dt.date, tz_name: str, *,
               campaign: str | None = None) -> dict[dt.date, dict[str, int]]:
    """Posts per local day in [first, last] (days in ``tz_name``, each post at its campaign's local time, as the
    week shows it), by status, cancelled ones left out; archived campaigns only when named."""
    tz = zone(tz_name)
    since = dt.datetime.combine(first, dt.time(), tz) - dt.timedelta(days=1)  # campaigns in other zones
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz) + dt.timedelta(days=1)
    query = (select(Post.publish_at, Post.status, Campaign.timezone).join(Campaign, Campaign.id == Post.campaign_id)
             .where(Post.publish_at >= since, Post.publish_at < until, Post.status.in_(SHOWN_STATUSES)))
    if campaign is not None:
        query = query.where(Post.campaign_id == get_campaign(session, campaign).id)
    else:
        query = query.where(Campaign.archived_at.is_(None))
    counts: dict[dt.date, dict[str, int]] = {}
    zones: dict[str, Any] = {}
    for at, status, campaign_zone in session.execute(query):
        local = at.astimezone(zones.setdefault(campaign_zone, zone(campaign_zone))).date()
        if first <= local <= last:
            day = counts.setdefault(local, {})
            day[status] = day.get(status, 0) + 1
    return counts


def campaign_choices(session: Session) -> list[tuple[str, str]]:
    """(slug, name) of the campaigns a filter offers: not archived, in date order (as ``loa campaign list``)."""
    query = (select(Campaign.slug, Campaign.name).where(Campaign.archived_at.is_(None))
             .order_by(Campaign.start_date, Campaign.slug))
    return [(slug, name) for slug, name in session.execute(query)]
