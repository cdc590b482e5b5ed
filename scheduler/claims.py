"""Claiming deliveries: the atomic step that makes "never twice" hold across processes and machines.

A claim is one ``UPDATE deliveries SET status='sending', lease… WHERE id IN (SELECT … LIMIT n) RETURNING id``.
On SQLite the write transaction starts with ``BEGIN IMMEDIATE``, so two claims never interleave; on PostgreSQL
the inner SELECT takes ``FOR UPDATE SKIP LOCKED``, so concurrent daemons skip each other's rows instead of waiting.
Only the lease's owner may record the outcome; an expired lease means its owner died mid-send (see recovery.py).
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from functools import lru_cache
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, Select, bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from loa.posts.db import Database
from loa.posts.models import ChannelState, Daemon, Delivery, Post, utcnow

DUE_STATUSES = ("pending", "retry_wait")
T = TypeVar("T")
_TOKEN = secrets.token_hex(3)


def _machine() -> str:
    """This machine: its hostname and, where there is one, a piece of /etc/machine-id, so two machines named
    ``ubuntu`` sharing a PostgreSQL queue never take each other's live leases for a dead process's."""
    try:
        with open("/etc/machine-id", encoding="ascii") as handle:
            return f"{socket.gethostname()}~{handle.read().strip()[:8]}"
    except OSError:
        return socket.gethostname()


_MACHINE = _machine()


def owner_name() -> str:
    """machine:pid:token. The token tells a restarted process with a recycled pid from the one that died."""
    return f"{_MACHINE}:{os.getpid()}:{_TOKEN}"


def owner_is_dead(owner: str | None) -> bool:
    """True only when ``owner`` was a process on this machine that no longer runs (its lease can go at once)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid = rest.split(":", 1)[0]
    if host != _MACHINE or not pid.isdigit() or owner == owner_name():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    # the pid runs, but it may be another process by now: only a matching /proc cmdline is proof of life
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return b"loa" not in handle.read()
    except OSError:
        return False


def other_live_daemons(db: Database, owner: str, *, heartbeat_seconds: float) -> list[Daemon]:
    """Other ``loa run`` processes on this database that are running now (a fresh heartbeat, not stopped, not a
    dead process of this machine), the oldest first."""
    fresh = utcnow() - dt.timedelta(seconds=3 * heartbeat_seconds + 5)
    with db.session() as session:
        rows = session.scalars(select(Daemon).where(Daemon.stopped_at.is_(None), Daemon.owner != owner,
                                                    Daemon.heartbeat_at >= fresh)
                               .order_by(Daemon.started_at)).all()
    return [row for row in rows if not owner_is_dead(row.owner)]  # killed without stopping: not running


# Pauses lifted only by the channel's check (credentials refused; a target folder full or read-only), not by time.
CHECKED_PAUSES = ("auth", "target")


def paused_channels(session: Session, now: dt.datetime) -> dict[str, ChannelState]:
    """Channels that send nothing now: refused credentials (until a check passes) or a rate limit (until a time)."""
    states = session.scalars(select(ChannelState).where(ChannelState.paused_reason.is_not(None))).all()
    return {s.channel: s for s in states if s.resume_at is None or s.resume_at > now}


_FIRST = aliased(Delivery, name="first_delivery")  # made once: an alias costs more to build than the query to run


def _prerequisite(after: Mapping[str, str]) -> ColumnElement:
    """The channel each delivery waits for: its own ``wait_for`` (campaign file), else config.toml's ``after``."""
    configured = case(dict(after), value=Delivery.channel, else_=None) if after else None
    return func.coalesce(Delivery.wait_for, configured) if configured is not None else Delivery.wait_for


def claimable(now: dt.datetime | None, *, after: Mapping[str, str], paused: Iterable[str],
              statuses: tuple[str, ...] = DUE_STATUSES) -> Select:
    """Approved posts' deliveries that may be sent (due by ``now`` when given): not paused, not waiting.

    It walks the index (status, available_at): a range per status, however long the history of published ones.
    """
    first = _FIRST
    # a first publication waits for the publication of the channel it follows (its link goes in the text); a
    # correction or a take-down changes what is already out and waits for nothing
    waiting = exists().where(Delivery.action == "publish", first.post_id == Delivery.post_id,
                             first.action == "publish", first.channel == _prerequisite(after),
                             first.status.not_in(("published", "cancelled")))
    status = Delivery.status == statuses[0] if len(statuses) == 1 else Delivery.status.in_(statuses)
    # a correction is approved like any post; a take-down is not held for approval
    approved = or_(Post.status == "approved", Delivery.action == "delete")
    query = select(Delivery.id).join(Post, Post.id == Delivery.post_id).where(status, approved, ~waiting)
    if now is not None:
        query = query.where(Delivery.available_at <= now)
    paused = list(paused)
    if paused:
        query = query.where(Delivery.channel.not_in(paused))
    return query


def claim_due_deliveries(db: Database, owner: str, *, after: Mapping[str, str], limit: int = 20,
                         lease: dt.timedelta, now: dt.datetime | None = None,
                         channels: Iterable[str] | None = None) -> list[int]:
    """Claim up to ``limit`` due deliveries, earliest first, for ``owner``. Returns their ids.

    ``channels``: the channels this process can send to (config.toml's); a channel removed from the config keeps
    its deliveries waiting instead of failing them one by one.
    """
    claimed, _ = claim_due(db, owner, after=after, limit=limit, lease=lease, now=now, channels=channels)
    return [row.id for row in claimed]


