"""A theme's background and decor as layout items (shared by the PNG and the PDF drawer), and its raster files."""
from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import UserError
from ..i18n import t
from .items import Ellipse, Gradient, Picture, Rect
from .sizes import Size
from .themes import Theme

PHOTO_VEIL = 0.55  # the theme colour over a background photo, so the text stays readable


def open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x MAX_IMAGE_PIXELS; a theme file that large is refused outright
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            image.load()
            return image.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(t("err.image_bomb"), where=str(path)) from None
    except (UnidentifiedImageError, OSError):
        raise UserError(t("err.not_an_image"), where=str(path)) from None


def _image_size(path: Path) -> tuple[int, int]:
    return open_image(path).size


def background(theme: Theme, size: Size) -> list[object]:
    colours = theme.spec.colours
    width, height = size.width, size.height
    items: list[object] = []
    alpha = 1.0
    if theme.spec.background_image:
        path = theme.asset(theme.spec.background_image, key="background_image")
        source_w, source_h = _image_size(path)
        # cover the canvas, cropping the middle: the photo's own pixels, never resampled here
        scale = max(width / source_w, height / source_h)
        crop_w, crop_h = min(source_w, round(width / scale)), min(source_h, round(height / scale))
        left, top = (source_w - crop_w) // 2, (source_h - crop_h) // 2
        items.append(Picture(path, (left, top, left + crop_w, top + crop_h), 0, 0, width, height))
        alpha = PHOTO_VEIL
    if colours.background_end:
        items.append(Gradient(0, 0, width, height, colours.background, colours.background_end, alpha))
    else:
        items.append(Rect(0, 0, width, height, colours.background, alpha=alpha))
    return items


def decor(theme: Theme, size: Size, margin: int) -> list[object]:
    width, height = size.width, size.height
    accent = theme.spec.colours.accent
    short = min(width, height)
    items: list[object] = []
    if theme.spec.decor == "circles":
        for layer, (fx, fy, fr, alpha) in enumerate(((1.0, 0.0, 0.55, 38), (0.92, 0.1, 0.32, 46),
                                                     (0.0, 1.0, 0.35, 26)), start=1):
            items.append(Ellipse(fx * width, fy * height, fr * short, accent, alpha / 255, layer))
        bar = max(4, margin // 4)
        items.append(Rect(0, 0, bar, height, accent))
    elif theme.spec.decor == "frame":
        inset, line = margin / 3, max(2, short // 150)
        items.append(Rect(inset + line / 2, inset + line / 2, width - 2 * inset - line, height - 2 * inset - line,
                          accent, line=line))
        inner, thin = inset + 3 * line, max(1, line // 2)
        items.append(Rect(inner + thin / 2, inner + thin / 2, width - 2 * inner - thin, height - 2 * inner - thin,
                          accent, line=thin, alpha=150 / 255))
    elif theme.spec.decor == "grid":
        step = max(12, short // 24)
        dot = max(1, step // 8)
        for x in range(width * 2 // 3, width, step):
            for y in range(0, height, step):
                items.append(Ellipse(x, y, dot, accent, 70 / 255))
        band = max(6, margin // 3)
        items.append(Rect(0, height - band, width, band, accent))
    return items


def logo(theme: Theme, kicker_box: tuple[int, int, int, int], safe: tuple[int, int, int, int]) -> Picture:
    """The theme's logo at the right end of the kicker line, as tall as it."""
    path = theme.asset(theme.spec.logo or "", key="logo")
    source_w, source_h = _image_size(path)
    box_h = kicker_box[3]
    scale = min(box_h * 3 / source_w, box_h / source_h)
    w, h = max(1, round(source_w * scale)), max(1, round(source_h * scale))
    return Picture(path, (0, 0, source_w, source_h), safe[0] + safe[2] - w, kicker_box[1], w, h)
