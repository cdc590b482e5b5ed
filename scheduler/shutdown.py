"""Stopping the daemon never abandons a send that may still land (issue 19, point 4).

A send in flight when SIGTERM arrives may be created by the platform whatever loa does next: a Facebook upload it
is still processing, say. Looking it up at once from the next daemon would find nothing yet and post it twice. So:

1. At SIGTERM, each delivery whose adapter is at work is marked "may have gone out" (``maybe_sent``) with a
   not-before time (its ``available_at``): the latest moment its platform can still be working on it (the wait
   below plus the channel's timeout). Recovery (recovery.py) leaves such a ``sending`` delivery alone until then,
   even when its owner is dead: a SIGKILL (systemd's ``TimeoutStopSec`` running out) never leads to an early
   look-up. The send's own outcome, if it comes, overwrites both as usual.
2. The daemon waits for the sends in flight up to the longest channel timeout among them (at least
   ``shutdown_seconds``): each request then has either its answer or its timeout, and is recorded as usual.
3. If it must go earlier (a second SIGTERM or SIGINT), each send still in flight is left as "may have gone out"
   (``retry_wait`` with ``maybe_sent``), not before its channel's timeout from now: the next daemon looks it up then,
   records it if it is there, and sends it only if the platform shows it is not (dispatch.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update

from loa.posts.db import Database
from loa.posts.i18n import t
from loa.posts.models import Daemon as DaemonRow, Delivery, utcnow
from loa.posts.outreach import record

from .config import Config
from .events import emit
from .outages import seconds_text
from .publishers import CONNECT_TIMEOUT

UNTIMED_SECONDS = 30.0  # a channel without a ``timeout`` setting (a local folder, a plugin): this bound


def send_bound(config: Config, channel: str) -> float:
    """How long one request of ``channel`` can take before loa gives up on it: connect plus its read timeout."""
    settings = config.channels.get(channel)
    timeout = getattr(settings, "timeout", None)
    return CONNECT_TIMEOUT + float(timeout) if timeout else UNTIMED_SECONDS


def longest_wait(config: Config, channels: Mapping[int, str]) -> float:
    """How long a stopping daemon waits for the sends in flight: their longest bound, at least shutdown_seconds."""
    bounds = [send_bound(config, channel) for channel in set(channels.values())]
    return max([config.document.daemon.shutdown_seconds, *bounds])


def hold_lookups(db: Database, owner: str, config: Config, sending: Mapping[int, str], *, waiting: float,
                 now: dt.datetime | None = None) -> int:
    """Step 1: each delivery in flight is not looked up by anyone before ``now + waiting + its channel's bound``."""
    now = now or utcnow()
    held = 0
    with db.transaction() as session:
        for delivery_id, channel in sending.items():
            not_before = now + dt.timedelta(seconds=waiting + send_bound(config, channel))
            held += session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.lease_owner == owner,
                                       Delivery.status == "sending")
                .values(available_at=not_before, maybe_sent=True)).rowcount
    return held


def leave_unfinished(db: Database, owner: str, config: Config, sending: Mapping[int, str], *,
                     now: dt.datetime | None = None) -> list[tuple[int, str, int, dt.datetime]]:
    """Step 3: the sends still in flight become "may have gone out", looked up after their channel's bound.

    Only deliveries still ``sending`` under this process's lease: one whose outcome was written meanwhile is
    settled. The interrupted attempt is given back (loa stopped it, the platform did not refuse it). Returns
    (delivery, channel, post, not before) for each."""
    now = now or utcnow()
    left = []
    with db.transaction() as session:
        for delivery_id, channel in sending.items():
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != "sending" or delivery.lease_owner != owner:
                continue
            not_before = now + dt.timedelta(seconds=send_bound(config, channel))
            reason = t("msg.interrupted_by_shutdown")
            delivery.status, delivery.maybe_sent, delivery.available_at = "retry_wait", True, not_before
            delivery.lease_owner, delivery.lease_expires_at, delivery.last_error = None, None, reason
            delivery.attempts, delivery.updated_at = max(0, delivery.attempts - 1), now
            record(session, "attempt", campaign_id=delivery.post.campaign_id, post=delivery.post,
                   channel=delivery.channel, delivery_id=delivery.id,
                   detail={"error": reason, "class": "interrupted", "attempt": delivery.attempts,
                           "next_at": not_before.isoformat()})
            left.append((delivery_id, channel, delivery.post_id, not_before))
    return left


