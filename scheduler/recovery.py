"""After a crash or downtime: reconcile leases their owners never released, and pace the overdue backlog.

* A ``sending`` delivery whose lease expired (or whose owner was a process on this machine that is gone) may or
  may not have reached the platform. The adapter's ``find_existing`` decides: found → published, with no second
  post; shown absent → sent again; cannot tell → ``unknown``, for a person (never re-sent automatically).
* Deliveries overdue after downtime: within the grace window they are sent, spaced per channel by a minimum gap
  instead of in a burst; older ones become ``missed`` and wait for ``loa post reschedule`` or ``loa retry``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable

from sqlalchemy import select, update

from loa.posts.db import Database
from loa.posts.i18n import t
from loa.posts.models import Delivery, utcnow
from loa.posts.outreach import record

from .claims import claimable, owner_is_dead, paused_channels
from .config import Config
from .dispatch import publisher_for
from .outcomes import Outcome, mark_unknown, record_success
from .outgoing import outgoing_for
from .publishers import Publisher, PublishError
from .spoken import duration_text

OVERDUE_AFTER = dt.timedelta(seconds=60)  # later than this at start means loa was not running at the time
OWN_SETTLE_AFTER = dt.timedelta(seconds=60)  # a process's own lease no thread holds: settled this long after its claim


def take_over_abandoned(db: Database, owner: str, *, lease: dt.timedelta, now: dt.datetime | None = None,
                        own_busy: Collection[int] | None = None) -> list[int]:
    """Move expired or orphaned ``sending`` leases to ``owner`` (atomically, one by one). Returns their ids.

    ``own_busy``: given, ``owner``'s own leases outside it (no send of ours holds them: the outcome could not be
    written, a fault cut the send short) are settled too, so a live process never leaves one ``sending``.
    """
    now = now or utcnow()
    with db.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.lease_owner, Delivery.lease_expires_at,
                                      Delivery.available_at, Delivery.maybe_sent)
                               .where(Delivery.status == "sending")).all()
    taken = []
    for row in rows:
        if row.maybe_sent and row.available_at is not None and row.available_at > now:
            # a daemon stopped with this send in flight: its platform may still be creating the post, so nobody
            # looks it up before then, even if that daemon is gone (shutdown.py)
            continue
        if row.lease_owner == owner:
            # our own: settled only when no thread of ours holds it (claimed, queued or sending) and it was claimed
            # a while ago, so a claim that has just committed is never mistaken for an abandoned one
            claimed_at = row.lease_expires_at - lease if row.lease_expires_at is not None else None
            recent = claimed_at is not None and claimed_at > now - OWN_SETTLE_AFTER
            if own_busy is None or row.id in own_busy or recent:
                continue
            taken.append(row.id)
            continue
        expired = row.lease_expires_at is None or row.lease_expires_at <= now
        if not (expired or owner_is_dead(row.lease_owner)):
            continue
        with db.transaction() as session:
            moved = session.execute(
                update(Delivery).where(Delivery.id == row.id, Delivery.status == "sending",
                                       Delivery.lease_owner == row.lease_owner)
                .values(lease_owner=owner, lease_expires_at=now + lease, updated_at=now)).rowcount
        if moved:
            taken.append(row.id)
    return taken


def reconcile_abandoned(db: Database, config: Config, owner: str, adapters: dict[str, Publisher], *,
                        own_busy: Collection[int] | None = None) -> list[Outcome]:
    """Settle every abandoned send through its adapter's ``find_existing`` (see ``take_over_abandoned``)."""
    lease = dt.timedelta(seconds=config.document.daemon.lease_seconds)
    outcomes = []
    for delivery_id in take_over_abandoned(db, owner, lease=lease, own_busy=own_busy):
        try:
            outcomes.append(_reconcile(db, config, owner, delivery_id, adapters))
        except Exception as exc:  # noqa: BLE001 - one that cannot be settled must not strand the others
            outcomes.append(mark_unknown(db, owner, delivery_id, _fault(exc)))
    return outcomes


