"""``loa status``: is anything publishing, what is queued, what comes next, and what needs a person.

A plain dict (the ``--json`` shape in the README); scheduler/views.py draws it for a person.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select

from loa.posts.db import Database
from loa.posts.i18n import t
from loa.posts.models import DELIVERY_STATUSES, Campaign, Daemon, Delivery, Post, utcnow
from loa.posts.times import iso, zone

from .claims import DUE_STATUSES, claimable, owner_is_dead, paused_channels
from .config import Config
from .spoken import local_moment

NEEDS_A_PERSON = ("failed", "unknown", "missed")
ATTENTION_LIMIT = 100
IN_CHUNK = 500  # post ids per IN (...): far below SQLite's and PostgreSQL's parameter limits
# what to do, per status: a sentence in the user's language around the command to type (attention.hint_*)
HINT_STATUSES = ("failed", "unknown", "missed", "waiting")


def _when(moment: dt.datetime | None, tz: str) -> str | None:
    return iso(moment.astimezone(zone(tz))) if moment is not None else None


def daemon_status(db: Database, config: Config, *, now: dt.datetime | None = None,
                  archived: bool = False) -> dict[str, Any]:
    """``archived``: archived campaigns' deliveries are counted and listed too (by default they are left out)."""
    from .health import health

    now = now or utcnow()
    with db.session() as session:
        daemons = running_daemons(session, config, now=now)
        counts = _publish_counts(session, archived=archived)
        paused = paused_channels(session, now)
        next_row = _next(session, config, paused)
        attention, needing = _attention(session, config, archived=archived)
        needing["draft"] = _add_drafts_due(session, attention, now=now,
                                           hours=config.document.daemon.approval_warning_hours)
        alive = any(d["alive"] for d in daemons)
        _add_system_items(session, attention, paused=paused, daemons=daemons, alive=alive,
                          waiting=next_row is not None, now=now, timezone=config.timezone)
    return {
        "daemon": {"alive": alive, "processes": daemons},
        "deliveries": {status: counts.get(status, 0) for status in DELIVERY_STATUSES},
        "next": None if next_row is None else {
            "post": next_row.post_id, "title": next_row.title, "channel": next_row.channel,
            "at": _when(next_row.available_at, next_row.timezone)},
        "paused": [{"channel": s.channel, "kind": s.pause_kind, "reason": s.paused_reason,
                    "since": iso(s.paused_at), "until": iso(s.resume_at)} for s in paused.values()],
        "attention": attention,
        "health": health(attention["items"], needing),
    }


def running_daemons(session: Any, config: Config, *, now: dt.datetime) -> list[dict[str, Any]]:
    """The ``loa run`` processes not stopped cleanly, the latest heartbeat first, each with ``alive``: a fresh
    heartbeat, and, for a process of this machine, the process itself (a kill -9 is seen at once, not after the
    heartbeat goes stale)."""
    stale_after = dt.timedelta(seconds=3 * config.document.daemon.heartbeat_seconds + 5)
    return [{"owner": d.owner, "host": d.host, "pid": d.pid, "version": d.version,
             "started_at": iso(d.started_at), "heartbeat_at": iso(d.heartbeat_at),
             "alive": d.stopped_at is None and now - d.heartbeat_at <= stale_after and not owner_is_dead(d.owner)}
            for d in session.scalars(select(Daemon).where(Daemon.stopped_at.is_(None))
                                     .order_by(Daemon.heartbeat_at.desc()).limit(20))]


def _publish_counts(session: Any, *, archived: bool) -> dict[str, int]:
    """Publications per status, from three cheap counts rather than one that reads every delivery's row: every
    delivery per status (the status index alone), less the corrections and take-downs (rare, found through the
    unique index that holds ``action``), less, unless ``archived``, archived campaigns' publications (found from
    their campaigns down)."""
    counts: Counter[str] = Counter(dict(session.execute(
        select(Delivery.status, func.count()).group_by(Delivery.status)).all()))
    others = select(Delivery.id).where(Delivery.action != "publish")
    counts.subtract(dict(session.execute(select(Delivery.status, func.count()).where(Delivery.id.in_(others))
                                         .group_by(Delivery.status)).all()))
    if not archived and session.scalar(select(Campaign.id).where(Campaign.archived_at.is_not(None)).limit(1)):
        counts.subtract(dict(session.execute(
            select(Delivery.status, func.count()).join(Post, Post.id == Delivery.post_id)
            .join(Campaign, Campaign.id == Post.campaign_id)
            .where(Campaign.archived_at.is_not(None), Delivery.action == "publish")
            .group_by(Delivery.status)).all()))
    return {status: count for status, count in counts.items() if count}


