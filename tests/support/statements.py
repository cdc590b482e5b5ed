"""Counting the statements a database runs, as the database sees them (tests and bench/daemon_statements.py).

SQLite: the driver's trace callback on every connection taken from the pool meanwhile, so a statement sent through
the driver itself (scheduler/record_sqlite.py) counts like one sent by SQLAlchemy, and a COMMIT or ROLLBACK counts
only when one really ran. PostgreSQL: SQLAlchemy's events: each statement, and psycopg's own BEGIN, COMMIT and
ROLLBACK of each transaction.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def counted(db: Any) -> Iterator[list[str]]:
    """The first word of each statement ``db`` runs inside the block (BEGIN, SELECT, UPDATE, COMMIT...)."""
    ran: list[str] = []

    def traced(sql: str) -> None:
        ran.append(sql.split(None, 1)[0].upper())

    if db.is_sqlite:
        traced_connections: list[Any] = []

        def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            dbapi_connection.set_trace_callback(traced)
            traced_connections.append(dbapi_connection)

        listeners: list[tuple[str, Any]] = [("checkout", checkout)]
    else:
        listeners = [("before_cursor_execute", lambda conn, cursor, sql, *args: traced(sql)),
                     ("begin", lambda conn: ran.append("BEGIN")), ("commit", lambda conn: ran.append("COMMIT")),
                     ("rollback", lambda conn: ran.append("ROLLBACK"))]
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        yield ran
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)
        if db.is_sqlite:
            for connection in traced_connections:
                connection.set_trace_callback(None)
