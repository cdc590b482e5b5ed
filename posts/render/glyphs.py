"""Text lines drawn from cached glyph masks: the pixels of Pillow's ``ImageDraw.text``, without its FreeType work.

Pillow renders every glyph of a line three times per ``text`` call (measure, place, draw) and once more per
``getbbox``; at headline sizes that is most of a banner's drawing time. Here each glyph of a font and size is
measured once and, if a line with it is drawn, rendered once, by Pillow itself; a line is put together from the
masks exactly as Pillow does it (_imagingft.c, ``font_render``): glyphs at whole-pixel pen positions (the fonts have
integral hinted advances and no 'kern' table, so a line's advance is the sum of its characters'), and where two
glyphs' ink overlaps ``out = src + MULDIV255(target, 255 - src)`` (ImageMath, on the overlap only; elsewhere one of
them is 0, and the lighter of the two is the other). The mask is then blended in by ``ImageDraw.bitmap``, as
``text`` does. Lines of a font with a 'kern' table are left to Pillow. tests/test_banner_glyphs.py holds the pixels
equal to Pillow's over every Vietnamese letter, many sizes and overlapping glyphs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageMath


@dataclass(frozen=True)
class Glyph:
    """Where a glyph is, as Pillow measures it alone: its box about the pen position on the baseline (the pen line
    included) and its advance."""

    left: int
    top: int
    right: int
    bottom: int
    advance: int  # whole pixels


@dataclass
class _Face:
    """One font at one size: glyphs measured (cheap) and, once a line is drawn with them, their masks."""

    glyphs: dict[str, Glyph] = field(default_factory=dict)
    # coverage ("L", the size of the glyph's box) and its inked part; None for a glyph without ink (a space)
    masks: dict[str, tuple[Image.Image, tuple[int, int, int, int]] | None] = field(default_factory=dict)


class _NotPlain(Exception):
    """A glyph with a fractional advance: the line is left to Pillow."""


def _plain(font: ImageFont.FreeTypeFont) -> bool:
    """No shaping and no pair kerning: lines can be put together from single glyphs."""
    return font.layout_engine == ImageFont.Layout.BASIC and _kerning_free(str(font.path))


@cache
def _kerning_free(path: str) -> bool:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as face:
        return "kern" not in face


@lru_cache(maxsize=32)  # a few fonts at the sizes of a campaign's banners; ~1 MB each at headline sizes
def _face(font: ImageFont.FreeTypeFont) -> _Face:
    return _Face()


def glyph(font: ImageFont.FreeTypeFont, char: str) -> Glyph:
    known = _face(font).glyphs
    found = known.get(char)
    if found is None:
        length = font.getlength(char)
        if length != int(length):
            raise _NotPlain(char)
        found = known[char] = Glyph(*font.getbbox(char, anchor="ls"), int(length))
    return found


def _mask(font: ImageFont.FreeTypeFont, char: str) -> tuple[Image.Image, tuple[int, int, int, int]] | None:
    """The glyph drawn alone by Pillow, rendered only for lines that are drawn (fitting measures many sizes)."""
    known = _face(font).masks
    if char not in known:
        shape = glyph(font, char)
        canvas = Image.new("L", (shape.right - shape.left, shape.bottom - shape.top), 0)
        ImageDraw.Draw(canvas).text((-shape.left, -shape.top), char, fill=255, font=font, anchor="ls")
        ink = canvas.getbbox()
        known[char] = (canvas, ink) if ink else None
    return known[char]


def text_box(font: ImageFont.FreeTypeFont, text: str) -> tuple[float, float, float, float]:
    """``font.getbbox(text, anchor="ls")``: the ink and pen line of ``text`` about its origin on the baseline."""
    try:
        if _plain(font):
            return line_box(font, text)
    except _NotPlain:
        pass
    return font.getbbox(text, anchor="ls")


def text_length(font: ImageFont.FreeTypeFont, text: str) -> float:
    """``font.getlength(text)``."""
    try:
        if _plain(font):
            return line_length(font, text)
    except _NotPlain:
        pass
    return font.getlength(text)


def line_box(font: ImageFont.FreeTypeFont, text: str) -> tuple[int, int, int, int]:
    """``font.getbbox(text, anchor="ls")``, from the cached glyphs."""
    pen, x0, y0, x1, y1 = 0, 0, 0, 0, 0
    for char in text:
        shape = glyph(font, char)
        x0, y0 = min(x0, pen + shape.left), min(y0, shape.top)
        x1, y1 = max(x1, pen + shape.right), max(y1, shape.bottom)
        pen += shape.advance
    return x0, y0, max(x1, pen), y1


def line_length(font: ImageFont.FreeTypeFont, text: str) -> int:
    """``font.getlength(text)``, from the cached glyphs."""
    return sum(glyph(font, char).advance for char in text)


def _blend(target: Image.Image, source: Image.Image) -> Image.Image:
    """Pillow's blend of a glyph (``source``) onto the line so far, pixel for pixel, in integers."""
    def over(a: dict) -> object:
        product = a["t"] * (255 - a["s"]) + 128
        return a["min"](a["s"] + (((product >> 8) + product) >> 8), 255)

    return ImageMath.lambda_eval(over, s=source, t=target).convert("L")


def line_mask(font: ImageFont.FreeTypeFont, text: str) -> tuple[Image.Image, int, int]:
    """The line's coverage mask and where its top left corner goes relative to the origin on the baseline."""
    x0, y0, x1, y1 = line_box(font, text)
    coverage = Image.new("L", (x1 - x0, y1 - y0), 0)
    pen = 0
    for char in text:
        shape, drawn = glyph(font, char), _mask(font, char)
        if drawn is not None:
            mask, ink = drawn
            left, top = pen + shape.left - x0, shape.top - y0
            box = (left, top, left + mask.width, top + mask.height)
            target = coverage.crop(box)
            inked = target.getbbox()
            if inked is None:  # nothing there yet: the glyph as it is
                coverage.paste(mask, box[:2])
            else:
                merged = ImageChops.lighter(target, mask)
                both = (max(inked[0], ink[0]), max(inked[1], ink[1]), min(inked[2], ink[2]), min(inked[3], ink[3]))
                if both[0] < both[2] and both[1] < both[3]:
                    merged.paste(_blend(target.crop(both), mask.crop(both)), both[:2])
                coverage.paste(merged, box[:2])
        pen += shape.advance
    return coverage, x0, y0


def draw_line(image: Image.Image, x: int, baseline: int, text: str, font: ImageFont.FreeTypeFont,
              colour: str) -> None:
    """``ImageDraw.Draw(image).text((x, baseline), text, font=font, fill=colour, anchor="ls")``, same pixels."""
    draw = ImageDraw.Draw(image)
    try:
        mask, left, top = line_mask(font, text) if _plain(font) else (None, 0, 0)
    except _NotPlain:
        mask = None
    if mask is None:
        draw.text((x, baseline), text, font=font, fill=colour, anchor="ls")
    else:
        draw.bitmap((x + left, baseline + top), mask, fill=colour)
