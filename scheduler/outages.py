"""Faults that repeat while the daemon runs (the database down, a job failing the same way every second): one line
per failing condition, repeated with exponential back-off, and one line when it works again.

A daemon sweeps every second, so a database outage used to write a line (or a traceback) per job per second: the
log a technician needs during the outage drowned in it. Here a condition is told when it starts, then again after
2 s, 4 s, 8 s … (at most every ``LONGEST_GAP``), each line saying how often it failed and for how long.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from loa.posts.i18n import t

from .events import emit, fault_text

DATABASE = "database"
FIRST_GAP = 2.0  # seconds between the first line of a condition and its second; doubled each time
LONGEST_GAP = 600.0  # a condition that lasts is still told every ten minutes
ORDINALS = {1: "daemonlog.ordinal_1", 2: "daemonlog.ordinal_2", 3: "daemonlog.ordinal_3"}  # 1st, 2nd, 3rd


def is_database_fault(error: BaseException) -> bool:
    """The database cannot be used right now (server down, connection lost, file locked, removed or unreadable):
    SQLAlchemy's operational and interface errors, which say nothing about loa's own statements."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(error, (OperationalError, InterfaceError)):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def seconds_text(seconds: float) -> str:
    """``12 s``: an outage is measured in seconds at first, in minutes and hours once it lasts."""
    if seconds < 120:
        return t("daemonlog.seconds", count=round(seconds))
    from .spoken import duration_text

    return duration_text(seconds)


def ordinal(count: int) -> str:
    """``3rd`` / ``lần thứ 3``: the locale says it; English picks its suffix by the last digits."""
    if count % 100 in (11, 12, 13) or count % 10 not in ORDINALS:
        return t("daemonlog.ordinal_other", count=count)
    return t(ORDINALS[count % 10], count=count)


@dataclass
class Condition:
    what: str  # "database unreachable", "reconcile": said at the start of each line
    started: float
    failures: int = 0
    next_line: float = 0.0
    gap: float = FIRST_GAP
    jobs: set[str] = field(default_factory=set)  # the jobs it made fail: one of them going through ends it


class Conditions:
    """What is failing now, keyed by condition; thread-safe (jobs and senders report from their threads)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failing: dict[str, Condition] = {}
        self._lock = threading.Lock()

    def fault(self, error: BaseException, *, job: str) -> None:
        """A job (``sweep``, ``heartbeat``…) failed: the database condition if that is the cause, else the job's own
        (the same job failing with the same kind of error)."""
        if is_database_fault(error):
            self.failed(DATABASE, t("daemonlog.database_unreachable"), fault_text(error), event="database-unreachable",
                        job=job)
        else:
            from .events import event_label

            self.failed(f"{job}:{type(error).__name__}", event_label(f"job-{job}"), fault_text(error),
                        event="job-error", job=job)

    def failed(self, key: str, what: str, error: str, *, event: str, job: str) -> None:
        now = self.clock()
        with self._lock:
            condition = self._failing.setdefault(key, Condition(what, started=now, next_line=now))
            condition.failures += 1
            condition.jobs.add(job)
            if now < condition.next_line:
                return
            condition.next_line = now + condition.gap
            condition.gap = min(condition.gap * 2, LONGEST_GAP)
            failures, elapsed = condition.failures, now - condition.started
        if failures == 1:
            message = t("daemonlog.condition_failed", what=what, error=error)
        else:
            message = t("daemonlog.condition_failed_again", what=what, ordinal=ordinal(failures),
                        duration=seconds_text(elapsed), error=error)
        emit(event, message, level=logging.ERROR, count=failures, seconds=round(elapsed, 1))

    def working(self, *, job: str) -> None:
        """``job`` ran through: a condition it had failed with is told as over. Only that job's success counts (a
        database locked for writing still answers a read: the heartbeat fails while the sweep goes through)."""
        now = self.clock()
        with self._lock:
            keys = [key for key, condition in self._failing.items() if job in condition.jobs]
            ended = [(key, self._failing.pop(key)) for key in keys]
        for key, condition in ended:
            elapsed = seconds_text(now - condition.started)
            if key == DATABASE:
                emit("database-reachable", t("daemonlog.database_reachable", duration=elapsed),
                     count=condition.failures, seconds=round(now - condition.started, 1))
            else:
                emit("job-recovered", t("daemonlog.job_recovered", what=condition.what, duration=elapsed),
                     count=condition.failures, seconds=round(now - condition.started, 1))

    def failing(self, key: str = DATABASE) -> bool:
        with self._lock:
            return key in self._failing
