"""Single posts in the queue: add, edit, reschedule, approve, cancel. Every change writes an outreach entry.

Only approved posts are ever dispatched. A post whose text reached (or may have reached) a platform is frozen.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .approval_rules import approval_refusal
from .campaign_file import nfc
from .db import Database
from .errors import UserError
from .i18n import t
from .lookup import get_campaign, get_post
from .plain_text import check_text
from .models import Campaign, Delivery, DeliveryStep, Post, utcnow
from .outreach import record, record_rendered
from .suggest import unknown_name
from .post_parts import _banner, _photos, _text  # noqa: F401 - _photos: corrections.py
from .times import parse_when, zone

if TYPE_CHECKING:  # rendering pulls in Jinja2 and Pillow: imported only when a renderer is used
    from .post_parts import PhotoItem
    from .render.artefacts import Renderer

# Delivery states that a new time puts back in line (failed and unknown ones need `loa retry`).
RESCHEDULABLE = ("pending", "retry_wait", "missed")


@dataclass
class PostChange:
    post: Post
    changed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _moment(campaign: Campaign, when: str, *, where: str, allow_past: bool, now: dt.datetime,
            warnings: list[str]) -> dt.datetime:
    moment = parse_when(when, zone(campaign.timezone), where=where)
    if moment < now and not allow_past:
        raise UserError(t("err.past", at=when), where=where)
    local_day = moment.astimezone(zone(campaign.timezone)).date()
    if not campaign.start_date <= local_day <= campaign.end_date:
        warnings.append(t("warn.outside_campaign", at=f"{local_day:%d/%m/%Y}", slug=campaign.slug,
                          start=f"{campaign.start_date:%d/%m/%Y}", end=f"{campaign.end_date:%d/%m/%Y}"))
    return moment


def _channels(names: Sequence[str], known: Sequence[str], *, where: str) -> list[str]:
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if not names:
        raise UserError(t("val.empty"), where=where)
    for name in names:
        if name not in known:
            raise UserError(t("wording.unknown_channel", channel=name, known=unknown_name(name, known, channels=True)),
                            where=where)
    return names


def add_post(db: Database, *, campaign: str, at: str, title: str, body: str, known_channels: Sequence[str],
             channels: Sequence[str] | None = None, banner_headline: str | None = None,
             banner_subline: str | None = None, template: str | None = None, allow_past: bool = False,
             images: Sequence[PhotoItem] | None = None, now: dt.datetime | None = None,
             renderer: Renderer | None = None, by: str | None = None, banner_theme: str | None = None,
             banner_sizes: Sequence[str] | None = None) -> PostChange:
    """Queue one post as a draft; ``images``: photo files (checked, cleaned and kept before the post is queued).
    ``by``: the person (recorded as its author and last editor, and in the outreach log)."""
    now = now or utcnow()
    photos = None
    if images:
        with db.session() as session:  # the cheap checks first: a wrong --at keeps no photo either
            row = get_campaign(session, campaign)
            _moment(row, at, where="--at", allow_past=allow_past, now=now, warnings=[])
            _channels(channels if channels is not None else row.channels, known_channels, where="--channels")
            _text(title, where="--title")
            _text(body, where="--body")
        photos = _photos(renderer, images)
    with db.transaction() as session:
        row = get_campaign(session, campaign)
        change = PostChange(post=Post())
        moment = _moment(row, at, where="--at", allow_past=allow_past, now=now, warnings=change.warnings)
        chosen = _channels(channels if channels is not None else row.channels, known_channels, where="--channels")
        seq = session.scalar(select(func.coalesce(func.max(Post.seq), 0)).where(Post.campaign_id == row.id)) or 0
        post = change.post
        post.campaign, post.seq, post.publish_at, post.status, post.revision = row, seq + 1, moment, "draft", 1
        post.title, post.body = _text(title, where="--title"), _text(body, where="--body")
        post.template = template
        post.banner = _banner(None, banner_headline, banner_subline, banner_theme, banner_sizes)
        post.images = photos
        post.created_by = post.edited_by = by
        post.deliveries = [Delivery(channel=c, status="pending", due_at=moment, available_at=moment,
                                    wait_for=row.waits_for(c, chosen)) for c in chosen]
        session.add(post)
        session.flush()
        rows = renderer.store(session, post, where="loa post add") if renderer is not None else None
        record(session, "queued", campaign_id=row.id, post=post,
               detail={"publish_at": moment.isoformat(), "channels": chosen}, by=by)
        if rows is not None:
            record_rendered(session, post, rows)
    return change


def change_content(post: Post, *, title: str | None = None, body: str | None = None, template: str | None = None,
                   banner_headline: str | None = None, banner_subline: str | None = None,
                   photos: list[dict[str, Any]] | None = None, banner_theme: str | None = None,
                   banner_sizes: Sequence[str] | None = None) -> list[str]:
    """Set what a person changed of a post's content (None: unchanged; photos [] removes them); the fields that
    changed. Shared by ``post edit`` and ``post correct``, so both read and check the same way."""
    changed = []
    if title is not None and (value := _text(title, where="--title")) != post.title:
        post.title = value
        changed.append("title")
    if body is not None and (value := _text(body, where="--body")) != post.body:
        post.body = value
        changed.append("body")
    if template is not None and (template or None) != post.template:
        post.template = template or None
        changed.append("template")
    banner = _banner(post.banner, banner_headline, banner_subline, banner_theme, banner_sizes)
    if banner != post.banner:
        post.banner = banner
        changed.append("banner")
    if photos is not None and [p["sha256"] for p in photos] != [p["sha256"] for p in post.images or []]:
        post.images = photos or None
        changed.append("images")
    return changed


CONTENT_FIELDS = ("title", "body", "template", "banner", "images")  # what a change of "content" is


def mark_edited(post: Post, by: str | None, fields: Sequence[str]) -> None:
    """After a change of ``fields``: a change of content makes ``by`` the post's last editor and ends the
    approver's comment (the outreach log keeps it). A new time or other channels alone do neither."""
    if any(name in CONTENT_FIELDS for name in fields):
        post.edited_by, post.review_comment = by, None


