"""What a post will look like, before it is saved: each channel's text exactly as ``Renderer`` renders it, the
length against each channel's limit, and one banner, with every render error kept beside the part it belongs to
(the editor of the workspace shows them as the officer types). Nothing is stored or written.
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError
from ..models import Campaign
from .artefacts import BannerJob, PostContent, Renderer
from .banner import draw_banner
from .links import measured_length
from .sizes import parse_size
from .text import check_limits
from .themes import load_theme

PREVIEW_SIZE = "facebook"  # 1200x630: a print size is previewed at this screen size
CACHED_BANNERS = 32
PREVIEW_QUALITY = 90


@dataclass
class Count:
    """One length of one channel against its limit (None: no limit)."""

    field: str  # title, text or caption
    length: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.length > self.limit


@dataclass
class ChannelPreview:
    channel: str
    kind: str | None = None
    format: str = "text"  # html or text
    text: str | None = None
    counts: list[Count] = field(default_factory=list)
    error: str | None = None  # the text cannot be rendered, or is over a limit


@dataclass
class Preview:
    channels: list[ChannelPreview] = field(default_factory=list)
    banner: bytes | None = None  # a JPEG of the banner's pixels
    banner_size: str | None = None
    banner_error: str | None = None
    template_error: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.banner_error or self.template_error or any(c.error for c in self.channels))


def message(error: UserError) -> str:
    """A ``UserError``'s words without the place it names (shown beside the field instead)."""
    text = str(error)
    prefix = f"{error.where}: " if error.where else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


_banners: OrderedDict[tuple[Any, ...], tuple[str | None, bytes]] = OrderedDict()
_by_digest: dict[str, bytes] = {}
_lock = threading.Lock()


def _banner(job: BannerJob) -> tuple[str | None, bytes]:
    """(error, b"") or (None, JPEG), the last few kept: typing in the body does not draw the banner again.

    The pixels are the banner's own (``draw_banner``, as ``render_banner`` draws them); only the file differs: a
    JPEG, chosen when Pillow's PNG encoding was most of a banner's time. Since png_encode.py the PNG that is
    published encodes as fast (about 2 ms against 2.3 for this JPEG, bench/render.py) and is some 15 % larger."""
    with _lock:
        found = _banners.get(job.key)
        if found is not None:
            _banners.move_to_end(job.key)
            return found
    try:
        image = draw_banner(job.text, load_theme(job.theme, job.themes_dir), job.size)
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=PREVIEW_QUALITY)
        found = None, buffer.getvalue()
    except UserError as exc:
        found = message(exc), b""
    with _lock:
        _banners[job.key] = found
        if found[1]:
            _by_digest[digest(found[1])] = found[1]
        while len(_banners) > CACHED_BANNERS:
            _key, (_error, data) = _banners.popitem(last=False)
            _by_digest.pop(digest(data), None)
    return found


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def cached_banner(token: str) -> bytes | None:
    """A banner drawn for a recent preview, by ``digest`` of its bytes (None once it has left the cache)."""
    with _lock:
        return _by_digest.get(token)


def preview_post(renderer: Renderer, post: PostContent, campaign: Campaign, *, where: str = "preview") -> Preview:
    """Render ``post`` as ``Renderer.render`` would, keeping each error with its part instead of stopping."""
    result = Preview()
    try:
        renderer.check_template(post.template, post.channels, where=where)
    except UserError as exc:
        result.template_error = message(exc)
    context = renderer.context(post, campaign)
    with_banner = bool(post.banner or post.images)
    for channel in post.channels:
        shown = ChannelPreview(channel)
        result.channels.append(shown)
        try:
            kind, text = renderer.channel_text(post, campaign, channel, context)
        except UserError as exc:
            shown.error = message(exc)
            continue
        shown.kind, shown.format, shown.text = kind.name, kind.format, text
        body_field = "caption" if with_banner and "caption" in kind.limits else "text"
        shown.counts = [Count("title", len(post.title), kind.limits.get("title")),
                        Count(body_field, measured_length(text), kind.limits.get(body_field))]
        try:
            check_limits(kind, title=post.title, text=text, with_banner=with_banner, where=where)
        except UserError as exc:
            shown.error = message(exc)
    if post.banner:
        try:
            jobs = renderer.banner_jobs(post, campaign, where=where)
        except UserError as exc:
            result.banner_error = message(exc)
            return result
        # one size is enough to see it: the Facebook one (1200x630) if the post has it, else its first screen size
        job = next((j for j in jobs if j.size.name == PREVIEW_SIZE), None) or \
            next((j for j in jobs if not j.size.is_print), None)
        if job is None and jobs:
            job = BannerJob(jobs[0].text, jobs[0].theme, jobs[0].themes_dir, parse_size(PREVIEW_SIZE), where)
        if job is not None:
            error, data = _banner(job)
            result.banner_error, result.banner, result.banner_size = error, data or None, job.size.label
    return result
