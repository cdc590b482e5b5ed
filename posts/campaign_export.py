"""``loa campaign export``: the campaign as it stands in the queue, written back as a campaign file.

The officer's edits, reschedules and added posts are in it; cancelled posts are left out (importing the file would
otherwise bring them back as drafts, and on a re-import of the export their absence changes nothing: they are
cancelled already). Every post carries a key — its own, or ``id-N`` made from its id — so re-importing the export
matches each post to itself.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import UserError
from .files import writable_target, write_atomically
from .i18n import t
from .lookup import get_campaign
from .models import Campaign, Post
from .os_errors import os_error_text
from .times import localize, zone


def export_campaign(session: Session, slug: str, *, media_dir: Path | None = None, folder: Path | None = None) -> str:
    """The campaign file's text (TOML, UTF-8, multi-line bodies as multi-line strings).

    Photos are named by their kept copies in ``media_dir``: relative to ``folder`` (where the file is written), so
    the export and the media folder can move together, or absolute without one (standard output)."""
    campaign = get_campaign(session, slug, where="SLUG")
    posts = list(session.scalars(select(Post).where(Post.campaign_id == campaign.id, Post.status != "cancelled")
                                 .order_by(Post.seq, Post.id)))
    keys = {post.key for post in posts if post.key}
    parts = [tomli_w.dumps({"campaign": _campaign_table(campaign)}, multiline_strings=True)]
    for post in posts:
        # one [[posts]] table each, as officers write them (tomli-w would put short ones inline, on one line)
        table = _post_table(post, campaign, _key(post, keys))
        if post.images and media_dir is not None:
            table["images"] = [_photo_path(media_dir / image["media_path"], folder) for image in post.images]
        banner = table.pop("banner", None)
        parts.append("[[posts]]\n" + tomli_w.dumps(table, multiline_strings=True))
        if banner:
            parts.append("[posts.banner]\n" + tomli_w.dumps(banner, multiline_strings=True))
    return "\n".join(parts)


def _campaign_table(campaign: Campaign) -> dict[str, Any]:
    table: dict[str, Any] = {"slug": campaign.slug, "name": campaign.name, "theme": campaign.theme,
                             "start": campaign.start_date, "end": campaign.end_date, "timezone": campaign.timezone,
                             "plan_ref": campaign.plan_ref, "channels": campaign.channels,
                             "hashtags": campaign.hashtags, "banner_theme": campaign.banner_theme,
                             "after": campaign.channel_after, "organization": campaign.organization}
    return {name: value for name, value in table.items() if value not in (None, {}) and
            (value != [] or name == "channels")}


def _key(post: Post, taken: set[str]) -> str:
    if post.key:
        return post.key
    key = f"id-{post.id}"
    while key in taken:  # an officer's own key happens to read id-N: make this one different (matched by title)
        key += "-x"
    taken.add(key)
    return key


def _post_table(post: Post, campaign: Campaign, key: str) -> dict[str, Any]:
    tz = zone(campaign.timezone)
    local = post.publish_at.astimezone(tz)
    day = (local.date() - campaign.start_date).days + 1
    table: dict[str, Any] = {"key": key}
    naive = local.replace(tzinfo=None)
    if day >= 1 and localize(naive, tz).astimezone(dt.timezone.utc) == post.publish_at:
        table["day"], table["time"] = day, naive.time()  # as an officer writes it; moves with --start
    else:  # before the campaign's first day, or a wall-clock time a DST change makes ambiguous: the instant
        table["at"] = local
    table["title"], table["body"] = post.title, post.body
    if post.template:
        table["template"] = post.template
    channels = [d.channel for d in post.deliveries if d.status != "cancelled"] or \
        [d.channel for d in post.deliveries]
    if channels != campaign.channels:
        table["channels"] = channels
    if post.banner:
        table["banner"] = dict(post.banner)
    return table


def _photo_path(path: Path, folder: Path | None) -> str:
    if folder is None:
        return str(path.resolve())
    return os.path.relpath(path.resolve(), folder.resolve())


def write_export(path: Path, text: str) -> None:
    """``-o FILE``: written whole or not at all; a folder, a device or a missing folder is a one-line error."""
    if path.is_dir():
        raise UserError(t("logcmd.err_output_is_folder", path=path), where="-o")
    writable_target(path, where="-o")
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
        missing = OSError(errno.ENOENT if not path.parent.is_dir() else errno.EACCES, "")
        error = os_error_text(missing, writing=True)
        raise UserError(t("logcmd.err_output_unwritable", path=path, error=error), where="-o")
    write_atomically(path, text.encode("utf-8"), where="-o")
