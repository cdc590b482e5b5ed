"""``static-site``: the portal as a folder of HTML — the embedded default, and a real option for an intranet.

One page per post (with its banner), an index (newest first) and an Atom feed, rebuilt from a small manifest.
Publishing the same delivery again rewrites the same page; every file is written atomically, and a lock file
keeps two publishing processes from losing each other's manifest entries.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from loa.posts.errors import UserError
from loa.posts.files import clean_stale_temporaries, copy_atomically, holds, write_atomically
from loa.posts.i18n import t
from loa.posts.os_errors import os_error_text
from loa.posts.render.text import ngay, text_as_html, thu
from loa.posts.times import zone

from . import LOCAL_CHANNEL, Banner, ChannelHealth, Metrics, Outgoing, PermanentError, Published, Publisher, folder_problem, \
    target_unavailable

MANIFEST = "loa-site.json"
SITE_ASSETS = resources.files("loa.assets") / "site"


@cache
def _template(name: str) -> Any:
    # loa's own templates, not users': a plain environment. The post body is Markup only when it is a portal-kind
    # render (escaped by its sandbox); titles and summaries are escaped here.
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string((SITE_ASSETS / name).read_text(encoding="utf-8"))


def _summary(fragment: str, limit: int = 220, *, is_html: bool = True) -> str:
    if is_html:
        fragment = re.sub(r'<p class="loa-meta">.*?</p>', " ", fragment, flags=re.S)  # the date line is shown apart
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment)) if is_html else fragment
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


class StaticSitePublisher(Publisher):
    adapter = "static-site"
    supports = frozenset({"update", "delete"})

    def __init__(self, channel: str, settings: Any, *, base_dir: Path) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        clean_stale_temporaries(self.folder)  # what a killed process was writing: never part of the site

    @property
    def folder(self) -> Path:
        return (self.base_dir / self.settings.path).resolve()

    @property
    def title(self) -> str:
        from loa.scheduler.channel_names import settings_name

        # the site's own title, else the channel's name as people read it; Vietnamese like the rest of the site,
        # whatever language loa's messages are in
        return self.settings.title or settings_name(self.settings, "vi")

    def _link(self, page: str) -> str:
        base = getattr(self.settings, "base_url", None)
        return f"{base.rstrip('/')}/{page}" if base else (self.folder / page).as_uri()

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = open(self.folder / ".loa-site.lock", "a")
        except OSError as exc:
            raise target_unavailable(exc, self.folder) or PermanentError(
                t("check.site_unwritable", path=self.folder, error=os_error_text(exc, writing=True))) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = self.folder / MANIFEST
            manifest = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
            yield manifest
            write_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode())

    def publish(self, outgoing: Outgoing) -> Published:
        return self._writing(lambda: self._publish(outgoing, outgoing.slug))

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """The page rewritten in place (same address), then the index and the feed."""
        return self._writing(lambda: self._publish(outgoing, remote_id))

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """The page removed, then the index and the feed rebuilt without it; a page already gone is done."""
        self._writing(lambda: self._remove(remote_id))

    def _remove(self, slug: str) -> None:
        with self._locked() as manifest:
            entry = manifest.pop(slug, None)
            page = self.folder / (entry["page"] if entry else f"posts/{slug}.html")
            page.unlink(missing_ok=True)
            self._rebuild(manifest)

    def _writing(self, write: Any) -> Any:
        try:
            return write()
        except OSError as exc:  # a full or read-only folder pauses the channel; nothing half-written is kept
            unavailable = target_unavailable(exc, self.folder)
            if unavailable is None:
                raise
            raise unavailable from None
        except UserError as exc:  # something that is not a regular file sits where a page goes
            raise PermanentError(str(exc)) from None

    def _publish(self, outgoing: Outgoing, slug: str) -> Published:
        local = outgoing.publish_at.astimezone(zone(outgoing.timezone))
        # the banner chosen for this channel (its kind's size) by load_outgoing, and the photos scaled for it
        banner = self._copy(outgoing.banners[0]) if outgoing.banners else None
        photos = [self._copy(photo) for photo in outgoing.photos]
        page = f"posts/{slug}.html"
        entry = {"slug": slug, "title": outgoing.title, "page": page, "banner": banner, "photos": photos,
                 "campaign_name": outgoing.campaign_name,
                 "date_label": f"{thu(local)}, {ngay(local)}",
                 "summary": _summary(outgoing.text, is_html=self.text_is_html),
                 "published_at": outgoing.publish_at.astimezone(dt.timezone.utc).isoformat(timespec="seconds")}
        content = Markup(outgoing.text) if self.text_is_html else text_as_html(outgoing.text)
        with self._locked() as manifest:
            body = _template("page.html.j2").render(post=entry, content=content, site_title=self.title)
            write_atomically(self.folder / page, body.encode(), make_parents=True)
            manifest[slug] = entry
            self._rebuild(manifest)
        return Published(remote_id=slug, permalink=self._link(page))

    def _copy(self, image: Banner) -> str:
        """``image`` in the site's media folder, named by its content; its path relative to the site."""
        relative = f"media/{image.sha256}{image.path.suffix}"
        target = self.folder / relative
        if not holds(target, image.sha256):  # a file cut short earlier has the name, not the bytes
            copy_atomically(image.path, target, make_parents=True)
        return relative

    def _rebuild(self, manifest: dict[str, Any]) -> None:
        posts = sorted(manifest.values(), key=lambda p: (p["published_at"], p["slug"]), reverse=True)
        write_atomically(self.folder / "index.html",
                         _template("index.html.j2").render(posts=posts, site_title=self.title).encode())
        base = getattr(self.settings, "base_url", None)
        write_atomically(self.folder / "feed.xml", _template("feed.xml.j2").render(
            posts=posts, site_title=self.title, site_id=f"urn:loa:{self.channel}",
            updated=posts[0]["published_at"] if posts else "1970-01-01T00:00:00+00:00",
            base=(base.rstrip("/") + "/") if base else "").encode())
        style = self.folder / "style.css"
        css = (SITE_ASSETS / "style.css").read_bytes()
        if not style.exists() or style.read_bytes() != css:
            write_atomically(style, css)

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        entry = json.loads(path.read_text(encoding="utf-8")).get(outgoing.slug)
        return Published(outgoing.slug, self._link(entry["page"])) if entry else None

    def metrics(self, remote_id: str) -> Metrics:
        return Metrics.none(LOCAL_CHANNEL)  # nobody reacts to a local file: unavailable, never zero

    def check(self) -> ChannelHealth:
        problem = folder_problem(self.folder)
        if problem:
            return ChannelHealth(False, problem)
        return ChannelHealth(True, t("check.site_ok", path=self.folder), account=self.title)

