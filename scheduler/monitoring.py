"""What the workspace's ``/metrics`` serves, in Prometheus's text format (README "Monitor").

Read from the database at each scrape, nothing kept in the web process (several workers, restarts): gauges of
what is there now. Lateness is over the publications of the last day (quantiles, counts): a scrape reads a day's
publications through the (status, published_at) index, whatever the history holds. A histogram over every
publication ever made was measured first: it grows with the history (0.6 s per 100,000 publications, linear), and
the 1M-post queue of bench/ would outlast Prometheus's 10 s scrape timeout.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from loa.posts.db import Database
from loa.posts.models import DELIVERY_STATUSES, Delivery, utcnow

from .config import Config
from .report.figures import ON_TIME_S as ON_TIME_SECONDS  # on time as the report counts it (README "The report")

LATENESS_WINDOW = dt.timedelta(days=1)  # the publications the lateness figures are about
LATENESS_QUANTILES = (0.5, 0.9, 1.0)
# what needs a person, as `loa status`'s health reasons name it (scheduler/health.py), each always present
ATTENTION_REASONS = ("stopped", "paused", "stuck", "failed", "unknown", "missed", "waiting", "draft")


def metrics_text(db: Database, config: Config, *, now: dt.datetime | None = None) -> bytes:
    """The exposition text of one scrape."""
    from prometheus_client import CollectorRegistry, generate_latest

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape(db, config, now or utcnow()))  # type: ignore[arg-type]
    return generate_latest(registry)


class _Scrape:
    """A collector read once: the families of this scrape."""

    def __init__(self, db: Database, config: Config, now: dt.datetime) -> None:
        self.db, self.config, self.now = db, config, now

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from .status import daemon_status

        report = daemon_status(self.db, self.config, now=self.now, publication_counts=False)
        with self.db.session() as session:
            per_channel = session.execute(select(Delivery.channel, Delivery.status, func.count())
                                          .group_by(Delivery.channel, Delivery.status)).all()
            lateness = _lateness(session, since=self.now - LATENESS_WINDOW)
        channels = sorted(set(self.config.channel_names) | {row[0] for row in per_channel}
                          | {p["channel"] for p in report["paused"]})

        deliveries = GaugeMetricFamily("loa_deliveries", "Deliveries (publications, corrections, take-downs) by "
                                       "status and channel.", labels=["status", "channel"])
        counted = {(channel, status): count for channel, status, count in per_channel}
        for channel in channels:
            for status in DELIVERY_STATUSES:
                deliveries.add_metric([status, channel], counted.get((channel, status), 0))
        yield deliveries

        yield GaugeMetricFamily("loa_daemon_up", "1 when a loa run process is alive (a fresh heartbeat).",
                                value=int(report["daemon"]["alive"]))

        paused = GaugeMetricFamily("loa_channel_paused", "1 when the channel is paused until a person acts "
                                   "(refused credentials, a broken target).", labels=["channel"])
        limited = GaugeMetricFamily("loa_channel_rate_limited", "1 while the channel waits out a platform's rate "
                                    "limit (it resumes by itself).", labels=["channel"])
        kinds = {p["channel"]: p["kind"] for p in report["paused"]}
        for channel in channels:
            paused.add_metric([channel], int(channel in kinds and kinds[channel] != "rate"))
            limited.add_metric([channel], int(kinds.get(channel) == "rate"))
        yield paused
        yield limited

        attention = GaugeMetricFamily("loa_attention", "What needs a person, as loa status exits 3 for it "
                                      "(stopped: no daemon while posts wait; paused: channels).", labels=["reason"])
        found = {r["status"]: r.get("count", 1) for r in report["health"]["reasons"] if r["status"] != "paused"}
        found["paused"] = sum(r["status"] == "paused" for r in report["health"]["reasons"])
        for reason in ATTENTION_REASONS:
            attention.add_metric([reason], found.get(reason, 0))
        yield attention
        yield from _lateness_families(lateness, channels)


def _lateness(session: Any, *, since: dt.datetime) -> dict[str, list[float]]:
    """Per channel, the lateness in seconds of each publication published since ``since``, sorted; a publication
    made early (a person's "publish now") is on time, 0, not negatively late."""
    found: dict[str, list[float]] = {}
    for channel, due_at, published_at in session.execute(
            select(Delivery.channel, Delivery.due_at, Delivery.published_at)
            .where(Delivery.status == "published", Delivery.published_at >= since, Delivery.action == "publish")):
        found.setdefault(channel, []).append(max(0.0, (published_at - due_at).total_seconds()))
    return {channel: sorted(seconds) for channel, seconds in found.items()}


def _lateness_families(lateness: dict[str, list[float]], channels: list[str]) -> Iterator[Any]:
    from prometheus_client.core import GaugeMetricFamily

    quantiles = GaugeMetricFamily("loa_lateness_seconds", "Seconds from the scheduled time to the publication, "
                                  "over the publications of the last day: quantiles (1: the latest of them all).",
                                  labels=["channel", "quantile"])
    published = GaugeMetricFamily("loa_published_last_day", "Publications made in the last day.",
                                  labels=["channel"])
    late = GaugeMetricFamily("loa_late_last_day", f"Publications of the last day more than {ON_TIME_SECONDS} s "
                             "after their scheduled time.", labels=["channel"])
    for channel in channels:
        seconds = lateness.get(channel, [])
        for quantile in LATENESS_QUANTILES:  # nearest rank: a value one of them had; none: NaN, as Prometheus has it
            quantiles.add_metric([channel, str(quantile)], seconds[max(0, math.ceil(quantile * len(seconds)) - 1)]
                                 if seconds else math.nan)
        published.add_metric([channel], len(seconds))
        late.add_metric([channel], sum(value > ON_TIME_SECONDS for value in seconds))
    yield from (quantiles, published, late)
