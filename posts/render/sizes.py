"""Banner sizes: screen sizes in pixels, print sizes in millimetres at a DPI (exported as PDF)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UserError
from ..i18n import t

MM_PER_INCH = 25.4
# a post's photo file, as given ([render] max_image_mb's default); here, not in photos.py, so that reading the setting
# does not load Pillow
DEFAULT_PHOTO_MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 64_000_000  # a print banner at an absurd DPI would exhaust memory; Pillow's bomb limit is 89 Mpx


@dataclass(frozen=True)
class Size:
    name: str
    width: int  # pixels
    height: int
    dpi: int | None = None  # set for print sizes (PDF)

    @property
    def is_print(self) -> bool:
        return self.dpi is not None

    @property
    def label(self) -> str:
        return self.name if self.dpi is None else f"{self.name}@{self.dpi}dpi"


SCREEN = {"facebook": (1200, 630), "square": (1080, 1080), "story": (1080, 1920), "portal": (1600, 900)}
# (width mm, height mm, default dpi): a street banner is read from metres away, a poster from up close
PRINT = {"bang-ron": (5000, 800, 30), "a3": (297, 420, 150), "a4": (210, 297, 150)}
DEFAULT_PRINT_DPI = 100


def parse_size(spec: str, *, dpi: int | None = None, where: str = "--size") -> Size:
    """``facebook``, ``bang-ron``, ``1200x630`` (pixels) or ``3000x600mm`` (print, at ``dpi``)."""
    spec = spec.strip().lower()
    if dpi is not None and not 10 <= dpi <= 1200:
        raise UserError(t("err.bad_dpi", dpi=dpi), where="--dpi")
    if spec in SCREEN:
        width, height = SCREEN[spec]
        return _checked(Size(spec, width, height), where)
    if spec in PRINT:
        width_mm, height_mm, default_dpi = PRINT[spec]
        return _print(spec, width_mm, height_mm, dpi or default_dpi, where)
    match = re.fullmatch(r"(\d+)x(\d+)(mm)?", spec)
    if not match:
        known = ", ".join([*SCREEN, *PRINT])
        raise UserError(t("err.unknown_size", size=spec, known=known), where=where)
    width, height = int(match.group(1)), int(match.group(2))
    if match.group(3):
        return _print(spec, width, height, dpi or DEFAULT_PRINT_DPI, where)
    return _checked(Size(spec, width, height), where)


def _print(name: str, width_mm: float, height_mm: float, dpi: int, where: str) -> Size:
    width = round(width_mm / MM_PER_INCH * dpi)
    height = round(height_mm / MM_PER_INCH * dpi)
    return _checked(Size(name, width, height, dpi), where)


def _checked(size: Size, where: str) -> Size:
    if min(size.width, size.height) < 100 or size.width * size.height < 200 * 200:
        raise UserError(t("err.size_too_small", size=f"{size.width}x{size.height}"), where=where)
    if size.width * size.height > MAX_PIXELS:
        raise UserError(t("err.size_too_large", size=f"{size.width}x{size.height}"), where=where)
    return size
