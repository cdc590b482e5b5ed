"""What one delivery sends, assembled from the stored renders: the text for its channel and the post's banners.

Nothing is rendered here: a delivery carries exactly what the officer previewed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Campaign, Delivery, Post, Render
from loa.posts.render.links import fill_links, has_links
from loa.posts.render.text import ChannelKind, channel_kinds, check_limits

from .config import Config
from .publishers import Banner, Outgoing


def load_outgoing(session: Session, delivery_id: int, media_dir: Path, banner_size: str | None = None,
                  kind: str | None = None, simulated_links: Mapping[str, str] | None = None) -> Outgoing:
    """The delivery as it goes out. Its images: every screen banner when the post lists its ``banner.sizes``
    (several photos in one post), else the one in the channel kind's ``banner_size`` (else all of them).
    ``simulated_links``: a rehearsal's stand-ins for links of channels rehearsed, not published."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise UserError(t("err.unknown_delivery", id=delivery_id))
    post, campaign = delivery.post, delivery.post.campaign
    renders = session.scalars(select(Render).where(Render.post_id == post.id, Render.revision == post.revision)
                              .order_by(Render.name)).all()
    text = next((r.content for r in renders if r.kind == "text" and r.channel == delivery.channel), None)
    if text is None:
        raise UserError(t("err.not_rendered", id=post.id, channel=delivery.channel))
    if kind is not None and has_links(text):  # the link of the channel it waited for, now that it is out
        text = _with_links(text, delivery, channel_kinds()[kind], with_banner=bool(post.banner or post.images),
                           simulated=simulated_links)
    return _assemble(delivery.id, delivery.channel, post, campaign, text, renders, media_dir, banner_size, kind)


def _assemble(delivery_id: int, channel: str, post: Any, campaign: Any, text: str, renders: Sequence[Any],
              media_dir: Path, banner_size: str | None, kind: str | None) -> Outgoing:
    """The Outgoing from a post, its campaign and its renders: ORM objects or Core rows with the same names."""
    banners = tuple(Banner(r.name, media_dir / (r.media_path or ""), r.sha256) for r in renders
                    if r.kind == "banner" and r.name.endswith(".png"))  # print PDFs are not for screens
    if not (post.banner or {}).get("sizes") and banner_size is not None:
        chosen = tuple(b for b in banners if b.name == f"banner-{banner_size}.png")
        banners = chosen or banners[:1]
    photos = _photos(renders, media_dir, kind)
    return Outgoing(delivery_id=delivery_id, post_id=post.id, channel=channel, campaign=campaign.slug,
                    campaign_name=campaign.name, timezone=campaign.timezone, title=post.title, text=text,
                    publish_at=post.publish_at, slug=slug_for(campaign.slug, campaign.created_at, delivery_id),
                    banners=banners, photos=photos, body=post.body)


def _photos(renders: Sequence[Any], media_dir: Path, kind: str | None) -> tuple[Banner, ...]:
    """The post's photos in the copies made for ``kind`` (``photo-01-facebook.jpg``); without a kind, those of the
    first kind rendered."""
    by_kind: dict[str, list[Banner]] = {}
    for render in renders:
        if render.kind == "photo":
            stem = render.name.rsplit(".", 1)[0]  # photo-01-facebook
            by_kind.setdefault(stem.split("-", 2)[2], []).append(
                Banner(render.name, media_dir / (render.media_path or ""), render.sha256))
    chosen = by_kind.get(kind) if kind is not None else None
    if chosen is None:
        chosen = next(iter(by_kind.values()), [])
    return tuple(sorted(chosen, key=lambda photo: photo.name))


def _slug(delivery: Delivery) -> str:
    campaign = delivery.post.campaign
    return slug_for(campaign.slug, campaign.created_at, delivery.id)


def slug_for(campaign_slug: str, created_at: dt.datetime, delivery_id: int) -> str:
    # the campaign's slug and creation time tell this database's campaign from any other with the same slug
    origin = hashlib.sha256(f"{campaign_slug}|{created_at.isoformat()}".encode()).hexdigest()[:8]
    return f"loa-{origin}-{delivery_id}"


def _with_links(text: str, delivery: Delivery, kind: ChannelKind, *, with_banner: bool,
                simulated: Mapping[str, str] | None = None) -> str:
    links = {d.channel: d.permalink for d in delivery.post.deliveries if d.status == "published" and d.permalink}
    if simulated:  # a rehearsal: a stand-in's length says nothing of the real link's, so no limit is checked
        return fill_links(text, {**simulated, **links}, html=kind.format == "html")
    text = fill_links(text, links, html=kind.format == "html")
    # the real link may be longer than the room counted for it at queue time: then this delivery cannot go
    check_limits(kind, title=delivery.post.title, text=text, with_banner=with_banner,
                 where=f"post {delivery.post_id} ({delivery.channel})")
    return text


