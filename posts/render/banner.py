"""Banner images: themed background, a headline that takes the largest size that fits, subline, kicker, footer.

Text is NFC-normalised and checked against the font's character map first: a missing glyph is an error, never a
tofu box. Lines are drawn one by one at a baseline pitch of (1 + line_spacing) x size, so Vietnamese stacked marks
(Ể, Ẫ, Ộ) never touch the line above. The same input always gives the same bytes.
"""
from __future__ import annotations

import io
import time
import warnings
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ..errors import UserError
from ..i18n import t
from .fonts import check_coverage, font_path, load_font
from .sizes import Size
from .themes import Layout, Theme

MAX_BYTES = 4 * 1024 * 1024
STACKED_MARKS = "ỂỄẪẨẬỖỔỘẾỀẤẦỐỒẮẰẲẴẶ"  # the tallest Vietnamese capitals
DESCENDERS = "gjpqyỵỹÿ,"  # Facebook's old photo limit; keep every banner well under it


@dataclass(frozen=True)
class BannerText:
    headline: str
    subline: str | None = None
    kicker: str | None = None  # a small line at the top: the agency
    footer: str | None = None  # a small line at the bottom: dates, hashtags
    qr: str | None = None  # a link, drawn as a QR code (for print)


@dataclass
class Block:
    """Lines of text laid out at one font size: ink extents are relative to each line's baseline."""

    lines: list[str]
    font: ImageFont.FreeTypeFont
    size: int
    pitch: int  # baseline to baseline
    widths: list[int]
    lefts: list[int]  # ink left of each line relative to its origin (may be negative)
    top: int  # ink above the first baseline
    bottom: int  # ink below the last baseline

    @property
    def height(self) -> int:
        return self.top + self.pitch * (len(self.lines) - 1) + self.bottom

    @property
    def width(self) -> int:
        return max(self.widths, default=0)


def orientation(size: Size) -> str:
    ratio = size.width / size.height
    return "strip" if ratio >= 3 else "landscape" if ratio >= 1.25 else "square" if ratio >= 0.8 else "portrait"


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    """Greedy word wrap on word advances (one measurement per word); None when a word alone is too wide."""
    advance = _advances(font)
    space = advance(" ")
    lines: list[str] = []
    # a dash stays with the word before it: "Đọc sách hôm nay –" / "Vững bước ngày mai"
    text = text.replace(" – ", "\u00a0– ").replace(" - ", "\u00a0- ")
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in (w for w in paragraph.split(" ") if w):
            length = advance(word)
            if length > width:
                return None
            if line and used + space + length > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0) + length
            line.append(word)
        if line:
            lines.append(" ".join(line))
    return lines


@cache
def _advances(font: ImageFont.FreeTypeFont) -> Callable[[str], float]:
    """Word widths per font and size, measured once: fitting and balancing ask for the same words many times."""
    return cache(font.getlength)


