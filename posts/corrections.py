"""Corrections and take-downs of published posts ("đính chính", "gỡ bài").

Both are deliveries (``deliveries.action`` "update" or "delete", one per post, channel and action), so they go
through the same claim, lease, retry and outreach log as a publication. A correction changes the post (a new
revision, re-rendered) and returns it to draft: it goes out only once approved again, like any post. A take-down
needs no approval: it removes, and it is urgent. A second correction of the same post resets its row rather than
adding one.

What a channel's adapter can do is the scheduler's business (posts/ never imports it): the caller passes
``can(channel, action)``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Database
from .errors import UserError
from .i18n import t
from .lookup import get_post
from .models import Delivery, Post, utcnow
from .outreach import record, record_rendered
from .queue import _photos, change_content, mark_edited

if TYPE_CHECKING:
    from .render.artefacts import Renderer

Capability = Callable[[str, str], bool]  # (channel, "update" | "delete") -> whether its adapter can
NOT_SENT = ("pending", "retry_wait", "missed", "failed")  # what a take-down cancels on its channels


@dataclass
class FixRequest:
    post: Post
    channels: list[str] = field(default_factory=list)  # where the change will be sent
    changed: list[str] = field(default_factory=list)  # fields a correction changed
    stopped: list[str] = field(default_factory=list)  # publications (or corrections) a take-down cancelled


def _changes(session: Session, post: Post) -> dict[tuple[str, str], Delivery]:
    rows = session.scalars(select(Delivery).where(Delivery.post_id == post.id, Delivery.action != "publish")
                           .with_for_update().execution_options(populate_existing=True)).all()
    return {(d.action, d.channel): d for d in rows}


def _taken_down(changes: dict[tuple[str, str], Delivery], channel: str) -> bool:
    row = changes.get(("delete", channel))
    return row is not None and row.status != "cancelled"


def _unsettled(post: Post, changes: dict[tuple[str, str], Delivery]) -> list[str]:
    """Channels where a send of this post is under way or its outcome is not known yet."""
    rows = [*post.deliveries, *changes.values()]
    return sorted({d.channel for d in rows if d.status in ("sending", "unknown")
                   or (d.maybe_sent and d.status != "published")})


def _queue_change(session: Session, post: Post, changes: dict[tuple[str, str], Delivery], action: str,
                  channel: str, now: dt.datetime) -> None:
    row = changes.get((action, channel))
    if row is None:
        row = Delivery(post_id=post.id, channel=channel, action=action)
        session.add(row)
    row.status, row.due_at, row.available_at, row.attempts = "pending", now, now, 0
    row.wait_for = row.lease_owner = row.lease_expires_at = row.last_error = None
    row.maybe_sent, row.published_at = False, None


def _refuse_incapable(channels: Sequence[str], action: str, can: Capability) -> None:
    for channel in channels:
        if not can(channel, action):
            raise UserError(t(f"fix.cannot_{action}", channel=channel), where="--channel")


def correct_post(db: Database, post_id: int, *, can: Capability, title: str | None = None, body: str | None = None,
                 banner_headline: str | None = None, banner_subline: str | None = None,
                 images: Sequence[Path | str] | None = None, now: dt.datetime | None = None,
                 renderer: Renderer | None = None, by: str | None = None) -> FixRequest:
    """``loa post correct``: change a published post and queue an update on every channel that has it.

    The post returns to draft; nothing goes out before ``loa post approve``. A publication of it not yet sent
    on another channel simply goes out with the corrected text. ``images`` replaces its photos ([]: none).
    """
    now = now or utcnow()
    photos = None
    if images is not None:
        with db.session() as session:  # a missing post is named before any photo is read or kept
            get_post(session, post_id)
        photos = _photos(renderer, images)
    with db.transaction() as session:
        post = get_post(session, post_id)
        if post.status == "cancelled":
            raise UserError(t("err.post_cancelled", id=post.id), where="ID")
        changes = _changes(session, post)
        unsettled = _unsettled(post, changes)
        if unsettled:
            raise UserError(t("fix.unsettled", id=post.id, channels=", ".join(unsettled)), where="ID")
        live = [d.channel for d in post.deliveries if d.status == "published" and not _taken_down(changes, d.channel)]
        if not live:
            raise UserError(t("fix.not_published", id=post.id), where="ID")
        _refuse_incapable(live, "update", can)
        request = FixRequest(post=post, channels=live)
        request.changed = change_content(post, title=title, body=body, banner_headline=banner_headline,
                                         banner_subline=banner_subline, photos=photos)
        if not request.changed:
            raise UserError(t("err.nothing_to_change"), where="ID")
        post.status = "draft"  # a correction is approved like any post before it goes out
        mark_edited(post, by, request.changed)
        post.revision += 1
        for channel in live:
            _queue_change(session, post, changes, "update", channel, now)
        session.flush()
        rows = renderer.store(session, post, where=f"loa post correct {post.id}") if renderer is not None else None
        record(session, "correction", campaign_id=post.campaign_id, post=post,
               detail={"fields": request.changed, "channels": live, "revision": post.revision}, by=by)
        if rows is not None:
            record_rendered(session, post, rows)
    return request


def unpublish_post(db: Database, post_id: int, *, can: Capability, channel: str | None = None,
                   now: dt.datetime | None = None, by: str | None = None) -> FixRequest:
    """``loa post unpublish``: queue a take-down, due now, on every channel the post is published on (or one).

    Publications and corrections of it not yet sent on those channels are cancelled. No approval is needed.
    """
    now = now or utcnow()
    with db.transaction() as session:
        post = get_post(session, post_id)
        if channel is not None and channel not in [d.channel for d in post.deliveries]:
            raise UserError(t("err.post_not_on_channel", id=post.id, channel=channel), where="--channel")
        changes = _changes(session, post)
        chosen = [d for d in post.deliveries if channel in (None, d.channel)]
        names = [d.channel for d in chosen]
        unsettled = [name for name in _unsettled(post, changes) if name in names]
        if unsettled:
            raise UserError(t("fix.unsettled", id=post.id, channels=", ".join(unsettled)), where="ID")
        live = [d.channel for d in chosen if d.status == "published" and not _taken_down(changes, d.channel)]
        if not live:
            done = [d.channel for d in chosen if _taken_down(changes, d.channel)]
            key = "fix.already_taken_down" if done else "fix.not_published_anywhere"
            raise UserError(t(key, id=post.id, channels=", ".join(done) or "-"), where="ID")
        _refuse_incapable(live, "delete", can)
        request = FixRequest(post=post, channels=live)
        for delivery in chosen:  # not sent yet on these channels: it never will be
            if delivery.status in NOT_SENT:
                delivery.status, delivery.updated_at = "cancelled", now
                request.stopped.append(delivery.channel)
        for (action, name), row in changes.items():  # nor will a correction of what is taken down
            if action == "update" and name in names and row.status in NOT_SENT:
                row.status, row.updated_at = "cancelled", now
                request.stopped.append(f"{name} ({t('fix.word_correction')})")
        for name in live:
            _queue_change(session, post, changes, "delete", name, now)
        session.flush()
        record(session, "takedown", campaign_id=post.campaign_id, post=post,
               detail={"channels": live, "stopped": request.stopped}, by=by)
    return request

