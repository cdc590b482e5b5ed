"""Stored renders: rendering posts again after a theme or template change, and exporting a preview folder."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..db import Database
from ..errors import UserError
from ..files import copy_atomically, write_atomically
from ..i18n import t
from ..lookup import get_campaign, get_post
from ..models import Post
from ..outreach import record_rendered
from .artefacts import Renderer, stored_renders
from .links import fill_links


@dataclass
class RerenderResult:
    rendered: int = 0
    files: int = 0
    skipped: list[int] = field(default_factory=list)


def rerender_posts(db: Database, renderer: Renderer, ids: Sequence[int] = (), *, campaign: str | None = None,
                   on_progress: Callable[[int, int], None] | None = None) -> RerenderResult:
    """Render posts again (all of them, or none if one fails). Cancelled and published posts are skipped."""
    result = RerenderResult()
    with db.transaction() as session:
        query = select(Post).where(Post.status != "cancelled").order_by(Post.publish_at, Post.id)
        if campaign is not None:
            query = query.where(Post.campaign_id == get_campaign(session, campaign).id)
        posts = ([get_post(session, post_id) for post_id in dict.fromkeys(ids)] if ids
                 else list(session.scalars(query)))
        for index, post in enumerate(posts, start=1):
            if post.has_gone_out or post.status == "cancelled":
                result.skipped.append(post.id)
            else:
                rows = renderer.store(session, post, where=f"post {post.id}")
                record_rendered(session, post, rows)
                result.files += len(rows)
                result.rendered += 1
            if on_progress:
                on_progress(index, len(posts))
    return result


@dataclass
class PreviewFile:
    """One stored render as a person sees it: a text with its links filled in, or a media file (banner, photo)."""

    name: str
    kind: str
    channel: str | None
    text: str | None = None  # for kind "text"
    media_path: str | None = None  # relative to the media folder, for the others


def preview_files(db: Database, post_id: int, renderer: Renderer) -> list[PreviewFile]:
    """Exactly the stored renders the daemon will send (``loa preview`` and the post's page show these).

    A post rendered before its last edit (or never) is rendered first, unless it has gone out.
    """
    with db.transaction() as session:
        post = get_post(session, post_id)
        renders = stored_renders(session, post.id)
        stale = not renders or any(r.revision != post.revision for r in renders)
        if stale and not post.has_gone_out and post.status != "cancelled":
            record_rendered(session, post, renderer.store(session, post, where=f"post {post.id}"))
            renders = stored_renders(session, post.id)
        # the link of a channel it waits for: the real one once that is out, else a visible note of where it goes
        links = {d.channel: d.permalink for d in post.deliveries if d.status == "published" and d.permalink}
        cancelled = {d.channel for d in post.deliveries if d.status == "cancelled"}
        files = []
        for render in renders:
            if render.kind == "text":
                text = fill_links(render.content or "", links, html=render.name.endswith(".html"),
                                  missing=lambda channel: "" if channel in cancelled else
                                  t("template_limits.link_pending", channel=channel))
                files.append(PreviewFile(render.name, render.kind, render.channel, text=text))
            else:
                files.append(PreviewFile(render.name, render.kind, render.channel, media_path=render.media_path))
        return files


def export_preview(db: Database, post_id: int, out: Path, renderer: Renderer) -> list[Path]:
    """Write the post's texts and banners into ``out``: exactly the stored renders the daemon will send."""
    files = preview_files(db, post_id, renderer)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(t("err.output_unwritable", error=exc.strerror), where="--out") from None
    paths = []
    for item in files:
        target = out / item.name
        try:  # atomically, and never over a device or a FIFO that happens to carry the name
            if item.text is not None:
                write_atomically(target, item.text.encode(), where="--out")
            else:
                copy_atomically(renderer.settings.media_dir / (item.media_path or ""), target, where="--out")
        except OSError as exc:
            raise UserError(t("err.output_unwritable", error=exc.strerror or exc), where="--out") from None
        paths.append(target)
    return paths
