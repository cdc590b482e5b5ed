"""Fonts shipped in assets/fonts, loaded once, and the check that a font has every character of a text."""
from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources
from pathlib import Path

from PIL import ImageFont

from ..errors import UserError
from ..i18n import t

FONTS = resources.files("loa.assets") / "fonts"


@cache
def font_path(name: str, folder: str | None = None) -> Path:
    """A font file by name: the theme's own folder first (if given), then assets/fonts. Names only, no paths:
    a theme cannot reach for a file elsewhere on the machine."""
    if not name or Path(name).name != name or name.startswith("."):
        raise UserError(t("err.font_name", font=name))
    candidates = [Path(folder) / name] if folder else []
    candidates.append(Path(str(FONTS / name)))
    for candidate in candidates:
        if candidate.is_file():
            covered_codepoints(candidate)  # a file that is no font fails here, with its name
            return candidate
    raise UserError(t("err.unknown_font", font=name))


@cache
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    # Layout tries many sizes of few fonts; FreeType faces are cheap to keep. The basic layout: glyph advances
    # without GPOS kerning, as the PDF sets them, so a line is as wide on screen as on paper (Vietnamese needs no
    # shaping: the text is NFC, every letter a precomposed glyph of Be Vietnam Pro).
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


@cache
def covered_codepoints(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True) as font:
            cmap = font.getBestCmap()
        ImageFont.truetype(str(path), 12)
    except (TTLibError, OSError, KeyError, AssertionError):
        raise UserError(t("err.not_a_font"), where=str(path)) from None
    if not cmap:
        raise UserError(t("err.not_a_font"), where=str(path))
    return frozenset(cmap)


def missing_characters(text: str, path: Path) -> list[str]:
    """Characters of ``text`` the font cannot draw (spaces and line breaks need no glyph)."""
    covered = covered_codepoints(path)
    return sorted({c for c in text if not c.isspace() and ord(c) not in covered})


def check_coverage(text: str, path: Path, *, where: str) -> None:
    """Refuse to draw tofu boxes: name every character the font lacks."""
    missing = missing_characters(text, path)
    if missing:
        listed = ", ".join(f"'{c}' U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing[:8])
        more = f" (+{len(missing) - 8})" if len(missing) > 8 else ""
        raise UserError(t("err.missing_glyphs", font=path.name, chars=listed + more), where=where)