@lru_cache(maxsize=64)
def _next_queries(after: tuple[tuple[str, str], ...], paused: tuple[str, ...]) -> tuple[Any, ...]:
    """One per queued status, built once per channel set-up: each walks the (status, available_at) index and stops
    at its first claimable delivery (one query over both statuses sorts the whole queue)."""
    return tuple(claimable(None, after=dict(after), paused=paused, statuses=(status,))
                 .with_only_columns(Delivery.available_at, Delivery.id)
                 .order_by(Delivery.available_at, Delivery.id).limit(1) for status in DUE_STATUSES)


def _next(session: Any, config: Config, paused: dict[str, Any]) -> Any:
    """The next delivery the daemon will claim: the earliest (available_at, id) among the claimable ones."""
    firsts = [row for query in _next_queries(tuple(sorted(config.after.items())), tuple(sorted(paused)))
              if (row := session.execute(query).first()) is not None]
    if not firsts:
        return None
    first = min(firsts, key=lambda row: (row.available_at, row.id))
    return session.execute(
        select(Delivery.id, Delivery.channel, Delivery.available_at, Post.id.label("post_id"), Post.title,
               Campaign.timezone)
        .join(Post, Post.id == Delivery.post_id).join(Campaign, Campaign.id == Post.campaign_id)
        .where(Delivery.id == first.id)).first()


def _system_item(status: str, reason: str, hint: str, *, channel: str | None = None, post: int | None = None,
                 title: str | None = None, campaign: str | None = None, due_at: str | None = None) -> dict[str, Any]:
    return {"post": post, "title": title, "campaign": campaign, "channel": channel, "status": status,
            "due_at": due_at, "reason": reason, "hint": hint}


def _add_system_items(session: Any, attention: dict[str, Any], *, paused: dict[str, Any],
                      daemons: list[dict[str, Any]], alive: bool, waiting: bool, now: dt.datetime,
                      timezone: str) -> None:
    """What holds every delivery up, first: no daemon running, a channel paused for a person, a stuck send."""
    items: list[dict[str, Any]] = []
    dead = [d for d in daemons if not d["alive"]]
    if not alive and (dead or waiting):
        last = dead[0] if dead else None
        reason = t("msg.attention_daemon_dead", owner=last["owner"],
                   at=local_moment(dt.datetime.fromisoformat(last["heartbeat_at"]), timezone)) if last \
            else t("msg.attention_daemon_none")
        items.append(_system_item("stopped", reason, t("msg.hint_daemon"), due_at=last["heartbeat_at"] if last
                                  else None))
    for state in paused.values():
        if state.pause_kind != "rate":  # a rate limit ends by itself; refused credentials or a broken target do not
            items.append(_system_item("paused", state.paused_reason or "", t("msg.hint_paused", channel=state.channel),
                                      channel=state.channel, due_at=iso(state.paused_at)))
    stuck = session.execute(
        select(Delivery.channel, Delivery.lease_owner, Delivery.lease_expires_at, Delivery.due_at,
               Post.id.label("post_id"), Post.title, Campaign.slug, Campaign.timezone)
        .join(Post, Post.id == Delivery.post_id).join(Campaign, Campaign.id == Post.campaign_id)
        .where(Delivery.status == "sending").order_by(Delivery.due_at).limit(ATTENTION_LIMIT)).all()
    for row in stuck:
        expired = row.lease_expires_at is None or row.lease_expires_at <= now
        if expired or owner_is_dead(row.lease_owner):
            items.append(_system_item("stuck", t("msg.attention_stuck", owner=row.lease_owner or "-"),
                                      t("msg.hint_stuck", post=row.post_id, channel=row.channel),
                                      channel=row.channel, post=row.post_id, title=row.title, campaign=row.slug,
                                      due_at=_when(row.due_at, row.timezone)))
    attention["items"][:0] = items
    del attention["items"][ATTENTION_LIMIT:]
    attention["total"] += len(items)


def _add_drafts_due(session: Any, attention: dict[str, Any], *, now: dt.datetime, hours: float) -> int:
    """Drafts that will miss their time unless approved, after what needs a person on a channel: how many."""
    from .approval import drafts_due

    total, items = drafts_due(session, now=now, hours=hours, limit=ATTENTION_LIMIT)
    attention["items"].extend(items[:max(0, ATTENTION_LIMIT - len(attention["items"]))])
    attention["total"] += total
    return total


def _base(archived: bool) -> Any:
    """Deliveries with their post and campaign. Outer joins (every delivery has both, so the rows are the same) keep
    the deliveries the outer loop: the planner then starts from the few that need a person (the status index), never
    from every campaign's posts, which SQLite picks once ANALYZE has run (3 s on the 1M-post queue of bench/)."""
    columns = (Delivery.id, Delivery.channel, Delivery.status, Delivery.last_error, Delivery.due_at, Delivery.action,
               Post.id.label("post_id"), Post.title, Campaign.slug, Campaign.timezone)
    base = (select(*columns).select_from(Delivery).outerjoin(Post, Post.id == Delivery.post_id)
            .outerjoin(Campaign, Campaign.id == Post.campaign_id))
    return base if archived else base.where(Campaign.archived_at.is_(None))


