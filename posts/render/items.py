"""What a banner's layout is made of: positioned, frozen items in the size's pixels, drawn alike by draw_png.py
(Pillow) and draw_pdf.py (vectors). layout.py decides them; decor.py adds a theme's background and ornaments."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BannerText:
    headline: str
    subline: str | None = None
    kicker: str | None = None  # a small line at the top: the agency
    footer: str | None = None  # a small line at the bottom: dates, hashtags
    qr: str | None = None  # a link, drawn as a QR code (for print)


@dataclass(frozen=True)
class Gradient:
    """A rectangle filled from ``start`` (top left) to ``end`` (bottom right): t = (x/w + y/h) / 2."""
    x: float
    y: float
    w: float
    h: float
    start: str
    end: str
    alpha: float = 1.0


@dataclass(frozen=True)
class Rect:
    """Filled, or stroked along its outline (the stroke centred on the edge) when ``line`` > 0."""
    x: float
    y: float
    w: float
    h: float
    colour: str
    line: float = 0.0
    alpha: float = 1.0
    layer: int = 0  # translucent shapes of one layer never overlap, so they can be composited together


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    r: float
    colour: str
    alpha: float = 1.0
    layer: int = 0


@dataclass(frozen=True)
class Picture:
    """A raster file (background photo, logo) cropped to ``crop`` (source pixels) and placed in the box."""
    path: Path
    crop: tuple[int, int, int, int]
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class TextLine:
    text: str
    font: Path
    size: int  # pixels of the canvas
    x: float  # the origin of the line (its advance starts here)
    baseline: float
    colour: str


@dataclass(frozen=True)
class QRCode:
    rows: tuple[str, ...]  # "1" dark, "0" light, quiet zone included
    x: float
    y: float
    module: float


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    dpi: int | None  # print sizes: pixels per inch of the canvas (the PDF page is in millimetres)
    backdrop: tuple[object, ...]  # the same for every banner of a campaign in this theme and size
    content: tuple[object, ...]


def dates_and_tags(start: dt.date, end: dt.date, hashtags: Sequence[str]) -> str:
    """A banner's footer: "01–07/10/2024 · #HocTapSuotDoi" (the campaign's dates, then its hashtags)."""
    if start == end:
        dates = f"{start:%d/%m/%Y}"
    elif (start.year, start.month) == (end.year, end.month):
        dates = f"{start:%d}–{end:%d/%m/%Y}"
    else:
        dates = f"{start:%d/%m}–{end:%d/%m/%Y}"
    return " · ".join(part for part in (dates, " ".join(hashtags)) if part)
