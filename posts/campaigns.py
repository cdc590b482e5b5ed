"""Campaigns in the queue: importing a campaign file atomically (with rebasing and pacing), or re-importing it as a
reviewed merge."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .campaign_file import CampaignFile, PlannedPost
from .merge import MergePlan, Prefer, imported_record, plan_merge
from .merge_apply import apply_plan
from .db import Database
from .errors import UserError
from .i18n import t
from .models import Campaign, Delivery, Post, Render, utcnow
from .outreach import record, record_many, rendered_detail
from .times import FIRST_YEAR, LAST_YEAR, in_range, zone
from .wording import post_label

if TYPE_CHECKING:  # rendering pulls in Jinja2 and Pillow: imported only when a renderer is used
    from .render.artefacts import Renderer
    from .render.photos import PhotoStore

Progress = Callable[[int, int], None]
CHUNK = 1000
MAX_PACE = 86_400  # seconds between paced posts: a day at most


@dataclass
class ImportResult:
    slug: str
    plan: MergePlan | None = None
    queued: int = 0  # posts added
    approved: int = 0
    changed: int = 0
    cancelled: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)
    # banners drawn by this import, and those taken from the render cache (drawn before, nothing they show changed)
    banners: dict[str, int] = field(default_factory=lambda: {"drawn": 0, "reused": 0})


class MergeConflicts(UserError):
    """A re-import refused: the officer and the file changed the same thing. The caller shows ``plan``."""

    def __init__(self, plan: MergePlan) -> None:
        super().__init__(t("merge.refused", count=len(plan.conflicts)), where=plan.file)
        self.plan = plan


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


def _scheduled(campaign: CampaignFile, *, start: dt.date | Literal["now"] | None, pace: float | None,
               now: dt.datetime) -> tuple[dt.date, dt.date, list[tuple[PlannedPost, dt.datetime]]]:
    if pace is not None and not (math.isfinite(pace) and 0 < pace <= MAX_PACE):
        raise UserError(t("err.pace", most=MAX_PACE), where="--pace")
    first_day, last_day, moments = schedule_campaign(campaign, start=start, pace=pace, now=now)
    if not (in_range(first_day) and in_range(last_day)):
        raise UserError(t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR), where="--start")
    return first_day, last_day, moments


def import_campaign(db: Database, campaign: CampaignFile, *, start: dt.date | Literal["now"] | None = None,
                    pace: float | None = None, approve: bool = False, replace: bool = False,
                    allow_past: bool = False, prefer: Prefer = None, dry_run: bool = False,
                    now: dt.datetime | None = None, on_progress: Progress | None = None,
                    renderer: Renderer | None = None, by: str | None = None,
                    must_differ: bool = False) -> ImportResult:
    """Queue ``campaign`` in one transaction: all of it or nothing. A campaign already queued is re-imported
    (``replace``) as a three-way merge (posts/merge.py); conflicts refuse it (MergeConflicts) unless ``prefer``.
    ``dry_run``: the plan only, nothing written.

    Rendering the added posts (banners take tens of milliseconds each) happens before the write transaction
    opens, so a large import does not hold the database's write lock while it draws.

    ``by``, the person running the import, is recorded as the author of the added posts and the last editor of
    the posts the file changed (and as their approver with ``approve``, which ``must_differ`` refuses: nobody
    approves what they write).
    """
    if approve and must_differ:
        raise UserError(t("review.import_approve", by=by or "-"), where="--approve")
    now = now or utcnow()
    first_day, last_day, moments = _scheduled(campaign, start=start, pace=pace, now=now)
    result = ImportResult(slug=campaign.slug, dry_run=dry_run)
    if renderer is not None:
        check_names(campaign, renderer)
    if renderer is not None:  # every photo checked before any is kept; a bad one stops the import here
        from .render.photos import attach_photos

        attach_photos(campaign, renderer.photos, write=not dry_run)  # a refused merge leaves only a cache
    with db.session() as session:  # a first look: refuse early, and render only what will be added
        plan = _checked_plan(session, campaign, moments, first_day, last_day, replace=replace, prefer=prefer,
                             allow_past=allow_past, now=now, result=result)
        added = [(entry.planned, entry.moment) for entry in plan.of("add")]
        again = _rendered_again(plan) if renderer is not None and not dry_run else []
    if dry_run:
        return _counted(result, plan, approve)
    before = (renderer.banners.drawn, renderer.banners.reused) if renderer is not None else (0, 0)
    renders = _render_all(campaign, added, first_day, last_day, renderer, on_progress) if renderer else {}
    if renderer is not None and again:  # drawn on every core now, not one by one in the write transaction
        view = _describe(Campaign(), campaign, first_day, last_day)  # the campaign as apply_plan describes it
        renderer.prepare_banners([(content, view, f"loa campaign import {campaign.slug}") for content in again],
                                 on_progress)

    with db.transaction() as session:
        result.warnings.clear()  # the queue may have moved since the first look: plan again, in the transaction
        plan = _checked_plan(session, campaign, moments, first_day, last_day, replace=replace, prefer=prefer,
                             allow_past=allow_past, now=now, result=result)
        existing = session.scalar(select(Campaign).where(Campaign.slug == campaign.slug))
        row = _describe(existing or Campaign(), campaign, first_day, last_day)
        session.add(row)
        session.flush()
        todo = [(entry.planned, entry.moment) for entry in plan.of("add")]
        if renderer is not None and (missing := [(p, m) for p, m in todo if p.number not in renders]):
            # the queue changed between the first look and now: render what is added after all
            renders.update(_render_all(campaign, missing, first_day, last_day, renderer, None))
        seq = session.scalar(select(func.coalesce(func.max(Post.seq), 0)).where(Post.campaign_id == row.id)) or 0
        record(session, "imported", campaign_id=row.id, detail={
            "file": str(campaign.path), "posts": len(todo), "replace": replace,
            "start": first_day.isoformat(), "pace": pace, "plan": plan.counts()}, by=by)
        apply_plan(session, row, plan, source=str(campaign.path), approve=approve, renderer=renderer, by=by, now=now)
        for offset in range(0, len(todo), CHUNK):
            _queue_chunk(session, row, todo[offset:offset + CHUNK], first_seq=seq + offset + 1, approve=approve,
                         now=now, renders=renders, by=by)
    if renderer is not None:
        result.banners = {"drawn": renderer.banners.drawn - before[0], "reused": renderer.banners.reused - before[1]}
    return _counted(result, plan, approve)


def check_names(campaign: CampaignFile, renderer: Renderer) -> None:
    """Every theme and template the file names exists; an unknown one is told at its own line, with the names
    there are and the closest ("có phải ý anh/chị là `khoa-hoc`?"), before anything is drawn or written."""
    from .render.themes import named_theme

    themes = renderer.settings.themes_dir
    if campaign.banner_theme:
        named_theme(campaign.banner_theme, themes, where=campaign.where_of(("campaign", "banner_theme")))
    for post in campaign.posts:
        index = post.number - 1
        if post.banner and post.banner.get("theme"):
            named_theme(post.banner["theme"], themes, where=campaign.where_of(("posts", index, "banner", "theme")))
        if post.template:
            renderer.check_template(post.template, post.channels,
                                    where=campaign.where_of(("posts", index, "template")))


def _checked_plan(session: Session, campaign: CampaignFile, moments: list[tuple[PlannedPost, dt.datetime]],
                  first_day: dt.date, last_day: dt.date, *, replace: bool, prefer: Prefer, allow_past: bool,
                  now: dt.datetime, result: ImportResult) -> MergePlan:
    existing = session.scalar(select(Campaign.id).where(Campaign.slug == campaign.slug))
    if existing is not None and not replace:
        raise UserError(t("err.campaign_exists", slug=campaign.slug), where=str(campaign.path))
    plan = plan_merge(session, campaign, moments, first_day, last_day, prefer=prefer)
    result.plan = plan
    if plan.conflicts:
        raise MergeConflicts(plan)
    # only what this import schedules is checked: a post left as it is may well be in the past by now
    scheduled = [(entry.planned, entry.moment) for entry in plan.posts if entry.planned is not None and (
        entry.action == "add" or (entry.action == "change" and "publish_at" in entry.changes))]
    _check_moments(campaign, scheduled, first_day, last_day, allow_past=allow_past, now=now,  # type: ignore[arg-type]
                   result=result)
    return plan


def _rendered_again(plan: MergePlan) -> list[Any]:
    """The queued posts apply_plan will render again: those the file changes (their banner and channels as they
    will be) and, when the campaign's name, dates or hashtags change, every one still to be sent."""
    from .render.artefacts import PostContent

    everyone = not plan.new_campaign and bool(plan.campaign_changes or plan.dates_moved)
    contents = []
    for entry in plan.posts:
        post = entry.post
        if post is None or post.has_gone_out or not (entry.action == "change" or (
                everyone and entry.action in ("unchanged", "keep") and post.status in ("draft", "approved"))):
            continue
        content = PostContent.of(post)
        if entry.action == "change" and entry.planned is not None:  # only banners and channels shape a banner
            if "banner" in entry.changes:
                content.banner = entry.planned.banner
            if "channels" in entry.changes:
                content.channels = list(entry.planned.channels)
        contents.append(content)
    return contents


