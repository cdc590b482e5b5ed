"""Campaigns in the queue: importing a campaign file atomically (with rebasing and pacing), listing, summaries."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from .campaign_file import CampaignFile, PlannedPost
from .db import Database
from .errors import UserError
from .i18n import t
from .models import LOCKED_DELIVERY_STATUSES, Campaign, Delivery, Post, Render, utcnow
from .outreach import record, record_many
from .render.artefacts import PostContent, Renderer
from .times import zone

Progress = Callable[[int, int], None]
CHUNK = 1000


@dataclass
class ImportResult:
    slug: str
    queued: int = 0
    approved: int = 0
    replaced: int = 0
    kept: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)


def schedule_campaign(campaign: CampaignFile, *, start: dt.date | Literal["now"] | None, pace: float | None,
                      now: dt.datetime) -> tuple[dt.date, dt.date, list[tuple[PlannedPost, dt.datetime]]]:
    """The campaign's dates and each post's moment after ``--start`` (rebase) and ``--pace`` (compress)."""
    tz = zone(campaign.timezone)
    new_start = now.astimezone(tz).date() if start == "now" else (start or campaign.start)
    shift = new_start - campaign.start
    # Shift wall-clock times by whole days, so 08:00 stays 08:00 across a DST change.
    moments = [(post, (post.publish_at.replace(tzinfo=None) + shift).replace(tzinfo=tz)) for post in campaign.posts]
    if pace is not None:
        if start == "now":
            anchor = now.astimezone(tz).replace(microsecond=0) + dt.timedelta(seconds=1)
        else:
            anchor = dt.datetime.combine(new_start, dt.time(0), tzinfo=tz)
        ordered = sorted(moments, key=lambda item: (item[1], item[0].number))
        moments = [(post, anchor + dt.timedelta(seconds=pace * k)) for k, (post, _) in enumerate(ordered, start=1)]
    return new_start, campaign.end + shift, moments


def import_campaign(db: Database, campaign: CampaignFile, *, start: dt.date | Literal["now"] | None = None,
                    pace: float | None = None, approve: bool = False, replace: bool = False,
                    allow_past: bool = False, now: dt.datetime | None = None,
                    on_progress: Progress | None = None, renderer: Renderer | None = None) -> ImportResult:
    """Queue (and render, given a renderer) every post of ``campaign`` in one transaction: all of them or none."""
    now = now or utcnow()
    if pace is not None and pace <= 0:
        raise UserError(t("err.pace"), where="--pace")
    first_day, last_day, moments = schedule_campaign(campaign, start=start, pace=pace, now=now)
    result = ImportResult(slug=campaign.slug)

    with db.transaction() as session:
        existing = session.scalar(select(Campaign).where(Campaign.slug == campaign.slug))
        if existing is not None and not replace:
            raise UserError(t("err.campaign_exists", slug=campaign.slug), where=str(campaign.path))
        row = existing or Campaign(slug=campaign.slug)
        row.name, row.theme, row.timezone = campaign.name, campaign.theme, campaign.timezone
        row.start_date, row.end_date, row.plan_ref = first_day, last_day, campaign.plan_ref
        row.channels, row.hashtags = campaign.channels, campaign.hashtags
        row.banner_theme, row.source_file = campaign.banner_theme, str(campaign.path)
        session.add(row)
        session.flush()
        kept_titles: set[str] = set()
        if existing is not None:
            kept_titles = _retire_unpublished(session, row, result)
        todo = [(post, moment) for post, moment in moments if post.title not in kept_titles]
        result.skipped = len(moments) - len(todo)
        _check_moments(campaign, todo, first_day, last_day, allow_past=allow_past, now=now, result=result)
        seq = session.scalar(select(func.coalesce(func.max(Post.seq), 0)).where(Post.campaign_id == row.id)) or 0
        record(session, "imported", campaign_id=row.id, detail={
            "file": str(campaign.path), "posts": len(todo), "replace": replace,
            "start": first_day.isoformat(), "pace": pace})
        for offset in range(0, len(todo), CHUNK):
            chunk = todo[offset:offset + CHUNK]
            _queue_chunk(session, row, chunk, first_seq=seq + offset + 1, approve=approve, now=now,
                         renderer=renderer, path=str(campaign.path))
            if on_progress:
                on_progress(offset + len(chunk), len(todo))
        result.queued = len(todo)
        result.approved = len(todo) if approve else 0
    return result


def _check_moments(campaign: CampaignFile, todo: list[tuple[PlannedPost, dt.datetime]], first_day: dt.date,
                   last_day: dt.date, *, allow_past: bool, now: dt.datetime, result: ImportResult) -> None:
    for post, moment in todo:
        where = f"{campaign.path}:{post.line}" if post.line else str(campaign.path)
        if moment < now and not allow_past:
            raise UserError(t("err.import_past", number=post.number, at=f"{moment:%Y-%m-%d %H:%M}"), where=where)
        if not first_day <= moment.date() <= last_day:
            result.warnings.append(f"{where}: " + t("warn.outside_dates", number=post.number,
                                                    at=f"{moment:%d/%m/%Y}", start=f"{first_day:%d/%m/%Y}",
                                                    end=f"{last_day:%d/%m/%Y}"))


def _queue_chunk(session: Session, campaign: Campaign, chunk: list[tuple[PlannedPost, dt.datetime]], *,
                 first_seq: int, approve: bool, now: dt.datetime, renderer: Renderer | None, path: str) -> None:
    status = "approved" if approve else "draft"
    post_ids = session.scalars(
        insert(Post).returning(Post.id, sort_by_parameter_order=True),
        [{"campaign_id": campaign.id, "seq": first_seq + i, "title": post.title, "body": post.body,
          "template": post.template, "banner": post.banner, "publish_at": moment, "status": status,
          "revision": 1, "created_at": now, "updated_at": now}
         for i, (post, moment) in enumerate(chunk)],
    ).all()
    deliveries = []
    entries = []
    for post_id, (post, moment) in zip(post_ids, chunk):
        for channel in post.channels:
            deliveries.append({"post_id": post_id, "channel": channel, "status": "pending", "due_at": moment,
                               "available_at": moment, "attempts": 0, "updated_at": now})
        base = {"at": now, "campaign_id": campaign.id, "post_id": post_id, "title": post.title}
        entries.append({**base, "kind": "queued", "detail": {"publish_at": moment.isoformat(),
                                                            "channels": post.channels}})
        if approve:
            entries.append({**base, "kind": "approved", "detail": None})
    session.execute(insert(Delivery), deliveries)
    record_many(session, entries)
    if renderer is not None:
        renders = []
        for post_id, (post, moment) in zip(post_ids, chunk):
            content = PostContent(post_id, 1, post.title, post.body, moment, post.template, post.banner, post.channels)
            where = f"{path}:{post.line}: posts[{post.number}]" if post.line else f"{path}: posts[{post.number}]"
            renders += renderer.render(content, campaign, where=where)
        if renders:
            session.execute(insert(Render), renders)


def _retire_unpublished(session: Session, campaign: Campaign, result: ImportResult) -> set[str]:
    """``--replace``: cancel the posts that have not gone out; keep (and return the titles of) those that have."""
    posts = session.scalars(select(Post).where(Post.campaign_id == campaign.id,
                                               Post.status != "cancelled")).all()
    kept: set[str] = set()
    for post in posts:
        if post.status == "done" or any(d.status in LOCKED_DELIVERY_STATUSES for d in post.deliveries):
            kept.add(post.title)
            result.kept += 1
            continue
        post.status = "cancelled"
        post.revision += 1
        session.execute(update(Delivery).where(Delivery.post_id == post.id, Delivery.status != "cancelled")
                        .values(status="cancelled", updated_at=utcnow()))
        record(session, "replaced", campaign_id=campaign.id, post=post)
        result.replaced += 1
    return kept


def get_campaign(session: Session, slug: str, *, where: str = "--campaign") -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise UserError(t("err.unknown_campaign", slug=slug), where=where)
    return campaign
