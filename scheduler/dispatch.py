"""Send one claimed delivery: the path every delivery takes, from `loa publish` and `loa run`.

A delivery whose last answer was lost (it may have gone out) is looked up before anything is sent; what happened is
then recorded by scheduler/outcomes.py (published, a retry, failed, unknown, a paused channel).
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from loa.posts.db import Database
from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Delivery, Post, utcnow
from loa.posts.outreach import record
from loa.posts.render.artefacts import Renderer

from .claims import release_claim
from .coordination import Coordination
from .config import Config
from .outcomes import (NotRecorded, Outcome, mark_unknown, record_failure, record_success, resume_channel,
                       owned_delivery, write_outcome)
from .outgoing import is_first_send, outgoing_for
from .publishers import Outgoing, PermanentError, Published, Publisher, PublishError, publishers
from .secrets_file import load_secrets

__all__ = ["NotRecorded", "Outcome", "channel_supports", "claim_post_deliveries", "publish_post", "publisher_for",
           "require_secrets", "resume_channel", "send_claimed", "send_to"]

LOAD_FOR_SENDING = [joinedload(Delivery.post).joinedload(Post.campaign)]  # in one query


def publisher_for(config: Config, channel: str, *, db: Database | None = None) -> Publisher:
    """The channel's adapter; with ``db``, it may lock and record steps in it (``coordination``). The secrets file
    is read first: an adapter (a plugin's too) finds its secrets in the environment."""
    load_secrets(config)
    settings = config.channels.get(channel)
    if settings is None:
        raise UserError(t("err.unknown_channel", channel=channel, known=", ".join(config.channel_names)))
    adapter = publishers().get(settings.adapter)
    if adapter is None:
        raise UserError(t("err.adapter_missing", adapter=settings.adapter, channel=channel))
    publisher = adapter(channel, settings, base_dir=config.base_dir)
    publisher.config_dir = config.config_dir
    if db is not None:
        publisher.coordination = Coordination(db)
    return publisher


def channel_supports(config: Config, channel: str, action: str) -> bool:
    """Whether the channel's adapter declares it can ``action`` ("update", "delete") a post it published.
    An unknown channel or a missing adapter is a one-line error, as for a publication."""
    settings = config.channels.get(channel)
    if settings is None:
        raise UserError(t("err.unknown_channel", channel=channel, known=", ".join(config.channel_names)),
                        where="--channel")
    adapter = publishers().get(settings.adapter)
    if adapter is None:
        raise UserError(t("err.adapter_missing", adapter=settings.adapter, channel=channel))
    return action in adapter.supports


def require_secrets(config: Config, channel: str) -> None:
    """Every ``*_env`` setting of the channel names a variable that is set: else a one-line error, before any claim."""
    load_secrets(config)
    for name in config.channels[channel].secret_variables():
        if not os.environ.get(name):
            raise UserError(t("err.secret_missing", variable=name, channel=channel), where=f"channels.{channel}")


def _load(db: Database, config: Config, delivery_id: int, owner: str, renderer: Renderer | None) -> Outgoing | None:
    """The delivery as it goes out, or None when it is no longer ours to send (post edited back to draft,
    cancelled, or the lease lost): then the claim is given back unsent."""
    with db.session() as session:  # a read: the write lock is taken only to give a claim back
        delivery = session.get(Delivery, delivery_id, options=LOAD_FOR_SENDING)
        if delivery is None or delivery.lease_owner != owner or delivery.status != "sending":
            return None
        lease = dt.timedelta(seconds=config.document.daemon.lease_seconds)
        if delivery.lease_expires_at - utcnow() < lease / 2 and not _renew_lease(db, delivery_id, owner, lease):
            return None  # it waited long behind others and another process took it over: theirs now
        # a correction is approved like any post before it goes out; a take-down needs no approval (it is urgent)
        if delivery.post.status == "approved" or delivery.action == "delete":
            # the stored text, with the link of the channel it waited for filled in: no template runs here
            outgoing = outgoing_for(session, config, delivery_id)
            # a retry tells the adapter so: it looks for an earlier post before creating one
            outgoing.extra["attempt"] = delivery.attempts
            outgoing.extra["maybe_sent"] = bool(delivery.maybe_sent)
            outgoing.extra["first_send"] = is_first_send(delivery.attempts, delivery.maybe_sent, delivery.last_error)
            return outgoing
    with db.transaction() as session:
        delivery = owned_delivery(session, delivery_id, owner)
        if delivery is not None and delivery.status == "sending":
            release_claim(session, delivery, utcnow())
            record(session, "released", campaign_id=delivery.post.campaign_id, post=delivery.post,
                   channel=delivery.channel, delivery_id=delivery.id, detail={"post_status": delivery.post.status})
    return None


def _renew_lease(db: Database, delivery_id: int, owner: str, lease: dt.timedelta) -> bool:
    """A fresh lease just before the send, if it is still ours (a claim batch can wait long on a slow platform)."""
    now = utcnow()
    with db.transaction() as session:
        return bool(session.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.lease_owner == owner,
                                   Delivery.status == "sending", Delivery.lease_expires_at > now)
            .values(lease_expires_at=now + lease)).rowcount)


