"""Print banners as vector PDF (issue 14): the PDF drawer and the Pillow drawer draw one layout, fonts embedded as
subsets, no raster except photos (at their own resolution), the same bytes every time."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from loa.posts.render.banner import BannerText, draw_banner, render_banner
from loa.posts.render.sizes import parse_size
from loa.posts.render.themes import load_theme

HEADLINE = "Nhiệt liệt hưởng ứng Tháng hành động vì an toàn thực phẩm năm 2026"
TEXT = BannerText(HEADLINE, "Sở Y tế thành phố Cần Thơ", "UBND THÀNH PHỐ CẦN THƠ", "01–30/04/2026")
# Anti-aliasing differs between FreeType (Pillow) and poppler's rasteriser, and so do the hinted advances of a
# glyph by a pixel here and there; a misplaced or missing line of text or a wrong background moves the mean by far
# more (a headline line 20 px off on the street banner: ~9; the wrong gradient direction: ~12).
MEAN_DIFFERENCE = 4.0

for tool in ("pdftoppm", "pdffonts", "pdfimages"):
    if shutil.which(tool) is None:  # poppler-utils, installed by .ci/run: never skip silently
        pytest.fail(f"{tool} (poppler-utils) is needed by these tests", pytrace=False)


def rasterise(pdf: bytes, dpi: int, tmp_path: Path) -> Image.Image:
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "out")],
                   check=True)
    return Image.open(tmp_path / "out.png").convert("RGB")


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size, (a.size, b.size)
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("theme, size, qr", [("hanh-chinh", "bang-ron", None),
                                             ("khuyen-hoc", "a3", "https://soyte.cantho.gov.vn/attp"),
                                             ("khoa-hoc", "a4", None)])
def test_the_pdf_is_the_pillow_drawing_of_the_same_layout(tmp_path, theme, size, qr):
    spec, chosen = parse_size(size), load_theme(theme)
    text = BannerText(TEXT.headline, TEXT.subline, TEXT.kicker, TEXT.footer, qr)
    pdf = render_banner(text, chosen, spec)
    assert pdf.startswith(b"%PDF")
    printed = rasterise(pdf, spec.dpi, tmp_path)
    drawn = draw_banner(text, chosen, spec)
    assert mean_difference(printed, drawn) < MEAN_DIFFERENCE
    # and the comparison can fail: the same PDF against a banner with another headline
    other = draw_banner(BannerText("Một khẩu hiệu khác hẳn", TEXT.subline, TEXT.kicker, TEXT.footer, qr), chosen, spec)
    assert mean_difference(printed, other) > MEAN_DIFFERENCE


def test_fonts_are_embedded_subsets_and_there_is_no_raster(tmp_path):
    path = tmp_path / "b.pdf"
    path.write_bytes(render_banner(TEXT, load_theme("hanh-chinh"), parse_size("bang-ron")))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("BeVietnamPro" in row[0] for row in rows), fonts
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), fonts  # emb, sub, uni
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2, images  # the header only: text, gradient and frame are vectors


def test_same_input_same_bytes_and_the_date_is_source_date_epoch(tmp_path, monkeypatch):
    theme, size = load_theme("khuyen-hoc"), parse_size("a4")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, again = render_banner(TEXT, theme, size), render_banner(TEXT, theme, size)
    assert first == again
    assert b"CreationDate" not in first and b"D:1970" not in first  # unknown: left out, never 1970
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1775001600")  # 2026-04-01 00:00 UTC
    dated = render_banner(TEXT, theme, size)
    assert b"/CreationDate (D:20260401000000Z" in dated and dated == render_banner(TEXT, theme, size)


def test_a_background_photo_is_the_only_raster_at_its_own_resolution(own_assets, tmp_path):
    folder = own_assets.root / "themes" / "photo"
    folder.mkdir()
    photo = Image.radial_gradient("L").resize((3000, 2400)).convert("RGB")
    photo.save(folder / "bg.jpg", quality=90)
    (folder / "theme.toml").write_text((own_assets.root / "themes" / "plain" / "theme.toml").read_text()
                                       .replace('decor = "none"', 'decor = "none"\nbackground_image = "bg.jpg"'))
    out = own_assets.root / "a4.pdf"
    own_assets.ok("banner", "Hội sách mùa thu", "--theme", "photo", "--size", "a4", "-o", str(out))
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    assert len(rows) == 1, listing
    x_ppi, y_ppi = int(rows[0][12]), int(rows[0][13])
    assert rows[0][4] == "2400", listing  # the photo's own pixels (its full height), never resampled to the canvas
    assert min(x_ppi, y_ppi) >= 150, listing  # so >= 150 dpi on A4, not the 30-dpi JPEG of old


def test_print_sizes_default_to_pdf_and_png_stays_possible(project):
    pdf = project.root / "br.pdf"
    project.ok("banner", HEADLINE, "--size", "bang-ron", "-o", str(pdf))
    data = pdf.read_bytes()
    box = [float(v) for v in re.search(rb"/MediaBox ?\[ ?([\d. ]+)\]", data).group(1).split()]
    assert box[2:] == pytest.approx([5000 / 25.4 * 72, 800 / 25.4 * 72], rel=1e-3)
    assert len(data) < 300 * 1024
    png = project.root / "br.png"
    project.ok("banner", HEADLINE, "--size", "bang-ron", "-o", str(png))
    assert Image.open(png).size == (parse_size("bang-ron").width, parse_size("bang-ron").height)
