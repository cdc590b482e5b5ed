"""Banner PNG encoding (png_encode.py): valid files whose pixels are the drawn ones, the same bytes every time and in
every process, any size, and the preview file the very one that is sent."""
from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from loa.posts.render import banner as banner_module
from loa.posts.render.banner import BannerText, draw_banner, encode, render_banner
from loa.posts.render.png_encode import encode_png
from loa.posts.render.sizes import parse_size
from loa.posts.render.themes import load_theme

TEXT = BannerText("Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2024",
                  "Phát triển văn hóa đọc thúc đẩy học tập suốt đời", "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
                  "01–07/10/2024 · #HocTapSuotDoi #VanHoaDoc")
ROOT = Path(__file__).resolve().parent.parent


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, each CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body), kind
        found.append((kind, body))
        at += 12 + length
    return found


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pillow_png(image: Image.Image, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=level)
    return buffer.getvalue()


@pytest.mark.parametrize("theme", ["khuyen-hoc", "hanh-chinh", "khoa-hoc"])
@pytest.mark.parametrize("size", ["facebook", "story", "portal"])
def test_banner_png_decodes_to_the_drawn_pixels(theme, size):
    drawn = draw_banner(TEXT, load_theme(theme), parse_size(size))
    data = render_banner(TEXT, load_theme(theme), parse_size(size))
    image = decoded(data)
    assert image.format == "PNG" and image.mode == "RGB" and image.size == drawn.size
    assert image.tobytes() == drawn.tobytes()
    assert image.tobytes() == decoded(pillow_png(drawn)).tobytes()  # what Pillow's own encoder would have stored
    # signature, header, the pixels, the end: no time or text chunk that would make two runs differ
    assert [kind for kind, _ in chunks(data)] == [b"IHDR", b"IDAT", b"IEND"]
    # about as small as Pillow's level 1, loa's encoding before (smooth gradients deflate well without filters)
    assert len(data) < 1.35 * len(pillow_png(drawn, level=1))


def test_same_banner_same_bytes_in_this_and_another_process():
    theme, size = load_theme("khuyen-hoc"), parse_size("facebook")
    first = render_banner(TEXT, theme, size)
    assert render_banner(TEXT, theme, size) == first
    script = ("import hashlib, sys; from loa.posts.render.banner import BannerText, render_banner; "
              "from loa.posts.render.sizes import parse_size; from loa.posts.render.themes import load_theme; "
              "data = render_banner(BannerText(*sys.argv[1:5]), load_theme('khuyen-hoc'), parse_size('facebook')); "
              "print(hashlib.sha256(data).hexdigest())")
    other = subprocess.run([sys.executable, "-c", script, TEXT.headline, TEXT.subline, TEXT.kicker, TEXT.footer],
                           capture_output=True, text=True, check=True, cwd=ROOT, env=os.environ)
    assert other.stdout.strip() == hashlib.sha256(first).hexdigest()


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
@pytest.mark.parametrize("size", [(1, 1), (3, 200), (1201, 65), (64, 64), (640, 129), (2000, 1)])
def test_odd_sizes_and_modes_decode_exactly(mode, size):
    image = Image.effect_noise(size, 80).convert(mode)
    ImageDraw.Draw(image).line((0, 0, size[0], size[1]), fill="white" if mode == "L" else "#c0ffee")
    back = decoded(encode_png(image))
    assert back.mode == mode and back.size == size and back.tobytes() == image.tobytes()


def test_a_large_raster_is_encoded_in_bands_and_decodes_exactly(monkeypatch):
    import loa.posts.render.png_encode as png_encode

    monkeypatch.setattr(png_encode, "WHOLE_BYTES", 1000)  # as a print raster: copied out band by band
    image = draw_banner(TEXT, load_theme("hanh-chinh"), parse_size("portal"))
    banded = encode_png(image)
    assert decoded(banded).tobytes() == image.tobytes()
    monkeypatch.undo()
    assert banded == encode_png(image)  # the same bytes whichever way the pixels were read


@settings(max_examples=25, deadline=None)
@given(width=st.integers(1, 700), height=st.integers(1, 300), seed=st.integers(0, 2**16))
def test_any_size_round_trips(width, height, seed):
    image = Image.new("RGB", (width, height), (seed % 256, seed // 256, 77))
    ImageDraw.Draw(image).ellipse((0, 0, width // 2, height), fill=(255 - seed % 256, 12, seed % 97))
    data = encode_png(image)
    assert decoded(data).tobytes() == image.tobytes()
    assert encode_png(image) == data


def test_a_picture_that_would_be_too_big_falls_back_to_pillow_strongest_compression(monkeypatch):
    image = draw_banner(TEXT, load_theme("khoa-hoc"), parse_size("facebook"))
    fast = encode(image, parse_size("facebook"), title="x")
    monkeypatch.setattr(banner_module, "MAX_BYTES", len(fast) - 1)
    small = encode(image, parse_size("facebook"), title="x")
    assert len(small) < len(fast) and decoded(small).tobytes() == image.tobytes()


def test_unsupported_mode_is_refused():
    with pytest.raises(ValueError, match="mode P"):
        encode_png(Image.new("P", (4, 4)))


def test_preview_file_is_the_file_that_is_sent(project):
    from conftest import SAMPLE

    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    post = project.json("queue")["posts"][0]
    out = project.root / "xem-truoc"
    project.ok("preview", str(post["id"]), "--out", str(out))
    media = project.root / "var" / "media"
    stored = dict(project.sql("SELECT name, media_path FROM renders WHERE post_id=? AND kind='banner'", post["id"]))
    assert stored
    for name, media_path in stored.items():
        sent = (media / media_path).read_bytes()
        assert (out / name).read_bytes() == sent
        assert [kind for kind, _ in chunks(sent)] == [b"IHDR", b"IDAT", b"IEND"]
        assert decoded(sent).mode == "RGB"
