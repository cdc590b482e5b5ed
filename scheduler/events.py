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
from typing import Any

from loa.posts.i18n import t

from .spoken import local_moment

FIELDS = ("post", "channel", "action", "link", "error", "next_at", "count", "owner", "until")
# said by the message itself in the text format (a bare number or an owner id means nothing on its own)
IN_MESSAGE = ("count", "owner")
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
        message = record.getMessage()
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
        return json.dumps(data, ensure_ascii=False, default=str)


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
    # APScheduler narrates every job run at INFO: only its warnings belong in our log
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # a job that raises is told in one line by the daemon's own listener, not as APScheduler's traceback
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    return logger


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
