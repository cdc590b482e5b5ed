"""The daemon's rounds of sends: claim what is due, deal it to the channels' senders, record what happened.

A round claims a batch and reads what each delivery sends in the same transaction (``outgoing.load_claimed``);
each channel's senders then work through their share in order.

A publication is recorded while its sender makes the next send: the record (the delivery published, its log entry,
the post done) is the same single transaction as before, written by the ``record`` thread in the order the sends
finished, and a sender waits for its previous record before it hands over the next one. Until that record commits,
the delivery stays ``sending`` under this process's live lease, exactly as during the send itself: a crash in
between leaves it to recovery's look-up (recovery.py), which finds the post and records it, never sending it twice.
So a sender has at most one finished send waiting for its record, next to the one in flight. Failures, pauses and
everything else are recorded at once: they decide what the sender does next.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any

from sqlalchemy import select

from loa.posts.i18n import t
from loa.posts.models import Delivery, utcnow

from .claims import claim_due, release_claim
from .dispatch import NotRecorded, Outcome, send_claimed
from .events import emit, fault_text
from .outages import is_database_fault
from .outcomes import mark_unknown, write_outcome
from .outgoing import load_claimed
from .publishers import Outgoing

RECORDING = "recording"  # the status of an outcome handed to the record thread: reported once written


class SendingRounds:
    """Mixed into ``PublishingDaemon`` (daemon.py), whose state it uses: the executors ``_senders`` and
    ``_recorder``, ``_in_flight``, ``_unrecorded``, ``_state``, ``stopping`` and ``_report``."""

    db: Any
    config: Any
    owner: str
    lease: dt.timedelta
    batch: int
    adapters: dict[str, Any]
    renderer: Any
    stopping: Any
    _senders: Any
    _recorder: Any
    _in_flight: set[int]
    _sending_now: dict[int, str]
    faults: Any
    _unrecorded: dict[int, NotRecorded]
    _state: Any
    _active_at: dt.datetime

    def _report(self, outcome: Outcome) -> None:  # pragma: no cover - the daemon's
        raise NotImplementedError

    def overdue_cutoff(self, now: dt.datetime) -> dt.datetime:  # pragma: no cover - the daemon's
        raise NotImplementedError

    def _send_due_round(self) -> int:
        """Claim what is due and send it, batch after batch while they come full: the next batch is claimed while
        one is out, so the senders never wait for a claim. Returns how many were claimed (0: nothing was due)."""
        batch = self._claim_batch()
        total = 0
        while batch is not None:
            claimed, prepared, claimed_at = batch
            ids = [row.id for row in claimed]
            sends: list[Future] = []
            following = None
            try:
                by_sender: dict[tuple[str, int], list[int]] = defaultdict(list)
                dealt: dict[str, int] = defaultdict(int)
                for row in claimed:  # each channel's deliveries dealt to its senders in turn
                    settings = self.config.channels.get(row.channel)
                    senders = settings.concurrency if settings else 1
                    by_sender[(row.channel, dealt[row.channel] % senders)].append(row.id)
                    dealt[row.channel] += 1
                sends = [self._senders.submit(self._send_channel, share, prepared or {}, claimed_at, channel)
                         for (channel, _), share in by_sender.items()]
                if len(claimed) == self.batch and not self.stopping.is_set():  # more is probably due
                    now = utcnow()
                    following = self._claim_batch(due_since=self.overdue_cutoff(now), now=now)
                total += len(ids)
            finally:  # every send and record of the batch is done (or kept for ``reconcile``)
                wait(sends)
                with self._state:
                    self._in_flight.difference_update(ids)
            batch = following
        return total

    def _claim_batch(self, *, due_since: dt.datetime | None = None, now: dt.datetime | None = None) -> Any:
        """A batch claimed with what each delivery sends; None when nothing was due."""
        claimed_at = now or utcnow()
        claimed, prepared = claim_due(self.db, self.owner, after=self.config.after, limit=self.batch,
                                      lease=self.lease, channels=self.config.channel_names, now=claimed_at,
                                      then=lambda session, ids: load_claimed(session, self.config, ids, self.owner),
                                      due_since=due_since)
        if not claimed:
            return None
        with self._state:  # ours from the claim on, even while waiting for a sender: never "abandoned"
            self._in_flight.update(row.id for row in claimed)
        return claimed, prepared, claimed_at

    def _send_channel(self, ids: list[int], prepared: dict[int, Outgoing], claimed_at: dt.datetime,
                      channel: str) -> None:
        previous: list[Future] = []  # this sender's publication being recorded, if any

        def record_later(delivery_id: int, write: Callable[[], Outcome]) -> Outcome:
            settled(previous)
            previous.append(self._recorder.submit(self._settle, delivery_id, lambda: write_outcome(delivery_id, write)))
            return Outcome("?", RECORDING, delivery_id=delivery_id)

        try:
            for index, delivery_id in enumerate(ids):
                if self.stopping.is_set():  # claimed but not started: given back, no attempt spent
                    self._release(ids[index:])
                    return
                try:
                    outcome = self._settle(delivery_id, lambda: send_claimed(
                        self.db, self.config, delivery_id, self.owner, self.adapters, self.renderer,
                        prepared=prepared.get(delivery_id), claimed_at=claimed_at, record_later=record_later,
                        on_start=lambda: self._started(delivery_id, channel)))
                finally:
                    with self._state:
                        self._sending_now.pop(delivery_id, None)
                if outcome is not None and outcome.status == "paused":  # the rest of this batch waits with it
                    self._release(ids[index + 1:])
                    return
        finally:
            settled(previous)

    def _started(self, delivery_id: int, channel: str) -> None:
        """The adapter is about to be called: what a stopping daemon waits for, or leaves as "may have gone out"."""
        with self._state:
            self._sending_now[delivery_id] = channel

    def _settle(self, delivery_id: int, send: Callable[[], Outcome]) -> Outcome | None:
        """Run a send or a record and report its outcome; a fault is told and settled, never raised."""
        try:
            outcome = send()
        except NotRecorded as exc:
            # the platform answered but the database would not take it: kept, and written by ``reconcile``
            with self._state:
                self._unrecorded[delivery_id] = exc
            emit("unrecorded", t("daemonlog.unrecorded", delivery=delivery_id), error=fault_text(exc.__cause__ or exc),
                 level=logging.ERROR)
            return None
        except Exception as exc:  # noqa: BLE001 - a fault of ours must not kill the daemon
            with self._state:
                started = delivery_id in self._sending_now
            if not started and is_database_fault(exc):
                # the database went away before anything was sent: the claim stays ours and ``reconcile`` settles
                # it (a look-up, then the send) once it is back; told as the outage it is, not per delivery
                self.faults.fault(exc, job="sweep")
                return None
            # a fault of loa or its surroundings (a banner file gone, the database): whether the post went out
            # cannot be known here, so a person decides; never a blind second send
            emit("error", t("daemonlog.delivery_fault", delivery=delivery_id, error=f"{type(exc).__name__}: {exc}"),
                 level=logging.ERROR)
            try:
                self._report(mark_unknown(self.db, self.owner, delivery_id, f"{type(exc).__name__}: {exc}"))
            except Exception as again:  # noqa: BLE001 - the database is out of reach: reconcile settles it
                emit("error", t("daemonlog.delivery_fault", delivery=delivery_id, error=fault_text(again)),
                     level=logging.ERROR)
            return None
        finally:
            self._active_at = utcnow()
        if outcome.status != RECORDING:
            self._report(outcome)
        return outcome

    def _release(self, ids: list[int]) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            for delivery in session.scalars(select(Delivery).where(Delivery.id.in_(ids),
                                                                  Delivery.lease_owner == self.owner)):
                release_claim(session, delivery, now)


def settled(pending: list[Future]) -> None:
    """Wait for the records handed over (``_settle`` never raises, so neither does this)."""
    while pending:
        pending.pop().result()
