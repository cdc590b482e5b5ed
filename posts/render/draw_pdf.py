"""The PDF drawer (fpdf2): the same Layout as vectors, for the print shop.

Text is real glyphs of the theme's fonts, embedded as subsets; backgrounds, gradients, decor and QR modules are
vector paths; only photos and logos are raster, at their own resolution (never resampled down to the canvas). The
page is the size's millimetres; one canvas pixel is 72/dpi points. Same layout -> same bytes: the creation date is
SOURCE_DATE_EPOCH when set, else left out (nobody knows when the campaign will be printed; 1970 would be a lie).
"""
from __future__ import annotations

import datetime as dt
import io
import os
import re
import warnings

from .decor import open_image
from .items import Ellipse, Gradient, Layout, Picture, QRCode, Rect, TextLine

PLACEHOLDER_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # never shown: blanked below


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _creation_date() -> dt.datetime | None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return None


def draw_pdf(layout: Layout, *, title: str) -> bytes:
    from fpdf import FPDF
    from fpdf.pattern import LinearGradient

    scale = 72 / (layout.dpi or 72)  # points per canvas pixel
    page_w, page_h = layout.width * scale, layout.height * scale
    pdf = FPDF(unit="pt", format=(page_w, page_h))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    date = _creation_date()
    pdf.set_creation_date(date or PLACEHOLDER_DATE)
    pdf.set_title(title)
    pdf.set_creator("loa")
    pdf.set_producer("loa")
    pdf.set_image_filter("DCTDecode")  # photos as JPEG at their own resolution: a print-size PNG would be huge
    pdf.add_page()
    families: dict[str, str] = {}

    def family(item: TextLine) -> str:
        key = str(item.font)
        if key not in families:
            families[key] = f"F{len(families)}"
            with warnings.catch_warnings():  # fpdf2 notes the font's missing tables; the glyphs are all there
                warnings.simplefilter("ignore")
                pdf.add_font(families[key], fname=key)
        return families[key]

    for item in (*layout.backdrop, *layout.content):
        if isinstance(item, Gradient):
            # t = (x/w + y/h) / 2 runs along (1/w, 1/h); the axis ends where t = 1 (fpdf2's pattern matrix puts the
            # origin at the top left, as the layout does)
            w, h = item.w * scale, item.h * scale
            reach = 2 / (1 / w ** 2 + 1 / h ** 2)
            x0, y0 = item.x * scale, item.y * scale
            gradient = LinearGradient(x0, y0, x0 + reach / w, y0 + reach / h, [_rgb(item.start), _rgb(item.end)],
                                      extend_before=True, extend_after=True)
            with pdf.local_context(fill_opacity=item.alpha), pdf.use_pattern(gradient):
                pdf.rect(item.x * scale, item.y * scale, w, h, style="F")
        elif isinstance(item, Rect):
            with pdf.local_context(fill_opacity=item.alpha, stroke_opacity=item.alpha):
                if item.line:
                    pdf.set_draw_color(*_rgb(item.colour))
                    pdf.set_line_width(item.line * scale)
                    pdf.rect(item.x * scale, item.y * scale, item.w * scale, item.h * scale, style="D")
                else:
                    pdf.set_fill_color(*_rgb(item.colour))
                    pdf.rect(item.x * scale, item.y * scale, item.w * scale, item.h * scale, style="F")
        elif isinstance(item, Ellipse):
            with pdf.local_context(fill_opacity=item.alpha):
                pdf.set_fill_color(*_rgb(item.colour))
                pdf.circle((item.cx) * scale, (item.cy) * scale, item.r * scale, style="F")
        elif isinstance(item, Picture):
            picture = open_image(item.path).crop(item.crop)
            if picture.mode not in ("RGB", "L"):
                pdf.set_image_filter("FlateDecode")  # keep a logo's transparency
            buffer = io.BytesIO()
            picture.save(buffer, "PNG")
            pdf.image(buffer, item.x * scale, item.y * scale, item.w * scale, item.h * scale)
            pdf.set_image_filter("DCTDecode")
        elif isinstance(item, TextLine):
            pdf.set_font(family(item), size=item.size * scale)
            pdf.set_text_color(*_rgb(item.colour))
            pdf.text(item.x * scale, item.baseline * scale, item.text)
        elif isinstance(item, QRCode):
            _qr(pdf, item, scale)
    data = bytes(pdf.output())
    if date is None:  # fpdf2 always writes a date: blank it with spaces of the same length (offsets stay valid)
        field = re.search(rb"/CreationDate \([^)]*\)", data)
        if field:
            data = data[:field.start()] + b" " * (field.end() - field.start()) + data[field.end():]
    return data


def _qr(pdf: object, code: QRCode, scale: float) -> None:
    """A white square, then one black rectangle per run of dark modules in a row: vectors, sharp at any size."""
    module = code.module * scale
    x0, y0 = code.x * scale, code.y * scale
    pdf.set_fill_color(255, 255, 255)  # type: ignore[attr-defined]
    pdf.rect(x0, y0, module * len(code.rows), module * len(code.rows), style="F")  # type: ignore[attr-defined]
    pdf.set_fill_color(0, 0, 0)  # type: ignore[attr-defined]
    for r, row in enumerate(code.rows):
        c = 0
        while c < len(row):
            if row[c] == "1":
                end = row.find("0", c)
                end = len(row) if end < 0 else end
                pdf.rect(x0 + c * module, y0 + r * module, (end - c) * module, module, style="F")  # type: ignore
                c = end
            else:
                c += 1
