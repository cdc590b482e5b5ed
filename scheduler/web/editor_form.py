"""The editor's form as the queue functions take it: fields read from the request, uploads kept in a temporary
folder (never under their uploaded name), and a ``UserError`` placed beside the field its ``where`` names."""
from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import request
from werkzeug.utils import secure_filename

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Campaign, Post
from loa.posts.render.photos import PhotoSource
from loa.posts.render.preview import message
from loa.posts.times import zone

FIELDS = {"--title": "title", "--body": "body", "--at": "at", "--channels": "channels", "--template": "template",
          "--banner-headline": "banner_headline", "--banner-subline": "banner_subline", "--campaign": "campaign",
          "--banner-sizes": "banner_sizes",
          "--no-images": "photos"}
AT_FORMAT = "%Y-%m-%d %H:%M"


@dataclass
class EditorForm:
    """What the officer typed (or the post as it is, for a form not yet sent)."""

    campaign: str = ""
    title: str = ""
    body: str = ""
    at: str = ""
    original_at: str = ""
    channels: list[str] = field(default_factory=list)
    template: str = ""
    banner_headline: str = ""
    banner_subline: str = ""
    banner_theme: str = ""  # "": the campaign's
    banner_sizes: list[str] = field(default_factory=list)  # none: each channel's own size
    photos: list[dict[str, Any]] = field(default_factory=list)  # the post's photos, in the order chosen
    removed: list[str] = field(default_factory=list)  # sha256 of the post's photos to remove
    keep_approval: bool = False

    @classmethod
    def of_post(cls, post: Post) -> EditorForm:
        at = local_time(post.publish_at, post.campaign)
        banner = post.banner or {}
        return cls(campaign=post.campaign.slug, title=post.title, body=post.body, at=at, original_at=at,
                   channels=[d.channel for d in post.deliveries if d.status != "cancelled"],
                   template=post.template or "", banner_headline=banner.get("headline", ""),
                   banner_subline=banner.get("subline") or "", banner_theme=banner.get("theme") or "",
                   banner_sizes=list(banner.get("sizes") or []), photos=list(post.images or []))

    @classmethod
    def from_request(cls, post: Post | None = None) -> EditorForm:
        form = request.form
        photos = list(post.images or []) if post is not None else []
        removed = [sha for sha in form.getlist("photo_remove") if any(p["sha256"] == sha for p in photos)]

        def order(item: tuple[int, dict[str, Any]]) -> tuple[float, int]:
            number = form.get(f"order-{item[1]['sha256']}", "")
            try:
                return float(number), item[0]
            except ValueError:
                return float(item[0] + 1), item[0]

        ordered = [photo for _i, photo in sorted(enumerate(photos), key=order)]
        return cls(campaign=form.get("campaign", post.campaign.slug if post is not None else ""),
                   title=form.get("title", ""), body=form.get("body", "").replace("\r\n", "\n"),
                   at=form.get("at", ""), original_at=form.get("original_at", ""),
                   channels=form.getlist("channels"), template=form.get("template", ""),
                   banner_headline=form.get("banner_headline", ""), banner_subline=form.get("banner_subline", ""),
                   banner_theme=form.get("banner_theme", ""), banner_sizes=form.getlist("banner_sizes"),
                   photos=ordered, removed=removed, keep_approval=bool(form.get("keep_approval")))

    @property
    def kept_photos(self) -> list[dict[str, Any]]:
        return [p for p in self.photos if p["sha256"] not in self.removed]


def local_time(moment: dt.datetime, campaign: Campaign) -> str:
    return moment.astimezone(zone(campaign.timezone)).strftime(AT_FORMAT)


def field_of(error: UserError, form: EditorForm) -> str:
    """The form field a ``UserError`` belongs beside ("form": above the form)."""
    where = error.where or ""
    if where in FIELDS:
        return FIELDS[where]
    if where.startswith("--image"):
        return "photos"
    if where.startswith("loa post"):  # found while rendering what is saved
        if "banner" in where:
            return "banner_headline"
        if "images[" in where:
            return "photos"
        if form.template and message(error).startswith(t("wording.unknown_template", template=form.template, known="")):
            return "template"
        return "body"
    if where.endswith((".j2", ".j2:")) or ".j2:" in where:
        return "template"
    if form.banner_theme and str(error).startswith(t("err.unknown_theme", theme=form.banner_theme, known="")[:20]):
        return "banner_theme"
    return "form"


def shown_error(error: UserError, place: str) -> str:
    """The words shown beside the field: the CLI's message (an upload's error also names the file)."""
    words = message(error)
    where = error.where or ""
    if place == "photos" and where.startswith("--image "):
        return f"{where[len('--image '):]}: {words}"
    return words


@contextmanager
def uploaded_photos() -> Iterator[list[PhotoSource]]:
    """The request's ``images`` files in a private temporary folder, under names of loa's own; gone afterwards.
    Each error names the file as the officer chose it (``--image anh.jpg``), as ``post add --image`` does."""
    files = [f for f in request.files.getlist("images") if f and f.filename]
    with tempfile.TemporaryDirectory(prefix="loa-upload-") as folder:
        sources = []
        for number, upload in enumerate(files, start=1):
            shown = (upload.filename or "").replace("\n", " ").strip()[:120] or f"photo-{number}"
            name = secure_filename(shown) or f"photo-{number}"
            path = Path(folder) / secrets.token_hex(8) / name  # the name describes the photo; the folder is ours
            path.parent.mkdir()
            upload.save(path)
            sources.append(PhotoSource(path, f"--image {shown}"))
        yield sources
