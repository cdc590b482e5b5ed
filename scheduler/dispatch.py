"""Send one claimed delivery and record what happened: the path every delivery takes, from `loa publish` and `loa run`.

Outcomes, per delivery (so a post can be published on the portal and retrying on Facebook):

* published: remote id and permalink kept, an outreach entry written;
* transient error: ``retry_wait`` with exponential backoff and jitter, never before the platform's Retry-After or
  usage-header time; after ``max_attempts`` the delivery fails;
* permanent error: failed at once;
* refused credentials, or a rate limit on the whole channel: the channel pauses (``channel_states``) and the
  delivery waits without spending an attempt; the channel's other deliveries wait too, other channels carry on.

Only the lease's owner records an outcome: a process whose lease expired (and was reconciled) records nothing.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload, selectinload

from posts.db import Database
from posts.errors import UserError
from posts.i18n import t
from posts.models import FINISHED_DELIVERY_STATUSES, ChannelState, Delivery, OutreachEntry, Post, utcnow
from posts.outreach import record
from posts.render.artefacts import Renderer

from .claims import release_claim
from .config import Config
from .outgoing import outgoing_for
from .publishers import AuthError, ChannelUnavailable, Outgoing, PermanentError, Published, Publisher, \
    PublishError, TransientError, publishers

# a delivery with its post, the post's campaign and its other deliveries, in two queries instead of four
LOAD_WITH_POST = [joinedload(Delivery.post).joinedload(Post.campaign),
                  joinedload(Delivery.post).selectinload(Post.deliveries)]
LOAD_FOR_SENDING = [joinedload(Delivery.post).joinedload(Post.campaign)]  # in one query


@dataclass
class Outcome:
    channel: str
    status: str  # published, retry_wait, failed, paused (channel-wide), released (post changed meanwhile)
    permalink: str | None = None
    error: str | None = None
    auth: bool = False  # the credentials were refused: a person must act
    post_id: int | None = None
    delivery_id: int | None = None
    next_at: dt.datetime | None = None


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


def retry_delay(config: Config, attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter: about base x 2^(n-1), capped, times a random 0.5–1 (daemons spread out)."""
    daemon = config.document.daemon
    ceiling = min(daemon.retry_max_seconds, daemon.retry_base_seconds * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


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
        if delivery.post.status == "approved":
            # the stored text, with the link of the channel it waited for filled in: no template runs here
            outgoing = outgoing_for(session, config, delivery_id)
            # a retry tells the adapter so: it looks for an earlier post before creating one
            outgoing.extra["attempt"] = delivery.attempts
            outgoing.extra["maybe_sent"] = bool(delivery.maybe_sent)
            return outgoing
    with db.transaction() as session:
        delivery = _owned(session, delivery_id, owner)
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


RECORD_TRIES = 4  # writing an outcome: each try waits the database's busy timeout first, then a short pause


class NotRecorded(Exception):
    """The platform answered but the database would not take the outcome (locked past its busy timeout, gone).

    ``record`` writes it later: the daemon keeps it and tries again (``reconcile``), so the delivery never stays
    ``sending`` under a live process; a ``loa publish`` that exits leaves it to the next daemon's lookup."""

    def __init__(self, delivery_id: int, record: Callable[[], Outcome], cause: Exception) -> None:
        super().__init__(f"delivery {delivery_id}: outcome not recorded: {type(cause).__name__}: "
                         f"{str(cause).splitlines()[0][:200] if str(cause) else ''}")
        self.delivery_id, self.record = delivery_id, record


def write_outcome(delivery_id: int, record: Callable[[], Outcome]) -> Outcome:
    """Record an outcome, trying again (bounded) while the database is locked or unreachable."""
    for attempt in range(RECORD_TRIES):
        try:
            return record()
        except OperationalError as exc:
            if attempt == RECORD_TRIES - 1:
                raise NotRecorded(delivery_id, record, exc) from None
            time.sleep(0.2 * 2 ** attempt)
    raise AssertionError("unreachable")


def send_claimed(db: Database, config: Config, delivery_id: int, owner: str,
                 adapters: dict[str, Publisher] | None = None, renderer: Renderer | None = None) -> Outcome:
    """Publish one claimed delivery through its channel's adapter and record what happened.

    ``adapters`` keeps one publisher per channel across sends (its HTTP session, what it learnt of the site).
    A delivery whose last answer was lost (``maybe_sent``) is looked up first: found, it is recorded as published;
    shown absent, it is sent; when the platform cannot tell, it keeps waiting as "may have gone out".
    Raises ``NotRecorded`` when the outcome could not be written.
    """
    try:
        outgoing = _load(db, config, delivery_id, owner, renderer)
    except UserError as exc:  # the text no longer fits once the link is in, say: this delivery cannot go
        return write_outcome(delivery_id, lambda: record_failure(db, config, delivery_id, owner,
                                                                 PermanentError(str(exc))))
    if outgoing is None:
        return Outcome("?", "released", delivery_id=delivery_id)
    adapters = {} if adapters is None else adapters
    if outgoing.channel not in adapters:
        adapters[outgoing.channel] = publisher_for(config, outgoing.channel)
    adapter = adapters[outgoing.channel]
    unsettled = bool(outgoing.extra.get("maybe_sent"))
    try:
        if unsettled:
            found = adapter.find_existing(outgoing)
            if found is not None:
                return write_outcome(delivery_id, lambda: record_success(db, delivery_id, owner, found,
                                                                         reconciled=True))
            unsettled = False  # the platform shows no such post: this send is the first that lands
        published = adapter.publish(outgoing)
    except PublishError as exc:
        return write_outcome(delivery_id, lambda: record_failure(db, config, delivery_id, owner, exc,
                                                                 maybe_sent=unsettled or None))
    except Exception as exc:  # noqa: BLE001 - a fault of loa or the adapter mid-send: it may have gone out
        from .recovery import mark_unknown

        reason = f"{type(exc).__name__}: {exc}"
        return write_outcome(delivery_id, lambda: mark_unknown(db, owner, delivery_id, reason))
    return write_outcome(delivery_id, lambda: record_success(db, delivery_id, owner, published))


def _lock_post(db: Database, session, delivery_id: int) -> None:
    """PostgreSQL: the delivery's post row locked first, so two channels of one post finishing at once are
    recorded one after the other and the second sees the first when deciding the post is done. (SQLite's
    BEGIN IMMEDIATE already serialises every write.)"""
    if not db.is_sqlite:
        post_id = select(Delivery.post_id).where(Delivery.id == delivery_id).scalar_subquery()
        session.execute(select(Post.id).where(Post.id == post_id).with_for_update())


def _owned(session, delivery_id: int, owner: str) -> Delivery | None:
    delivery = session.get(Delivery, delivery_id, options=LOAD_WITH_POST)
    return delivery if delivery is not None and delivery.lease_owner == owner else None


def record_success(db: Database, delivery_id: int, owner: str, published: Published, *,
                   reconciled: bool = False) -> Outcome:
    """Record a publication: the hot path of a busy daemon, so a few Core statements rather than ORM loads."""
    now = utcnow()
    deliveries, posts = Delivery.__table__, Post.__table__  # Core: no ORM bookkeeping on the hot path
    with db.transaction() as session:
        _lock_post(db, session, delivery_id)
        connection = session.connection()
        row = connection.execute(
            deliveries.update().where(deliveries.c.id == delivery_id, deliveries.c.lease_owner == owner)
            .values(status="published", remote_id=published.remote_id, permalink=published.permalink,
                    published_at=now, lease_owner=None, lease_expires_at=None, last_error=None, maybe_sent=False,
                    updated_at=now)
            .returning(deliveries.c.post_id, deliveries.c.channel, deliveries.c.attempts, deliveries.c.due_at)).first()
        if row is None:  # the lease expired and someone reconciled it: theirs to record
            return Outcome("?", "lost", error="lease lost", delivery_id=delivery_id)
        campaign_id, title = connection.execute(select(posts.c.campaign_id, posts.c.title)
                                                .where(posts.c.id == row.post_id)).one()
        detail = {"remote_id": published.remote_id, "permalink": published.permalink, "attempt": row.attempts,
                  "due_at": row.due_at.isoformat(), "late_seconds": round((now - row.due_at).total_seconds(), 3),
                  **(published.detail or {})}
        if reconciled:
            detail["reconciled"] = True
        connection.execute(OutreachEntry.__table__.insert().values(
            at=now, kind="published", campaign_id=campaign_id, post_id=row.post_id, delivery_id=delivery_id,
            channel=row.channel, title=title, detail=detail))
        unfinished = select(deliveries.c.id).where(deliveries.c.post_id == row.post_id,
                                                   deliveries.c.status.not_in(FINISHED_DELIVERY_STATUSES))
        connection.execute(posts.update().where(posts.c.id == row.post_id, ~unfinished.exists())
                           .values(status="done", updated_at=now))
        return Outcome(row.channel, "published", permalink=published.permalink, post_id=row.post_id,
                       delivery_id=delivery_id)


def error_class(error: PublishError) -> str:
    if isinstance(error, AuthError):
        return "auth"
    if isinstance(error, ChannelUnavailable):
        return "target"
    if isinstance(error, TransientError):
        return "rate_limit" if error.channel_wide else "transient"
    return "permanent" if isinstance(error, PermanentError) else "error"


def pause_channel(session, channel: str, kind: str, reason: str, *, until: dt.datetime | None,
                  now: dt.datetime) -> None:
    state = session.get(ChannelState, channel) or ChannelState(channel=channel)
    state.paused_reason, state.pause_kind, state.paused_at, state.resume_at = reason, kind, now, until
    session.add(state)


def resume_channel(db: Database, channel: str, *, message: str) -> bool:
    """Lift a channel's pause (``loa channels check`` passed). True when it was paused."""
    with db.transaction() as session:
        state = session.get(ChannelState, channel)
        if state is None or state.paused_reason is None:
            return False
        record(session, "resumed", campaign_id=None, channel=channel,
               detail={"was": state.paused_reason, "check": message})
        state.paused_reason = state.pause_kind = state.resume_at = None
        return True


def record_failure(db: Database, config: Config, delivery_id: int, owner: str, error: PublishError, *,
                   maybe_sent: bool | None = None) -> Outcome:
    """Record a failed attempt. ``maybe_sent``: the platform may hold the post (default: the error says so)."""
    now = utcnow()
    kind = error_class(error)
    longest = dt.timedelta(seconds=config.document.daemon.retry_max_seconds)
    may_have_gone_out = bool(getattr(error, "ambiguous", False)) if maybe_sent is None else maybe_sent
    with db.transaction() as session:
        _lock_post(db, session, delivery_id)
        delivery = _owned(session, delivery_id, owner)
        if delivery is None:
            return Outcome("?", "lost", error="lease lost", delivery_id=delivery_id)
        post = delivery.post
        # refused credentials or an unavailable target (full, read-only): paused until the channel's check passes
        checked = isinstance(error, (AuthError, ChannelUnavailable))
        channel_wide = checked or (isinstance(error, TransientError) and error.channel_wide)
        next_at = None
        delivery.maybe_sent = may_have_gone_out
        if channel_wide:
            # not this delivery's fault: it waits with the rest of its channel and keeps its attempt
            # the platform's own time (its parser caps it at a day): a rate limit may outlast loa's retry ceiling
            until = None if checked else (error.not_before or now + retry_delay(config, 1))
            pause_channel(session, delivery.channel, "rate" if not checked else kind, str(error),
                          until=until, now=now)
            record(session, "paused", campaign_id=post.campaign_id, channel=delivery.channel,
                   detail={"reason": str(error), "class": kind, "until": until.isoformat() if until else None})
            delivery.status, delivery.available_at = "retry_wait", max(delivery.available_at, now)
            delivery.attempts = max(0, delivery.attempts - 1)
            status = "paused"
        elif isinstance(error, TransientError) and delivery.attempts < config.document.daemon.max_attempts:
            next_at = now + retry_delay(config, delivery.attempts)
            if error.not_before is not None:  # the platform's wait, within loa's own longest
                next_at = min(max(next_at, error.not_before), now + longest)
            delivery.status, delivery.available_at, status = "retry_wait", next_at, "retry_wait"
        elif may_have_gone_out:
            # no more tries, and the post may be on the platform: a person checks, loa never guesses
            delivery.status = status = "unknown"
            error = TransientError(t("msg.may_have_gone_out", channel=delivery.channel, error=error))
        else:
            delivery.status = status = "failed"
            if isinstance(error, TransientError):
                error = TransientError(t("msg.retries_exhausted", attempts=delivery.attempts, error=error))
        delivery.last_error, delivery.lease_owner, delivery.lease_expires_at = str(error), None, None
        delivery.updated_at = now
        entry = {"failed": "failed", "unknown": "unknown"}.get(status, "attempt")
        record(session, entry, campaign_id=post.campaign_id, post=post,
               channel=delivery.channel, at=now, delivery_id=delivery.id,
               detail={"error": str(error), "class": "unknown" if status == "unknown" else kind,
                       "attempt": delivery.attempts, "next_at": next_at.isoformat() if next_at else None,
                       "may_have_gone_out": may_have_gone_out})
        if status == "failed" and all(d.status in FINISHED_DELIVERY_STATUSES for d in post.deliveries):
            post.status = "done"
        return Outcome(delivery.channel, status, error=str(error), auth=isinstance(error, AuthError),
                       post_id=post.id, delivery_id=delivery.id, next_at=next_at)


SENDABLE_NOW = ("pending", "retry_wait", "missed")  # what `loa publish` may send at once


def claim_post_deliveries(db: Database, post_id: int, owner: str, *, lease: dt.timedelta,
                          channel: str | None = None, now: dt.datetime | None = None) -> list[int]:
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
        post = session.get(Post, post_id)
        channels = [d.channel for d in post.deliveries if d.status in SENDABLE_NOW] if post else []
    for name in ([channel] if channel else channels):
        if name in config.channels:
            publisher_for(config, name)
            require_secrets(config, name)
    lease = dt.timedelta(seconds=config.document.daemon.lease_seconds)
    claimed = claim_post_deliveries(db, post_id, owner, channel=channel, lease=lease)
    if not claimed:
        raise UserError(t("err.nothing_to_publish", id=post_id), where="ID")
    with db.session() as session:  # a channel another one waits for goes first, so its link is known
        rows = session.scalars(select(Delivery).where(Delivery.id.in_(claimed))).all()
        follows = {d.id: d.wait_for or config.after.get(d.channel) for d in rows}
        claimed = [d.id for d in sorted(rows, key=lambda d: (d.channel not in follows.values(), d.id))]
        channel_of = {d.id: d.channel for d in rows}
    adapters = {} if adapters is None else adapters
    outcomes = []
    for delivery_id in claimed:
        first = follows[delivery_id] if channel is None else None  # naming --channel overrides the order
        with db.session() as session:
            first_status = session.scalar(select(Delivery.status).where(Delivery.post_id == post_id,
                                                                        Delivery.channel == first)) if first else None
        if first_status not in (None, "published", "cancelled"):  # the channel it follows did not go out: it waits
            with db.transaction() as session:
                delivery = _owned(session, delivery_id, owner)
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