def _editable(post: Post, *, where: str = "ID") -> None:
    if post.status == "cancelled":
        raise UserError(t("err.post_cancelled", id=post.id), where=where)
    if post.has_gone_out:
        raise UserError(t("err.post_published", id=post.id, channels=", ".join(post.gone_out_on) or "-"),
                        where=where)


def edit_post(db: Database, post_id: int, *, known_channels: Sequence[str], title: str | None = None,
              body: str | None = None, at: str | None = None, channels: Sequence[str] | None = None,
              banner_headline: str | None = None, banner_subline: str | None = None,
              template: str | None = None, keep_approval: bool = False, allow_past: bool = False,
              images: Sequence[PhotoItem] | None = None, now: dt.datetime | None = None,
              renderer: Renderer | None = None, by: str | None = None, banner_theme: str | None = None,
              banner_sizes: Sequence[str] | None = None) -> PostChange:
    """Change a post that has not gone out. ``images`` replaces its photos (``[]``: none); None keeps them.
    ``by``: the person, recorded as its last editor."""
    now = now or utcnow()
    photos = None
    if images is not None:
        with db.session() as session:  # a missing or frozen post is named before any photo is read or kept
            _editable(get_post(session, post_id))
        photos = _photos(renderer, images)
    with db.transaction() as session:
        post = get_post(session, post_id)
        _editable(post)
        change = PostChange(post=post)
        change.changed = change_content(post, title=title, body=body, template=template,
                                        banner_headline=banner_headline, banner_subline=banner_subline, photos=photos,
                                        banner_theme=banner_theme, banner_sizes=banner_sizes)
        if at is not None:
            moment = _moment(post.campaign, at, where="--at", allow_past=allow_past, now=now,
                             warnings=change.warnings)
            if moment != post.publish_at:
                _move(post, moment)
                change.changed.append("publish_at")
        if channels is not None:
            chosen = _channels(channels, known_channels, where="--channels")
            if _set_channels(post, chosen):
                change.changed.append("channels")
        if not change.changed:
            raise UserError(t("err.nothing_to_change"), where="ID")
        approval_reset = post.status == "approved" and not keep_approval
        if approval_reset:
            post.status = "draft"
        mark_edited(post, by, change.changed)
        post.revision += 1
        session.flush()
        rows = renderer.store(session, post, where=f"loa post edit {post.id}") if renderer is not None else None
        record(session, "edited", campaign_id=post.campaign_id, post=post,
               detail={"fields": change.changed, "approval_reset": approval_reset}, by=by)
        if rows is not None:
            record_rendered(session, post, rows)
    return change


def _move(post: Post, moment: dt.datetime) -> None:
    post.publish_at = moment
    for delivery in post.deliveries:
        if delivery.status in RESCHEDULABLE:
            delivery.status, delivery.due_at, delivery.available_at = "pending", moment, moment


