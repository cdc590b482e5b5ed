"""Re-importing a campaign file as a reviewed three-way merge.

Three versions of each post meet: the file now, the queue now, and the base — what the file said of the post at
the last import (``posts.imported``). A field the file changed since the base is applied; a field the officer
changed in the queue is kept; the same field changed on both sides to different values is a conflict, for a
person to decide. Posts that have gone out are never changed. This module only plans; campaigns.py applies.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .campaign_file import CampaignFile, PlannedPost
from .models import Campaign, Post
from .times import iso, zone

# The fields a merge compares, in the order a plan shows them. Those in COPIED are the same attribute on a
# PlannedPost and on a Post, compared and applied as they are: a new one (photos) is one more name there.
COPIED = ("title", "body", "template", "banner")
# photos are compared by their cleaned bytes' sha256 (what is stored and sent), applied as the file's list
FIELDS = (*COPIED, "images", "channels", "publish_at")
# What the campaign row says that a file can change (shown in a plan; posts' texts are re-rendered when it does).
CAMPAIGN_FIELDS = ("name", "theme", "timezone", "plan_ref", "channels", "hashtags", "banner_theme", "after",
                   "organization")
ACTIONS = ("add", "change", "cancel", "keep", "unchanged", "published", "conflict")
Prefer = Literal["file", "queue"] | None
# the key ``loa campaign export`` writes for a post that has none: its id, so a re-import finds it again
MADE_KEY = re.compile(r"^id-([1-9][0-9]{0,18})$")


def moment_text(moment: dt.datetime) -> str:
    """A moment as compared and stored in a base: ISO 8601 in UTC (the same instant always reads the same)."""
    return moment.astimezone(dt.timezone.utc).isoformat()


def photo_ids(images: list[dict[str, Any]] | None) -> list[str] | None:
    """Photos in comparable form: their sha256s in order; None for none."""
    return [image["sha256"] for image in images] if images else None


def planned_fields(post: PlannedPost, moment: dt.datetime) -> dict[str, Any]:
    """What the file says of a post (after rebasing and pacing), in comparable form."""
    return {**{name: getattr(post, name) for name in COPIED}, "images": photo_ids(post.images),
            "channels": sorted(post.channels), "publish_at": moment_text(moment)}


def queue_fields(post: Post) -> dict[str, Any]:
    """What the queue says of a post, in the same form as ``planned_fields``."""
    live = [d.channel for d in post.deliveries if d.status != "cancelled"]
    if post.status == "cancelled" or not live:  # cancelling a post cancels its deliveries: they still say where
        live = [d.channel for d in post.deliveries]
    return {**{name: getattr(post, name) for name in COPIED}, "images": photo_ids(post.images),
            "channels": sorted(live), "publish_at": moment_text(post.publish_at)}


def imported_record(post: PlannedPost, moment: dt.datetime) -> dict[str, Any]:
    """The base stored on a post at each import: what the file said, and its key."""
    return {**planned_fields(post, moment), "key": post.key}


def shown(name: str, value: Any, tz: dt.tzinfo | None) -> Any:
    """A field's value as a plan shows it: a moment in the campaign's time, not UTC."""
    if name == "images" and isinstance(value, list):  # a photo by the start of its sha256, as `post show` names it
        return [str(sha)[:12] for sha in value]
    if name == "publish_at" and isinstance(value, str) and tz is not None:
        return iso(dt.datetime.fromisoformat(value).astimezone(tz))
    return value


def base_fields(post: Post) -> dict[str, Any] | None:
    if post.imported is None:
        return None
    return {name: post.imported.get(name) for name in FIELDS}


@dataclass
class PostPlan:
    """What a re-import does to one post. ``changes``: field -> {"from": queue, "to": file}; ``conflicts``: field
    -> {"file", "queue", "base"}; ``kept``: fields the officer changed, kept; ``channels``: where it went out."""

    action: str
    title: str
    day: int | None
    at: str | None
    post_id: int | None = None
    key: str | None = None
    number: int | None = None  # position in the file
    line: int | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    conflicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: list[str] = field(default_factory=list)
    reason: str | None = None  # published/conflict: "changed", "removed", "cancelled", "unknown_base"
    resolved: str | None = None  # a conflict settled by --prefer file|queue
    planned: PlannedPost | None = field(default=None, repr=False, compare=False)
    moment: dt.datetime | None = field(default=None, repr=False, compare=False)
    post: Post | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        keys = ("action", "title", "day", "at", "post_id", "key", "number", "line", "changes", "kept", "conflicts",
                "channels", "reason", "resolved")
        return {key: getattr(self, key) for key in keys}


@dataclass
class MergePlan:
    slug: str
    file: str
    new_campaign: bool
    dates_from: tuple[dt.date, dt.date]  # the campaign's dates in the queue (or in the file, for a new one)
    dates_to: tuple[dt.date, dt.date]
    campaign_changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[PostPlan] = field(default_factory=list)

    @property
    def dates_moved(self) -> bool:
        return self.dates_from != self.dates_to

    @property
    def conflicts(self) -> list[PostPlan]:
        return [p for p in self.posts if p.action == "conflict"]

    def of(self, action: str) -> list[PostPlan]:
        return [p for p in self.posts if p.action == action]

    def counts(self) -> dict[str, int]:
        return {action: len(self.of(action)) for action in ACTIONS}

    def as_json(self) -> dict[str, Any]:
        return {"campaign": self.slug, "file": self.file, "new_campaign": self.new_campaign,
                "dates": {"from": [d.isoformat() for d in self.dates_from],
                          "to": [d.isoformat() for d in self.dates_to], "moved": self.dates_moved},
                "campaign_changes": self.campaign_changes, "counts": self.counts(),
                "posts": [p.as_json() for p in self.posts]}


def plan_merge(session: Session, campaign: CampaignFile, moments: list[tuple[PlannedPost, dt.datetime]],
               first_day: dt.date, last_day: dt.date, *, prefer: Prefer = None) -> MergePlan:
    """What importing ``campaign`` (scheduled as ``moments``) would do to the queue. Reads; never writes."""
    existing = session.scalar(select(Campaign).where(Campaign.slug == campaign.slug))
    tz = zone(campaign.timezone)
    old = (existing.start_date, existing.end_date) if existing is not None else (campaign.start, campaign.end)
    plan = MergePlan(slug=campaign.slug, file=str(campaign.path), new_campaign=existing is None, dates_from=old,
                     dates_to=(first_day, last_day))

    def day_of(moment: dt.datetime) -> int:
        return (moment.astimezone(tz).date() - first_day).days + 1

    if existing is None:
        plan.posts = [_added(post, moment, day_of(moment)) for post, moment in moments]
        return plan
    plan.campaign_changes = _campaign_changes(existing, campaign)
    posts = list(session.scalars(select(Post).where(Post.campaign_id == existing.id).order_by(Post.seq, Post.id)
                                 .options(selectinload(Post.deliveries))))
    pairs = match_posts(moments, first_day, posts, existing)
    matched = {id(post) for post in pairs.values()}
    for planned, moment in moments:
        post = pairs.get(planned.number)
        day = day_of(moment)
        plan.posts.append(_added(planned, moment, day) if post is None else
                          _merged(planned, moment, day, post, prefer=prefer))
    for post in posts:
        if id(post) not in matched and post.imported is not None:  # posts of `post add` are the officer's
            gone = _gone(post, prefer=prefer)
            if gone is not None:
                gone.day = (post.publish_at.astimezone(tz).date() - first_day).days + 1
                plan.posts.append(gone)
    return plan


def _campaign_changes(row: Campaign, campaign: CampaignFile) -> dict[str, dict[str, Any]]:
    now = {"name": row.name, "theme": row.theme, "timezone": row.timezone, "plan_ref": row.plan_ref,
           "channels": row.channels, "hashtags": row.hashtags, "banner_theme": row.banner_theme,
           "after": row.channel_after or {}, "organization": row.organization or {}}
    new = {"name": campaign.name, "theme": campaign.theme, "timezone": campaign.timezone,
           "plan_ref": campaign.plan_ref, "channels": campaign.channels, "hashtags": campaign.hashtags,
           "banner_theme": campaign.banner_theme, "after": campaign.after or {},
           "organization": campaign.organization or {}}
    return {name: {"from": now[name], "to": new[name]} for name in CAMPAIGN_FIELDS if now[name] != new[name]}


def match_posts(moments: list[tuple[PlannedPost, dt.datetime]], first_day: dt.date, posts: list[Post],
                campaign: Campaign) -> dict[int, Post]:
    """File post number -> queue post. By key; then by a key ``campaign export`` made from an id; then by title
    and day of the campaign as the base says (so an officer's edit of either does not lose the match); last, a
    post without base (added by hand, or imported before loa kept bases) by its title and day now. Within one
    title and day, posts pair in order. A keyed queue post is only ever matched by its key."""
    tz = zone(campaign.timezone)
    pairs: dict[int, Post] = {}
    taken: set[int] = set()

    def take(planned: PlannedPost, post: Post) -> None:
        pairs[planned.number] = post
        taken.add(id(post))

    by_key = {post.key: post for post in posts if post.key}
    by_id = {post.id: post for post in posts if not post.key}
    for planned, _ in moments:
        if planned.key and (post := by_key.get(planned.key)) is not None and id(post) not in taken:
            take(planned, post)
    for planned, _ in moments:
        if planned.number not in pairs and planned.key and (made := MADE_KEY.match(planned.key)):
            post = by_id.get(int(made.group(1)))
            if post is not None and id(post) not in taken:
                take(planned, post)

    def slot_of(title: str, moment: dt.datetime, start: dt.date) -> tuple[str, int]:
        return title, (moment.astimezone(tz).date() - start).days

    with_base: dict[tuple[str, int], list[Post]] = defaultdict(list)
    without_base: dict[tuple[str, int], list[Post]] = defaultdict(list)
    for post in posts:
        base = base_fields(post)
        if base is not None:
            moment = dt.datetime.fromisoformat(base["publish_at"])
            with_base[slot_of(base["title"], moment, campaign.start_date)].append(post)
        else:
            without_base[slot_of(post.title, post.publish_at, campaign.start_date)].append(post)
    for slots in (with_base, without_base):
        for planned, moment in moments:
            if planned.number in pairs:
                continue
            for post in slots.get(slot_of(planned.title, moment, first_day), ()):
                if id(post) not in taken and (planned.key is None or not post.key):
                    take(planned, post)
                    break
    return pairs


def _added(planned: PlannedPost, moment: dt.datetime, day: int) -> PostPlan:
    return PostPlan(action="add", title=planned.title, day=day, at=iso(moment), key=planned.key,
                    number=planned.number, line=planned.line, planned=planned, moment=moment)


def _merged(planned: PlannedPost, moment: dt.datetime, day: int, post: Post, *, prefer: Prefer) -> PostPlan:
    file, queue, base = planned_fields(planned, moment), queue_fields(post), base_fields(post)
    tz = moment.tzinfo
    entry = PostPlan(action="unchanged", title=post.title, day=day, at=iso(post.publish_at.astimezone(tz)),
                     post_id=post.id, key=planned.key or post.key, number=planned.number, line=planned.line,
                     planned=planned, moment=moment, post=post)
    reference = base if base is not None else queue
    file_side = [name for name in FIELDS if file[name] != reference[name]]
    if post.has_gone_out:  # frozen: what the file changes is named, never applied
        if file_side and any(file[name] != queue[name] for name in file_side):
            entry.action, entry.reason = "published", "changed"
            entry.channels = post.gone_out_on or [d.channel for d in post.deliveries if d.status == "published"]
            entry.changes = {name: {"from": shown(name, queue[name], tz), "to": shown(name, file[name], tz)}
                             for name in file_side if file[name] != queue[name]}
        return entry
    # without a base nobody knows which side changed a field: any difference is for a person to decide
    queue_side = [name for name in FIELDS if queue[name] != reference[name]] if base is not None else file_side
    apply = [name for name in file_side if file[name] != queue[name] and name not in queue_side]
    conflicts = [name for name in file_side if file[name] != queue[name] and name in queue_side]
    kept = [name for name in queue_side if name not in file_side and file[name] != queue[name]]
    cancelled = post.status == "cancelled"
    if cancelled and (apply or conflicts):  # the officer cancelled it, the file changed it: a person decides
        conflicts, apply = [*conflicts, *apply], []
    entry.kept = kept + (["status"] if cancelled else [])
    if conflicts:
        entry.conflicts = {name: {"file": shown(name, file[name], tz), "queue": shown(name, queue[name], tz),
                                  "base": None if base is None else shown(name, base[name], tz)}
                           for name in conflicts}
        entry.reason = "cancelled" if cancelled else ("changed" if base is not None else "unknown_base")
        if cancelled:
            entry.conflicts["status"] = {"file": "draft", "queue": "cancelled", "base": None}
        if prefer is None:
            entry.action = "conflict"
            return entry
        entry.resolved = prefer
        if prefer == "file":
            apply += conflicts
            if cancelled:
                apply.append("status")
                entry.kept.remove("status")
        else:
            entry.kept += conflicts
    changed_file = {**file, "status": "draft"}
    changed_queue = {**queue, "status": post.status}
    entry.changes = {name: {"from": shown(name, changed_queue[name], tz), "to": shown(name, changed_file[name], tz)}
                     for name in [*FIELDS, "status"] if name in apply}
    entry.action = "change" if entry.changes else ("keep" if entry.kept else "unchanged")
    return entry


def _gone(post: Post, *, prefer: Prefer) -> PostPlan | None:
    """A post of the file's last version that this one no longer has: cancelled, unless it went out (named) or
    the officer changed it since (a conflict: cancel their work only if a person says so)."""
    tz = zone(post.campaign.timezone)
    entry = PostPlan(action="cancel", title=post.title, day=None, at=iso(post.publish_at.astimezone(tz)),
                     post_id=post.id, key=post.key, post=post)
    if post.has_gone_out:
        entry.action, entry.reason = "published", "removed"
        entry.channels = post.gone_out_on or [d.channel for d in post.deliveries if d.status == "published"]
        return entry
    if post.status == "cancelled":
        return None
    base, queue = base_fields(post), queue_fields(post)
    assert base is not None
    edited = [name for name in FIELDS if queue[name] != base[name]]
    if edited:
        entry.reason = "removed"
        entry.conflicts = {name: {"file": None, "queue": shown(name, queue[name], tz),
                                  "base": shown(name, base[name], tz)} for name in edited}
        if prefer is None:
            entry.action = "conflict"
        else:
            entry.resolved = prefer
            entry.action = "cancel" if prefer == "file" else "keep"
            entry.kept = edited if prefer == "queue" else []
    return entry
