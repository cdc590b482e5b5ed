"""Recording what happened to a send: published, a retry later, failed, unknown, or a paused channel.

Only the lease's owner records an outcome: a process whose lease expired (and was reconciled) records nothing.
A write the database refuses (locked past its busy timeout) is tried again a few times, then handed back to the
caller as ``NotRecorded`` with the write to do later, so a delivery never stays ``sending`` under a live process.
"""
from __future__ import annotations

import datetime as dt
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from loa.posts.db import Database
from loa.posts.i18n import t
from loa.posts.models import FINISHED_DELIVERY_STATUSES, ChannelState, Delivery, OutreachEntry, Post, utcnow
from loa.posts.outreach import record

from .config import Config
from .publishers import AuthError, ChannelUnavailable, PermanentError, Published, PublishError, TransientError
from .record_sqlite import SqliteRecorder

# a delivery with its post, the post's campaign and its other deliveries, in two queries instead of four
LOAD_WITH_POST = [joinedload(Delivery.post).joinedload(Post.campaign),
                  joinedload(Delivery.post).selectinload(Post.deliveries)]


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
    action: str = "publish"  # or "update" (a correction), "delete" (a take-down)


def outcome_text(db: Database, outcome: Outcome) -> str:
    """What ``loa publish`` (and "publish now" in the workspace) says of one outcome, in the user's language."""
    if outcome.status == "published":
        key = "msg.published" if outcome.action == "publish" else f"fix.sent_{outcome.action}"
        return t(key, channel=outcome.channel, link=outcome.permalink or "-")
    channel = outcome.channel
    if channel == "?" and outcome.delivery_id is not None:  # a claim given back or lost: still name the channel
        with db.session() as session:
            delivery = session.get(Delivery, outcome.delivery_id)
            channel = delivery.channel if delivery is not None else channel
    # a delivery status, or what happened to a claim that was not this command's to finish (released, lost)
    status = t(f"outcome.{outcome.status}") if outcome.status in ("released", "lost") else t(f"status.{outcome.status}")
    return t("msg.not_published", channel=channel, status=status, error=outcome.error or "-")


# The outreach log's word for a change carried out on a channel: the report counts these.
DONE_KIND = {"publish": "published", "update": "corrected", "delete": "taken_down"}


def retry_delay(config: Config, attempts: int) -> dt.timedelta:
    """Exponential backoff with jitter: about base x 2^(n-1), capped, times a random 0.5–1 (daemons spread out)."""
    daemon = config.document.daemon
    ceiling = min(daemon.retry_max_seconds, daemon.retry_base_seconds * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))


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


def _lock_post(db: Database, session, delivery_id: int) -> None:
    """PostgreSQL: the delivery's post row locked first, so two channels of one post finishing at once are
    recorded one after the other and the second sees the first when deciding the post is done. (SQLite's
    BEGIN IMMEDIATE already serialises every write.)"""
    if not db.is_sqlite:
        post_id = select(Delivery.post_id).where(Delivery.id == delivery_id).scalar_subquery()
        session.execute(select(Post.id).where(Post.id == post_id).with_for_update())


def owned_delivery(session, delivery_id: int, owner: str) -> Delivery | None:
    delivery = session.get(Delivery, delivery_id, options=LOAD_WITH_POST)
    return delivery if delivery is not None and delivery.lease_owner == owner else None


def _log_publication() -> Any:
    """The outreach log's entry for a change carried out, with the post's campaign and title read by the insert
    itself (one statement instead of a read and an insert). Built once."""
    entries, posts = OutreachEntry.__table__, Post.__table__
    return entries.insert().from_select(
        ["at", "kind", "campaign_id", "post_id", "delivery_id", "channel", "title", "detail"],
        select(bindparam("at", type_=entries.c.at.type), bindparam("kind", type_=entries.c.kind.type),
               posts.c.campaign_id, posts.c.id, bindparam("delivery_id", type_=entries.c.delivery_id.type),
               bindparam("channel", type_=entries.c.channel.type), posts.c.title,
               bindparam("detail", type_=entries.c.detail.type)).where(posts.c.id == bindparam("post")))


LOG_PUBLICATION = _log_publication()
_deliveries, _posts = Delivery.__table__, Post.__table__  # Core, built once: no ORM bookkeeping on the hot path
MARK_PUBLISHED = (_deliveries.update()
                  .where(_deliveries.c.id == bindparam("delivery"), _deliveries.c.lease_owner == bindparam("owner"))
                  .values(status="published", remote_id=bindparam("new_remote_id"),
                          permalink=bindparam("new_permalink"), published_at=bindparam("now"), lease_owner=None,
                          lease_expires_at=None, last_error=None, maybe_sent=False, updated_at=bindparam("now"))
                  .returning(_deliveries.c.post_id, _deliveries.c.channel, _deliveries.c.attempts,
                             _deliveries.c.due_at, _deliveries.c.action))
