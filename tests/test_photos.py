"""Real photos on posts: checked, turned upright, stripped of metadata, scaled per channel kind, stored once;
refused in one line when they are not photos loa takes; replaced or removed by ``post edit``."""
from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from conftest import campaign_toml
from PIL import Image

from support.photos import (START, assert_clean, bomb, import_with, media_files, noisy_photo, phone_photo,
                            photo_renders, png_photo, stored_images, webp_photo)


# -- the photo itself ------------------------------------------------------------------------------------------------
def test_a_phone_photo_is_stored_upright_without_gps_or_any_metadata(project):
    phone_photo(project.root / "anh" / "khai-mac.jpg")
    path = import_with(project, "c.toml", ["anh/khai-mac.jpg"])  # relative to the campaign file
    project.ok("campaign", "import", str(path))
    post_id = project.json("queue")["posts"][0]["id"]
    (image,) = stored_images(project, post_id)
    assert image["name"] == "khai-mac.jpg" and image["mime"] == "image/jpeg"
    assert (image["width"], image["height"]) == (300, 400)  # upright: stored 400 x 300 sideways
    kept = (project.root / "var" / "media" / image["media_path"]).read_bytes()
    assert hashlib.sha256(kept).hexdigest() == image["sha256"]
    upright = assert_clean(kept)
    assert upright.size == (300, 400)
    red, white = upright.convert("RGB").getpixel((290, 10)), upright.convert("RGB").getpixel((10, 10))
    assert red[0] > 200 and red[1] < 60 and min(white) > 240
    # one copy per channel kind, each as clean, and what preview writes is those very bytes
    renders = photo_renders(project, post_id)
    assert set(renders) == {"photo-01-portal.jpg", "photo-01-facebook.jpg"}
    out = project.root / "preview"
    project.ok("preview", str(post_id), "--out", str(out))
    for name, (_, sha) in renders.items():
        written = (out / name).read_bytes()
        assert hashlib.sha256(written).hexdigest() == sha
        assert_clean(written)


def test_png_and_webp_are_taken_and_cleaned_too(project):
    png_photo(project.root / "a.png")
    webp_photo(project.root / "b.webp")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=START, posts=0))))
    project.ok("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 09:00", "--title", "Ảnh", "--body", "x",
               "--image", "a.png", "--image", "b.webp")
    post_id = project.json("queue")["posts"][0]["id"]
    first, second = stored_images(project, post_id)
    assert (first["mime"], second["mime"]) == ("image/png", "image/jpeg")  # a screenshot stays PNG
    for image in (first, second):
        assert_clean((project.root / "var" / "media" / image["media_path"]).read_bytes())
    assert sorted(photo_renders(project, post_id)) == ["photo-01-facebook.png", "photo-01-portal.png",
                                                       "photo-02-facebook.jpg", "photo-02-portal.jpg"]


def test_large_photos_are_scaled_to_each_channel_kind_and_the_same_file_is_kept_once(project):
    noisy_photo(project.root / "lon.jpg", (4000, 3000))
    path = import_with(project, "c.toml", ["lon.jpg"], posts=2)
    project.ok("campaign", "import", str(path))
    first, second = [p["id"] for p in project.json("queue")["posts"]]
    assert stored_images(project, first) == stored_images(project, second)  # same bytes in, same file
    renders = photo_renders(project, first)
    assert renders == photo_renders(project, second)
    sizes = {}
    for name, (media, _) in renders.items():
        data = (project.root / "var" / "media" / media).read_bytes()
        sizes[name] = (Image.open(io.BytesIO(data)).size, len(data))
    assert sizes["photo-01-portal.jpg"][0] == (1600, 1200) and sizes["photo-01-portal.jpg"][1] <= 2_000_000
    assert sizes["photo-01-facebook.jpg"][0] == (2048, 1536) and sizes["photo-01-facebook.jpg"][1] <= 3_500_000
    # kept copy + one copy per kind, shared by both posts
    assert len(media_files(project)) == 3


def test_a_copy_over_its_kind_byte_limit_is_made_smaller_until_it_fits(tmp_path):
    from loa.posts.render.photos import PhotoSource, PhotoStore
    from loa.posts.render.text import ChannelKind

    store = PhotoStore(tmp_path / "m")
    (image,) = store.store([PhotoSource(noisy_photo(tmp_path / "n.jpg", (1200, 900)), "x")])
    kind = ChannelKind("tiny", "text", "post", "facebook", {}, photo={"long_side": 1000, "max_bytes": 20_000})
    variant = store.variant(image, kind, where="x")
    data = (tmp_path / "m" / variant.media_path).read_bytes()
    assert len(data) <= 20_000 and variant.size == len(data)
    assert max(Image.open(io.BytesIO(data)).size) <= 1000


