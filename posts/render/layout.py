"""The one layout engine for banners: (text, theme, size) -> a Layout of positioned items, in the size's pixels.

Every box, line break, font size and QR module is decided here; draw_png.py (Pillow) and draw_pdf.py (vectors)
only draw the items, so the PNG preview and the printed PDF agree. Items are frozen and hashable: the part that is
the same for every banner of a campaign (background, decor, kicker, footer) is laid out and drawn once.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import UserError
from ..i18n import t
from .fitting import Block, fit_small, fit_text, largest_fit, longest_fitting
from .fonts import check_coverage, font_path, load_font
from .items import BannerText, Layout, QRCode, TextLine
from .sizes import MM_PER_INCH, Size
from .themes import Layout as LayoutBoxes
from .themes import Theme

QR_SHARE = 0.20  # of the short side: phones read a code on a poster from a step away
QR_PRINT_MM = 25.0
QR_QUIET = 4  # modules of white around the code, as ISO/IEC 18004 asks


def orientation(size: Size) -> str:
    ratio = size.width / size.height
    return "strip" if ratio >= 3 else "landscape" if ratio >= 1.25 else "square" if ratio >= 0.8 else "portrait"


def _nfc(value: str | None) -> str | None:
    return unicodedata.normalize("NFC", value.strip()) if value else None


@dataclass(frozen=True)
class _Frame:
    margin: int
    safe: tuple[int, int, int, int]  # x, y, width, height
    qr: QRCode | None
    column: tuple[int, int, int, int]  # what kicker, text and footer share: the safe area less the QR's room
    text: tuple[int, int, int, int]


def _box(fractions: list[float], area: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, w, h = area
    bx, by, bw, bh = fractions
    return round(x + bx * w), round(y + by * h), round(bw * w), round(bh * h)


def _qr_rows(link: str) -> tuple[str, ...]:
    import qrcode
    from qrcode.exceptions import DataOverflowError

    code = qrcode.QRCode(border=QR_QUIET, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(link)
    try:
        code.make(fit=True)
    except (DataOverflowError, ValueError):
        raise UserError(t("err.qr_too_long", chars=len(link)), where="--qr") from None
    return tuple("".join("1" if cell else "0" for cell in row) for row in code.get_matrix())


@lru_cache(maxsize=64)
def _frame(theme: Theme, size: Size, qr: str | None) -> _Frame:
    """Where things go: the safe area, the QR's place (>= 20 % of the short side, >= 25 mm on paper, a 4-module
    quiet zone) and the text column beside or above it. Without a QR the text has the whole safe width."""
    spec, layout = theme.spec, theme.layout(orientation(size))
    margin = round(spec.safe_margin * min(size.width, size.height))
    safe = (margin, margin, size.width - 2 * margin, size.height - 2 * margin)
    text = _box(layout.text, safe)
    if not qr:
        return _Frame(margin, safe, None, safe, text)
    rows = _qr_rows(qr)
    data_modules = len(rows) - 2 * QR_QUIET
    wanted = QR_SHARE * min(size.width, size.height)
    if size.dpi:
        wanted = max(wanted, QR_PRINT_MM / MM_PER_INCH * size.dpi)
    module = max(1, math.ceil(wanted / data_modules))  # whole pixels: every module square and sharp on screen
    side = module * len(rows)
    gap = margin // 2
    sx, sy, sw, sh = safe
    if orientation(size) in ("strip", "landscape"):  # beside the text, vertically centred
        column = (sx, sy, sw - side - gap, sh)
        code = QRCode(rows, sx + sw - side, sy + (sh - side) // 2, module)
        fits = side <= sh and column[2] >= 0.45 * sw
        text = (column[0], text[1], column[2], text[3])
    else:  # under the text, above the footer: centred in a centred theme, else at the right
        footer_top = _box(layout.footer, safe)[1]
        x = sx + (sw - side) // 2 if spec.align == "center" else sx + sw - side
        code = QRCode(rows, x, footer_top - gap - side, module)
        column = safe
        text = (text[0], text[1], text[2], code.y - gap - text[1])
        fits = text[3] >= 0.4 * _box(layout.text, safe)[3]
    if not fits:
        mm = side / size.dpi * MM_PER_INCH if size.dpi else None
        raise UserError(t("print.qr_no_room", side=f"{mm:.0f} mm" if mm else f"{side} px", size=size.label),
                        where="--qr")
    return _Frame(margin, safe, code, column, text)


def _block_lines(block: Block, x: int, top: int, width: int, colour: str, align: str) -> list[TextLine]:
    """One TextLine per line, each centred on its own ink in a centred theme."""
    lines, baseline = [], top + block.top
    for line, line_width, left in zip(block.lines, block.widths, block.lefts):
        offset = (width - line_width) / 2 if align == "center" else 0
        lines.append(TextLine(line, block.path, block.size, round(x + offset - left), baseline, colour))
        baseline += block.pitch
    return lines


@lru_cache(maxsize=32)
def _backdrop(theme: Theme, size: Size, kicker: str | None, footer: str | None, qr: str | None) -> tuple[object, ...]:
    """Background, decor, kicker and footer: laid out once per campaign, theme and size."""
    from .decor import background, decor

    spec = theme.spec
    frame = _frame(theme, size, qr)
    items: list[object] = [*background(theme, size), *decor(theme, size, frame.margin)]
    layout = theme.layout(orientation(size))
    for part, value, fractions in (("kicker", kicker, layout.kicker), ("footer", footer, layout.footer)):
        if value:
            path = font_path(getattr(spec.fonts, part), str(theme.folder))
            check_coverage(value, path, where=part)
            bx, by, bw, bh = _box(fractions, frame.column)
            if frame.qr is not None and part == "footer" and frame.column is frame.safe:
                bw = min(bw, round(frame.qr.x - frame.margin // 2 - bx)) if spec.align != "center" else bw
            if orientation(size) in ("portrait", "square"):  # a tall box is no reason for a shouting agency line
                capped = min(bh, round(0.06 * min(size.width, size.height)))
                by, bh = (by + bh - capped if part == "footer" else by), capped  # the footer keeps to the bottom
            block = fit_small(value, path, bw, bh, spec.line_spacing, where=part)
            items += _block_lines(block, bx, by + (bh - block.height) // 2, bw, getattr(spec.colours, part),
                                  spec.align)
    return tuple(items)


def _fit_headline(headline: str, subline: str | None, fonts: dict[str, Path], box: tuple[int, int, int, int],
                  layout: LayoutBoxes, theme: Theme, size: Size) -> tuple[Block, Block | None]:
    """The headline at the largest size that fits beside its subline, never smaller than the subline: the subline
    gives way first (down to its smallest size), then a headline that still cannot fit is refused with the length
    that would."""
    spec, height = theme.spec, size.height
    _, _, tw, th = box
    gap = round(0.04 * th)
    sub_max = min(round(layout.subline_max * height), th // 3)
    sub_min = max(8, round(layout.headline_min * height * 0.6))
    # a street banner is read from across the street: one or two lines (more only where the text breaks them)
    max_lines = max(2, headline.count("\n") + 1) if orientation(size) == "strip" else None
    head_max = round(layout.headline_max * height)
    head_floor = max(10, round(layout.headline_min * height))
    tries = sorted({sub_max, max(sub_min, sub_max * 3 // 4), max(sub_min, sub_max // 2), sub_min}, reverse=True)
    for sub_size in tries:
        sub_block = None
        if subline:
            sub_block = fit_text(subline, fonts["subline"], tw, th // 3, sub_size, sub_min, spec.line_spacing,
                                 where="subline")
        room = th - (sub_block.height + gap if sub_block else 0)
        # never smaller than the theme's subline size: a tiny headline is no headline (the subline may shrink)
        floor = max(head_floor, sub_max)
        head_block = largest_fit(headline, fonts["headline"], tw, room, head_max, floor, spec.line_spacing,
                                 max_lines)
        if head_block is not None:
            if subline and sub_block is not None and sub_block.size > head_block.size * 0.6:
                # the subline supports the headline, it does not compete with it
                sub_block = fit_text(subline, fonts["subline"], tw, th // 3, round(head_block.size * 0.6),
                                     min(sub_min, round(head_block.size * 0.6)), spec.line_spacing,
                                     where="subline")
            return head_block, sub_block
    long_words = [w for w in headline.split() if load_font(fonts["headline"], floor).getlength(w) > tw]
    if long_words:
        raise UserError(t("err.word_too_long", word=long_words[0]), where="headline")
    longest = longest_fitting(headline, fonts["headline"], tw, room, floor, spec.line_spacing, max_lines)
    raise UserError(t("print.headline_too_long", chars=len(headline), longest=max(1, longest)), where="headline")


def layout_banner(text: BannerText, theme: Theme, size: Size) -> Layout:
    """Every item of the banner, positioned; a headline that would only fit smaller than its subline is refused,
    with the length that would fit."""
    headline = _nfc(text.headline) or ""
    if theme.spec.uppercase_headline:
        headline = unicodedata.normalize("NFC", headline.upper())
    subline, kicker, footer = _nfc(text.subline), _nfc(text.kicker), _nfc(text.footer)
    if not headline:
        raise UserError(t("val.empty"), where="headline")
    spec, height = theme.spec, size.height
    fonts = {part: font_path(getattr(spec.fonts, part), str(theme.folder)) for part in ("headline", "subline")}
    for part, value in (("headline", headline), ("subline", subline)):
        if value:
            check_coverage(value, fonts[part], where=part)
    backdrop = _backdrop(theme, size, kicker, footer, text.qr)
    frame = _frame(theme, size, text.qr)
    layout = theme.layout(orientation(size))
    tx, ty, tw, th = frame.text

    head_block, sub_block = _fit_headline(headline, subline, fonts, frame.text, layout, theme, size)
    gap = round(0.04 * th)
    total = head_block.height + (sub_block.height + gap if sub_block else 0)
    top = ty + (th - total) // 2
    items: list[object] = _block_lines(head_block, tx, top, tw, spec.colours.headline, spec.align)
    if sub_block:
        items += _block_lines(sub_block, tx, top + head_block.height + gap, tw, spec.colours.subline, spec.align)
    if spec.logo:
        from .decor import logo

        items.append(logo(theme, _box(layout.kicker, frame.safe), frame.safe))
    if frame.qr is not None:
        items.append(frame.qr)
    return Layout(size.width, size.height, size.dpi, backdrop, tuple(items))