# the post is done once none of its deliveries is left to finish (a status is never NULL: "not in" spelt out, so the
# statement compiles to plain SQL once, for record_sqlite.py)
POST_DONE = (_posts.update()
             .where(_posts.c.id == bindparam("post"),
                    ~select(_deliveries.c.id).where(_deliveries.c.post_id == bindparam("post"),
                                                    *[_deliveries.c.status != status
                                                      for status in FINISHED_DELIVERY_STATUSES]).exists())
             .values(status="done", updated_at=bindparam("now")))


def record_success(db: Database, delivery_id: int, owner: str, published: Published, *,
                   reconciled: bool = False) -> Outcome:
    """Record a publication: the hot path of a busy daemon, so three prebuilt Core statements (on SQLite sent
    through the driver itself: record_sqlite.py) rather than ORM loads."""
    now = utcnow()
    if db.is_sqlite:
        return _sqlite_recorder(db).transaction(
            lambda execute: _record_publication(execute, delivery_id, owner, published, now, reconciled))
    with db.write_connection() as connection:
        _lock_post(db, connection, delivery_id)
        def execute(statement: Any, values: dict[str, Any]) -> Any:
            result = connection.execute(statement, values)
            return result.first() if result.returns_rows else None

        return _record_publication(execute, delivery_id, owner, published, now, reconciled)


def _record_publication(execute: Callable[[Any, dict[str, Any]], Any], delivery_id: int, owner: str,
                        published: Published, now: dt.datetime, reconciled: bool) -> Outcome:
    """The record's statements through ``execute(statement, values) -> first row``, in the caller's transaction."""
    row = execute(MARK_PUBLISHED, {"delivery": delivery_id, "owner": owner, "new_remote_id": published.remote_id,
                                   "new_permalink": published.permalink, "now": now})
    if row is None:  # the lease expired and someone reconciled it: theirs to record
        return Outcome("?", "lost", error="lease lost", delivery_id=delivery_id)
    post_id, channel, attempts, due_at, action = row
    detail = {"remote_id": published.remote_id, "permalink": published.permalink, "attempt": attempts,
              "due_at": due_at.isoformat(), "late_seconds": round((now - due_at).total_seconds(), 3),
              **(published.detail or {})}
    if reconciled:
        detail["reconciled"] = True
    execute(LOG_PUBLICATION, {  # the post's campaign and title copied into the log by the insert
        "at": now, "kind": DONE_KIND[action], "delivery_id": delivery_id, "channel": channel, "detail": detail,
        "post": post_id})
    execute(POST_DONE, {"post": post_id, "now": now})
    return Outcome(channel, "published", permalink=published.permalink, post_id=post_id, delivery_id=delivery_id,
                   action=action)


_SQLITE_RECORDERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sqlite_recorder(db: Database) -> SqliteRecorder:
    recorder = _SQLITE_RECORDERS.get(db.engine)
    if recorder is None:
        recorder = _SQLITE_RECORDERS[db.engine] = SqliteRecorder(db.engine)
    return recorder


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
        delivery = owned_delivery(session, delivery_id, owner)
        if delivery is None:
            return Outcome("?", "lost", error="lease lost", delivery_id=delivery_id)
        post = delivery.post
        # refused credentials or an unavailable target (full, read-only): paused until the channel's check passes
        checked = isinstance(error, (AuthError, ChannelUnavailable))
        channel_wide = checked or (isinstance(error, TransientError) and error.channel_wide)
        next_at = None
        # a daemon stopping while this was sent held its look-up until the platform must have finished
        # (scheduler/shutdown.py): a lost answer now keeps that time, so the retry's look-up is not too early
        held_until = delivery.available_at if delivery.maybe_sent and delivery.available_at > now else None
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
            if may_have_gone_out and held_until is not None:
                next_at = max(next_at, held_until)
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
                       "may_have_gone_out": may_have_gone_out,
                       **({"action": delivery.action} if delivery.action != "publish" else {})})
        everything = [*post.deliveries, *post.changes]  # a failed correction finishes the post like a publication
        if status == "failed" and all(d.status in FINISHED_DELIVERY_STATUSES for d in everything):
            post.status = "done"
        return Outcome(delivery.channel, status, error=str(error), auth=isinstance(error, AuthError),
                       post_id=post.id, delivery_id=delivery.id, next_at=next_at, action=delivery.action)


def mark_unknown(db: Database, owner: str, delivery_id: int, reason: str) -> Outcome:
    """Nobody can tell whether it reached the platform: a person checks and decides (``loa retry``)."""
    now = utcnow()
    with db.transaction() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.lease_owner != owner:
            return Outcome("?", "lost", delivery_id=delivery_id)
        delivery.status, delivery.last_error = "unknown", t("attention.interrupted", reason=reason)[:2000]
        delivery.lease_owner, delivery.lease_expires_at, delivery.updated_at = None, None, now
        record(session, "unknown", campaign_id=delivery.post.campaign_id, post=delivery.post, channel=delivery.channel,
               delivery_id=delivery.id, detail={"error": delivery.last_error, "class": "unknown"})
        return Outcome(delivery.channel, "unknown", error=reason, post_id=delivery.post_id, delivery_id=delivery_id)
