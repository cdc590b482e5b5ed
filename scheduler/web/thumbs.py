"""Small copies of a post's banner (or first photo) for the week's cards: made once with Pillow from the stored,
content-addressed render, kept beside it under media/thumbs/<sha256>.jpg, served by ``GET /posts/<id>/thumb``."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

THUMB_WIDTH = 320  # px: a card is at most ~180 CSS px wide; twice that for phone screens
THUMB_HEIGHT = 200


def thumbnail(media_dir: Path, media_path: str, sha256: str) -> Path | None:
    """The thumbnail file of the stored render ``media_path`` (None when the render's file is gone or unreadable).

    Named by the render's sha256 (hex, checked), never by anything a user typed."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    target = media_dir / "thumbs" / sha256[:2] / f"{sha256}.jpg"
    if target.exists():
        return target
    source = (media_dir / media_path).resolve()
    if not source.is_relative_to(media_dir.resolve()) or not source.is_file():
        return None
    from PIL import Image

    try:
        with Image.open(source) as image:
            image.draft("RGB", (THUMB_WIDTH * 2, THUMB_HEIGHT * 2))  # JPEG photos decode at a smaller scale
            copy = image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    copy.thumbnail((THUMB_WIDTH, THUMB_HEIGHT))
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            copy.save(handle, "JPEG", quality=80, optimize=True)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