def _set_channels(post: Post, chosen: list[str]) -> bool:
    """Cancel deliveries to dropped channels, revive or add the chosen ones. True when anything changed."""
    changed = False
    by_channel = {d.channel: d for d in post.deliveries}
    for name, delivery in by_channel.items():
        if name not in chosen and delivery.status != "cancelled":
            delivery.status = "cancelled"
            changed = True
    for name in chosen:
        delivery = by_channel.get(name)
        if delivery is None:
            post.deliveries.append(Delivery(channel=name, status="pending", due_at=post.publish_at,
                                            available_at=post.publish_at,
                                            wait_for=post.campaign.waits_for(name, chosen)))
            changed = True
        elif delivery.status == "cancelled":
            delivery.status, delivery.due_at, delivery.available_at = "pending", post.publish_at, post.publish_at
            changed = True
    return changed


def reschedule_post(db: Database, post_id: int, when: str, *, allow_past: bool = False,
                    now: dt.datetime | None = None, renderer: Renderer | None = None,
                    by: str | None = None) -> PostChange:
    """Move a post to a new time. The text is unchanged, so an approved post stays approved (and its last editor
    stays: ``by`` is recorded in the outreach log only)."""
    now = now or utcnow()
    with db.transaction() as session:
        post = get_post(session, post_id)
        _editable(post)  # a post that went out on one channel keeps its date on every channel
        change = PostChange(post=post)
        before = post.publish_at
        moment = _moment(post.campaign, when, where="WHEN", allow_past=allow_past, now=now,
                         warnings=change.warnings)
        _move(post, moment)
        post.revision += 1
        change.changed.append("publish_at")
        session.flush()
        rows = None
        if renderer is not None:  # the texts carry the date ("ngày 01 tháng 10 năm 2024")
            rows = renderer.store(session, post, where=f"loa post reschedule {post.id}")
        record(session, "rescheduled", campaign_id=post.campaign_id, post=post,
               detail={"from": before.isoformat(), "to": moment.isoformat()}, by=by)
        if rows is not None:
            record_rendered(session, post, rows)
    return change


def _posts_for(session: Session, ids: Sequence[int], campaign: str | None, *, statuses: Sequence[str]) -> list[Post]:
    if campaign is not None:
        row = get_campaign(session, campaign)
        return list(session.scalars(select(Post).where(Post.campaign_id == row.id, Post.status.in_(statuses))
                                    .order_by(Post.publish_at, Post.id)))
    if not ids:
        raise UserError(t("err.no_ids"), where="ID")
    return [get_post(session, post_id) for post_id in dict.fromkeys(ids)]


def approve_posts(db: Database, ids: Sequence[int] = (), *, campaign: str | None = None, by: str | None = None,
                  must_differ: bool = False, now: dt.datetime | None = None) -> tuple[list[int], list[int]]:
    """Approve drafts (all of them or none). Returns (approved ids, ids that were already approved).

    ``by`` is recorded as the approver, with the time. ``must_differ`` (``[web] approver_must_differ``): nobody
    approves a post they wrote or last changed.
    """
    now = now or utcnow()
    with db.transaction() as session:
        posts = _posts_for(session, ids, campaign, statuses=("draft",))
        for post in posts:
            if post.status in ("cancelled", "done"):
                raise UserError(t(f"err.post_{post.status}", id=post.id, channels="-"), where="ID")
        approved = [p for p in posts if p.status == "draft"]
        for post in approved:
            if (refusal := approval_refusal(post, by, must_differ=must_differ)) is not None:
                raise refusal
        for post in approved:
            post.status, post.approved_by, post.approved_at = "approved", by, now
            record(session, "approved", campaign_id=post.campaign_id, post=post, by=by)
        return [p.id for p in approved], [p.id for p in posts if p not in approved]


@dataclass
class Cancellation:
    cancelled: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    # post id -> channels where it may already be live (an answer was lost): they became ``unknown``, for a person
    maybe_live: dict[int, list[str]] = field(default_factory=dict)


def cancel_posts(db: Database, ids: Sequence[int], *, by: str | None = None) -> Cancellation:
    """Cancel posts (all of them or none): what has not gone out is never sent.

    A delivery that may have gone out (its last answer was lost) is not "cancelled": it becomes ``unknown``, so
    ``loa status`` asks a person to look on the channel, and the caller can say so instead of reporting success.
    """
    with db.transaction() as session:
        return cancel_in_session(session, _posts_for(session, ids, None, statuses=()), by=by)


