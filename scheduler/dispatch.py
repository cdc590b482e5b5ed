"""Claim, publish, record: the one path every delivery takes, from `loa publish` now and from the daemon later.

A claim is one atomic ``UPDATE … WHERE id IN (SELECT …) RETURNING``: it moves deliveries to ``sending`` with a
lease (owner, expiry), so two processes can never both send the same delivery. The outcome is recorded only by
the lease's owner.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from posts.db import Database
from posts.errors import UserError
from posts.i18n import t
from posts.models import FINISHED_DELIVERY_STATUSES, Delivery, Post, utcnow
from posts.outreach import record
from posts.render.text import channel_kinds

from .config import Config
from .outgoing import load_outgoing
from .publishers import AuthError, PermanentError, Published, Publisher, PublishError, TransientError, publishers

LEASE = dt.timedelta(minutes=10)  # longer than any send: an expired lease means its owner died mid-send
RETRY_AFTER = dt.timedelta(minutes=5)
SENDABLE_NOW = ("pending", "retry_wait", "missed")  # what `loa publish` may send at once


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Outcome:
    channel: str
    status: str
    permalink: str | None = None
    error: str | None = None
    auth: bool = False  # the credentials were refused: a person must act


def publisher_for(config: Config, channel: str) -> Publisher:
    settings = config.channels.get(channel)
    if settings is None:
        raise UserError(t("err.unknown_channel", channel=channel, known=", ".join(config.channel_names)))
    adapter = publishers().get(settings.adapter)
    if adapter is None:
        raise UserError(t("err.adapter_missing", adapter=settings.adapter, channel=channel))
    return adapter(channel, settings, base_dir=config.base_dir)


def require_secrets(config: Config, channel: str) -> None:
    """Every ``*_env`` setting of the channel names a variable that is set: else a one-line error, before any claim."""
    for name in config.channels[channel].secret_variables():
        if not os.environ.get(name):
            raise UserError(t("err.secret_missing", variable=name, channel=channel), where=f"channels.{channel}")


def claim_post_deliveries(db: Database, post_id: int, owner: str, *, channel: str | None = None,
                          now: dt.datetime | None = None) -> list[int]:
    """Claim the sendable deliveries of one approved post (``loa publish``), whatever their due time."""
    now = now or utcnow()
    with db.transaction() as session:
        post = session.get(Post, post_id)
        if post is None:
            raise UserError(t("err.unknown_post", id=post_id), where="ID")
        if post.status != "approved":
            raise UserError(t("err.not_approved", id=post_id, status=t(f"status.{post.status}")), where="ID")
        if channel is not None and channel not in [d.channel for d in post.deliveries]:
            raise UserError(t("err.post_not_on_channel", id=post_id, channel=channel), where="--channel")
        candidates = select(Delivery.id).where(Delivery.post_id == post_id, Delivery.status.in_(SENDABLE_NOW))
        if channel is not None:
            candidates = candidates.where(Delivery.channel == channel)
        if not db.is_sqlite:
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = session.scalars(
            update(Delivery).where(Delivery.id.in_(candidates))
            .values(status="sending", lease_owner=owner, lease_expires_at=now + LEASE, attempts=Delivery.attempts + 1,
                    updated_at=now)
            .returning(Delivery.id)).all()
    return sorted(claimed)


def send_claimed(db: Database, config: Config, delivery_id: int, owner: str,
                 adapters: dict[str, Publisher] | None = None) -> Outcome:
    """Publish one claimed delivery through its channel's adapter and record what happened.

    ``adapters`` keeps one publisher per channel across sends (its HTTP session, what it learnt of the site).
    """
    media = config.path_of(config.document.render.media)
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        settings = config.channels.get(delivery.channel) if delivery is not None else None
        size = channel_kinds()[settings.channel_kind()].banner_size if settings is not None else None
        outgoing = load_outgoing(session, delivery_id, Path(media), banner_size=size)
    adapters = {} if adapters is None else adapters
    if outgoing.channel not in adapters:
        adapters[outgoing.channel] = publisher_for(config, outgoing.channel)
    publisher = adapters[outgoing.channel]
    try:
        published = publisher.publish(outgoing)
    except PublishError as exc:
        return _record_failure(db, delivery_id, owner, exc)
    return _record_success(db, delivery_id, owner, published)


def _owned(session, delivery_id: int, owner: str) -> Delivery | None:
    delivery = session.get(Delivery, delivery_id)
    return delivery if delivery is not None and delivery.lease_owner == owner else None


def _record_success(db: Database, delivery_id: int, owner: str, published: Published) -> Outcome:
    now = utcnow()
    with db.transaction() as session:
        delivery = _owned(session, delivery_id, owner)
        if delivery is None:  # the lease expired and someone reconciled it: theirs to record
            return Outcome("?", "unknown", error="lease lost")
        delivery.status, delivery.remote_id, delivery.permalink = "published", published.remote_id, published.permalink
        delivery.published_at, delivery.lease_owner, delivery.lease_expires_at = now, None, None
        delivery.last_error, delivery.updated_at = None, now
        post = delivery.post
        record(session, "published", campaign_id=post.campaign_id, post=post, channel=delivery.channel, at=now,
               detail={"remote_id": published.remote_id, "permalink": published.permalink,
                       "attempt": delivery.attempts, **(published.detail or {})})
        if all(d.status in FINISHED_DELIVERY_STATUSES for d in post.deliveries):
            post.status = "done"
        return Outcome(delivery.channel, "published", permalink=published.permalink)


def _record_failure(db: Database, delivery_id: int, owner: str, error: PublishError) -> Outcome:
    now = utcnow()
    kind = "transient" if isinstance(error, TransientError) else "auth" if isinstance(error, AuthError) else \
        "permanent" if isinstance(error, PermanentError) else "error"
    with db.transaction() as session:
        delivery = _owned(session, delivery_id, owner)
        if delivery is None:
            return Outcome("?", "unknown", error="lease lost")
        if isinstance(error, (TransientError, AuthError)):
            not_before = getattr(error, "not_before", None) or now + RETRY_AFTER
            delivery.status, delivery.available_at = "retry_wait", not_before
        else:
            delivery.status = "failed"
        delivery.last_error, delivery.lease_owner, delivery.lease_expires_at = str(error), None, None
        delivery.updated_at = now
        record(session, "failed" if delivery.status == "failed" else "attempt", campaign_id=delivery.post.campaign_id,
               post=delivery.post, channel=delivery.channel, at=now,
               detail={"error": str(error), "class": kind, "attempt": delivery.attempts})
        return Outcome(delivery.channel, delivery.status, error=str(error), auth=isinstance(error, AuthError))


def publish_post(db: Database, config: Config, post_id: int, *, channel: str | None = None,
                 adapters: dict[str, Publisher] | None = None) -> list[Outcome]:
    """``loa publish``: claim the post's sendable deliveries, send each, record each outcome."""
    owner = owner_name()
    with db.session() as session:  # config problems stop here, before anything is claimed
        post = session.get(Post, post_id)
        channels = [d.channel for d in post.deliveries if d.status in SENDABLE_NOW] if post else []
    for name in ([channel] if channel else channels):
        if name in config.channels:
            publisher_for(config, name)
            require_secrets(config, name)
    claimed = claim_post_deliveries(db, post_id, owner, channel=channel)
    if not claimed:
        raise UserError(t("err.nothing_to_publish", id=post_id), where="ID")
    adapters = {} if adapters is None else adapters
    return [send_claimed(db, config, delivery_id, owner, adapters) for delivery_id in claimed]
