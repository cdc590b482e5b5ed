"""Banner images: themed background, a headline that takes the largest size that fits, subline, kicker, footer.

Text is NFC-normalised and checked against the font's character map first: a missing glyph is an error, never a
tofu box. layout.py decides every box, line and size once; draw_png.py draws it for screens, draw_pdf.py as
vectors for print (print sizes are PDF by default). The same input always gives the same bytes.
"""
from __future__ import annotations

import io

from PIL import Image

from ..errors import UserError
from ..i18n import t
from .draw_png import draw_png
from .fitting import fit_text
from .layout import BannerText, Layout, layout_banner, orientation
from .png_encode import encode_png
from .sizes import Size
from .themes import Theme

MAX_BYTES = 4 * 1024 * 1024  # Facebook's old photo limit; keep every banner well under it

__all__ = ["BannerText", "Layout", "draw_banner", "encode", "fit_text", "layout_banner", "orientation",
           "render_banner"]


def draw_banner(text: BannerText, theme: Theme, size: Size) -> Image.Image:
    """The banner as pixels (the PNG, and the preview's picture)."""
    return draw_png(layout_banner(text, theme, size))


def _checked(data: bytes, size: Size) -> bytes:
    if len(data) > MAX_BYTES:
        raise UserError(t("err.banner_too_big", size=size.label, mb=round(len(data) / 1048576, 1)))
    return data


def encode(image: Image.Image, size: Size, *, title: str, fmt: str | None = None) -> bytes:
    """An already drawn banner as PNG (no timestamps, so the bytes depend only on the picture).

    png_encode.py writes it in about a tenth of Pillow's time; a picture it would deflate to more than the limit
    (a busy background photo at a print size) gets Pillow's row filters and strongest compression instead."""
    data = encode_png(image)
    if len(data) > MAX_BYTES:
        buffer = io.BytesIO()
        image.save(buffer, "PNG", optimize=True)
        data = buffer.getvalue()
    return _checked(data, size)


def render_banner(text: BannerText, theme: Theme, size: Size, *, fmt: str | None = None) -> bytes:
    """PNG for screens, vector PDF for print sizes, unless ``fmt`` says which."""
    layout = layout_banner(text, theme, size)
    if (fmt or ("pdf" if size.is_print else "png")) == "pdf":
        from .draw_pdf import draw_pdf

        return _checked(draw_pdf(layout, title=text.headline[:80]), size)
    return encode(draw_png(layout), size, title=text.headline[:80])
