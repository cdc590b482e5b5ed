"""Text drawn from cached glyphs (glyphs.py): the very pixels, boxes and lengths Pillow's own text drawing gives."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from loa.posts.render.fonts import FONTS, load_font
from loa.posts.render.glyphs import draw_line, text_box, text_length

VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
              "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
              "ÁÀẢÃẠẮẰẲẴẶẤẦẨẪẬÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
              "0123456789 .,:;–-·#!?()/\"'fjTVWAYL")
FONT_FILES = sorted(p.name for p in Path(str(FONTS)).glob("*.ttf"))


def pillow_and_cached(font: ImageFont.FreeTypeFont, text: str, mode: str, x: int) -> tuple[bytes, bytes]:
    background = (20, 70, 160) if mode == "RGB" else (250, 240, 10, 255)
    size = font.size
    expected = Image.new(mode, (size * len(text) + 40, size * 3), background)
    drawn = expected.copy()
    ImageDraw.Draw(expected).text((x, size * 2), text, font=font, fill="#FFCC00", anchor="ls")
    draw_line(drawn, x, size * 2, text, font, "#FFCC00")
    return expected.tobytes(), drawn.tobytes()


@pytest.mark.parametrize("font_file", FONT_FILES)
@pytest.mark.parametrize("size", [8, 13, 41, 101, 190])
def test_every_vietnamese_letter_is_drawn_as_pillow_draws_it(font_file, size):
    font = load_font(Path(str(FONTS / font_file)), size)
    for start in range(0, len(VIETNAMESE), 24):
        text = VIETNAMESE[start:start + 24]
        assert text_box(font, text) == font.getbbox(text, anchor="ls"), text
        assert text_length(font, text) == font.getlength(text), text
        expected, drawn = pillow_and_cached(font, text, "RGB", 3)
        assert drawn == expected, text


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=VIETNAMESE, min_size=1, max_size=30), size=st.integers(6, 160),
       font_file=st.sampled_from(FONT_FILES), mode=st.sampled_from(["RGB", "RGBA"]), x=st.integers(-20, 20))
def test_any_line_at_any_size_has_pillows_pixels(text, size, font_file, mode, x):
    """Glyphs whose edges overlap ("Ể" over "g", "fj"), a line starting left of the canvas, RGBA backdrops."""
    font = load_font(Path(str(FONTS / font_file)), size)
    expected, drawn = pillow_and_cached(font, text, mode, x)
    assert drawn == expected
    assert text_box(font, text) == font.getbbox(text, anchor="ls")


def test_a_font_with_pair_kerning_is_left_to_pillow(tmp_path):
    """A 'kern' table moves glyphs by pairs: such a font is drawn by Pillow itself, still the same pixels."""
    from fontTools.ttLib import TTFont, newTable

    face = TTFont(str(FONTS / "BeVietnamPro-Medium.ttf"))
    kern = newTable("kern")
    kern.version = 0
    from fontTools.ttLib.tables._k_e_r_n import KernTable_format_0

    pairs = KernTable_format_0()
    pairs.coverage, pairs.format, pairs.tupleIndex = 1, 0, 0
    cmap = face.getBestCmap()
    pairs.kernTable = {(cmap[ord("A")], cmap[ord("V")]): -300}
    kern.kernTables = [pairs]
    face["kern"] = kern
    path = tmp_path / "kerned.ttf"
    face.save(str(path))
    font = load_font(path, 60)
    assert font.getlength("AV") < font.getlength("A") + font.getlength("V")  # the pair is kerned
    assert text_length(font, "AVA") == font.getlength("AVA")
    expected, drawn = pillow_and_cached(font, "AVA VAV", "RGB", 0)
    assert drawn == expected


@pytest.mark.parametrize("theme", ["khuyen-hoc", "hanh-chinh", "khoa-hoc"])
def test_a_whole_banner_has_the_pixels_of_pillows_text_drawing(theme, monkeypatch):
    from loa.posts.render import draw_png as drawer
    from loa.posts.render.banner import BannerText
    from loa.posts.render.layout import layout_banner
    from loa.posts.render.sizes import parse_size
    from loa.posts.render.themes import load_theme

    text = BannerText("Ể gỵ – Tuần lễ hưởng ứng học tập suốt đời năm 2024", "Phát triển văn hóa đọc",
                      "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "01–07/10/2024 · #HocTapSuotDoi", "https://example.gov.vn/tuan-le")
    layout = layout_banner(text, load_theme(theme), parse_size("story"))
    cached = drawer.draw_png(layout).tobytes()
    monkeypatch.setattr(drawer, "draw_line", lambda image, x, baseline, line, font, colour: ImageDraw.Draw(image).text(
        (x, baseline), line, font=font, fill=colour, anchor="ls"))
    drawer._backdrop.cache_clear()  # kicker and footer drawn again, by Pillow
    try:
        assert drawer.draw_png(layout).tobytes() == cached
    finally:
        drawer._backdrop.cache_clear()