@pytest.mark.parametrize("hide", ["APP3 segment", "after the end", "comment"])
def test_a_jpeg_hiding_data_elsewhere_is_rebuilt_from_its_pixels(tmp_path, hide):
    from loa.posts.render.photos import PhotoSource, PhotoStore

    plain = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 30, 30)).save(plain, "JPEG", comment=b"nha rieng" if hide == "comment" else None)
    data = plain.getvalue()
    secret = b"toa do: 10.0342, 105.7880 nha rieng"
    if hide == "APP3 segment":
        data = data[:2] + b"\xff\xe3" + (len(secret) + 2).to_bytes(2, "big") + secret + data[2:]
    elif hide == "after the end":
        data += secret
    source = tmp_path / "x.jpg"
    source.write_bytes(data)
    (kept,) = PhotoStore(tmp_path / "m").store([PhotoSource(source, "x")])
    cleaned = (tmp_path / "m" / kept["media_path"]).read_bytes()
    assert b"nha rieng" not in cleaned and cleaned != data
    assert_clean(cleaned)


def test_cleaning_is_deterministic(project, tmp_path):
    from loa.posts.render.photos import PhotoSource, PhotoStore

    source = phone_photo(tmp_path / "p.jpg")
    first = PhotoStore(tmp_path / "m1").store([PhotoSource(source, "x")])
    second = PhotoStore(tmp_path / "m2").store([PhotoSource(source, "x")])
    assert first == second
    assert (tmp_path / "m1" / first[0]["media_path"]).read_bytes() == \
        (tmp_path / "m2" / second[0]["media_path"]).read_bytes()
    # cleaning a cleaned photo changes nothing (an exported campaign imported anew): no second JPEG loss either
    png = PhotoStore(tmp_path / "m3").store([PhotoSource(png_photo(tmp_path / "p.png"), "x")])
    for folder, (kept,) in (("m1", first), ("m3", png)):
        (again,) = PhotoStore(tmp_path / "m4").store([PhotoSource(tmp_path / folder / kept["media_path"], "x")])
        assert again["sha256"] == kept["sha256"]



# -- refusals: one line, exit 2, nothing written ------------------------------------------------------------------------
def _bad_files(root: Path) -> dict[str, tuple[Path, str]]:
    text = root / "ghi-chu.jpg"
    text.write_text("không phải ảnh", encoding="utf-8")
    gif = root / "dong.gif"
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    cut = root / "cut.png"
    data = io.BytesIO()
    noisy_photo(root / "full.jpg", (200, 200))
    Image.open(root / "full.jpg").save(data, "PNG")
    cut.write_bytes(data.getvalue()[:-400])
    fifo = root / "ong.jpg"
    os.mkfifo(fifo)  # would block a plain open() for ever
    return {"not an image": (text, "is not an image"), "bomb": (bomb(root / "bom.png"), "decompression bomb"),
            # 100 Mpx: Pillow only warns (between 1x and 2x its limit); loa refuses it as a bomb all the same
            "bomb Pillow only warns of": (bomb(root / "bom2.png", 10000, 10000), "decompression bomb"),
            "60 megapixels": (bomb(root / "lon.png", 8000, 7500), "has 60 megapixels: at most 50"),
            "gif": (gif, "GIF image"), "cut short": (cut, "cannot be read as an image"),
            "too many megabytes": (noisy_photo(root / "big.jpg", (1200, 1200)), "larger than the limit"),
            "missing": (root / "khong-co.jpg", "file not found"), "fifo": (fifo, "not a regular file")}


def _small_limit(project) -> None:
    text = project.config.read_text(encoding="utf-8")
    assert "\n[render]\n" in text
    project.config.write_text(text.replace("\n[render]\n", "\n[render]\nmax_image_mb = 0.1\n", 1), encoding="utf-8")


@pytest.mark.parametrize("case", ["not an image", "bomb", "bomb Pillow only warns of", "60 megapixels", "gif",
                                  "cut short", "too many megabytes", "missing", "fifo"])
def test_a_bad_photo_on_post_add_is_refused_in_one_line_and_nothing_is_written(project, case):
    _small_limit(project)
    good = phone_photo(project.root / "tot.jpg")
    bad, words = _bad_files(project.root)[case]
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=START, posts=0))))
    before, files = project.counts(), media_files(project)
    message = project.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 09:00", "--title", "Ảnh",
                            "--body", "x", "--image", str(good), "--image", str(bad))
    assert f"--image {bad}" in message and words in message
    assert project.counts() == before and media_files(project) == files