class Stopping:
    """Mixed into ``PublishingDaemon`` (daemon.py): its signals and its way out, with the state it keeps
    (``stopping``, ``_hurry``, ``_sweeping``, ``_sending_now``, the executors, ``faults``)."""

    db: Any
    config: Config
    owner: str
    dry_run: bool
    settings: Any
    faults: Any
    stopping: threading.Event
    _hurry: threading.Event
    _sweeping: Any
    _state: Any
    _sending_now: dict[int, str]
    _senders: Any
    _recorder: Any
    _scheduler: Any
    _switch_interval: float

    def stop(self) -> bool:
        """Stop claiming; wait for in-flight sends (shutdown.py). True when everything finished in time."""
        self.stopping.set()
        with self._state:
            sending = dict(self._sending_now)
        waiting = longest_wait(self.config, sending)
        deadline = time.monotonic() + waiting
        if sending and not self.dry_run:
            emit("stopping", t("daemonlog.waiting_for_sends", count=len(sending), duration=seconds_text(waiting)),
                 count=len(sending))
            self._database_step(lambda: hold_lookups(self.db, self.owner, self.config, sending, waiting=waiting))
        finished = self._sweeping.acquire(blocking=False)
        while not finished and not self._hurry.is_set() and time.monotonic() < deadline:
            finished = self._sweeping.acquire(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
        if finished:
            self._sweeping.release()
            self._senders.shutdown(wait=True)
            self._recorder.shutdown(wait=True)
        elif not self.dry_run:
            with self._state:
                sending = dict(self._sending_now)
            for delivery_id, channel, post_id, not_before in self._database_step(
                    lambda: leave_unfinished(self.db, self.owner, self.config, sending)) or []:
                emit("interrupted", t("daemonlog.interrupted"), post=post_id, channel=channel,
                     next_at=not_before.isoformat(timespec="seconds"), level=logging.WARNING)
        if self._scheduler is not None:  # its other jobs (reconcile, metrics) get what is left of the bound
            closing = threading.Thread(target=self._scheduler.shutdown, kwargs={"wait": True}, daemon=True)
            closing.start()
            closing.join(timeout=max(0.0, deadline - time.monotonic()) if finished else 0.0)
            finished = finished and not closing.is_alive()
        if not self.dry_run:
            self._database_step(self._unregister)
        emit("stopped", t("daemonlog.stopped" if finished else "daemonlog.stopped_in_flight"))
        sys.setswitchinterval(self._switch_interval)
        return finished

    def _unregister(self) -> None:
        with self.db.transaction() as session:
            row = session.get(DaemonRow, self.owner)
            if row is not None:
                row.stopped_at = utcnow()

    def _database_step(self, step: Any) -> Any:
        """A write while stopping: a database out of reach is told (one line) and the daemon stops all the same."""
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - stopping goes on: what was not written, recovery settles
            self.faults.fault(exc, job="stop")
            return None

    def _on_signal(self, signum: int, frame: Any) -> None:
        name = signal.Signals(signum).name
        if not self.stopping.is_set():
            emit("stopping", t("daemonlog.stopping", signal=name))
        elif not self._hurry.is_set():
            emit("stopping", t("daemonlog.stopping_now", signal=name), level=logging.WARNING)
            self._hurry.set()
        self.stopping.set()

    def _on_hangup(self, signum: int, frame: Any) -> None:
        """SIGHUP: config.toml and the channels are read once, at start; a reload half-way through a send would
        change what a claimed delivery goes out with. Said, and ignored: a restart applies a change."""
        emit("hangup", t("daemonlog.hangup"), level=logging.WARNING)