def outgoing_for(session: Session, config: Config, delivery_id: int,
                 simulated_links: Mapping[str, str] | None = None) -> Outgoing:
    """The delivery as it goes out on its configured channel: the media folder and banner size from config.toml.

    A correction or a take-down also carries, in ``extra``, its ``action`` and the ``remote_id`` and
    ``permalink`` of the publication it changes."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise UserError(t("err.unknown_delivery", id=delivery_id))
    if delivery.action == "delete":  # it removes what is there: no text is sent
        outgoing = _bare(delivery)
    else:
        settings = config.channels.get(delivery.channel)
        kind = settings.channel_kind() if settings is not None else None
        size = channel_kinds()[kind].banner_size if kind is not None else None
        outgoing = load_outgoing(session, delivery_id, Path(config.path_of(config.document.render.media)),
                                 banner_size=size, kind=kind, simulated_links=simulated_links)
    if delivery.action != "publish":
        target = next((d for d in delivery.post.deliveries if d.channel == delivery.channel), None)
        if target is None or target.status != "published" or not target.remote_id:
            raise UserError(t("fix.target_gone", id=delivery.post_id, channel=delivery.channel))
        outgoing.extra.update(action=delivery.action, remote_id=target.remote_id, permalink=target.permalink)
    return outgoing


def _bare(delivery: Delivery) -> Outgoing:
    post, campaign = delivery.post, delivery.post.campaign
    return Outgoing(delivery_id=delivery.id, post_id=post.id, channel=delivery.channel, campaign=campaign.slug,
                    campaign_name=campaign.name, timezone=campaign.timezone, title=post.title, text="",
                    publish_at=post.publish_at, slug=_slug(delivery))


def is_first_send(attempts: int, maybe_sent: bool | None, last_error: str | None) -> bool:
    """Nothing of this delivery can be on the platform yet, so its adapter need not look before creating: its first
    attempt, with no lost answer and no error behind it. An attempt that failed, or was left unknown (a fault, a
    crash recovery could not settle), keeps its error even when a person's ``loa retry`` starts the count again."""
    return attempts == 1 and not maybe_sent and last_error is None


def _outgoing_query() -> Any:
    """Every claimed delivery with its post, campaign and the renders it carries, in one Core statement: the text
    for its own channel and the post's images, each at the post's current revision. Built once (``ids`` expands)."""
    deliveries, posts, campaigns, renders = (Delivery.__table__, Post.__table__, Campaign.__table__,
                                             Render.__table__)
    return (select(deliveries.c.id, deliveries.c.channel, deliveries.c.action, deliveries.c.attempts,
                   deliveries.c.maybe_sent, deliveries.c.last_error, deliveries.c.status, deliveries.c.lease_owner,
                   posts.c.id.label("post_id"), posts.c.title, posts.c.body, posts.c.publish_at,
                   posts.c.status.label("post_status"), posts.c.banner, posts.c.images,
                   campaigns.c.slug, campaigns.c.name, campaigns.c.timezone, campaigns.c.created_at,
                   renders.c.kind, renders.c.channel.label("render_channel"), renders.c.name.label("render_name"),
                   renders.c.content, renders.c.media_path, renders.c.sha256)
            .select_from(deliveries.join(posts, posts.c.id == deliveries.c.post_id)
                         .join(campaigns, campaigns.c.id == posts.c.campaign_id)
                         .outerjoin(renders, and_(renders.c.post_id == posts.c.id,
                                                  renders.c.revision == posts.c.revision,
                                                  or_(renders.c.kind != "text",
                                                      renders.c.channel == deliveries.c.channel))))
            .where(deliveries.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(deliveries.c.id, renders.c.name))


OUTGOING_QUERY = _outgoing_query()


def load_claimed(session: Session, config: Config, ids: Iterable[int], owner: str) -> dict[int, Outgoing]:
    """The claimed deliveries that are plain first publications of approved posts, as they go out, read in one
    statement (the daemon's hot path). Left out, for the one-by-one path (``outgoing_for``): corrections and
    take-downs, texts that carry another channel's link, posts no longer approved, leases no longer ``owner``'s.

    ``extra`` carries ``attempt``, ``maybe_sent`` and ``first_send`` (``is_first_send``)."""
    media_dir = Path(config.path_of(config.document.render.media))
    rows: dict[int, list[Any]] = {}
    for row in session.connection().execute(OUTGOING_QUERY, {"ids": list(ids)}):
        rows.setdefault(row.id, []).append(row)
    ready = {}
    for delivery_id, group in rows.items():
        first = group[0]
        if (first.action != "publish" or first.post_status != "approved" or first.status != "sending"
                or first.lease_owner != owner):
            continue
        text = next((r.content for r in group if r.kind == "text"), None)
        if text is None or has_links(text):
            continue
        settings = config.channels.get(first.channel)
        kind = settings.channel_kind() if settings is not None else None
        size = channel_kinds()[kind].banner_size if kind is not None else None
        post = SimpleNamespace(id=first.post_id, title=first.title, body=first.body, publish_at=first.publish_at,
                               banner=first.banner, images=first.images)
        campaign = SimpleNamespace(slug=first.slug, name=first.name, timezone=first.timezone,
                                   created_at=first.created_at)
        renders = [SimpleNamespace(kind=r.kind, channel=r.render_channel, name=r.render_name, content=r.content,
                                   media_path=r.media_path, sha256=r.sha256) for r in group if r.kind is not None]
        outgoing = _assemble(delivery_id, first.channel, post, campaign, text, renders, media_dir, size, kind)
        outgoing.extra.update(attempt=first.attempts, maybe_sent=bool(first.maybe_sent),
                              first_send=is_first_send(first.attempts, first.maybe_sent, first.last_error))
        ready[delivery_id] = outgoing
    return ready