def _counted(result: ImportResult, plan: MergePlan, approve: bool) -> ImportResult:
    result.plan = plan
    result.queued = len(plan.of("add"))
    result.changed = len(plan.of("change"))
    result.cancelled = len(plan.of("cancel"))
    result.approved = result.queued + result.changed if approve else 0
    return result


def _describe(row: Campaign, campaign: CampaignFile, first_day: dt.date, last_day: dt.date) -> Campaign:
    row.slug, row.name, row.theme, row.timezone = campaign.slug, campaign.name, campaign.theme, campaign.timezone
    row.start_date, row.end_date, row.plan_ref = first_day, last_day, campaign.plan_ref
    row.channels, row.hashtags = campaign.channels, campaign.hashtags
    row.banner_theme, row.source_file = campaign.banner_theme, str(campaign.path)
    row.channel_after = campaign.after or None
    row.organization = campaign.organization or None
    return row


def _render_all(campaign: CampaignFile, todo: list[tuple[PlannedPost, dt.datetime]], first_day: dt.date,
                last_day: dt.date, renderer: Renderer, on_progress: Progress | None) -> dict[int, list[dict[str, Any]]]:
    """Render rows per post number; post ids are filled in when the posts are inserted."""
    from .render.artefacts import PostContent

    view = _describe(Campaign(), campaign, first_day, last_day)  # never added to a session
    contents = [(post, PostContent(0, 1, post.title, post.body, moment, post.template, post.banner, post.channels,
                                   post.images),
                 f"{campaign.path}:{post.line}: {post_label(post.number, post.title)}" if post.line
                 else f"{campaign.path}: {post_label(post.number, post.title)}")
                for post, moment in todo]
    banners = 0  # one progress bar for both steps: the banners (told by the pool), then each post's texts

    def banner_progress(done: int, total: int) -> None:
        nonlocal banners
        banners = total
        if on_progress:
            on_progress(done, total + len(todo))

    renderer.prepare_banners([(content, view, where) for _, content, where in contents], banner_progress)
    renders = {}
    for index, (post, content, where) in enumerate(contents, start=1):
        renders[post.number] = renderer.render(content, view, where=where)
        if on_progress and (index % 50 == 0 or index == len(todo)):
            on_progress(banners + index, banners + len(todo))
    return renders


