"""Carrying out a re-import's plan (posts/merge.py) on the queue, inside the import's transaction.

Added posts are queued in bulk by campaigns.py; here the matched posts take the file's changes, posts gone from
the file are cancelled, and every post the file still describes gets the file's version as its new base.
"""
from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .merge import COPIED, MergePlan, PostPlan, imported_record
from .models import Campaign, Post, utcnow
from .outreach import record, record_rendered
from .queue import _move, _set_channels, mark_edited

if TYPE_CHECKING:
    from .render.artefacts import Renderer


def apply_plan(session: Session, campaign: Campaign, plan: MergePlan, *, source: str, approve: bool,
               renderer: Renderer | None, by: str | None = None, now: dt.datetime | None = None) -> None:
    """``campaign`` is already described anew (its dates), so what is re-rendered carries them."""
    touched: set[int] = set()
    for entry in plan.posts:
        post = entry.post
        if post is None or post.has_gone_out:  # added ones are queued in bulk; what went out is frozen, base too
            continue
        if entry.action == "change":
            _apply_change(session, post, entry, source=source, approve=approve, renderer=renderer, by=by, now=now)
            touched.add(post.id)
        elif entry.action == "cancel":
            _cancel(session, post, source=source, by=by)
        if entry.planned is not None and entry.moment is not None:
            if (base := imported_record(entry.planned, entry.moment)) != post.imported:
                post.imported = base
            if entry.planned.key and not post.key:
                post.key = entry.planned.key
        elif entry.action == "keep" and post.imported is not None:  # gone from the file, kept by --prefer queue: the officer's own from now on
            post.imported = None
    if renderer is not None and (plan.campaign_changes or plan.dates_moved):
        _render_again(session, campaign, touched, renderer)


def _apply_change(session: Session, post: Post, entry: PostPlan, *, source: str, approve: bool,
                  renderer: Renderer | None, by: str | None, now: dt.datetime | None) -> None:
    planned, moment = entry.planned, entry.moment
    assert planned is not None and moment is not None
    fields = list(entry.changes)
    for name in COPIED:
        if name in fields:
            setattr(post, name, copy.deepcopy(getattr(planned, name)))
    if "images" in fields:
        post.images = copy.deepcopy(planned.images)
    if "publish_at" in fields:
        _move(post, moment)
    revived = "status" in fields  # --prefer file on a post the officer had cancelled
    if "channels" in fields or revived:
        chosen = list(planned.channels) if "channels" in fields else [d.channel for d in post.deliveries]
        _set_channels(post, chosen)
    was = post.status
    post.status = "approved" if approve else "draft"  # changed text needs a new approval, as for any edit
    mark_edited(post, by, fields)  # the person who ran the import changed it
    if approve:
        post.approved_by, post.approved_at = by, now or utcnow()
    post.revision += 1
    rows = renderer.store(session, post, where=f"{source}:{planned.line}" if planned.line else source) \
        if renderer is not None else None
    record(session, "edited", campaign_id=post.campaign_id, post=post, detail={
        "fields": fields, "approval_reset": was == "approved" and not approve, "file": source,
        "resolved": entry.resolved}, by=by)
    if rows is not None:
        record_rendered(session, post, rows)
    if approve and was != "approved":
        record(session, "approved", campaign_id=post.campaign_id, post=post, by=by)


def _cancel(session: Session, post: Post, *, source: str, by: str | None) -> None:
    """Gone from the file: never sent. (Posts that went out, or may have, are not planned for cancelling.)"""
    post.status = "cancelled"
    post.revision += 1
    stopped = []
    for delivery in post.deliveries:
        if delivery.status not in ("published", "unknown", "cancelled"):
            delivery.status = "cancelled"
            stopped.append(delivery.channel)
    record(session, "cancelled", campaign_id=post.campaign_id, post=post,
           detail={"channels": stopped, "file": source}, by=by)


def _render_again(session: Session, campaign: Campaign, touched: set[int], renderer: Renderer) -> None:
    """The campaign's name, hashtags or dates are in every text: render again what will still be sent."""
    posts = session.scalars(select(Post).where(Post.campaign_id == campaign.id, Post.status.in_(("draft", "approved")))
                            .order_by(Post.seq))
    for post in posts:
        if post.id in touched or post.has_gone_out:
            continue
        rows = renderer.store(session, post, where=f"loa campaign import {campaign.slug}")
        record_rendered(session, post, rows)
