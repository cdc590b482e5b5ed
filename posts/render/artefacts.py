"""Rendering a queued post into what will be sent, and keeping it: texts in the database, banners as files.

Banner files are content-addressed (``media/ab/ab12….png``), so re-rendering the same post writes nothing new and
two posts with the same banner share one file.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import UserError
from ..i18n import t
from ..models import Campaign, Post, Render, utcnow
from ..organization import effective_organization, printable_organization
from ..times import zone
from .cache import BannerFile, banner_key
from .items import dates_and_tags
from .links import link_placeholder
from .sizes import DEFAULT_PHOTO_MAX_BYTES as DEFAULT_MAX_BYTES, Size, parse_size
from .text import ChannelKind, TextRenderer, channel_kinds, check_limits
from .themes import load_theme
from ..suggest import unknown_name

if TYPE_CHECKING:  # drawing and photos (Pillow, fonts, a process pool) load when a post first needs them: a daemon
    # that only sends what is already rendered stays small (bench/daemon.py's idle RSS)
    from .layout import BannerText
    from .photos import PhotoStore

DEFAULT_THEME = "khuyen-hoc"


@dataclass(frozen=True)
class BannerJob:
    """One banner to draw; picklable, so worker processes can draw it."""

    text: BannerText
    theme: str
    themes_dir: Path | None
    size: Size
    where: str = field(compare=False)

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.text, self.theme, self.themes_dir, self.size)

    @property
    def extension(self) -> str:
        return "pdf" if self.size.is_print else "png"


@dataclass
class BannerCount:
    """Banners this renderer drew, and those it found in the render cache (posts/render/cache.py)."""

    drawn: int = 0
    reused: int = 0


class Links(dict):
    """Permalinks by channel name; a channel that is not published (or not configured at all) reads as None, so
    ``{% if links.portal %}`` works in a template whatever channels the office has."""

    def __missing__(self, key: str) -> None:
        return None


@dataclass
class RenderSettings:
    """What rendering needs from the configuration (posts/ does not read config.toml itself)."""

    kinds: dict[str, str]  # channel name -> channel kind (portal, facebook, telegram, zalo)
    media_dir: Path
    organization: dict[str, str] = field(default_factory=dict)
    theme: str = DEFAULT_THEME
    themes_dir: Path | None = None
    templates_dir: Path | None = None
    after: dict[str, str] = field(default_factory=dict)  # config.toml's channel order (a campaign's comes first)
    max_image_bytes: int = DEFAULT_MAX_BYTES  # a post's photo file, as given ([render] max_image_mb)


@dataclass
class PostContent:
    """The parts of a post that rendering reads (from the ORM or straight from an import)."""

    id: int
    revision: int
    title: str
    body: str
    publish_at: dt.datetime
    template: str | None
    banner: dict[str, Any] | None
    channels: list[str]
    images: list[dict[str, Any]] | None = None  # photos, as ``posts.images`` holds them (photos.py)

    @classmethod
    def of(cls, post: Post) -> PostContent:
        channels = [d.channel for d in post.deliveries if d.status != "cancelled"]
        return cls(post.id, post.revision, post.title, post.body, post.publish_at, post.template, post.banner,
                   channels, post.images)


class Renderer:
    def __init__(self, settings: RenderSettings) -> None:
        self.settings = settings
        self.text = TextRenderer(settings.templates_dir)
        # banners this renderer already has: the same text, theme and size give the same file
        self._drawn: dict[tuple[Any, ...], BannerFile] = {}
        self.banners = BannerCount()
        self._photo_store: PhotoStore | None = None

    @property
    def photos(self) -> PhotoStore:
        if self._photo_store is None:
            from .photos import PhotoStore

            self._photo_store = PhotoStore(self.settings.media_dir, self.settings.max_image_bytes)
        return self._photo_store

    def kind(self, channel: str) -> ChannelKind:
        name = self.settings.kinds.get(channel)
        if name is None:
            raise UserError(t("wording.unknown_channel", channel=channel,
                              known=unknown_name(channel, self.settings.kinds, channels=True)))
        return channel_kinds()[name]

    def check_template(self, name: str | None, channels: list[str], *, where: str) -> None:
        """A named template must exist for at least one of the post's channels; the others use their default."""
        if name and not any(self.text.has_template(self.kind(c), name) for c in channels):
            known = {known for c in channels for known in self.text.template_names(self.kind(c))}
            raise UserError(t("wording.unknown_template", template=name, known=unknown_name(name, known)),
                            where=where)

    def _context(self, post: PostContent, campaign: Campaign) -> dict[str, Any]:
        tz = zone(campaign.timezone)
        local = post.publish_at.astimezone(tz)
        return {
            "campaign": {"slug": campaign.slug, "name": campaign.name, "theme": campaign.theme,
                         "start": campaign.start_date, "end": campaign.end_date, "plan_ref": campaign.plan_ref,
                         "hashtags": campaign.hashtags},
            "post": {"id": post.id, "title": post.title, "body": post.body, "publish_at": local,
                     "banner": post.banner or {}},
            "organization": self.organization_of(campaign),
            "day": {"number": (local.date() - campaign.start_date).days + 1,
                    "count": (campaign.end_date - campaign.start_date).days + 1},
            "hashtags": campaign.hashtags,
        }

    def organization_of(self, campaign: Campaign) -> dict[str, Any]:
        """config.toml's organisation under the campaign's own ([campaign.organization]); a placeholder left in
        the template ("TÊN CƠ QUAN") reads as empty, so no banner ever carries one."""
        own = getattr(campaign, "organization", None)
        return printable_organization(effective_organization(self.settings.organization, own))

    def _links(self, post: PostContent, campaign: Campaign, channel: str) -> Links:
        """The link of the channel this one waits for, as a placeholder filled in when sending (links.py)."""
        first = campaign.waits_for(channel, post.channels) or self.settings.after.get(channel)
        return Links({first: link_placeholder(first)} if first and first in post.channels else {})

    def context(self, post: PostContent, campaign: Campaign) -> dict[str, Any]:
        """What a channel's template sees (the same for every channel of the post)."""
        return self._context(post, campaign)

    def channel_text(self, post: PostContent, campaign: Campaign, channel: str,
                     context: dict[str, Any]) -> tuple[ChannelKind, str]:
        """The text ``channel`` gets, its limits not checked yet (``_text`` checks them; a preview shows both)."""
        kind = self.kind(channel)
        template = post.template if post.template and self.text.has_template(kind, post.template) else None
        return kind, self.text.render(kind, template, {**context, "channel": channel,
                                                       "links": self._links(post, campaign, channel)})

    def banner_jobs(self, post: PostContent, campaign: Campaign, *, where: str) -> list[BannerJob]:
        """The banners ``post`` gets (one per size), not drawn."""
        return self._banner_jobs(post, campaign, where=where)

    def _text(self, post: PostContent, context: dict[str, Any], channel: str, *, where: str,
              campaign: Campaign) -> tuple[ChannelKind, str]:
        kind, text = self.channel_text(post, campaign, channel, context)
        check_limits(kind, title=post.title, text=text, with_banner=bool(post.banner or post.images), where=where)
        return kind, text

    def render(self, post: PostContent, campaign: Campaign, *, where: str) -> list[dict[str, Any]]:
        """Rows for the renders table: one text per channel, one file per banner size."""
        context = self._context(post, campaign)
        self.check_template(post.template, post.channels, where=where)
        rows = []
        for channel in post.channels:
            kind, text = self._text(post, context, channel, where=where, campaign=campaign)
            rows.append(self._row(post, "text", channel, f"{channel}.{kind.extension}", text.encode(), content=text))
        if post.banner:
            rows += self._banners(post, campaign, where=where)
        if post.images:
            rows += self._photos(post, where=where)
        return rows

    def _photos(self, post: PostContent, *, where: str) -> list[dict[str, Any]]:
        """One file per photo and channel kind (``photo-01-facebook.jpg``), scaled to the kind's limits."""
        kinds = list({self.kind(c).name: self.kind(c) for c in post.channels}.values())
        rows = []
        for number, image in enumerate(post.images or [], start=1):
            for kind in kinds:
                variant = self.photos.variant(image, kind, where=f"{where}: images[{number}]")
                rows.append({**self._row(post, "photo", None, f"photo-{number:02d}-{kind.name}.{variant.extension}",
                                         b"", media_path=variant.media_path, digest=variant.sha256),
                             "size": variant.size})
        return rows

    def _banner_jobs(self, post: PostContent, campaign: Campaign, *, where: str) -> list[BannerJob]:
        banner = post.banner or {}
        if not banner:
            return []
        theme = load_theme(banner.get("theme") or campaign.banner_theme or self.settings.theme,
                           self.settings.themes_dir)
        names = banner.get("sizes") or list(dict.fromkeys(self.kind(c).banner_size for c in post.channels))
        from .layout import BannerText

        text = BannerText(headline=banner["headline"], subline=banner.get("subline"),
                          kicker=self.organization_of(campaign).get("agency") or None,
                          footer=campaign_footer(campaign))
        return [BannerJob(text, theme.slug, self.settings.themes_dir, parse_size(name, where=f"{where}: banner.sizes"),
                          where) for name in names]

    def prepare_banners(self, posts: list[tuple[PostContent, Campaign, str]],
                        on_progress: Callable[[int, int], None] | None = None) -> None:
        """Obtain the banners of many posts up front, from the render cache or drawn on every core: an import of
        a week (or a year) of posts. ``render`` then finds them ready."""
        self._obtain([job for post, campaign, where in posts for job in self._banner_jobs(post, campaign, where=where)],
                     on_progress)

    def _obtain(self, jobs: list[BannerJob], on_progress: Callable[[int, int], None] | None = None) -> None:
        todo = list({job.key: job for job in jobs if job.key not in self._drawn}.values())
        keyed = [(job, banner_key(job)) for job in todo]
        from .banner_pool import obtain_all

        with closing(obtain_all(keyed, self.settings.media_dir, on_progress)) as outcomes:
            for job, outcome in zip(todo, outcomes):
                if outcome.error is not None:
                    raise UserError(outcome.error, where=f"{job.where}: banner {job.size.label}")
                assert outcome.stored is not None
                self._drawn[job.key] = outcome.stored
                if outcome.drawn:
                    self.banners.drawn += 1
                else:
                    self.banners.reused += 1

    def _banners(self, post: PostContent, campaign: Campaign, *, where: str) -> list[dict[str, Any]]:
        jobs = self._banner_jobs(post, campaign, where=where)
        self._obtain(jobs)
        rows = []
        for job in jobs:
            stored = self._drawn[job.key]
            rows.append({**self._row(post, "banner", None, f"banner-{job.size.label}.{job.extension}", b"",
                                     media_path=stored.media_path, digest=stored.sha256), "size": stored.size})
        return rows

    @staticmethod
    def _row(post: PostContent, kind: str, channel: str | None, name: str, data: bytes, *, content: str | None = None,
             media_path: str | None = None, digest: str | None = None) -> dict[str, Any]:
        return {"post_id": post.id, "revision": post.revision, "kind": kind, "channel": channel, "name": name,
                "content": content, "media_path": media_path, "sha256": digest or hashlib.sha256(data).hexdigest(),
                "size": len(data), "created_at": utcnow()}

    def store(self, session: Session, post: Post, *, where: str) -> list[dict[str, Any]]:
        """Render ``post`` and replace what was stored for it, in the caller's transaction."""
        rows = self.render(PostContent.of(post), post.campaign, where=where)
        session.execute(delete(Render).where(Render.post_id == post.id))
        if rows:
            session.execute(Render.__table__.insert(), rows)
        return rows


def campaign_footer(campaign: Campaign) -> str:
    return dates_and_tags(campaign.start_date, campaign.end_date, campaign.hashtags)



def stored_renders(session: Session, post_id: int) -> list[Render]:
    return list(session.scalars(select(Render).where(Render.post_id == post_id).order_by(Render.kind, Render.name)))
