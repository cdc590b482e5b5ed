"""A small campaign's outreach log in the shapes the daemon, the metrics collector and `loa log add` write."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from loa.posts.db import open_database
from loa.posts.models import Delivery, OutreachEntry, Post
from loa.posts.outreach import record
from loa.posts.times import iso_utc


def seed(project, url: str | None = None) -> None:
    """The log of a small campaign, written in the shapes the daemon and `loa log add` write."""
    db = open_database(url or f"sqlite:///{project.db_path}")
    try:
        with db.transaction() as session:
            posts = session.scalars(select(Post).order_by(Post.id)).all()
            deliveries = {(d.post_id, d.channel): d for d in session.scalars(select(Delivery))}
            cid = posts[0].campaign_id
            p1, p2, p3 = posts

            def entry(kind: str, post: Post, channel: str, delay_s: float, detail: dict, **extra) -> Delivery:
                delivery = deliveries[(post.id, channel)]
                record(session, kind, campaign_id=cid, post=post, channel=channel, delivery_id=delivery.id,
                       at=delivery.due_at + dt.timedelta(seconds=delay_s), detail=detail, **extra)
                return delivery

            def published(post: Post, channel: str, delay_s: float, *, with_due: bool = True) -> Delivery:
                delivery = deliveries[(post.id, channel)]
                detail = {"remote_id": f"r{delivery.id}", "permalink": f"https://portal.example.vn/bai/{delivery.id}",
                          "attempt": 1}
                if with_due:
                    detail["due_at"] = iso_utc(delivery.due_at)
                return entry("published", post, channel, delay_s, detail)

            p1_portal = published(p1, "portal", 5)
            p1_facebook = published(p1, "facebook", 300, with_due=False)  # old entry: due time from deliveries
            published(p2, "portal", 60)  # the edge of "on time"
            entry("attempt", p2, "facebook", 0, {"error": "HTTP 503", "class": "transient", "attempt": 1})
            entry("failed", p2, "facebook", 120, {"error": "HTTP 500: lỗi máy chủ", "class": "permanent",
                                                  "attempt": 2})
            entry("failed", p3, "facebook", 0, {"error": "token hết hạn", "class": "auth", "attempt": 1})
            entry("missed", p3, "portal", 3600, {"due_at": iso_utc(deliveries[(p3.id, "portal")].due_at),
                                                 "reason": "quá hạn quá thời gian cho phép"})

            def metrics(delivery: Delivery, stage: str, values: dict, unavailable: dict, after_s: int) -> None:
                record(session, "metrics", campaign_id=cid, channel=delivery.channel, delivery_id=delivery.id,
                       at=delivery.due_at + dt.timedelta(seconds=after_s),
                       detail={"stage": stage, "metrics": values, "unavailable": unavailable})

            metrics(p1_facebook, "1h", {"reactions": 3, "comments": 1}, {}, 3600)
            metrics(p1_facebook, "24h", {"reactions": 10, "comments": 2, "shares": 1, "reach": 500},
                    {"views": "thiếu quyền read_insights"}, 86400)
            metrics(p1_portal, "24h", {"comments": 4}, {"reactions": "không hỗ trợ"}, 86400)

            noon = dt.timezone(dt.timedelta(hours=7))
            for day, title, count, place in ((1, "Treo băng rôn tại trụ sở Sở", 3, "Trụ sở Sở"),
                                             (2, "Hội sách", 1, None)):
                session.add(OutreachEntry(kind="offline", campaign_id=cid, title=title, count=count, place=place,
                                          at=dt.datetime(2031, 10, day, 12, tzinfo=noon), detail=None))
    finally:
        db.dispose()