def _needing_a_person(base: Any) -> Any:
    # an unknown send of a cancelled post may still be live on the platform: it is shown all the same
    # (a take-down of a cancelled post too: the post is still out there)
    return base.where(Delivery.status.in_(NEEDS_A_PERSON), or_(Post.status != "cancelled",
                                                               Delivery.status == "unknown",
                                                               Delivery.action == "delete"))


def needing_a_person(session: Any, *, archived: bool = False) -> dict[str, int]:
    """How many deliveries wait for a person, per status (failed, unknown, missed), as ``loa status`` lists them."""
    stuck = _needing_a_person(_base(archived)).subquery()
    return dict(session.execute(select(stuck.c.status, func.count()).group_by(stuck.c.status)).all())


def _attention(session, config: Config, *, archived: bool = False) -> tuple[dict[str, Any], dict[str, int]]:
    """Deliveries no daemon will move without a person: failed, unknown, missed, and those waiting on one; and how
    many of each."""
    base = _base(archived)
    stuck = _needing_a_person(base)
    needing = needing_a_person(session, archived=archived)
    total = sum(needing.values())
    rows = [_item(r, r.status, r.last_error) for r in
            session.execute(stuck.order_by(Delivery.due_at, Delivery.id).limit(ATTENTION_LIMIT))]
    # a delivery waiting for a channel of its post that failed (or is unknown, missed) waits for a person too
    waiting = 0
    for r, first, first_status in _waiting(session, base, config):
        if len(rows) < ATTENTION_LIMIT:
            rows.append(_item(r, "waiting", t("attention.waiting", first=first, status=status_label(first_status)),
                              first=first, first_status=status_label(first_status)))
            waiting += 1
    return {"total": total + waiting, "items": rows}, {**needing, "waiting": waiting}


def _waiting(session: Any, base: Any, config: Config) -> list[tuple[Any, str, str]]:
    """(delivery, the channel it waits for, that channel's status): approved posts' queued publications whose
    prerequisite (``wait_for``, else config.toml's ``after``) needs a person; at most ATTENTION_LIMIT * 4.

    It starts from the few publications that need a person, then reads their posts' other publications by post:
    a join the database planned itself would start from the queue's thousands of pending deliveries (SQLite,
    without statistics, prefers the status index whatever the query says).
    """
    stopped: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in session.execute(select(Delivery.post_id, Delivery.channel, Delivery.status)
                               .where(Delivery.status.in_(NEEDS_A_PERSON), Delivery.action == "publish")):
        stopped[row.post_id].append((row.channel, row.status))
    if not stopped:
        return []
    # neither the queued statuses nor the post's status in SQL: either would lead the planner back to an index
    # over the whole queue; the posts' own publications are a handful each, read as a few plain columns (no
    # timestamps to parse), and only those found waiting are read whole
    light = (select(Delivery.id, Delivery.post_id, Delivery.channel, Delivery.status, Delivery.wait_for,
                    Post.status.label("post_status"))
             .select_from(Delivery).outerjoin(Post, Post.id == Delivery.post_id).where(Delivery.action == "publish"))
    ids, waiting = sorted(stopped), {}
    for start in range(0, len(ids), IN_CHUNK):
        for r in session.execute(light.where(Delivery.post_id.in_(ids[start:start + IN_CHUNK]))):
            if r.status in DUE_STATUSES and r.post_status == "approved":
                wanted = r.wait_for or config.after.get(r.channel)
                waiting[r.id] = [(channel, status) for channel, status in stopped[r.post_id] if channel == wanted]
    ids, found = sorted(i for i, firsts in waiting.items() if firsts), []
    for start in range(0, len(ids), IN_CHUNK):
        for r in session.execute(base.where(Delivery.id.in_(ids[start:start + IN_CHUNK]))):
            found.extend((r, channel, status) for channel, status in waiting[r.id])
    found.sort(key=lambda item: (item[0].due_at, item[0].id, item[1]))
    return found[:ATTENTION_LIMIT * 4]


def status_label(status: str) -> str:
    """A delivery status by its name in the user's language (``missed`` -> "lỡ giờ"); an unknown code as it is."""
    label = t(f"status.{status}")
    return status if label == f"status.{status}" else label


def _item(r: Any, status: str, reason: str | None, **extra: str) -> dict[str, Any]:
    hint = t(f"attention.hint_{status}", post=r.post_id, channel=r.channel, **extra)
    if getattr(r, "action", "publish") != "publish":  # a correction or a take-down that did not go through
        action = t(f"fix.action_{r.action}")
        reason = f"{action}: {reason or '–'}"
    return {"post": r.post_id, "title": r.title, "campaign": r.slug, "channel": r.channel, "status": status,
            "due_at": _when(r.due_at, r.timezone), "reason": reason, "hint": hint}


