"""Files people upload (campaign files, photos): kept under the project's var/uploads/ named by their sha256, never
under the name they came with, and size-limited before anything reads them. The checks of what they hold are the
CLI's own (the campaign file loader, Pillow in posts/render/photos.py and posts/outreach_manual.py)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from werkzeug.datastructures import FileStorage

from loa.posts.errors import UserError
from loa.posts.files import write_content_addressed
from loa.posts.i18n import t

from . import workspace

# what we keep a file as: the content's hash and a suffix the loaders understand, never the uploaded name
SUFFIXES = {".toml": ".toml", ".jpg": ".jpg", ".jpeg": ".jpg", ".png": ".png", ".gif": ".gif", ".webp": ".webp",
            ".bmp": ".bmp", ".tif": ".tiff", ".tiff": ".tiff", ".heic": ".heic"}


def uploads_dir() -> Path:
    return workspace().config.base_dir / "var" / "uploads"


def keep_upload(upload: FileStorage | None, *, where: str, limit: int, required: bool = True) -> Path | None:
    """The uploaded file kept as var/uploads/<sha256><suffix>; None when none was sent (and none is required)."""
    if upload is None or not upload.filename:
        if required:
            raise UserError(t("webpost.upload_missing"), where=where)
        return None
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UserError(t("webpost.upload_too_large", most=limit // (1024 * 1024) or 1), where=where)
    if not data:
        raise UserError(t("webpost.upload_empty"), where=where)
    digest = hashlib.sha256(data).hexdigest()
    suffix = SUFFIXES.get(Path(upload.filename).suffix.lower(), "")
    target = uploads_dir() / f"{digest}{suffix}"
    write_content_addressed(target, data, digest)
    return target


def kept_upload(digest: str, suffix: str) -> Path:
    """A file kept earlier (``apply`` after a reviewed upload), found again by its hash: nothing else is trusted."""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or suffix not in SUFFIXES.values():
        raise UserError(t("webpost.upload_missing"), where="file")
    path = uploads_dir() / f"{digest}{suffix}"
    if not path.is_file():
        raise UserError(t("webpost.upload_missing"), where="file")
    return path
