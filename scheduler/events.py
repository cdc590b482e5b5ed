"""The daemon's log: one line per event on stderr, as text for a person or JSON for a log collector.

Events carry a few known fields (``event``, ``post``, ``channel``, ``link``, ``error``, ``next_at``, ``count``);
no secret ever reaches them (adapters redact their errors, tokens travel in headers).

The text format is for the officer: every word in her language, the time in the agency's timezone with its offset.
The JSON format is for machines: English keys and event codes, times in UTC, whatever the language.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loa.posts.i18n import t

from .spoken import local_moment

FIELDS = ("post", "channel", "action", "link", "error", "next_at", "count", "owner", "until", "seconds")
# said by the message itself in the text format (a bare number or an owner id means nothing on its own)
IN_MESSAGE = ("count", "owner", "seconds")
LOGGER = "loa"
LEVELS = ("debug", "info", "warning", "error", "critical")  # a line without an event is labelled by its level
# outcomes whose message is daemonlog.<event> (emit_outcome)
OUTCOME_EVENTS = ("corrected", "taken_down", "published", "reconciled", "failed", "paused", "unknown")
LABEL_WIDTH = 12


def event_label(event: str) -> str:
    """An event code (``published``, ``draft-due``) in the current language; a code without a label as it is."""
    key = f"daemonlog.event_{event.replace('-', '_')}"
    label = t(key)
    return event if label == key else label


class TextFormatter(logging.Formatter):
    def __init__(self, timezone: str = "UTC") -> None:
        super().__init__()
        self.timezone = timezone

    def format(self, record: logging.LogRecord) -> str:
        when = local_moment(dt.datetime.fromtimestamp(record.created, dt.timezone.utc), self.timezone)
        event = getattr(record, "event", None)
        label = event_label(event) if event else t(f"daemonlog.level_{record.levelname.lower()}")
        message = one_line(record.getMessage())
        parts = [message] if message != label else []  # "đã đăng" once, not as label and message both
        parts += [t(f"daemonlog.field_{name}", value=self._value(name, value)) for name in FIELDS
                  if name not in IN_MESSAGE and (value := getattr(record, name, None)) is not None]
        return (f"{when} {label:<{LABEL_WIDTH}} " + " · ".join(parts)).rstrip()

    def _value(self, name: str, value: Any) -> Any:
        if name == "action":
            value = t(f"fix.action_{value}")
        elif name in ("next_at", "until"):
            moment = value if isinstance(value, dt.datetime) else _moment(str(value))
            value = local_moment(moment, self.timezone) if moment is not None else value
        return value


def _moment(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "event": getattr(record, "event", None), "message": record.getMessage()}
        data.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:  # a fault of loa: its traceback as a field, so the line stays one JSON object
            data["traceback"] = self.formatException(record.exc_info)
        if record.name != LOGGER and record.name:  # a library's own warning (SQLAlchemy's pool, APScheduler)
            data["logger"] = record.name
        return json.dumps(data, ensure_ascii=False, default=str)


def one_line(text: str) -> str:
    """A library's message may span lines (SQLAlchemy quotes the statement): the text log keeps one per event."""
    return " ⏎ ".join(line.strip() for line in text.splitlines() if line.strip()) if "\n" in text else text


