"""What the workspace's ``/metrics`` serves, in Prometheus's text format (README "Monitor").

Read from the database at each scrape, nothing kept in the web process (several workers, restarts): gauges of
what is there now, and a histogram of lateness over every publication ever made, which only grows as a counter
should, so ``rate()`` and ``histogram_quantile()`` over it mean what Prometheus users expect.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import case, func, select

from loa.posts.db import Database
from loa.posts.models import DELIVERY_STATUSES, Delivery, utcnow

from .config import Config

# seconds after the scheduled time; a publication within a minute counts as on time in the report
LATENESS_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0)
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

        report = daemon_status(self.db, self.config, now=self.now)
        with self.db.session() as session:
            per_channel = session.execute(select(Delivery.channel, Delivery.status, func.count())
                                          .group_by(Delivery.channel, Delivery.status)).all()
            lateness = _lateness(session, self.db.is_sqlite)
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
        yield _lateness_histogram(lateness)


def _seconds_late(is_sqlite: bool) -> Any:
    """Seconds from the scheduled time to the publication, computed once per row; a publication made early (a
    person's "publish now") is on time, not negatively late."""
    if is_sqlite:  # timestamps are stored as text there: julianday() reads them, in days; max() of two is scalar
        return func.max((func.julianday(Delivery.published_at) - func.julianday(Delivery.due_at)) * 86400.0, 0.0)
    return func.greatest(func.extract("epoch", Delivery.published_at - Delivery.due_at), 0.0)


def _lateness(session: Any, is_sqlite: bool) -> dict[str, tuple[list[int], int, float]]:
    """Per channel: publications per bucket (cumulative, as Prometheus's ``le``), their count and the sum of their
    lateness. One pass over the published ones (the status index finds them), each lateness computed once and put
    in one bucket: on SQLite the CTE is MATERIALIZED, else the planner inlines it and computes it once per bucket
    compared (half again the time on 100,000 publications)."""
    lateness = (select(Delivery.channel.label("channel"), _seconds_late(is_sqlite).label("seconds"))
                .where(Delivery.status == "published", Delivery.action == "publish",
                       Delivery.published_at.is_not(None)).cte("lateness"))
    if is_sqlite:
        lateness = lateness.prefix_with("MATERIALIZED")
    bucket = case(*((lateness.c.seconds <= bound, index) for index, bound in enumerate(LATENESS_BUCKETS)),
                  else_=len(LATENESS_BUCKETS)).label("bucket")
    found: dict[str, tuple[list[int], int, float]] = {}
    for channel, index, count, total in session.execute(
            select(lateness.c.channel, bucket, func.count(), func.sum(lateness.c.seconds))
            .group_by(lateness.c.channel, bucket)):
        buckets, so_far, seconds = found.get(channel, ([0] * len(LATENESS_BUCKETS), 0, 0.0))
        for position in range(index, len(LATENESS_BUCKETS)):  # cumulative: counted in its bucket and every later
            buckets[position] += count
        found[channel] = (buckets, so_far + count, seconds + float(total or 0.0))
    return found


def _lateness_histogram(found: dict[str, tuple[list[int], int, float]]) -> Any:
    from prometheus_client.core import HistogramMetricFamily

    family = HistogramMetricFamily("loa_lateness_seconds", "Seconds between a publication's scheduled time and "
                                   "its publication, over every publication made.", labels=["channel"])
    for channel in sorted(found):
        buckets, count, total = found[channel]
        family.add_metric([channel], [*((str(bound), n) for bound, n in zip(LATENESS_BUCKETS, buckets, strict=True)),
                                      ("+Inf", count)], sum_value=total)
    return family
