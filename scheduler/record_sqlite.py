"""A publication's record on SQLite sent through the driver itself: the daemon's hot path.

The very statements of ``outcomes.record_success`` (its Core ``MARK_PUBLISHED``, ``LOG_PUBLICATION`` and
``POST_DONE``), compiled once for SQLite, run in one ``BEGIN IMMEDIATE`` transaction on a pooled connection (its
PRAGMAs set as for every other), each value converted by its column's own SQLAlchemy type. SQLAlchemy's execution
layer (events, caches, result objects) costs about half a millisecond of CPU a record, held while the next send
waits for the interpreter; this costs a fraction of it. A driver error comes back as SQLAlchemy's, so callers
(``write_outcome``'s retries) see what they always saw.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

DIALECT = sqlite.dialect(paramstyle="named")  # :name placeholders, which sqlite3 fills from a dict


@dataclass(frozen=True)
class RawStatement:
    sql: str
    defaults: dict[str, Any]  # the statement's own literal values ("published", None, ...)
    converters: dict[str, Callable[[Any], Any]]  # each parameter's type, as SQLAlchemy would send it
    results: tuple[Callable[[Any], Any] | None, ...]  # each RETURNING column's type, as SQLAlchemy would read it

    @classmethod
    def compile(cls, statement: Any) -> RawStatement:
        compiled = statement.compile(dialect=DIALECT)
        converters = {}
        for bind, name in compiled.bind_names.items():
            converter = bind.type.dialect_impl(DIALECT).bind_processor(DIALECT)
            if converter is not None:
                converters[name] = converter
        results = tuple(column.type.dialect_impl(DIALECT).result_processor(DIALECT, None)
                        for column in compiled.effective_returning or ())
        return cls(compiled.string, dict(compiled.params), converters, results)

    def parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        merged = {**self.defaults, **values}
        return {name: self.converters[name](value) if name in self.converters else value
                for name, value in merged.items()}

    def row(self, values: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if values is None:
            return None
        return tuple(value if read is None else read(value) for read, value in zip(self.results, values))


class SqliteRecorder:
    """Write transactions of prebuilt Core statements on ``engine``'s SQLite connections."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self._compiled: dict[int, RawStatement] = {}

    def _raw(self, statement: Any) -> RawStatement:
        raw = self._compiled.get(id(statement))
        if raw is None:  # the statements are module constants: compiled once each
            raw = self._compiled[id(statement)] = RawStatement.compile(statement)
        return raw

    def transaction(self, body: Callable[[Callable[[Any, Mapping[str, Any]], Any]], Any]) -> Any:
        """``body(execute)`` in one write transaction; ``execute(statement, values)`` returns the statement's first
        row (its RETURNING columns), converted as SQLAlchemy would, or None."""
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()

            def execute(statement: Any, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
                raw = self._raw(statement)
                return raw.row(cursor.execute(raw.sql, raw.parameters(values)).fetchone())

            try:
                cursor.execute("BEGIN IMMEDIATE")
                result = body(execute)
                connection.commit()
                return result
            except BaseException:
                connection.rollback()
                raise
            finally:
                cursor.close()
        except sqlite3.Error as exc:
            raise DBAPIError.instance("(loa record)", None, exc, sqlite3.Error) from exc
        finally:
            connection.close()  # back to the pool
