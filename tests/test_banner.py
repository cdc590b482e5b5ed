"""`loa banner` and banner rendering: sizes, themes, fitting, glyph coverage, determinism, measured on the image."""
from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.render.banner import BannerText, draw_banner
from loa.posts.render.sizes import parse_size
from loa.posts.render.themes import list_themes, load_theme

SIZES = {"facebook": (1200, 630), "square": (1080, 1080), "story": (1080, 1920), "portal": (1600, 900)}


def banner(project, *args: str, name: str = "b.png") -> bytes:
    path = project.root / name
    project.ok("banner", *args, "-o", str(path))
    return path.read_bytes()


def text_rows(image: Image.Image) -> list[int]:
    """Rows that hold any text pixel (anything not black on the plain theme)."""
    grey = image.convert("L").point(lambda v: 255 if v > 40 else 0)
    width, height = grey.size
    data = grey.tobytes()
    return [y for y in range(height) if any(data[y * width:(y + 1) * width])]


def bands(rows: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for y in rows:
        if runs and y == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


@pytest.mark.parametrize("size", list(SIZES))
def test_named_screen_sizes_are_pngs_of_that_size(project, size):
    image = Image.open(BytesIO(banner(project, "Tuần lễ học tập suốt đời", "--size", size)))
    assert image.format == "PNG" and image.size == SIZES[size]


def test_print_sizes_are_pdfs_in_millimetres(project):
    data = banner(project, "Treo băng rôn", "--size", "a3", "--dpi", "100", name="a3.pdf")
    assert data.startswith(b"%PDF") and len(data) < 4 * 1024 * 1024
    box = [float(v) for v in re.search(rb"/MediaBox \[ ?([\d. ]+)\]", data).group(1).split()]
    assert box[2:] == pytest.approx([297 / 25.4 * 72, 420 / 25.4 * 72], abs=1)
    street = banner(project, "Phát triển văn hóa đọc", "--size", "bang-ron", name="br.pdf")
    box = [float(v) for v in re.search(rb"/MediaBox \[ ?([\d. ]+)\]", street).group(1).split()]
    assert box[2:] == pytest.approx([5000 / 25.4 * 72, 800 / 25.4 * 72], rel=1e-3)  # whole pixels at 30 dpi
    custom = banner(project, "Khẩu hiệu", "--size", "3000x600mm", "--dpi", "50", name="c.pdf")
    assert custom.startswith(b"%PDF")
    assert Image.open(BytesIO(banner(project, "Khẩu hiệu", "--size", "800x400", name="c.png"))).size == (800, 400)


def test_same_input_same_bytes_and_nfd_equals_nfc(project):
    headline = "Học tập suốt đời – Ngày Khuyến học Việt Nam"
    first = banner(project, headline, "--subline", "Tuần lễ 01–07/10", name="1.png")
    again = banner(project, headline, "--subline", "Tuần lễ 01–07/10", name="2.png")
    nfd = banner(project, unicodedata.normalize("NFD", headline), "--subline",
                 unicodedata.normalize("NFD", "Tuần lễ 01–07/10"), name="3.png")
    assert first == again == nfd
    pdf1 = banner(project, headline, "--size", "a4", name="1.pdf")
    pdf2 = banner(project, headline, "--size", "a4", name="2.pdf")
    assert pdf1 == pdf2


def test_missing_glyphs_are_refused_and_named(project):
    message = project.fails("banner", "Chào mừng 🎉 học tập 学习", "-o", str(project.root / "x.png"))
    assert "U+1F389" in message and "U+5B66" in message and "headline" in message
    assert not (project.root / "x.png").exists()


def test_a_word_too_long_is_an_error_not_overflow(project):
    message = project.fails("banner", "Học" + "tập" * 60, "-o", str(project.root / "x.png"))
    assert "headline" in message and "Học" in message
    assert not (project.root / "x.png").exists()


def test_a_headline_that_cannot_fit_is_an_error(project):
    message = project.fails("banner", " ".join(["học tập suốt đời"] * 120), "-o", str(project.root / "x.png"))
    assert "headline" in message


def test_stacked_marks_never_touch_and_text_stays_in_the_safe_area(own_assets):
    # "|" spans from cap height to below the descender, so each line's ink is one run of rows (dots below and
    # marks above included): lines that touched would merge into fewer runs.
    lines = ["|Gặp ỵgy|", "|ỂỄỆ ẪỘ|", "|Quyển|"]  # short: no line wraps at any size
    for size in ("facebook", "square", "story", "bang-ron"):
        data = banner(own_assets, "\n".join(lines), "--kicker", "", "--theme", "plain", "--size", size,
                      name=f"{size}.png")
        image = Image.open(BytesIO(data))
        rows = text_rows(image)
        assert len(bands(rows)) == 3, size  # three lines, each separated from the next by empty rows
        margin = round(0.06 * min(image.size))
        box = image.convert("L").point(lambda v: 255 if v > 40 else 0).getbbox()
        assert box[0] >= margin and box[1] >= margin, (size, box)
        assert box[2] <= image.width - margin and box[3] <= image.height - margin, (size, box)


words = st.text(alphabet=st.sampled_from("aăâeêioôơuưyđbcghklmnpqrstvxỂỄỆẪẨẬỘỖỔgjpqyỵÁÀẢÃẠ"), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headline=st.lists(words, min_size=1, max_size=30).map(" ".join),
       subline=st.none() | st.lists(words, min_size=1, max_size=12).map(" ".join),
       size=st.sampled_from(["facebook", "square", "story", "portal", "bang-ron"]))
def test_any_headline_fits_inside_the_safe_area_or_is_refused(own_assets, headline, subline, size):
    theme = load_theme("plain", own_assets.root / "themes")
    spec = parse_size(size)
    try:
        image = draw_banner(BannerText(headline, subline), theme, spec)
    except UserError as error:
        # refused cleanly, and only for a reason that holds: no word of 12 letters is too wide at the smallest
        # size, so only a long headline (hundreds of characters) may be refused, naming its length
        assert len(headline) > 100, (headline, str(error))
        # the reason says how long the headline is and how long it may be (issue 14: never drawn tiny)
        assert f"({len(headline)} " in str(error) and str(error).startswith("headline: "), str(error)
        return
    box = image.convert("L").point(lambda v: 255 if v > 40 else 0).getbbox()
    margin = round(0.06 * min(spec.width, spec.height))
    assert box is not None
    assert margin <= box[0] and margin <= box[1]
    assert box[2] <= spec.width - margin and box[3] <= spec.height - margin


def test_every_shipped_theme_renders_every_size_under_4_mb():
    themes = list_themes()
    assert {"khuyen-hoc", "hanh-chinh", "khoa-hoc"} <= {theme.slug for theme in themes}
    from loa.posts.render.banner import render_banner

    text = BannerText("Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2024",
                      "Phát triển văn hóa đọc thúc đẩy học tập suốt đời", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                      "01–07/10/2024 · #HocTapSuotDoi", "https://example.gov.vn/tuan-le")
    for theme in themes:
        for size in ("facebook", "square", "story", "portal", "bang-ron", "a3"):
            data = render_banner(text, theme, parse_size(size))
            assert 10_000 < len(data) < 4 * 1024 * 1024, (theme.slug, size)


def test_qr_code_is_drawn_in_black_and_white(project):
    plain = Image.open(BytesIO(banner(project, "Hội sách", "--size", "a4", "--theme", "khuyen-hoc", name="a.png")))
    coded = Image.open(BytesIO(banner(project, "Hội sách", "--size", "a4", "--theme", "khuyen-hoc", "--qr",
                                      "https://sokhcn.cantho.gov.vn/hoi-sach", name="q.png")))
    corner = coded.crop((coded.width * 2 // 3, coded.height * 3 // 4, coded.width, coded.height)).convert("L")
    histogram = corner.histogram()
    assert histogram[0] > 1000 and histogram[255] > 1000  # modules and quiet zone
    assert plain.crop((plain.width * 2 // 3, plain.height * 3 // 4, plain.width, plain.height)).convert(
        "L").histogram()[255] < 100


def test_unknown_theme_size_dpi_and_extension(project):
    out = str(project.root / "x.png")
    assert "khong-co" in project.fails("banner", "x", "--theme", "khong-co", "-o", out)
    assert "--size" in project.fails("banner", "x", "--size", "huge", "-o", out)
    assert "--size" in project.fails("banner", "x", "--size", "100000x100000", "-o", out)
    assert "--dpi" in project.fails("banner", "x", "--size", "a3", "--dpi", "5000", "-o", out)
    assert "-o" in project.fails("banner", "x", "-o", str(project.root / "x.gif"))
    assert "-o" in project.fails("banner", "x", "-o", str(project.root / "missing" / "x.png"))


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b""))


@pytest.mark.parametrize("image_file, expected", [
    (b"this is not an image", "not an image"),
    (_png_header_only(30000, 30000), "decompression bomb"),
    (_png_header_only(12000, 12000), "decompression bomb"),  # between 1x and 2x the limit: only a warning in Pillow
])
def test_bad_background_images(own_assets, image_file, expected):
    folder = own_assets.root / "themes" / "photo"
    folder.mkdir()
    (folder / "bg.png").write_bytes(image_file)
    (folder / "theme.toml").write_text((own_assets.root / "themes" / "plain" / "theme.toml").read_text()
                                       .replace('decor = "none"', 'decor = "none"\nbackground_image = "bg.png"'))
    message = own_assets.fails("banner", "x", "--theme", "photo", "-o", str(own_assets.root / "x.png"))
    assert expected in message and "bg.png" in message


def test_theme_assets_cannot_leave_the_theme_folder(own_assets):
    folder = own_assets.root / "themes" / "escape"
    folder.mkdir()
    (folder / "theme.toml").write_text((own_assets.root / "themes" / "plain" / "theme.toml").read_text()
                                       .replace('decor = "none"', 'decor = "none"\nlogo = "../../../../etc/passwd"'))
    message = own_assets.fails("banner", "x", "--theme", "escape", "-o", str(own_assets.root / "x.png"))
    assert "leaves the theme" in message and "logo" in message


def test_bad_theme_file_names_key_and_line(own_assets):
    folder = own_assets.root / "themes" / "broken"
    folder.mkdir()
    (folder / "theme.toml").write_text('name = "x"\n[colours]\nbackground = "red"\n', encoding="utf-8")
    message = own_assets.fails("banner", "x", "--theme", "broken", "-o", str(own_assets.root / "x.png"))
    assert "theme.toml:3" in message and "[colours]: background:" in message


def test_themes_list(own_assets):
    themes = own_assets.json("themes", "list")["themes"]
    assert {"khuyen-hoc", "hanh-chinh", "khoa-hoc", "plain"} <= {theme["slug"] for theme in themes}
    assert "Khuyến học" in own_assets.ok("themes", "list").stdout


@pytest.mark.parametrize("font, expected", [("../../../../usr/share/fonts/x.ttf", "file name"),
                                            ("/etc/passwd", "file name"), ("notes.ttf", "not a font")])
def test_theme_fonts_are_names_inside_the_theme(own_assets, font, expected):
    folder = own_assets.root / "themes" / "fonty"
    folder.mkdir()
    (folder / "notes.ttf").write_text("not a font", encoding="utf-8")
    (folder / "theme.toml").write_text((own_assets.root / "themes" / "plain" / "theme.toml").read_text()
                                       + f'\n[fonts]\nheadline = "{font}"\n', encoding="utf-8")
    message = own_assets.fails("banner", "x", "--theme", "fonty", "-o", str(own_assets.root / "x.png"))
    assert expected in message
