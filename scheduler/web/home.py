"""The home page, "Tuần này": this week's posts, plainly (the week view replaces it)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import select

from posts.models import Campaign, Post
from posts.times import week_range, zone

from . import workspace

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
def week() -> Any:
    ws = workspace()
    tz = zone(ws.config.timezone)
    today = dt.datetime.now(tz).date()
    first, last = week_range(today)
    start = dt.datetime.combine(first, dt.time(), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    with ws.database.session() as session:
        rows = session.execute(
            select(Post.id, Post.title, Post.status, Post.publish_at, Campaign.slug, Campaign.timezone)
            .join(Campaign, Campaign.id == Post.campaign_id)
            .where(Post.publish_at >= start, Post.publish_at < end, Post.status != "cancelled")
            .order_by(Post.publish_at, Post.id).limit(500)).all()
    posts = [{"id": r.id, "title": r.title, "status": r.status, "campaign": r.slug,
              "at": r.publish_at.astimezone(zone(r.timezone))} for r in rows]
    return render_template("home.html", posts=posts, first=first, last=last)
