"""Stopping the daemon never abandons a send that may still land (issue 19, point 4).

A send in flight when SIGTERM arrives may be created by the platform whatever loa does next: a Facebook upload it
is still processing, say. Looking it up at once from the next daemon would find nothing yet and post it twice. So:

1. At SIGTERM, each delivery being sent gets a not-before time (``available_at`` of a ``sending`` delivery, which is
   otherwise never in the future): the latest moment its platform can still be working on it (the wait below plus
   the channel's timeout). Recovery (recovery.py) leaves such a delivery alone until then, even when its owner is
   dead: a SIGKILL (systemd's ``TimeoutStopSec`` running out) never leads to an early look-up.
2. The daemon waits for the sends in flight up to the longest channel timeout among them (at least
   ``shutdown_seconds``): each request then has either its answer or its timeout, and is recorded as usual.
3. If it must go earlier (a second SIGTERM or SIGINT), each send still in flight is left as "may have gone out"
   (``retry_wait`` with ``maybe_sent``), not before its channel's timeout from now: the next daemon looks it up then,
   records it if it is there, and sends it only if the platform shows it is not (dispatch.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import update

from loa.posts.db import Database
from loa.posts.i18n import t
from loa.posts.models import Delivery, utcnow
from loa.posts.outreach import record

from .config import Config

CONNECT_SECONDS = 5.0  # the HTTP adapters' connect timeout, on top of the channel's read timeout
UNTIMED_SECONDS = 30.0  # a channel without a ``timeout`` setting (a local folder, a plugin): this bound


def send_bound(config: Config, channel: str) -> float:
    """How long one request of ``channel`` can take before loa gives up on it: connect plus its read timeout."""
    settings = config.channels.get(channel)
    timeout = getattr(settings, "timeout", None)
    return CONNECT_SECONDS + float(timeout) if timeout else UNTIMED_SECONDS


def longest_wait(config: Config, channels: Mapping[int, str]) -> float:
    """How long a stopping daemon waits for the sends in flight: their longest bound, at least shutdown_seconds."""
    bounds = [send_bound(config, channel) for channel in set(channels.values())]
    return max([config.document.daemon.shutdown_seconds, *bounds])


def hold_lookups(db: Database, owner: str, config: Config, sending: Mapping[int, str], *, waiting: float,
                 now: dt.datetime | None = None) -> int:
    """Step 1: each delivery in flight is not looked up by anyone before ``now + waiting + its channel's bound``."""
    now = now or utcnow()
    held = 0
    with db.transaction() as session:
        for delivery_id, channel in sending.items():
            not_before = now + dt.timedelta(seconds=waiting + send_bound(config, channel))
            held += session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.lease_owner == owner,
                                       Delivery.status == "sending")
                .values(available_at=not_before)).rowcount
    return held


def leave_unfinished(db: Database, owner: str, config: Config, sending: Mapping[int, str], *,
                     now: dt.datetime | None = None) -> list[tuple[int, str, int, dt.datetime]]:
    """Step 3: the sends still in flight become "may have gone out", looked up after their channel's bound.

    Only deliveries still ``sending`` under this process's lease: one whose outcome was written meanwhile is
    settled. The interrupted attempt is given back (loa stopped it, the platform did not refuse it). Returns
    (delivery, channel, post, not before) for each."""
    now = now or utcnow()
    left = []
    with db.transaction() as session:
        for delivery_id, channel in sending.items():
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != "sending" or delivery.lease_owner != owner:
                continue
            not_before = now + dt.timedelta(seconds=send_bound(config, channel))
            reason = t("msg.interrupted_by_shutdown")
            delivery.status, delivery.maybe_sent, delivery.available_at = "retry_wait", True, not_before
            delivery.lease_owner, delivery.lease_expires_at, delivery.last_error = None, None, reason
            delivery.attempts, delivery.updated_at = max(0, delivery.attempts - 1), now
            record(session, "attempt", campaign_id=delivery.post.campaign_id, post=delivery.post,
                   channel=delivery.channel, delivery_id=delivery.id,
                   detail={"error": reason, "class": "interrupted", "attempt": delivery.attempts,
                           "next_at": not_before.isoformat()})
            left.append((delivery_id, channel, delivery.post_id, not_before))
    return left