def _reconcile(db: Database, config: Config, owner: str, delivery_id: int, adapters: dict[str, Publisher]) -> Outcome:
    found, reason = None, None
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        channel, action = delivery.channel, delivery.action
    if action != "publish":
        # a correction or a take-down is idempotent (the same text again; a post already gone is done): an
        # interrupted one is simply sent again, with no lookup
        return _send_again(db, owner, delivery_id)
    with db.session() as session:
        try:
            outgoing = outgoing_for(session, config, delivery_id)
        except Exception as exc:  # noqa: BLE001 - whatever stops us from asking, a person decides
            outgoing, reason = None, str(exc)
    if outgoing is not None:
        try:
            if channel not in adapters:
                adapters[channel] = publisher_for(config, channel, db=db)
            found = adapters[channel].find_existing(outgoing)
            if found is None:
                return _send_again(db, owner, delivery_id)
        except Exception as exc:  # noqa: BLE001 - the adapter cannot tell: never guess, never re-send
            reason = _fault(exc)
    if found is not None:
        outcome = record_success(db, delivery_id, owner, found, reconciled=True)
        outcome.status = "reconciled" if outcome.status == "published" else outcome.status
        return outcome
    return mark_unknown(db, owner, delivery_id, reason or t("attention.not_asked"))


def _fault(exc: Exception) -> str:
    """An adapter's error is already a sentence for a person; anything else is a fault of loa, told with its kind."""
    return str(exc) if isinstance(exc, PublishError) else f"{type(exc).__name__}: {exc}"


def _send_again(db: Database, owner: str, delivery_id: int) -> Outcome:
    """The platform shows no such post: the interrupted send never landed, so it goes out again (same attempt)."""
    now = utcnow()
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.lease_owner != owner:
            return Outcome("?", "lost", delivery_id=delivery_id)
        delivery.status, delivery.available_at = "retry_wait", now
        delivery.lease_owner = delivery.lease_expires_at = None
        record(session, "attempt", campaign_id=delivery.post.campaign_id, post=delivery.post,
               channel=delivery.channel, delivery_id=delivery.id,
               detail={"error": "interrupted send; the platform has no such post" if delivery.action == "publish"
                       else f"interrupted {delivery.action}; sent again (idempotent)", "class": "interrupted",
                       "attempt": delivery.attempts, "next_at": now.isoformat()})
        return Outcome(delivery.channel, "retry_wait", post_id=delivery.post_id, delivery_id=delivery_id, next_at=now)


def pace_overdue(db: Database, config: Config, *, now: dt.datetime | None = None,
                 overdue_before: dt.datetime | None = None, channels: Iterable[str] | None = None) -> tuple[int, int]:
    """Mark deliveries overdue past the grace window ``missed``; space the rest per channel.

    Overdue: due before ``overdue_before`` (default a minute ago) and not sent. At start that is what downtime
    left; at a sweep, what was made due in the past meanwhile (see ``PublishingDaemon.overdue_cutoff``).
    ``channels``: only these (the ones this process can send to). Returns (missed, spaced).
    """
    now = now or utcnow()
    settings = config.document.daemon
    grace = dt.timedelta(minutes=settings.grace_minutes)
    gap = dt.timedelta(seconds=settings.spacing_seconds)
    missed = spaced = 0
    with db.transaction() as session:
        # what could be sent but was not: deliveries waiting for a paused channel or another channel keep waiting
        ready = claimable(overdue_before or now - OVERDUE_AFTER, after=config.after,
                          paused=paused_channels(session, now))
        if channels is not None:
            ready = ready.where(Delivery.channel.in_(list(channels)))
        query = select(Delivery).where(Delivery.id.in_(ready.scalar_subquery())).order_by(Delivery.available_at,
                                                                                          Delivery.id)
        if not db.is_sqlite:  # rows another daemon is claiming right now are theirs, not ours to mark or move
            query = query.with_for_update(skip_locked=True, of=Delivery)
        overdue = session.scalars(query).all()
        by_channel: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in overdue:
            if delivery.status == "pending" and delivery.due_at < now - grace:
                delivery.status, delivery.updated_at = "missed", now
                delivery.last_error = t("msg.overdue_missed", duration=duration_text(settings.grace_minutes * 60))
                record(session, "missed", campaign_id=delivery.post.campaign_id, post=delivery.post,
                       channel=delivery.channel, delivery_id=delivery.id,
                       detail={"due_at": delivery.due_at.isoformat(), "reason": delivery.last_error})
                missed += 1
            else:
                by_channel[delivery.channel].append(delivery)
        for deliveries in by_channel.values():
            for index, delivery in enumerate(deliveries):
                delivery.available_at = now + index * gap
                spaced += 1
    return missed, spaced