def claim_due(db: Database, owner: str, *, after: Mapping[str, str], limit: int = 20, lease: dt.timedelta,
              now: dt.datetime | None = None, channels: Iterable[str] | None = None,
              then: Callable[[Session, list[int]], T] | None = None,
              due_since: dt.datetime | None = None) -> tuple[list[Row], T | None]:
    """``claim_due_deliveries``, each claimed row with its ``id``, ``channel`` and ``available_at``; ``then`` reads
    what the claimed deliveries need in the claim's own transaction (the daemon: what each one sends).
    ``due_since``: only deliveries due since then (the daemon's next batch, claimed while one is out, leaves the
    overdue ones to its sweep, which paces them first)."""
    now = now or utcnow()
    with db.transaction() as session:
        connection = session.connection()
        paused = sorted(channel for channel, resume_at in connection.execute(_PAUSES)
                        if resume_at is None or _aware(resume_at) > now)
        statement = _claim_statement(tuple(sorted(after.items())), tuple(paused),
                                     None if channels is None else tuple(sorted(channels)), limit, db.is_sqlite,
                                     due_since is not None)
        claimed = connection.execute(statement, {"now": now, "owner": owner, "expires": now + lease,
                                                 "due_since": due_since}).all()
        claimed.sort(key=lambda row: (row.available_at, row.id))
        loaded = then(session, [row.id for row in claimed]) if then is not None and claimed else None
    return claimed, loaded


_PAUSES = select(ChannelState.channel, ChannelState.resume_at).where(ChannelState.paused_reason.is_not(None))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment


@lru_cache(maxsize=64)
def _claim_statement(after: tuple[tuple[str, str], ...], paused: tuple[str, ...], channels: tuple[str, ...] | None,
                     limit: int, sqlite: bool, bounded: bool = False) -> Any:
    """The claim, built once per set-up (the daemon claims round after round; building costs more than running).
    ``bounded``: only what fell due since ``due_since``."""
    candidates = (claimable(None, after=dict(after), paused=paused).where(Delivery.available_at <= bindparam("now"))
                  .order_by(Delivery.available_at).limit(limit))
    if bounded:
        candidates = candidates.where(Delivery.available_at >= bindparam("due_since"))
    if channels is not None:
        candidates = candidates.where(Delivery.channel.in_(list(channels)))
    if not sqlite:
        candidates = candidates.with_for_update(skip_locked=True, of=Delivery)
    # no second status test here: SQLite would then walk every pending row instead of the ids
    return (update(Delivery).where(Delivery.id.in_(candidates.scalar_subquery()))
            .values(status="sending", lease_owner=bindparam("owner"), lease_expires_at=bindparam("expires"),
                    attempts=Delivery.attempts + 1, updated_at=bindparam("now"))
            .returning(Delivery.id, Delivery.channel, Delivery.available_at))


def next_due_at(db: Database, *, after: Mapping[str, str]) -> dt.datetime | None:
    """When the next claimable delivery falls due (None: nothing is queued).

    Cheap: one index walk per status in time order, each stopping at its first claimable row (a single query over
    both statuses would sort every queued delivery).
    """
    now = utcnow()
    with db.session() as session:
        paused = paused_channels(session, now)
        queries = _next_due_queries(tuple(sorted(after.items())), tuple(sorted(paused)))
        firsts = [session.scalar(query) for query in queries]
        value = min((v for v in firsts if v is not None), default=None)
    return value.replace(tzinfo=dt.timezone.utc) if value is not None and value.tzinfo is None else value


@lru_cache(maxsize=64)
def _next_due_queries(after: tuple[tuple[str, str], ...], paused: tuple[str, ...]) -> tuple[Select, ...]:
    """Built once per channel set-up: the daemon asks every second, and building costs more than running."""
    return tuple(claimable(None, after=dict(after), paused=paused, statuses=(status,))
                 .with_only_columns(Delivery.available_at).order_by(Delivery.available_at).limit(1)
                 for status in DUE_STATUSES)


def release_claim(session: Session, delivery: Delivery, now: dt.datetime) -> None:
    """Give a claimed delivery back unsent (its post was edited or cancelled meanwhile): no attempt is spent."""
    cancelled = delivery.post.status == "cancelled" and delivery.action != "delete"  # a take-down still goes
    delivery.status = "cancelled" if cancelled else "pending"
    delivery.attempts = max(0, delivery.attempts - 1)
    delivery.lease_owner, delivery.lease_expires_at, delivery.updated_at = None, None, now


def nothing_to_send(session: Session, *, after: Mapping[str, str], channels: Iterable[str]) -> bool:
    """No approved delivery is left to send on a channel that can send: what ``loa run --until-idle`` waits for.

    A rate-limit pause ends by itself, so its deliveries still count; refused credentials wait for a person.
    """
    now = utcnow()
    refused = [name for name, state in paused_channels(session, now).items() if state.pause_kind in CHECKED_PAUSES]
    waiting = session.scalar(claimable(None, after=after, paused=refused)
                             .where(Delivery.channel.in_(list(channels))).limit(1))
    sending = session.scalar(select(Delivery.id).where(Delivery.status == "sending").limit(1))
    return waiting is None and sending is None