def cancel_in_session(session: Session, posts: Sequence[Post], *, by: str | None = None) -> Cancellation:
    """``cancel_posts`` within a transaction of the caller's (``loa campaign cancel`` also marks the campaign)."""
    for post in posts:
        if post.status == "done":
            raise UserError(t("err.post_done", id=post.id), where="ID")
        sending = [d.channel for d in post.deliveries if d.status == "sending"]
        if sending:
            raise UserError(t("err.post_sending", id=post.id, channels=", ".join(sending)), where="ID")
    result = Cancellation()
    for post in posts:
        if post.status == "cancelled":
            result.already.append(post.id)
            continue
        post.status = "cancelled"
        post.revision += 1
        stopped = []
        for delivery in post.deliveries:
            if delivery.maybe_sent and delivery.status not in ("published", "unknown", "cancelled"):
                delivery.status, delivery.lease_owner, delivery.lease_expires_at = "unknown", None, None
                delivery.last_error = t("msg.cancelled_maybe_live", channel=delivery.channel)
                result.maybe_live.setdefault(post.id, []).append(delivery.channel)
                record(session, "unknown", campaign_id=post.campaign_id, post=post, channel=delivery.channel,
                       delivery_id=delivery.id, detail={"error": delivery.last_error, "class": "unknown"})
            elif delivery.status not in ("published", "unknown", "cancelled"):
                delivery.status = "cancelled"
                stopped.append(delivery.channel)
        for change in post.changes:  # a correction not sent yet is dropped; a take-down still goes
            if change.action == "update" and change.status in ("pending", "retry_wait", "missed", "failed"):
                change.status = "cancelled"
        # the channels it will not go to; a channel it already reached keeps its published copy
        record(session, "cancelled", campaign_id=post.campaign_id, post=post, detail={"channels": stopped}, by=by)
        result.cancelled.append(post.id)
    return result


RETRYABLE = ("failed", "unknown", "missed", "retry_wait")


def retry_deliveries(db: Database, post_id: int, *, channel: str | None = None,
                     now: dt.datetime | None = None, by: str | None = None) -> list[str]:
    """``loa retry``: send again what did not go out (failed, unknown, missed, waiting to retry), now.

    Published deliveries are never touched, so a post that reached the portal but not Facebook goes to Facebook
    only. The attempt budget starts again; an ``unknown`` is retried only because a person said so.
    """
    now = now or utcnow()
    with db.transaction() as session:
        post = get_post(session, post_id)
        deliveries = session.scalars(select(Delivery).where(Delivery.post_id == post.id).with_for_update()
                                     .execution_options(populate_existing=True)).all()
        takedowns = [d for d in deliveries if d.action == "delete" and d.status in RETRYABLE]
        if post.status in ("cancelled", "draft") and not takedowns:
            raise UserError(t("err.not_approved", id=post.id, status=t(f"status.{post.status}")), where="ID")
        if channel is not None and channel not in [d.channel for d in post.deliveries]:
            raise UserError(t("err.post_not_on_channel", id=post.id, channel=channel), where="--channel")
        # locked and read afresh (above): a daemon that claimed one meanwhile has made it "sending", not retried
        if post.status in ("cancelled", "draft"):  # only its take-downs (they need no approval)
            deliveries = takedowns
        chosen = [d for d in deliveries if d.status in RETRYABLE and channel in (None, d.channel)]
        if not chosen:
            raise UserError(t("err.nothing_to_retry", id=post.id), where="ID")
        for delivery in chosen:
            record(session, "retried", campaign_id=post.campaign_id, post=post, channel=delivery.channel,
                   delivery_id=delivery.id, detail={"from": delivery.status, "attempts": delivery.attempts}, by=by)
            delivery.status, delivery.available_at, delivery.attempts = "pending", now, 0
            delivery.lease_owner = delivery.lease_expires_at = None
            # a step left unsettled (sending, unknown: an e-mail batch, a Telegram send) is the person's to settle, and
            # retrying says it did not arrive: it is forgotten, so the next attempt sends it (finished steps stay)
            session.execute(delete(DeliveryStep).where(DeliveryStep.delivery_id == delivery.id,
                                                       DeliveryStep.status != "sent"))
        if any(d.action != "delete" for d in chosen):  # a take-down alone approves nothing
            post.status = "approved"  # a post that was done (every channel finished) is open again
        return [d.channel for d in chosen]
