"""``loa run``: the publishing daemon.

APScheduler 3.11 with an in-memory job store drives it (never pickled per-post jobs: the queue is our own tables,
which several processes share):

* ``sweep`` every second: claims what is due (new posts, edits and cancellations made by other processes are seen
  here) and sends it, one worker thread per channel, so a slow channel does not hold up the others;
* ``wake``: a one-off job armed for the next due time, so a post goes out within a second of its time;
* ``reconcile``: leases whose owner died mid-send are settled through the adapters (recovery.py);
* ``heartbeat`` for ``loa status``; ``health``: a paused channel resumes once its check passes again.

SIGTERM or SIGINT: stop claiming, let in-flight sends finish (up to the longest channel timeout among them, at
least ``shutdown_seconds``), exit 0; a second signal leaves what is still in flight as "may have gone out", looked
up only once its platform must have finished (shutdown.py). SIGHUP is logged and ignored (config.toml is read at
start). A failing database or job is told with back-off (outages.py), and the daemon carries on.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import socket
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from typing import Any

from sqlalchemy import update

from loa.posts.db import Database
from loa.posts.files import clean_stale_temporaries
from loa.posts.i18n import t
from loa.posts.models import Daemon as DaemonRow, utcnow
from loa.posts.render.artefacts import Renderer

from .claims import CHECKED_PAUSES, next_due_at, nothing_to_send, other_live_daemons, owner_name, paused_channels
from .config import Config
from .dispatch import NotRecorded, Outcome, publisher_for, resume_channel
from .events import emit, emit_outcome, event_label, fault_text
from .outages import Conditions, is_database_fault
from .publishers import Publisher
from .recovery import OVERDUE_AFTER, pace_overdue, reconcile_abandoned
from .approval import DraftWarnings
from .rehearsal import Rehearsal, dry_run_adapters
from .sending import SendingRounds
from .shutdown import Stopping
from .spoken import duration_text, local_moment

BATCH = 20  # deliveries claimed per round: few enough that a lease never waits long behind a slow send
SWITCH_SECONDS = 0.0002  # how long a thread may hold the interpreter while another waits (Python's default: 5 ms)


class PublishingDaemon(SendingRounds, Stopping):
    def __init__(self, db: Database, config: Config, *, renderer: Renderer | None = None,
                 dry_run: bool = False) -> None:
        self.db, self.config, self.renderer, self.dry_run = db, config, renderer, dry_run
        self.settings = config.document.daemon
        self.owner = owner_name()
        self.lease = dt.timedelta(seconds=self.settings.lease_seconds)
        self.adapters: dict[str, Publisher] = {}
        self.drafts = DraftWarnings(self.settings.approval_warning_hours)
        self.rehearsal: Rehearsal | None = None
        if dry_run:  # every channel behaves as the dry-run adapter; nothing in the database changes
            self.adapters = dry_run_adapters(config, config.base_dir / "var" / "dry-run")
            self.rehearsal = Rehearsal(db, config, self.adapters)
        self._metric_adapters: dict[str, Publisher] = {}  # not the senders': an HTTP session is for one thread
        self.stopping = threading.Event()
        self._hurry = threading.Event()  # a second SIGTERM/SIGINT: leave what is in flight, go now
        self.faults = Conditions()
        self._sweeping = threading.Lock()
        self._again = threading.Event()
        senders = sum(channel.concurrency for channel in config.channels.values())
        self._senders = ThreadPoolExecutor(max_workers=max(1, senders), thread_name_prefix="send")
        # publications are recorded here while their senders go on (sending.py): one writer, in finishing order
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="record")
        self.batch = max(BATCH, 2 * senders)
        self._scheduler: Any = None
        self._switch_interval = sys.getswitchinterval()
        self._armed_for: dt.datetime | None = None
        self.sent = 0
        # sends in flight in this process (their leases are ours and live), and outcomes the database would not
        # take yet: ``reconcile`` writes those, and settles any other lease of ours that no send holds
        self._in_flight: set[int] = set()
        self._sending_now: dict[int, str] = {}  # the subset a sender is sending now: its channel
        self._unrecorded: dict[int, NotRecorded] = {}
        self._state = threading.Lock()
        # the last time nothing was due (everything due until then was claimed), and the last time this process
        # could act at all (a read of the queue or a finished send): see ``overdue_cutoff``
        self._caught_up_at: dt.datetime | None = None
        self._active_at = utcnow()

    # -- life cycle -----------------------------------------------------------------------------------------------
    def start(self, *, schedule: bool = True) -> None:
        """Register, settle what a previous run left behind, pace the backlog, then (``schedule``) start the jobs."""
        # a sender whose answer arrived gets the interpreter back within SWITCH_SECONDS from the thread recording
        # the previous publication, instead of Python's default 5 ms (more than a whole send to a local server)
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        if not self.dry_run:
            self._register()
            self._tell_other_daemons()
            # temp files of a killed process (old enough that no live one is writing them); site folders are
            # cleaned when their publisher is made
            clean_stale_temporaries(self.config.path_of(self.config.document.render.media))
            self.reconcile()
            self._tell_paced(*pace_overdue(self.db, self.config))
        emit("started", t("daemonlog.started_dry_run" if self.dry_run else "daemonlog.started", owner=self.owner),
             owner=self.owner)
        self._guarded("drafts", self.warn_drafts)()  # from here on, a database outage is told, never fatal
        if not schedule:
            return
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": None})
        job = self._guarded
        scheduler.add_job(job("sweep", self.sweep), "interval", seconds=self.settings.sweep_seconds, id="sweep",
                          next_run_time=dt.datetime.now(dt.timezone.utc))
        scheduler.add_job(job("drafts", self.warn_drafts), "interval", seconds=max(self.settings.sweep_seconds, 60),
                          id="drafts")
        if not self.dry_run:
            scheduler.add_job(job("reconcile", self.reconcile), "interval",
                              seconds=min(30.0, self.settings.lease_seconds / 2), id="reconcile")
            scheduler.add_job(job("heartbeat", self.heartbeat), "interval", seconds=self.settings.heartbeat_seconds,
                              id="heartbeat")
            scheduler.add_job(job("health", self.check_paused_channels), "interval",
                              minutes=self.settings.health_minutes, id="health")
            scheduler.add_job(job("metrics", self.collect_metrics), "interval", minutes=self.settings.metrics_minutes,
                              id="metrics", next_run_time=dt.datetime.now(dt.timezone.utc) + dt.timedelta(
                                  seconds=min(30.0, self.settings.metrics_minutes * 60)))
        from apscheduler.events import EVENT_JOB_ERROR

        scheduler.add_listener(self._job_failed, EVENT_JOB_ERROR)
        self._scheduler = scheduler
        scheduler.start()

    def run(self, *, once: bool = False, until_idle: bool = False) -> bool:
        """Run in the foreground until a signal (or, with ``once``/``until_idle``, until there is nothing to do)."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self._on_hangup)
        try:
            if once:
                self.start(schedule=False)
                self.sweep()
                return self.stop()
            self.start()
            while not self.stopping.wait(1.0):
                if until_idle and self._idle_now():
                    emit("idle", t("daemonlog.idle"))
                    break
            return self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    # -- jobs -----------------------------------------------------------------------------------------------------
    def sweep(self) -> None:
        """Send everything due, round after round; then arm the wake-up for the next due time.

        Posts made due in the past while the daemon runs (an import with ``--allow-past``, a reschedule, a daemon
        held up by a long database lock) get the same rules as after downtime: past the grace window ``missed``,
        the rest spaced per channel, never a burst.
        """
        if not self._sweeping.acquire(blocking=False):
            self._again.set()  # a sweep is running: it goes round once more instead
            return
        try:
            rounds = 0
            paced = False
            while not self.stopping.is_set() and rounds <= 100:
                self._again.clear()
                if self.dry_run:
                    if not self._rehearse_due_round():
                        break
                    continue
                # a read first: an idle daemon takes no write lock, it only looks at the next due time
                now = utcnow()
                cutoff = self.overdue_cutoff(now)
                when = next_due_at(self.db, after=self.config.after)
                self._active_at = utcnow()
                if self.faults.failing():  # said before what the sweep then sends
                    self.faults.working(job="sweep")
                if when is not None and when < cutoff and not paced:
                    paced = True  # once per sweep: what stays overdue is not ours to send (a channel elsewhere)
                    self._pace_overdue(now, cutoff)
                    continue
                if when is not None and when <= now:
                    if not self._send_due_round():  # claimed elsewhere meanwhile: look again, a bounded number
                        rounds += 1
                    continue
                if self._again.is_set():
                    continue
                self._caught_up_at = now
                self._arm_wake(when)
                break
        finally:
            self._sweeping.release()

    def overdue_cutoff(self, now: dt.datetime) -> dt.datetime:
        """Due before this and still unsent means overdue: it was made due in the past, or the daemon was stopped.

        Measured from the last time nothing was due, so a backlog the daemon is working through (due since it
        last caught up) is not overdue; if the daemon could not act at all for a while, from now, as at start.
        """
        stalled = now - self._active_at > OVERDUE_AFTER
        reference = now if stalled or self._caught_up_at is None else min(now, self._caught_up_at)
        return reference - OVERDUE_AFTER

    def _pace_overdue(self, now: dt.datetime, cutoff: dt.datetime) -> None:
        self._tell_paced(*pace_overdue(self.db, self.config, now=now, overdue_before=cutoff,
                                       channels=self.config.channel_names))

    def _tell_paced(self, missed: int, spaced: int) -> None:
        if missed:
            grace = duration_text(self.settings.grace_minutes * 60)
            emit("missed", t("daemonlog.missed", count=missed, grace=grace), count=missed, level=logging.WARNING)
        if spaced > 1:
            emit("backlog", t("daemonlog.backlog", count=spaced), count=spaced)

    def _report(self, outcome: Outcome) -> None:
        if emit_outcome(outcome):
            self.sent += 1

    def _rehearse_due_round(self) -> int:
        """Dry run: what is due, those that wait for a channel already rehearsed included (its link simulated)."""
        assert self.rehearsal is not None
        rows = self.rehearsal.ready(utcnow())[:BATCH]
        for row in rows:
            entry = self.rehearsal.rehearse(row, utcnow())
            if entry.outcome == "rehearsed":
                self.sent += 1
                emit("rehearsed", t("daemonlog.rehearsed_simulated", channel=entry.simulated) if entry.simulated
                     else t("daemonlog.rehearsed"), post=row.post_id, channel=row.channel, link=entry.link)
            else:
                emit("error", t("daemonlog.rehearsal_error", error=entry.error), post=row.post_id, channel=row.channel,
                     level=logging.ERROR)
        return len(rows)

    def _arm_wake(self, when: dt.datetime | None) -> None:
        """A one-off job at the next due time: the post goes out then, not at the next 1 s sweep."""
        if self._scheduler is None or when is None or when == self._armed_for:
            return  # already armed for it: re-adding the job every second would cost more than the sweep
        self._scheduler.add_job(self._guarded("sweep", self.sweep), "date", run_date=when, id="wake",
                                replace_existing=True)
        self._armed_for = when

    def reconcile(self) -> None:
        """Write outcomes the database refused earlier, then settle abandoned leases: other processes' that
        expired or died, and this process's own that no send holds any more (never left ``sending``)."""
        with self._state:
            unrecorded = list(self._unrecorded.items())
        for delivery_id, pending in unrecorded:
            try:
                outcome = pending.record()
            except Exception as exc:  # noqa: BLE001 - still out of reach: the next run tries again
                if is_database_fault(exc):
                    self.faults.fault(exc, job="reconcile")
                else:
                    emit("unrecorded", t("daemonlog.still_unrecorded", delivery=delivery_id, error=fault_text(exc)),
                         level=logging.WARNING)
                continue
            with self._state:
                self._unrecorded.pop(delivery_id, None)
            self._report(outcome)
        with self._state:
            busy = set(self._in_flight) | set(self._unrecorded)
        for outcome in reconcile_abandoned(self.db, self.config, self.owner, self.adapters, own_busy=busy):
            self._report(outcome)

    def _guarded(self, job: str, run: Any) -> Any:
        """A job that never raises: a fault is told through ``faults`` (back-off, one line per condition), and a run
        that goes through says a failing database (or this job) works again."""
        def guarded() -> None:
            try:
                run()
            except Exception as exc:  # noqa: BLE001 - the daemon survives; the job runs again at its next time
                self.faults.fault(exc, job=job)
                return
            self.faults.working(job=job)

        return guarded

    def _job_failed(self, event: Any) -> None:
        """A job that raised (the database locked past its timeout, say): one line, and the job runs again."""
        error = event.exception
        emit("job-error", t("daemonlog.job_error", job=event_label(f"job-{event.job_id}"), error=fault_text(error)),
             level=logging.ERROR)

    def _idle_now(self) -> bool:
        try:
            idle = self.idle()
        except Exception as exc:  # noqa: BLE001 - a locked database is no reason to stop, nor to claim idleness
            self.faults.fault(exc, job="idle")
            return False
        self.faults.working(job="idle")
        return idle

    def warn_drafts(self, now: dt.datetime | None = None) -> int:
        """Drafts that will miss their time unless approved: a warning each, once per post and revision."""
        with self.db.session() as session:
            return self.drafts.check(session, now or utcnow())

    def heartbeat(self) -> None:
        with self.db.transaction() as session:
            session.execute(update(DaemonRow).where(DaemonRow.owner == self.owner).values(heartbeat_at=utcnow()))

    def collect_metrics(self) -> None:
        """Engagement figures at about +1 h, +24 h and +7 days after each publication (scheduler/metrics.py)."""
        from .metrics import collect_due_metrics

        count = collect_due_metrics(self.db, self.config, adapters=self._metric_adapters)
        if count:
            emit("metrics", t("daemonlog.metrics", count=count), count=count)

    def check_paused_channels(self) -> None:
        with self.db.session() as session:
            paused = [name for name, state in paused_channels(session, utcnow()).items()
                      if state.pause_kind in CHECKED_PAUSES]
        for name in paused:
            if name not in self.config.channels:
                continue
            health = publisher_for(self.config, name, db=self.db).check()
            if health.ok and resume_channel(self.db, name, message=health.message):
                emit("resumed", t("daemonlog.resumed", message=health.message), channel=name)

    def idle(self) -> bool:
        if self.rehearsal is not None:
            return not self.rehearsal.outstanding()
        with self.db.session() as session:
            return nothing_to_send(session, after=self.config.after, channels=self.config.channel_names)

    def _tell_other_daemons(self) -> None:
        """A second ``loa run`` on the same database is safe (every delivery is claimed by one process, never sent
        twice): said once per live daemon, so the officer who started it twice is not alarmed; then we carry on."""
        for other in other_live_daemons(self.db, self.owner, heartbeat_seconds=self.settings.heartbeat_seconds):
            emit("other-daemon", t("daemonlog.other_daemon", host=other.host, pid=other.pid,
                                   since=local_moment(other.started_at, self.config.timezone)), owner=other.owner)

    def _register(self) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            session.merge(DaemonRow(owner=self.owner, host=socket.gethostname(), pid=os.getpid(),
                                    version=version("loa"), started_at=now, heartbeat_at=now, stopped_at=None))