def _check_moments(campaign: CampaignFile, todo: list[tuple[PlannedPost, dt.datetime]], first_day: dt.date,
                   last_day: dt.date, *, allow_past: bool, now: dt.datetime, result: ImportResult) -> None:
    for post, moment in todo:
        where = f"{campaign.path}:{post.line}" if post.line else str(campaign.path)
        if moment < now and not allow_past:
            raise UserError(t("err.import_past", post=post_label(post.number, post.title),
                              at=f"{moment:%Y-%m-%d %H:%M}"), where=where)
        if not first_day <= moment.date() <= last_day:
            result.warnings.append(f"{where}: " + t("warn.outside_dates", post=post_label(post.number, post.title),
                                                    at=f"{moment:%d/%m/%Y}", start=f"{first_day:%d/%m/%Y}",
                                                    end=f"{last_day:%d/%m/%Y}"))


def _queue_chunk(session: Session, campaign: Campaign, chunk: list[tuple[PlannedPost, dt.datetime]], *,
                 first_seq: int, approve: bool, now: dt.datetime, renders: dict[int, list[dict[str, Any]]],
                 by: str | None = None) -> None:
    status = "approved" if approve else "draft"
    # One executemany per table through the table itself (Core): the ORM's bulk layer would only sort the rows by
    # their keys again. Then the ids by (campaign, seq): asking INSERT ... RETURNING for ids in input order makes
    # SQLAlchemy fall back to one statement per row on SQLite.
    session.execute(Post.__table__.insert(), [
        {"campaign_id": campaign.id, "seq": first_seq + i, "title": post.title, "body": post.body,
         "template": post.template, "banner": post.banner, "images": post.images, "publish_at": moment,
         "status": status, "revision": 1, "created_at": now, "updated_at": now, "key": post.key,
         "imported": imported_record(post, moment), "created_by": by, "edited_by": by,
         "approved_by": by if approve else None, "approved_at": now if approve else None}
        for i, (post, moment) in enumerate(chunk)])
    ids = dict(session.execute(select(Post.seq, Post.id).where(
        Post.campaign_id == campaign.id, Post.seq.between(first_seq, first_seq + len(chunk) - 1))).all())
    deliveries, entries, render_rows = [], [], []
    who = {"by": by} if by is not None else {}
    for i, (post, moment) in enumerate(chunk):
        post_id = ids[first_seq + i]
        for channel in post.channels:
            deliveries.append({"post_id": post_id, "channel": channel, "status": "pending", "due_at": moment,
                               "available_at": moment, "attempts": 0, "updated_at": now,
                               "wait_for": campaign.waits_for(channel, post.channels)})
        base = {"at": now, "campaign_id": campaign.id, "post_id": post_id, "title": post.title}
        entries.append({**base, "kind": "queued", "detail": {"publish_at": moment.isoformat(),
                                                            "channels": post.channels, **who}})
        if post.number in renders:
            entries.append({**base, "kind": "rendered", "detail": rendered_detail(1, renders[post.number])})
        if approve:
            entries.append({**base, "kind": "approved", "detail": who or None})
        render_rows += [{**row, "post_id": post_id} for row in renders.get(post.number, [])]
    session.execute(Delivery.__table__.insert(), deliveries)
    record_many(session, entries)
    if render_rows:
        session.execute(Render.__table__.insert(), render_rows)


def diff_campaign(db: Database, campaign: CampaignFile, *, start: dt.date | Literal["now"] | None = None,
                  pace: float | None = None, prefer: Prefer = None, now: dt.datetime | None = None,
                  photos: PhotoStore | None = None) -> MergePlan:
    """``loa campaign diff``: what importing the file (with ``--replace``) would do, conflicts included. Reads only.

    ``photos``: where the file's photos would be kept; they are checked and compared, never written."""
    now = now or utcnow()
    if photos is not None:
        from .render.photos import attach_photos

        attach_photos(campaign, photos, write=False)
    first_day, last_day, moments = _scheduled(campaign, start=start, pace=pace, now=now)
    with db.session() as session:
        return plan_merge(session, campaign, moments, first_day, last_day, prefer=prefer)
