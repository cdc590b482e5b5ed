"""Rehearsing deliveries through the dry-run adapter: what would be sent, recorded in files, never in the queue.

``loa run --dry-run`` rehearses the real queue as time goes by; ``loa campaign rehearse`` a throw-away copy at once
(scheduler/rehearse_campaign.py). A delivery that waits for another channel of its post (``after``) is rehearsed
once that one has been: its text then carries the prerequisite's simulated link, marked as such, where the real
send would carry the published one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from loa.posts.db import Database
from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Delivery, Post

from .claims import DUE_STATUSES, _prerequisite
from .config import Config
from .dispatch import send_to
from .outgoing import outgoing_for
from .publishers import Publisher, PublishError

# a prerequisite in one of these lets the delivery that waits for it go (as in claims.claimable)
LETS_GO = ("published", "cancelled")


@dataclass
class Rehearsed:
    """One delivery rehearsed (or that could not be): a line of the timeline."""

    delivery_id: int
    post_id: int
    channel: str
    title: str
    at: dt.datetime  # when it would go out
    outcome: str  # "rehearsed", "error" or "waiting"
    link: str | None = None  # the dry-run record (a file:// link) standing in for the permalink
    simulated: str | None = None  # the channel whose link in the text is simulated
    error: str | None = None


def dry_run_adapters(config: Config, folder: Path) -> dict[str, Publisher]:
    """Every configured channel as the dry-run adapter, recording into ``folder``/CHANNEL."""
    from .publishers.dry_run import DryRunPublisher

    adapters: dict[str, Publisher] = {}
    for name in config.channels:
        settings = type("DryRunSettings", (), {"path": str(folder / name)})()
        adapters[name] = DryRunPublisher(name, settings, base_dir=config.base_dir)
    return adapters


class Rehearsal:
    """Reads the queue, never writes it: what has been rehearsed is kept here, in memory."""

    def __init__(self, db: Database, config: Config, adapters: dict[str, Publisher]) -> None:
        self.db, self.config, self.adapters = db, config, adapters
        self.done: dict[int, Rehearsed] = {}

    def candidates(self) -> list[Any]:
        """What is still to send: approved posts' publications and corrections, and take-downs (which need no
        approval), each publication with the delivery of its post it waits for."""
        first = aliased(Delivery, name="prerequisite")
        query = (select(Delivery.id, Delivery.post_id, Delivery.channel, Delivery.available_at, Post.title,
                        first.id.label("first_id"), first.channel.label("first_channel"),
                        first.status.label("first_status"))
                 .join(Post, Post.id == Delivery.post_id)
                 .outerjoin(first, and_(Delivery.action == "publish", first.post_id == Delivery.post_id,
                                        first.action == "publish", first.channel == _prerequisite(self.config.after)))
                 .where(Delivery.status.in_(DUE_STATUSES),
                        or_(Post.status == "approved", Delivery.action == "delete"))
                 .order_by(Delivery.available_at, Delivery.id))
        with self.db.session() as session:
            return list(session.execute(query))

    def is_ready(self, row: Any) -> bool:
        return row.id not in self.done and (row.first_id is None or row.first_status in LETS_GO
                                            or row.first_id in self.done)

    def ready(self, now: dt.datetime | None) -> list[Any]:
        """What may be rehearsed now (``now`` None: whatever its time)."""
        return [row for row in self.candidates() if self.is_ready(row) and (now is None or row.available_at <= now)]

    def outstanding(self, rows: list[Any] | None = None) -> list[Any]:
        """What is still to rehearse: not done, and not waiting for a delivery that will never go (a failed one)."""
        rows = self.candidates() if rows is None else rows
        will_go = {row.id for row in rows if row.first_id is None or row.first_status in LETS_GO}
        will_go |= set(self.done)
        while True:  # a chain of waits (a -> b -> c): each link goes once the one before it does
            more = {row.id for row in rows if row.id not in will_go and row.first_id in will_go}
            if not more:
                break
            will_go |= more
        return [row for row in rows if row.id in will_go and row.id not in self.done]

    def rehearse(self, row: Any, at: dt.datetime) -> Rehearsed:
        """Send one delivery through its channel's dry-run adapter, with its prerequisite's link simulated."""
        simulated: dict[str, str] = {}
        first = self.done.get(row.first_id) if row.first_id is not None else None
        if first is not None and first.link:
            simulated[row.first_channel] = t("rehearsal.simulated_link", link=first.link)
        entry = Rehearsed(row.id, row.post_id, row.channel, row.title, at, "rehearsed",
                          simulated=row.first_channel if simulated else None)
        try:
            with self.db.session() as session:
                outgoing = outgoing_for(session, self.config, row.id, simulated_links=simulated)
            entry.link = send_to(self.adapters[row.channel], outgoing).permalink  # a correction or take-down as such
        except (PublishError, UserError, OSError) as exc:  # shown on its line; the rehearsal goes on
            entry.outcome, entry.error = "error", str(exc)
        self.done[row.id] = entry
        return entry

    def _moment(self, row: Any) -> dt.datetime:
        first = self.done.get(row.first_id) if row.first_id is not None else None
        return max(row.available_at, first.at) if first is not None else row.available_at

    def run_at_once(self) -> list[Rehearsed]:
        """Every outstanding delivery, in the order the daemon would send them, without waiting for any time.

        A delivery goes at its own time, or once the one it waits for has gone if that is later. Those that
        would wait for ever (for a failed delivery) are listed last as ``waiting``.
        """
        rows = self.candidates()
        timeline: list[Rehearsed] = []
        while True:
            ready = [row for row in rows if self.is_ready(row)]
            if not ready:
                break
            row = min(ready, key=lambda r: (self._moment(r), r.id))
            timeline.append(self.rehearse(row, self._moment(row)))
        for row in rows:
            if row.id not in self.done:
                timeline.append(Rehearsed(row.id, row.post_id, row.channel, row.title, row.available_at, "waiting",
                                          error=t("msg.waiting_for", channel=row.first_channel,
                                                  status=t(f"status.{row.first_status}"))))
        return timeline