def test_a_wrong_time_keeps_no_photo_either(project):
    good = phone_photo(project.root / "tot.jpg")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=START, posts=0))))
    message = project.fails("post", "add", "--campaign", "tuan-le", "--at", "2001-10-01 09:00", "--title", "Ảnh",
                            "--body", "x", "--image", str(good))
    assert "--at" in message and media_files(project) == set() and project.counts()["posts"] == 0


@pytest.mark.parametrize("case", ["not an image", "bomb", "too many megabytes"])
def test_a_bad_photo_in_a_campaign_file_names_the_file_and_its_line(project, case):
    _small_limit(project)
    bad, words = _bad_files(project.root)[case]
    phone_photo(project.root / "tot.jpg")
    path = import_with(project, "c.toml", ["tot.jpg", bad.name], posts=2)
    before = project.counts()
    message = project.fails("campaign", "import", str(path))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("images"))
    assert f"{path}:{line}: post 1 (Bài số 1): photo 2 ({bad.name}): " in message and words in message
    assert project.counts() == before and media_files(project) == set()


def test_an_unknown_key_next_to_images_is_still_refused(project):
    phone_photo(project.root / "tot.jpg")
    path = import_with(project, "c.toml", ["tot.jpg"], extra='image = "tot.jpg"')
    assert "there is no entry `image`" in project.fails("campaign", "import", str(path))  # the path says "unknown"


# -- edit -------------------------------------------------------------------------------------------------------------
def test_edit_replaces_or_removes_the_photos_and_an_approved_post_returns_to_draft(project):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    result = project.ok("post", "edit", str(post_id), "--image", "b.png")
    assert "photos" in result.stdout
    assert [i["name"] for i in stored_images(project, post_id)] == ["b.png"]
    shown = project.json("post", "show", str(post_id))["images"]
    assert [(i["name"], i["width"], i["height"]) for i in shown] == [("b.png", 320, 200)]
    assert "b.png (320×200)" in project.ok("post", "show", str(post_id)).stdout
    assert project.json("post", "show", str(post_id))["status"] == "draft"
    assert sorted(photo_renders(project, post_id)) == ["photo-01-facebook.png", "photo-01-portal.png"]
    message = project.fails("post", "edit", str(post_id), "--image", "a.jpg", "--no-images")
    assert "--no-images" in message
    project.ok("post", "edit", str(post_id), "--no-images")
    assert stored_images(project, post_id) == [] and photo_renders(project, post_id) == {}
    project.fails("post", "edit", str(post_id), "--no-images")  # nothing to change


def _seed_images() -> list[bytes]:
    seeds = []
    for fmt in ("JPEG", "PNG", "WEBP"):
        data = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 200, 90)).save(data, fmt)
        seeds.append(data.getvalue())
    return seeds


SEEDS = _seed_images()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEEDS), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                                   max_size=6), cut=st.integers(0, 10_000), junk=st.binary(max_size=64))
def test_any_damaged_file_is_a_clean_photo_or_one_line(tmp_path, seed, flips, cut, junk):
    """Whatever the bytes, a photo is kept clean or refused with a one-line error: never a traceback."""
    from loa.posts.errors import UserError
    from loa.posts.render.photos import PhotoSource, PhotoStore

    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: max(1, len(data) - cut % len(data))]) + junk
    source = tmp_path / "x.jpg"
    source.write_bytes(data)
    try:
        (kept,) = PhotoStore(tmp_path / "m").store([PhotoSource(source, "--image x.jpg")])
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("--image x.jpg: ")
    else:
        assert_clean((tmp_path / "m" / kept["media_path"]).read_bytes())


def test_a_photo_is_scaled_once_and_found_again_by_later_commands(project, monkeypatch):
    noisy_photo(project.root / "lon.jpg", (3000, 2000))
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["lon.jpg"])))
    post_id = project.json("queue")["posts"][0]["id"]
    before = photo_renders(project, post_id)
    from loa.posts.render import photos

    scale = photos._fit

    def no_scaling(*args, **kwargs):
        raise AssertionError("scaled again")

    monkeypatch.setattr(photos, "_fit", no_scaling)
    project.ok("post", "edit", str(post_id), "--title", "Khai mạc (sửa)")
    assert photo_renders(project, post_id) == before
    # a scaled copy damaged on disk is not trusted: made again
    media, _ = before["photo-01-portal.jpg"]
    (project.root / "var" / "media" / media).write_bytes(b"cut")
    monkeypatch.setattr(photos, "_fit", scale)
    project.ok("render", str(post_id))
    assert photo_renders(project, post_id) == before
    data = (project.root / "var" / "media" / media).read_bytes()
    assert hashlib.sha256(data).hexdigest() == before["photo-01-portal.jpg"][1]
