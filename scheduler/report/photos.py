"""The report's appendix: the photos of offline activities and notes (the evidence), as thumbnails with captions.

A photo is read from the media folder where ``loa log add --photo`` stored it, turned upright (EXIF), shrunk to
``THUMB_PX`` on its long side and re-encoded as JPEG: a 12-megapixel phone photo would make the DOCX tens of MB.
A photo whose file is gone is listed with a line saying so, never dropped silently.
"""
from __future__ import annotations

import io
from pathlib import Path

from loa.posts.i18n import t

from .figures import Photo, ReportFigures
from .document import Appendix, AppendixPhoto

THUMB_PX = 1000  # ~ 8 cm wide at 300 dpi: sharp in print, small in the file
JPEG_QUALITY = 82


def thumbnail(media_dir: Path, relative: str) -> bytes | None:
    """The photo at ``media_dir/relative`` as a JPEG thumbnail; None when it is missing, unreadable or outside."""
    from PIL import Image, ImageOps

    root = media_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():  # a log entry never points outside the media folder
        return None
    try:
        with Image.open(path) as image:
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except Exception:  # noqa: BLE001 - Pillow raises many kinds for a damaged file; it is then reported missing
        return None
    upright.thumbnail((THUMB_PX, THUMB_PX))
    buffer = io.BytesIO()
    upright.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)  # no EXIF: same photo, same bytes
    return buffer.getvalue()


def _item(n: int, photo: Photo, media_dir: Path | None) -> AppendixPhoto:
    image = thumbnail(media_dir, photo.path) if media_dir is not None else None
    day = f"{photo.day:%d/%m/%Y}"
    where = t("report14.photo_where", place=photo.place, date=day) if photo.place else t("report14.photo_when",
                                                                                          date=day)
    return AppendixPhoto(image=image, caption=t("report14.photo_caption", n=n, title=photo.title), where=where,
                         missing=None if image else t("report14.photo_missing", path=photo.path))


def build_appendix(figures: ReportFigures, media_dir: Path | None) -> Appendix | None:
    """The appendix, or None when no activity or note has a photo."""
    if not figures.photos:
        return None
    return Appendix(title=t("report14.appendix_title"), subtitle=t("report14.appendix_subtitle"),
                    attached=t("report14.appendix_attached", name=figures.name),
                    photos=[_item(n, photo, media_dir) for n, photo in enumerate(figures.photos, start=1)])