def send_claimed(db: Database, config: Config, delivery_id: int, owner: str,
                 adapters: dict[str, Publisher] | None = None, renderer: Renderer | None = None, *,
                 prepared: Outgoing | None = None, claimed_at: dt.datetime | None = None,
                 record_later: Callable[[int, Callable[[], Outcome]], Outcome] | None = None,
                 on_start: Callable[[], None] | None = None) -> Outcome:
    """Publish one claimed delivery through its channel's adapter and record what happened.

    ``adapters`` keeps one publisher per channel across sends (its HTTP session, what it learnt of the site).
    A delivery whose last answer was lost (``maybe_sent``) is looked up first: found, it is recorded as published;
    shown absent, it is sent; when the platform cannot tell, it keeps waiting as "may have gone out".
    ``prepared``: the delivery as read with its claim at ``claimed_at`` (``outgoing.load_claimed``), used while
    less than half its lease is spent (a sending delivery's post cannot change); else it is read again here.
    ``record_later``: given, a publication's record is handed to it instead of written here (the daemon writes it
    while the next send goes out: scheduler/sending.py); what it returns is returned.
    ``on_start``: called once the delivery is sure to go to its adapter (a stopping daemon waits for it then).
    Raises ``NotRecorded`` when the outcome could not be written.
    """
    try:
        lease = dt.timedelta(seconds=config.document.daemon.lease_seconds)
        if prepared is not None and claimed_at is not None and utcnow() - claimed_at < lease / 2:
            outgoing: Outgoing | None = prepared
        else:
            outgoing = _load(db, config, delivery_id, owner, renderer)
    except UserError as exc:  # the text no longer fits once the link is in, say: this delivery cannot go
        refused = PermanentError(str(exc))  # bound here: the write may run later, after this block
        return write_outcome(delivery_id, lambda: record_failure(db, config, delivery_id, owner, refused))
    if outgoing is None:
        return Outcome("?", "released", delivery_id=delivery_id)
    adapters = {} if adapters is None else adapters
    if outgoing.channel not in adapters:
        adapters[outgoing.channel] = publisher_for(config, outgoing.channel, db=db)
    adapter = adapters[outgoing.channel]
    unsettled = bool(outgoing.extra.get("maybe_sent"))
    action = outgoing.extra.get("action", "publish")
    if on_start is not None:
        on_start()
    try:
        if action != "publish":
            # A correction or a take-down is idempotent (the same text again, a post already gone is done): after
            # a lost answer or a crash mid-send it is simply sent again, with no lookup first.
            changed = _change(adapter, outgoing, action)
            return write_outcome(delivery_id, lambda: record_success(db, delivery_id, owner, changed))
        if unsettled:
            found = adapter.find_existing(outgoing)
            if found is not None:
                return write_outcome(delivery_id, lambda: record_success(db, delivery_id, owner, found,
                                                                         reconciled=True))
            unsettled = False  # the platform shows no such post: this send is the first that lands
            outgoing.extra["looked_up"] = True  # just now: the adapter need not look again before creating it
        published = adapter.publish(outgoing)
    except PublishError as exc:
        error, maybe_sent = exc, unsettled or None  # bound here: the write may run later (NotRecorded)
        return write_outcome(delivery_id, lambda: record_failure(db, config, delivery_id, owner, error,
                                                                 maybe_sent=maybe_sent))
    except Exception as exc:  # noqa: BLE001 - a fault of loa or the adapter mid-send: it may have gone out
        reason = f"{type(exc).__name__}: {exc}"
        return write_outcome(delivery_id, lambda: mark_unknown(db, owner, delivery_id, reason))
    write = partial(record_success, db, delivery_id, owner, published)
    return write_outcome(delivery_id, write) if record_later is None else record_later(delivery_id, write)


def _change(adapter: Publisher, outgoing: Outgoing, action: str) -> Published:
    """Send a correction (``update``) or a take-down (``delete``) of the publication ``extra`` names."""
    remote_id, permalink = outgoing.extra["remote_id"], outgoing.extra.get("permalink")
    if action not in adapter.supports:  # refused when asked; a config changed since then lands here
        raise PermanentError(t(f"fix.cannot_{action}", channel=outgoing.channel))
    if action == "delete":
        adapter.delete(outgoing, remote_id)
        return Published(remote_id, permalink)
    updated = adapter.update(outgoing, remote_id)
    return Published(updated.remote_id or remote_id, updated.permalink or permalink, detail=updated.detail)


def send_to(adapter: Publisher, outgoing: Outgoing) -> Published:
    """What a delivery does on its channel, with no lookup and no recording: a rehearsal (``loa run --dry-run``)."""
    action = outgoing.extra.get("action", "publish")
    return adapter.publish(outgoing) if action == "publish" else _change(adapter, outgoing, action)


SENDABLE_NOW = ("pending", "retry_wait", "missed")  # what `loa publish` may send at once