def _layout(text: str, path: Path, size: int, width: int, spacing: float,
            max_lines: int | None = None) -> Block | None:
    """Lines at ``size`` using advance widths (cheap); ink boxes are measured only for the chosen size."""
    font = load_font(path, size)
    pad = max(1, size // 20)  # ink can overhang the advance width by a little: keep it inside the box
    lines = _wrap(text, font, width - pad)
    if not lines or (max_lines is not None and len(lines) > max_lines):
        return None
    ascent, descent = font.getmetrics()
    widths = [round(font.getlength(line)) for line in lines]
    pitch = max(round(size * (1 + spacing)), _clear_pitch(font))
    return Block(lines, font, size, pitch, widths, [0] * len(lines), ascent, descent)


@cache
def _clear_pitch(font: ImageFont.FreeTypeFont) -> int:
    """The smallest baseline pitch at which the tallest stacked marks clear the deepest descenders, plus a margin.

    At 0.42 x size of leading, Ể under a g comes within a pixel in Be Vietnam Pro; anti-aliasing would join them.
    """
    top = -font.getbbox(STACKED_MARKS, anchor="ls")[1]
    bottom = font.getbbox(DESCENDERS, anchor="ls")[3]
    return int(top + bottom + max(2, font.size * 0.05))


def _balanced(text: str, path: Path, block: Block, width: int, spacing: float) -> Block:
    """The same number of lines in the narrowest width: no lone word on the last line."""
    low, high, best = width // 2, width, block
    while low <= high:
        mid = (low + high) // 2
        candidate = _layout(text, path, block.size, mid, spacing)
        if candidate is not None and len(candidate.lines) <= len(block.lines):
            best, high = candidate, mid - 1
        else:
            low = mid + 1
    return best


def _measure_ink(block: Block) -> Block:
    """Exact ink extents of the chosen block, so nothing is drawn outside its box."""
    boxes = [block.font.getbbox(line, anchor="ls") for line in block.lines]
    block.lefts = [min(0, int(box[0])) for box in boxes]
    block.widths = [int(box[2]) - left for box, left in zip(boxes, block.lefts)]
    block.top = max(block.top, -min(int(box[1]) for box in boxes))
    block.bottom = max(block.bottom, int(boxes[-1][3]))
    return block


def fit_text(text: str, path: Path, width: int, height: int, max_size: int, min_size: int, spacing: float, *,
             where: str, max_lines: int | None = None) -> Block:
    """The largest size (binary search) at which ``text`` wraps into ``width`` x ``height``."""
    best = None
    low, high = min_size, max(min_size, max_size)
    while low <= high:  # on advance widths and font metrics: cheap
        mid = (low + high) // 2
        block = _layout(text, path, mid, width, spacing, max_lines)
        if block is not None and block.height <= height:
            best, low = block, mid + 1
        else:
            high = mid - 1
    if best is not None and len(best.lines) > 1:
        best = _balanced(text, path, best, width, spacing)
    while best is not None:  # then the exact ink, stepping down in the rare case it overhangs
        best = _measure_ink(best)
        if best.height <= height and best.width <= width:
            break
        best = _layout(text, path, best.size - 1, width, spacing, max_lines) if best.size > min_size else None
    if best is None:
        font = load_font(path, min_size)
        long_words = [w for w in text.split() if font.getlength(w) > width]
        if long_words:
            raise UserError(t("err.word_too_long", word=long_words[0]), where=where)
        raise UserError(t("err.text_cannot_fit", chars=len(text)), where=where)
    return best


def _fit_small(text: str, path: Path, width: int, height: int, spacing: float, *, where: str) -> Block:
    """Kicker and footer: one line if it can be read at that size, else wrapped."""
    floor = max(8, height // 3)
    try:
        return fit_text(text, path, width, height, height, floor, spacing, where=where, max_lines=1)
    except UserError:
        return fit_text(text, path, width, height, height, max(8, height // 5), spacing, where=where)


def _hex(colour: str, alpha: int = 255) -> tuple[int, int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), alpha


@cache
def _gradient_mask(width: int, height: int) -> Image.Image:
    # A diagonal 0→255 ramp, built small and scaled: smooth and fast at any size.
    ramp = Image.linear_gradient("L").rotate(45, resample=Image.Resampling.BICUBIC, expand=True)
    side = ramp.width
    ramp = ramp.crop((side // 4, side // 4, side - side // 4, side - side // 4))
    return ramp.resize((width, height), Image.Resampling.BILINEAR)


def _background(theme: Theme, width: int, height: int) -> Image.Image:
    colours = theme.spec.colours
    base = Image.new("RGB", (width, height), colours.background)
    if colours.background_end:
        end = Image.new("RGB", (width, height), colours.background_end)
        base = Image.composite(end, base, _gradient_mask(width, height))
    if theme.spec.background_image:
        picture = _open_image(theme.asset(theme.spec.background_image, key="background_image"))
        scale = max(width / picture.width, height / picture.height)
        picture = picture.resize((max(width, round(picture.width * scale)), max(height, round(picture.height * scale))),
                                 Image.Resampling.LANCZOS)
        left, top = (picture.width - width) // 2, (picture.height - height) // 2
        picture = picture.crop((left, top, left + width, top + height)).convert("RGB")
        # keep the text readable: the theme colour over the picture
        base = Image.blend(picture, base, 0.55)
    return base


def _open_image(path: Path) -> Image.Image:
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


def _decor(theme: Theme, image: Image.Image, margin: int) -> None:
    width, height = image.size
    accent = theme.spec.colours.accent
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    short = min(width, height)
    if theme.spec.decor == "circles":
        for k, (fx, fy, fr, alpha) in enumerate(((1.0, 0.0, 0.55, 38), (0.92, 0.1, 0.32, 46), (0.0, 1.0, 0.35, 26))):
            cx, cy, r = fx * width, fy * height, fr * short
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=_hex(accent, alpha))
        draw.rectangle((0, 0, max(4, margin // 4), height), fill=_hex(accent))
    elif theme.spec.decor == "frame":
        inset, line = margin // 3, max(2, short // 150)
        draw.rectangle((inset, inset, width - inset, height - inset), outline=_hex(accent), width=line)
        inner = inset + 3 * line
        draw.rectangle((inner, inner, width - inner, height - inner), outline=_hex(accent, 150), width=max(1, line // 2))
    elif theme.spec.decor == "grid":
        step = max(12, short // 24)
        dot = max(1, step // 8)
        for x in range(width * 2 // 3, width, step):
            for y in range(0, height, step):
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=_hex(accent, 70))
        draw.rectangle((0, height - max(6, margin // 3), width, height), fill=_hex(accent))
    image.paste(Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB"))


@lru_cache(maxsize=16)  # a few sizes of a few campaigns; a print backdrop is ~16 MB
def _backdrop(theme: Theme, size: Size, kicker: str | None, footer: str | None, with_qr: bool) -> Image.Image:
    """Background, decor, kicker and footer: the same for every banner of a campaign in one size and theme, so
    drawn once and copied (a campaign's banners differ only in headline and subline)."""
    spec, width, height = theme.spec, size.width, size.height
    layout, margin, safe = _frame(theme, size)
    image = _background(theme, width, height)
    _decor(theme, image, margin)
    draw = ImageDraw.Draw(image)
    qx = _box(layout.qr, safe)[0]
    for part, value, box in (("kicker", kicker, layout.kicker), ("footer", footer, layout.footer)):
        if value:
            path = font_path(getattr(spec.fonts, part), str(theme.folder))
            check_coverage(value, path, where=part)
            bx, by, bw, bh = _box(box, safe)
            if with_qr and part == "footer" and qx < bx + bw:
                bw = max(bw // 3, qx - bx - margin // 2)
            block = _fit_small(value, path, bw, bh, spec.line_spacing, where=part)
            _draw_block(draw, block, bx, by + (bh - block.height) // 2, bw, getattr(spec.colours, part), spec.align)
    return image


def _frame(theme: Theme, size: Size) -> tuple[Layout, int, tuple[int, int, int, int]]:
    """The layout for this size's orientation, the safe margin and the safe area (x, y, width, height)."""
    margin = round(theme.spec.safe_margin * min(size.width, size.height))
    return (theme.layout(orientation(size)), margin,
            (margin, margin, size.width - 2 * margin, size.height - 2 * margin))


def _box(layout_box: list[float], safe: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, w, h = safe
    bx, by, bw, bh = layout_box
    return round(x + bx * w), round(y + by * h), round(bw * w), round(bh * h)


def _draw_block(draw: ImageDraw.ImageDraw, block: Block, x: int, top: int, width: int, colour: str,
                align: str) -> None:
    baseline = top + block.top
    for line, line_width, left in zip(block.lines, block.widths, block.lefts):
        offset = (width - line_width) // 2 if align == "center" else 0
        draw.text((x + offset - left, baseline), line, font=block.font, fill=colour, anchor="ls")
        baseline += block.pitch


def _qr(link: str, side: int, colour: str) -> Image.Image:
    import qrcode

    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(border=2, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise UserError(t("err.qr_too_long", chars=len(link)), where="qr") from None
    image = code.make_image(fill_color=colour, back_color="white").get_image().convert("RGB")
    modules = image.width  # one pixel per module: scale by a whole number so every module stays square
    scale = max(1, side // modules)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def draw_banner(text: BannerText, theme: Theme, size: Size) -> Image.Image:
    nfc = lambda s: unicodedata.normalize("NFC", s.strip()) if s else None  # noqa: E731
    headline = nfc(text.headline) or ""
    if theme.spec.uppercase_headline:
        headline = unicodedata.normalize("NFC", headline.upper())
    subline, kicker, footer = nfc(text.subline), nfc(text.kicker), nfc(text.footer)
    if not headline:
        raise UserError(t("val.empty"), where="headline")
    spec, width, height = theme.spec, size.width, size.height
    fonts = {part: font_path(getattr(spec.fonts, part), str(theme.folder)) for part in ("headline", "subline")}
    for part, value in (("headline", headline), ("subline", subline)):
        if value:
            check_coverage(value, fonts[part], where=part)

    layout, margin, safe = _frame(theme, size)
    image = _backdrop(theme, size, kicker, footer, bool(text.qr)).copy()
    draw = ImageDraw.Draw(image)
    colours = spec.colours

    tx, ty, tw, th = _box(layout.text, safe)
    qx, qy, qw, qh = _box(layout.qr, safe)
    if text.qr and qx < tx + tw and qy < ty + th - 1:
        tw = max(tw // 3, qx - tx - margin // 2)  # make room for the code beside the text

    gap = round(0.04 * th)
    sub_block = None
    if subline:
        sub_max = min(round(layout.subline_max * height), th // 3)
        sub_block = fit_text(subline, fonts["subline"], tw, th // 3, sub_max, max(8, round(layout.headline_min *
                             height * 0.6)), spec.line_spacing, where="subline")
    room = th - (sub_block.height + gap if sub_block else 0)
    head_block = fit_text(headline, fonts["headline"], tw, room, round(layout.headline_max * height),
                          max(10, round(layout.headline_min * height)), spec.line_spacing, where="headline")
    total = head_block.height + (sub_block.height + gap if sub_block else 0)
    top = ty + (th - total) // 2
    _draw_block(draw, head_block, tx, top, tw, colours.headline, spec.align)
    if sub_block:
        _draw_block(draw, sub_block, tx, top + head_block.height + gap, tw, colours.subline, spec.align)

    if spec.logo:
        logo = _open_image(theme.asset(spec.logo, key="logo")).convert("RGBA")
        kx, ky, kw, kh = _box(layout.kicker, safe)
        logo.thumbnail((kh * 3, kh), Image.Resampling.LANCZOS)
        image.paste(logo, (safe[0] + safe[2] - logo.width, ky), logo)
    if text.qr:
        side = min(qw, qh)
        code = _qr(text.qr, side, "#000000")
        image.paste(code, (qx + qw - code.width, qy + qh - code.height))
    return image


def encode(image: Image.Image, size: Size, *, title: str, fmt: str | None = None) -> bytes:
    """PNG (screens) or PDF (print sizes by default); no timestamps, so the bytes depend only on the picture."""
    buffer = io.BytesIO()
    if (fmt or ("pdf" if size.is_print else "png")) == "pdf":
        epoch = time.gmtime(0)
        image.save(buffer, "PDF", resolution=float(size.dpi or 72), title=title, producer="loa", creator="loa",
                   creationDate=epoch, modDate=epoch, quality=90)
    else:
        # level 1: several times faster than the default, and banners stay far under the size limit
        image.save(buffer, "PNG", compress_level=1)
    data = buffer.getvalue()
    if len(data) > MAX_BYTES:
        raise UserError(t("err.banner_too_big", size=size.label, mb=round(len(data) / 1048576, 1)))
    return data


def render_banner(text: BannerText, theme: Theme, size: Size, *, fmt: str | None = None) -> bytes:
    return encode(draw_banner(text, theme, size), size, title=text.headline[:80], fmt=fmt)
