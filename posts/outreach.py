"""Writing the outreach log: an append-only record of everything that happened, from which reports are built."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from .models import OutreachEntry, Post, utcnow


def record(session: Session, kind: str, *, campaign_id: int | None, post: Post | None = None,
           channel: str | None = None, detail: dict[str, Any] | None = None, at: dt.datetime | None = None,
           delivery_id: int | None = None, by: str | None = None) -> None:
    """Append one entry. Post entries carry the post's title, so the log reads well after later edits; ``by``
    (the person who did it) goes into the detail."""
    if by is not None:
        detail = {**(detail or {}), "by": by}
    session.add(OutreachEntry(
        at=at or utcnow(), kind=kind, campaign_id=campaign_id, post_id=post.id if post else None,
        delivery_id=delivery_id, channel=channel, title=post.title if post else None, detail=detail,
    ))


def record_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append many entries in one statement (imports of thousands of posts)."""
    if entries:  # every entry with the same keys: one executemany of the table's INSERT
        session.execute(OutreachEntry.__table__.insert(), entries)


def rendered_detail(revision: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What a render produced, by name and sha256 (the texts themselves are in the renders table)."""
    return {"revision": revision,
            "files": [{"name": row["name"], "channel": row["channel"], "sha256": row["sha256"], "size": row["size"]}
                      for row in rows]}


def record_rendered(session: Session, post: Post, rows: list[dict[str, Any]]) -> None:
    record(session, "rendered", campaign_id=post.campaign_id, post=post, detail=rendered_detail(post.revision, rows))
