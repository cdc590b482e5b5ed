"""The daemon's log: one line per event on stderr, as text for a person or JSON for a log collector.

Events carry a few known fields (``event``, ``post``, ``channel``, ``link``, ``error``, ``next_at``, ``count``);
no secret ever reaches them (adapters redact their errors, tokens travel in headers).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

FIELDS = ("post", "channel", "action", "link", "error", "next_at", "count", "owner", "until")
LOGGER = "loa"


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="seconds")
        event = getattr(record, "event", record.levelname.lower())
        parts = [when, f"{event:<10}", record.getMessage()]
        parts += [f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None) is not None]
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "event": getattr(record, "event", None), "message": record.getMessage()}
        data.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        return json.dumps(data, ensure_ascii=False, default=str)


def setup_logging(log_format: str = "text", level: int = logging.INFO) -> logging.Logger:
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # APScheduler narrates every job run at INFO: only its warnings belong in our log
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # a job that raises is told in one line by the daemon's own listener, not as APScheduler's traceback
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    return logger


def emit(event: str, message: str, *, level: int = logging.INFO, **fields: Any) -> None:
    logging.getLogger(LOGGER).log(level, message, extra={"event": event, **fields})


def emit_outcome(outcome: Any) -> bool:
    """One line for what happened to a send (a ``dispatch.Outcome``). True when the post is out (published or
    found after an interrupted send)."""
    fields = {"post": outcome.post_id, "channel": outcome.channel}
    action = getattr(outcome, "action", "publish")
    if action != "publish":  # a correction or a take-down: its own event, never read as a second publication
        fields["action"] = action
    if outcome.status == "published" and action != "publish":
        emit({"update": "corrected", "delete": "taken_down"}[action],
             "corrected in place" if action == "update" else "taken down", link=outcome.permalink, **fields)
        return True
    if outcome.status in ("published", "reconciled"):
        emit(outcome.status, "published" if outcome.status == "published" else
             "found on the platform after an interrupted send: recorded as published", link=outcome.permalink,
             **fields)
        return True
    if outcome.status == "retry_wait":
        emit("retry", "will try again", error=outcome.error, next_at=outcome.next_at and
             outcome.next_at.isoformat(timespec="seconds"), level=logging.WARNING, **fields)
    elif outcome.status == "failed":
        emit("failed", "failed: a person must look", error=outcome.error, level=logging.ERROR, **fields)
    elif outcome.status == "paused":
        emit("paused", "channel paused; its deliveries wait", error=outcome.error, level=logging.ERROR, **fields)
    elif outcome.status == "unknown":
        emit("unknown", "interrupted send, outcome unknown: a person must check the channel",
             error=outcome.error, level=logging.ERROR, **fields)
    elif outcome.status == "released":
        emit("released", "post changed while claimed: not sent", **fields)
    return False
