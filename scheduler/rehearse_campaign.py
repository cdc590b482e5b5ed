"""``loa campaign rehearse FILE|SLUG``: the whole campaign through the dry-run adapter, in a throw-away queue.

A campaign file is imported, or a campaign's open posts are copied out of the real queue (read only), into a
temporary SQLite database. There every open post counts as approved (a draft is marked so in the timeline), is moved
so the first goes out now (the others at their distances from it, or ``pace`` seconds apart), and every delivery is
rehearsed at once, in the order the daemon would send them: nobody waits for the clock. The texts go out as stored
(dated as planned). What would be sent is recorded in var/rehearsal/SLUG/ (one folder per channel, banners in
media/), which the next rehearsal of that campaign replaces. The real queue, the outreach log and the reports are
never written.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from loa.posts.campaign_file import load_campaign_file
from loa.posts.db import Database
from loa.posts.errors import UserError
from loa.posts.files import copy_atomically
from loa.posts.i18n import t
from loa.posts.lookup import get_campaign
from loa.posts.models import Campaign, Delivery, Post, Render
from loa.posts.render.artefacts import Renderer

from .config import Config
from .rehearsal import Rehearsal, Rehearsed, dry_run_adapters

MAX_PACE = 86_400  # seconds, as `campaign import --pace`
REHEARSABLE = ("pending", "retry_wait", "missed")  # a delivery not yet sent; moved to now, it is due again


@dataclass
class CampaignRehearsal:
    slug: str
    timezone: str
    folder: Path  # where the records are (one folder per channel)
    media: Path  # where the banners are
    timeline: list[Rehearsed] = field(default_factory=list)
    drafts: set[int] = field(default_factory=set)  # posts still drafts in the real queue: rehearsed all the same

    @property
    def rehearsed(self) -> int:
        return sum(1 for entry in self.timeline if entry.outcome == "rehearsed")


def rehearsal_folder(config: Config, slug: str) -> Path:
    return config.base_dir / "var" / "rehearsal" / slug


def rehearse_campaign(config: Config, renderer: Renderer, *, file: Path | None = None, slug: str | None = None,
                      real_db: Callable[[], Database] | None = None, pace: float | None = None,
                      now: dt.datetime | None = None) -> CampaignRehearsal:
    """Rehearse a campaign file (``file``) or a campaign of the real queue (``slug``, read from ``real_db()``)."""
    if pace is not None and not (math.isfinite(pace) and 0 <= pace <= MAX_PACE):
        raise UserError(t("rehearsal.err_pace", most=MAX_PACE), where="--pace")
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    campaign = load_campaign_file(file, default_timezone=config.timezone, known_channels=config.channel_names) \
        if file is not None else None
    with tempfile.TemporaryDirectory(prefix="loa-rehearsal-") as scratch:
        db = Database(f"sqlite:///{Path(scratch) / 'queue.db'}")
        try:
            db.upgrade()
            name = campaign.slug if campaign is not None else str(slug)
            if campaign is None:
                assert real_db is not None
                source = real_db()
                with source.session() as session:  # an unknown slug is refused before anything is written
                    get_campaign(session, name, where="SLUG")
            folder = _fresh_folder(rehearsal_folder(config, name))
            media = folder / "media"
            local = Renderer(dataclasses.replace(renderer.settings, media_dir=media))
            if campaign is not None:
                from loa.posts.campaigns import import_campaign

                import_campaign(db, campaign, approve=True, allow_past=True, renderer=local, now=now)
            else:
                _copy_campaign(source, db, name, renderer.settings.media_dir, media)
            result = CampaignRehearsal(name, "UTC", folder, media)
            result.timezone, result.drafts = _prepare(db, name, local, now=now, pace=pace)
            settings = _with_media(config, media)
            result.timeline = Rehearsal(db, settings, dry_run_adapters(settings, folder)).run_at_once()
        finally:
            db.dispose()
    return result


def _fresh_folder(folder: Path) -> Path:
    """The rehearsal's folder, emptied: the last rehearsal of this campaign is replaced, never mixed in."""
    if folder.is_symlink() or folder.is_file():
        raise UserError(t("input.not_a_folder", path=folder), where=str(folder))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _with_media(config: Config, media: Path) -> Config:
    """The configuration with the rehearsal's own media folder: banners are read from (and drawn into) it."""
    render = config.document.render.model_copy(update={"media": str(media)})
    return dataclasses.replace(config, document=config.document.model_copy(update={"render": render}))


def _copy_campaign(source: Database, target: Database, slug: str, media_from: Path, media_to: Path) -> None:
    """The campaign's open posts (draft, approved), their deliveries and current renders, ids kept, and the banner
    files they use: only read from the real queue."""
    with source.session() as session:
        campaign_id = get_campaign(session, slug, where="SLUG").id
        posts = select(Post.id).where(Post.campaign_id == campaign_id, Post.status.in_(("draft", "approved")))
        rows = {
            Campaign: session.execute(select(Campaign.__table__).where(Campaign.id == campaign_id)).mappings().all(),
            Post: session.execute(select(Post.__table__).where(Post.id.in_(posts))).mappings().all(),
            Delivery: session.execute(select(Delivery.__table__).where(Delivery.post_id.in_(posts))).mappings().all(),
            Render: session.execute(select(Render.__table__).join(Post, Post.id == Render.post_id)
                                    .where(Post.id.in_(posts), Render.revision == Post.revision)).mappings().all(),
        }
    with target.transaction() as session:
        for model, values in rows.items():
            if values:
                session.execute(insert(model.__table__), [dict(v) for v in values])
    for render in rows[Render]:
        if render["media_path"] and (media_from / render["media_path"]).is_file() \
                and not (media_to / render["media_path"]).exists():
            copy_atomically(media_from / render["media_path"], media_to / render["media_path"], make_parents=True)


def _prepare(db: Database, slug: str, renderer: Renderer, *, now: dt.datetime,
             pace: float | None) -> tuple[str, set[int]]:
    """Approve every open post of the copy, render those rendered before their last edit, and move them so the
    first goes out now. Returns the campaign's timezone and the posts that were drafts."""
    with db.transaction() as session:
        campaign = get_campaign(session, slug, where="SLUG")
        posts = session.scalars(select(Post).where(Post.campaign_id == campaign.id,
                                                   Post.status.in_(("draft", "approved")))
                                .order_by(Post.publish_at, Post.id)).all()
        drafts = {post.id for post in posts if post.status == "draft"}
        to_move = [post for post in posts if any(d.status in REHEARSABLE for d in post.deliveries)]
        first = to_move[0].publish_at if to_move else now
        for index, post in enumerate(to_move):
            post.status = "approved"
            moment = now + (dt.timedelta(seconds=pace * index) if pace is not None else post.publish_at - first)
            for delivery in post.deliveries:
                if delivery.status in REHEARSABLE:
                    delivery.status, delivery.due_at, delivery.available_at = "pending", moment, moment
            stored = session.scalar(select(Render.id).where(Render.post_id == post.id,
                                                            Render.revision == post.revision).limit(1))
            if stored is None and not post.has_gone_out:  # a draft edited since it was last rendered
                renderer.store(session, post, where=f"post {post.id}")
            post.publish_at = moment
        return campaign.timezone, drafts
