"""The Pillow drawer: a Layout as an RGB image (screens, previews; the reference a printed PDF is compared with)."""
from __future__ import annotations

from functools import cache, lru_cache

from PIL import Image, ImageDraw

from .decor import open_image
from .fonts import load_font
from .glyphs import draw_line
from .items import Ellipse, Gradient, Layout, Picture, QRCode, Rect, TextLine


def _rgba(colour: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), round(alpha * 255)


@cache
def _ramp() -> Image.Image:
    """t = (x + y) / 2 on a 256 x 256 grid: scaled bilinearly it stays exactly linear at any canvas size."""
    return Image.frombytes("L", (256, 256), bytes((x + y) // 2 for y in range(256) for x in range(256)))


@lru_cache(maxsize=8)
def _gradient(width: int, height: int) -> Image.Image:
    return _ramp().resize((width, height), Image.Resampling.BILINEAR)


def _picture(item: Picture) -> Image.Image:
    image = open_image(item.path).crop(item.crop)
    size = (max(1, round(item.w)), max(1, round(item.h)))
    return image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)


def _draw(image: Image.Image, items: tuple[object, ...]) -> Image.Image:
    """Items in order; translucent shapes of one layer go on one overlay, composited together."""
    overlay: Image.Image | None = None
    layer: int | None = None

    def flush() -> None:
        nonlocal overlay, image
        if overlay is not None:
            image = Image.alpha_composite(image, overlay)
            overlay = None

    for item in items:
        translucent = isinstance(item, (Rect, Ellipse)) and item.alpha < 1
        if not translucent or item.layer != layer:
            flush()
        if translucent:
            layer = item.layer
            if overlay is None:
                overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
            _shape(ImageDraw.Draw(overlay), item)
            continue
        layer = None
        if isinstance(item, Gradient):
            start = Image.new("RGBA", (round(item.w), round(item.h)), _rgba(item.start))
            end = Image.new("RGBA", start.size, _rgba(item.end))
            filled = Image.composite(end, start, _gradient(*start.size))
            if item.alpha < 1:
                region = image.crop((round(item.x), round(item.y), round(item.x + item.w), round(item.y + item.h)))
                filled = Image.blend(region, filled, item.alpha)
            image.paste(filled, (round(item.x), round(item.y)))
        elif isinstance(item, Picture):
            picture = _picture(item)
            image.alpha_composite(picture, (round(item.x), round(item.y)))
        elif isinstance(item, (Rect, Ellipse)):
            _shape(ImageDraw.Draw(image), item)
        elif isinstance(item, TextLine):
            draw_line(image, item.x, item.baseline, item.text, load_font(item.font, item.size), item.colour)
        elif isinstance(item, QRCode):
            _qr(image, item)
    flush()
    return image


def _shape(draw: ImageDraw.ImageDraw, item: Rect | Ellipse) -> None:
    fill = _rgba(item.colour, item.alpha)
    if isinstance(item, Ellipse):
        draw.ellipse((item.cx - item.r, item.cy - item.r, item.cx + item.r, item.cy + item.r), fill=fill)
    elif item.line:  # the stroke is centred on the edge; Pillow's outline grows inwards from the box
        half = item.line / 2
        draw.rectangle((round(item.x - half), round(item.y - half), round(item.x + item.w + half) - 1,
                        round(item.y + item.h + half) - 1), outline=fill, width=round(item.line))
    else:
        draw.rectangle((round(item.x), round(item.y), round(item.x + item.w) - 1, round(item.y + item.h) - 1),
                       fill=fill)


def _qr(image: Image.Image, code: QRCode) -> None:
    size = len(code.rows)
    cells = Image.frombytes("L", (size, size), bytes(0 if c == "1" else 255 for row in code.rows for c in row))
    side = round(code.module * size)
    image.paste(cells.resize((side, side), Image.Resampling.NEAREST).convert("RGBA"), (round(code.x), round(code.y)))


@lru_cache(maxsize=16)  # a few sizes of a few campaigns; a print backdrop is ~20 MB
def _backdrop(width: int, height: int, items: tuple[object, ...]) -> Image.Image:
    """The part shared by a campaign's banners, kept as RGB: it is opaque (drawn on white), so text drawn on it
    gives the same pixels as on RGBA, without converting 3 MB of pixels per banner."""
    return _draw(Image.new("RGBA", (width, height), (255, 255, 255, 255)), items).convert("RGB")


def draw_png(layout: Layout) -> Image.Image:
    """The banner as an RGB image of the layout's size."""
    backdrop = _backdrop(layout.width, layout.height, layout.backdrop)
    if all(isinstance(item, (TextLine, QRCode)) for item in layout.content):  # opaque ink on an opaque picture
        return _draw(backdrop.copy(), layout.content)
    return _draw(backdrop.convert("RGBA"), layout.content).convert("RGB")  # a logo blends by its alpha
