"""What an adapter may ask of the queue database it runs against: a lock held across processes (and machines sharing
PostgreSQL), and the recorded steps of a delivery that goes out in several sends.

An adapter finds it as ``self.coordination`` (set by ``dispatch.publisher_for`` when a database is at hand; None in a
rehearsal or a check without one). Two uses today: a Zalo refresh token is single-use, so two daemons must never
refresh at once (``lock``); an e-mail list goes out in batches, each recorded before and after its send, so a crash
mid-list resumes without sending a batch twice (``steps``).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from loa.posts.db import Database
from loa.posts.models import DeliveryStep, utcnow


class Coordination:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the lock ``name`` for the ``with`` block: any other process asking for it waits until the block ends.

        SQLite: the block runs inside a write transaction (BEGIN IMMEDIATE), which other writers wait for up to the
        busy timeout (30 s): keep the block short (one HTTP request with a timeout under that). PostgreSQL: a
        transaction-scoped advisory lock, so other writers are not held up at all.
        """
        with self.db.transaction() as session:
            session.connection()  # the session begins lazily: BEGIN IMMEDIATE (SQLite's write lock) is sent here
            if not self.db.is_sqlite:
                key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield

    def steps(self, delivery_id: int) -> DeliverySteps:
        return DeliverySteps(self.db, delivery_id)


class DeliverySteps:
    """The steps of one delivery, each committed at once (a crash right after ``begin`` leaves it ``sending``).

    Each write is one Core statement in a write transaction of its own (BEGIN IMMEDIATE on SQLite), without an ORM
    session: a step is recorded between an SMTP command and its data, so it should cost next to nothing."""

    def __init__(self, db: Database, delivery_id: int) -> None:
        self.db = db
        self.delivery_id = delivery_id
        self._connection: Any = None

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Every step written in the block goes through one pooled connection (each still its own transaction,
        committed at once): an e-mail's batches, half the cost of taking a connection for each step."""
        with self.db.engine.execution_options(loa_write=True).connect() as connection:
            self._connection = connection
            try:
                yield
            finally:
                self._connection = None

    def records(self) -> dict[str, tuple[str, dict[str, Any] | None]]:
        """Every recorded step: its status ("sending", "sent", "unknown") and detail, in one query."""
        table = DeliveryStep.__table__
        with self.db.engine.connect() as connection:
            rows = connection.execute(select(table.c.step, table.c.status, table.c.detail)
                                      .where(table.c.delivery_id == self.delivery_id)).all()
        return {step: (status, detail) for step, status, detail in rows}

    def statuses(self) -> dict[str, str]:
        """Every recorded step and its status ("sending", "sent", "unknown")."""
        return {step: status for step, (status, _) in self.records().items()}

    def detail(self, step: str) -> dict[str, Any] | None:
        with self.db.session() as session:
            return session.scalar(select(DeliveryStep.detail).where(DeliveryStep.delivery_id == self.delivery_id,
                                                                    DeliveryStep.step == step))

    def begin(self, step: str, detail: dict[str, Any] | None = None) -> None:
        """Recorded before the send: from here on the step may have gone out."""
        self._set(step, "sending", detail)

    def sent(self, step: str, detail: dict[str, Any] | None = None) -> None:
        self._set(step, "sent", detail)

    def unknown(self, step: str, detail: dict[str, Any] | None = None) -> None:
        """The step's answer was lost after it went out: a person decides (``loa fix``), it is never repeated."""
        self._set(step, "unknown", detail)

    def forget(self, step: str) -> None:
        """A person settled the step as not sent (a resend): the next attempt sends it again."""
        table = DeliveryStep.__table__
        self._write(delete(table).where(table.c.delivery_id == self.delivery_id, table.c.step == step))

    def _set(self, step: str, status: str, detail: dict[str, Any] | None) -> None:
        """One statement (an upsert) in its own transaction: a step costs a send next to nothing."""
        values = {"delivery_id": self.delivery_id, "step": step, "status": status, "detail": detail,
                  "updated_at": utcnow()}
        self._write(_upsert(self.db.is_sqlite, keep_detail=detail is None), values)

    def _write(self, statement: Any, values: dict[str, Any] | None = None) -> None:
        # loa_write: BEGIN IMMEDIATE on SQLite, as Database.transaction() does; committed when the block ends
        if self._connection is not None:
            with self._connection.begin():
                self._connection.execute(statement, values)
            return
        with self.db.engine.execution_options(loa_write=True).begin() as connection:
            connection.execute(statement, values)


@cache
def _upsert(is_sqlite: bool, *, keep_detail: bool) -> Any:
    """The step upsert, built once (building a statement costs more than SQLite's write), values bound when run:
    a new step is inserted; a recorded one gets the new status, and the new detail unless ``keep_detail``."""
    statement = (sqlite_insert if is_sqlite else postgresql_insert)(DeliveryStep.__table__)
    changed = {"status": statement.excluded.status, "updated_at": statement.excluded.updated_at}
    if not keep_detail:
        changed["detail"] = statement.excluded.detail
    return statement.on_conflict_do_update(index_elements=["delivery_id", "step"], set_=changed)