def claim_post_deliveries(db: Database, post_id: int, owner: str, *, lease: dt.timedelta,
                          channel: str | None = None, now: dt.datetime | None = None) -> list[int]:
    """Claim the sendable deliveries of one approved post (``loa publish``), whatever their due time."""
    now = now or utcnow()
    with db.transaction() as session:
        # plain rows, not ORM objects: this runs for every post `loa publish` sends
        status = session.scalar(select(Post.status).where(Post.id == post_id))
        if status is None:
            raise UserError(t("err.unknown_post", id=post_id), where="ID")
        rows = session.execute(select(Delivery.channel, Delivery.action, Delivery.status)
                               .where(Delivery.post_id == post_id)).all()
        takedowns = [d for d in rows if d.action == "delete" and d.status in SENDABLE_NOW]
        if status != "approved" and not takedowns:  # a take-down needs no approval
            raise UserError(t("err.not_approved", id=post_id, status=t(f"status.{status}")), where="ID")
        if channel is not None and channel not in [d.channel for d in rows if d.action == "publish"]:
            raise UserError(t("err.post_not_on_channel", id=post_id, channel=channel), where="--channel")
        candidates = select(Delivery.id).where(Delivery.post_id == post_id, Delivery.status.in_(SENDABLE_NOW))
        if status != "approved":
            candidates = candidates.where(Delivery.action == "delete")
        if channel is not None:
            candidates = candidates.where(Delivery.channel == channel)
        if not db.is_sqlite:
            candidates = candidates.with_for_update(skip_locked=True)
        claimed = session.scalars(
            update(Delivery).where(Delivery.id.in_(candidates), Delivery.status.in_(SENDABLE_NOW))
            .values(status="sending", lease_owner=owner, lease_expires_at=now + lease, attempts=Delivery.attempts + 1,
                    updated_at=now)
            .returning(Delivery.id)).all()
    return sorted(claimed)


def publish_post(db: Database, config: Config, post_id: int, *, channel: str | None = None,
                 adapters: dict[str, Publisher] | None = None, renderer: Renderer | None = None) -> list[Outcome]:
    """``loa publish``: claim the post's sendable deliveries, send each, record each outcome.

    A channel this post waits for (``after``) is sent first, so its link reaches the later one's text; if it does
    not go out, the later one waits. Naming ``channel`` is a person's decision and overrides the order.
    """
    from .claims import owner_name

    owner = owner_name()
    with db.session() as session:  # config problems stop here, before anything is claimed
        channels = session.scalars(select(Delivery.channel).where(Delivery.post_id == post_id,
                                                                  Delivery.status.in_(SENDABLE_NOW))).all()
    adapters = {} if adapters is None else adapters
    for name in ([channel] if channel else channels):
        if name in config.channels:
            if name not in adapters:  # made here, it checks the settings; kept, it sends too (no second one)
                adapters[name] = publisher_for(config, name, db=db)
            require_secrets(config, name)
    lease = dt.timedelta(seconds=config.document.daemon.lease_seconds)
    claimed = claim_post_deliveries(db, post_id, owner, channel=channel, lease=lease)
    if not claimed:
        raise UserError(t("err.nothing_to_publish", id=post_id), where="ID")
    with db.session() as session:  # a channel another one waits for goes first, so its link is known
        rows = session.execute(select(Delivery.id, Delivery.channel, Delivery.action, Delivery.wait_for)
                               .where(Delivery.id.in_(claimed))).all()
        # only a first publication waits for another channel's link; a correction or take-down goes at once
        follows = {d.id: (d.wait_for or config.after.get(d.channel)) if d.action == "publish" else None for d in rows}
        claimed = [d.id for d in sorted(rows, key=lambda d: (d.channel not in follows.values(), d.id))]
        channel_of = {d.id: d.channel for d in rows}
    outcomes = []
    for delivery_id in claimed:
        first = follows[delivery_id] if channel is None else None  # naming --channel overrides the order
        with db.session() as session:
            first_status = None if not first else session.scalar(select(Delivery.status).where(
                Delivery.post_id == post_id, Delivery.channel == first, Delivery.action == "publish"))
        if first_status not in (None, "published", "cancelled"):  # the channel it follows did not go out: it waits
            with db.transaction() as session:
                delivery = owned_delivery(session, delivery_id, owner)
                if delivery is not None:
                    release_claim(session, delivery, utcnow())
            outcomes.append(Outcome(channel_of[delivery_id], "waiting", post_id=post_id, delivery_id=delivery_id,
                                    error=t("msg.waiting_for", channel=first, status=t(f"status.{first_status}"))))
            continue
        try:
            outcomes.append(send_claimed(db, config, delivery_id, owner, adapters, renderer))
        except NotRecorded as exc:  # this process ends soon: the next daemon settles it through a lookup
            outcomes.append(Outcome(channel_of[delivery_id], "not_recorded", post_id=post_id,
                                    delivery_id=delivery_id, error=str(exc)))
    return outcomes