def setup_logging(log_format: str = "text", level: int = logging.INFO, *, timezone: str = "UTC") -> logging.Logger:
    """``timezone``: the one the text format shows its times in (config.toml's ``[defaults] timezone``)."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(timezone))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # APScheduler narrates every job run at INFO, and warns of every interval skipped while a sweep is still
    # sending (by design: one sweep at a time, which goes round again): only its errors belong in our log
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    # a job that raises is told in one line by the daemon's own listener, not as APScheduler's traceback
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    return logger


@contextmanager
def daemon_logging(log_format: str = "text", *, timezone: str = "UTC") -> Iterator[logging.Logger]:
    """``setup_logging`` for the whole process while the daemon runs: libraries' warnings (the root logger,
    Python's ``warnings``) and an exception no code caught, in any thread, go through the same handler, as one
    line of text without a traceback or one JSON object with it as a field. Restored on the way out (tests run
    ``loa run`` in-process)."""
    logger = setup_logging(log_format, timezone=timezone)
    handler, root = logger.handlers[0], logging.getLogger()
    saved = sys.excepthook, threading.excepthook, root.level
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    try:
        yield logger
    finally:
        root.removeHandler(handler)
        sys.excepthook, threading.excepthook, level = saved
        root.setLevel(level)
        logging.captureWarnings(False)


def _uncaught_in_thread(hook: Any) -> None:
    _uncaught(hook.exc_type, hook.exc_value, hook.exc_traceback, thread=hook.thread.name if hook.thread else None)


def _uncaught(kind: type[BaseException], value: BaseException | None, trace: Any, *, thread: str | None = None) -> None:
    """An exception nobody caught: one ``error`` event (its traceback a field in JSON), never a bare traceback."""
    if issubclass(kind, KeyboardInterrupt):
        return
    error = value if value is not None else kind()
    where = f"{thread}: " if thread else ""
    logging.getLogger(LOGGER).error(f"{where}{fault_text(error)}", exc_info=(kind, error, trace),
                                    extra={"event": "error"})


def fault_text(error: BaseException) -> str:
    """A fault of loa's surroundings in one line: a busy database said as such, anything else by its first line
    (with its kind: these are faults a technician reads, not a platform's verdict)."""
    from sqlalchemy.exc import OperationalError

    text = str(getattr(error, "orig", None) or error).strip()
    if isinstance(error, OperationalError) and "locked" in text.lower():
        return t("daemonlog.database_busy")
    first = text.splitlines()[0][:300] if text else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def emit(event: str, message: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """``message``: already in the user's language (a ``t("daemonlog.…")``); ``event`` stays the English code."""
    logging.getLogger(LOGGER).log(level, message, extra={"event": event, **fields})


def emit_outcome(outcome: Any) -> bool:
    """One line for what happened to a send (a ``dispatch.Outcome``). True when the post is out (published or
    found after an interrupted send)."""
    fields = {"post": outcome.post_id, "channel": outcome.channel}
    action = getattr(outcome, "action", "publish")
    if action != "publish":  # a correction or a take-down: its own event, never read as a second publication
        fields["action"] = action
    if outcome.status == "published" and action != "publish":
        event = {"update": "corrected", "delete": "taken_down"}[action]
        emit(event, t(f"daemonlog.{event}"), link=outcome.permalink, **fields)
        return True
    if outcome.status in ("published", "reconciled"):
        emit(outcome.status, t(f"daemonlog.{outcome.status}"), link=outcome.permalink, **fields)
        return True
    if outcome.status == "retry_wait":
        emit("retry", t("daemonlog.retry"), error=outcome.error, next_at=outcome.next_at and
             outcome.next_at.isoformat(timespec="seconds"), level=logging.WARNING, **fields)
    elif outcome.status in ("failed", "paused", "unknown"):
        emit(outcome.status, t(f"daemonlog.{outcome.status}"), error=outcome.error, level=logging.ERROR, **fields)
    elif outcome.status == "released":
        emit("released", t("daemonlog.released"), **fields)
    return False


def json_line(message: str, *, event: str, level: int = logging.ERROR, error: BaseException | None = None) -> str:
    """One line as ``--log-format json`` writes it, outside the daemon's logger: what ``loa run`` says when it
    cannot start or stops on a fault (``error``: its traceback goes in a field)."""
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    record = logging.LogRecord(LOGGER, level, __file__, 0, message, None, exc_info)
    record.event = event
    return JsonFormatter().format(record)


def wants_json_log(args: list[str]) -> bool:
    """``loa run --log-format json`` (in any spelling click accepts): its errors are JSON lines too."""
    if "run" not in args:
        return False
    for index, arg in enumerate(args):
        if arg == "--log-format=json" or (arg == "--log-format" and args[index + 1:index + 2] == ["json"]):
            return True
    return False
