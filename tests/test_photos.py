"""Real photos on posts: checked, upright, without metadata, scaled per channel, stored once, and sent."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
from pathlib import Path

import pytest
from conftest import campaign_toml, facebook_channel
from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

from support.facebook import GraphDouble

START = dt.date(2031, 10, 1)
TOKEN = "EAAB-test-photo-token"


# -- images made for the tests ------------------------------------------------------------------------------------
def phone_photo(path: Path, size: tuple[int, int] = (400, 300)) -> Path:
    """A JPEG as a phone writes it: stored sideways with EXIF orientation 6, a GPS position, XMP and a comment.
    A red block marks the stored top-left corner: upright, it is at the top right."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 6, size[1] // 6), fill="red")
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({ExifTags.GPS.GPSLatitudeRef: "N",
                                               ExifTags.GPS.GPSLatitude: (10.0, 2.0, 3.0)})
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # converted, then dropped
    image.save(path, "JPEG", exif=exif, comment=b"nha rieng", xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
               icc_profile=profile)
    return path


def png_photo(path: Path, size: tuple[int, int] = (320, 200)) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "toa do nha rieng")
    Image.new("RGB", size, (20, 120, 60)).save(path, "PNG", pnginfo=info)
    return path


def webp_photo(path: Path) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    Image.new("RGB", (300, 300), (200, 180, 20)).save(path, "WEBP", exif=exif, quality=90)
    return path


def noisy_photo(path: Path, size: tuple[int, int]) -> Path:
    """A large photo that does not compress to nothing (random blocks), so scaling and byte limits matter."""
    rng = random.Random(7)
    small = Image.new("RGB", (size[0] // 8, size[1] // 8))
    small.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(small.width *
                                                                                              small.height)])
    small.resize(size, Image.Resampling.BILINEAR).save(path, "JPEG", quality=95)
    return path


def bomb(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A small PNG whose header claims ``width`` x ``height`` pixels: opening it must not decode it."""
    data = io.BytesIO()
    Image.new("L", (1, 1)).save(data, "PNG")
    raw = bytearray(data.getvalue())
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw[16:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path.write_bytes(bytes(raw))
    return path


def media_files(project) -> set[Path]:
    folder = project.root / "var" / "media"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def stored_images(project, post_id: int) -> list[dict]:
    return json.loads(project.sql("SELECT images FROM posts WHERE id=?", post_id)[0][0] or "null") or []


def photo_renders(project, post_id: int) -> dict[str, tuple[str, str]]:
    return {name: (path, sha) for name, path, sha in project.sql(
        "SELECT name, media_path, sha256 FROM renders WHERE post_id=? AND kind='photo'", post_id)}


def assert_clean(data: bytes) -> Image.Image:
    """No EXIF (so no GPS), no XMP, no comment, no text chunk: read back with Pillow."""
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "icc_profile"} & set(image.info)
    assert b"PhoneCo" not in data and b"secret" not in data and b"nha rieng" not in data
    return image


def import_with(project, name: str, images: list[str], *, posts: int = 1, extra: str = "") -> Path:
    listed = ", ".join(f'"{image}"' for image in images)
    path = project.write(name, campaign_toml(start=START, posts=posts, post_lines=f"images = [{listed}]\n{extra}"))
    return path


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
    from posts.render.photos import PhotoSource, PhotoStore
    from posts.render.text import ChannelKind

    store = PhotoStore(tmp_path / "m")
    (image,) = store.store([PhotoSource(noisy_photo(tmp_path / "n.jpg", (1200, 900)), "x")])
    kind = ChannelKind("tiny", "text", "post", "facebook", {}, photo={"long_side": 1000, "max_bytes": 20_000})
    variant = store.variant(image, kind, where="x")
    data = (tmp_path / "m" / variant.media_path).read_bytes()
    assert len(data) <= 20_000 and variant.size == len(data)
    assert max(Image.open(io.BytesIO(data)).size) <= 1000


@pytest.mark.parametrize("hide", ["APP3 segment", "after the end", "comment"])
def test_a_jpeg_hiding_data_elsewhere_is_rebuilt_from_its_pixels(tmp_path, hide):
    from posts.render.photos import PhotoSource, PhotoStore

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
    from posts.render.photos import PhotoSource, PhotoStore

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


@pytest.mark.parametrize("case", ["not an image", "bomb", "too many megabytes"])
def test_a_bad_photo_in_a_campaign_file_names_the_file_and_its_line(project, case):
    _small_limit(project)
    bad, words = _bad_files(project.root)[case]
    phone_photo(project.root / "tot.jpg")
    path = import_with(project, "c.toml", ["tot.jpg", bad.name], posts=2)
    before = project.counts()
    message = project.fails("campaign", "import", str(path))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("images"))
    assert f"{path}:{line}: posts[1].images[2] {bad.name}: " in message and words in message
    assert project.counts() == before and media_files(project) == set()


def test_an_unknown_key_next_to_images_is_still_refused(project):
    phone_photo(project.root / "tot.jpg")
    path = import_with(project, "c.toml", ["tot.jpg"], extra='image = "tot.jpg"')
    assert "unknown" in project.fails("campaign", "import", str(path)).lower()


# -- edit -------------------------------------------------------------------------------------------------------------
def test_edit_replaces_or_removes_the_photos_and_an_approved_post_returns_to_draft(project):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    result = project.ok("post", "edit", str(post_id), "--image", "b.png")
    assert "images" in result.stdout
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


# -- channels ---------------------------------------------------------------------------------------------------------
def test_the_static_site_shows_the_photos_and_the_dry_run_records_them(project):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id))
    site = project.root / "var" / "site"
    (page,) = (site / "posts").glob("*.html")
    html = page.read_text(encoding="utf-8")
    renders = photo_renders(project, post_id)
    for name in ("photo-01-portal.jpg", "photo-02-portal.png"):
        media, sha = renders[name]
        shown = f"media/{sha}{Path(media).suffix}"
        assert f'<img src="../{shown}" alt="Bài số 1"' in html
        assert hashlib.sha256((site / shown).read_bytes()).hexdigest() == sha
    assert f'src="media/{renders["photo-01-portal.jpg"][1]}.jpg"' in (site / "index.html").read_text()
    (record,) = (project.root / "var" / "dry-run" / "facebook").glob("*.json")
    photos = json.loads(record.read_text(encoding="utf-8"))["photos"]
    assert [(p["name"], p["sha256"]) for p in photos] == [
        ("photo-01-facebook.jpg", renders["photo-01-facebook.jpg"][1]),
        ("photo-02-facebook.png", renders["photo-02-facebook.png"][1])]


@pytest.fixture
def graph(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with GraphDouble(token=TOKEN) as double:
        project.set_channel("facebook", facebook_channel(double))
        yield double


def test_facebook_gets_the_banner_and_the_photos_as_one_post_each_photo_stripped(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    path = import_with(project, "c.toml", ["a.jpg", "b.png"], extra='banner = { headline = "Khai mạc" }')
    project.ok("campaign", "import", str(path), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "facebook")
    posts = [r for r in graph.requests if r.method == "POST"]
    assert [r.path.rsplit("/", 1)[1] for r in posts] == ["photos", "photos", "photos", "feed"]
    (post,) = graph.posts
    banner = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND name='banner-facebook.png'", post_id)[0][0]
    renders = photo_renders(project, post_id)
    assert post.photo_sha256 == [banner, renders["photo-01-facebook.jpg"][1], renders["photo-02-facebook.png"][1]]
    assert post.published and "Nội dung bài số 1." in post.message
    for photo_id in post.photo_ids[1:]:
        assert_clean(graph.photos[photo_id].data)


def test_a_facebook_upload_failing_is_retried_into_one_post(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    graph.fail_next("POST", "/photos", code=1)  # a 500 on an upload (the double stores the photo first)
    first = project.run("publish", str(post_id), "--channel", "facebook")
    assert first.exit_code == 1 and graph.posts == []  # an unpublished photo is no post
    project.ok("retry", str(post_id), "--channel", "facebook")
    project.ok("publish", str(post_id), "--channel", "facebook")
    assert len(graph.published_posts()) == 1 and len(graph.posts[0].photo_ids) == 2


def test_a_feed_post_made_before_a_500_is_found_not_posted_again(project, graph):
    phone_photo(project.root / "a.jpg")
    png_photo(project.root / "b.png")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg", "b.png"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    graph.fail_next("POST", "/feed", code=1)  # the double makes the post, then answers 500
    project.ok("publish", str(post_id), "--channel", "facebook")
    (post,) = graph.posts
    remote = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='facebook'", post_id)[0][0]
    assert remote == post.id and len(post.photo_ids) == 2


def test_a_single_photo_without_banner_goes_as_a_photo_post(project, graph):
    phone_photo(project.root / "a.jpg")
    project.ok("campaign", "import", str(import_with(project, "c.toml", ["a.jpg"])), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id), "--channel", "facebook")
    (upload,) = [r for r in graph.requests if r.method == "POST"]
    assert upload.path.endswith("/photos") and upload.form["published"] == "true"
    (post,) = graph.posts
    assert post.photo_sha256 == [photo_renders(project, post_id)["photo-01-facebook.jpg"][1]]
    assert_clean(graph.photos[post.photo_ids[0]].data)


# -- the real WordPress ---------------------------------------------------------------------------------------------
def _rest(wordpress, route, **params):
    import requests

    answer = requests.get(wordpress.rest(route, **params), headers={"Authorization": wordpress.authorization()},
                          timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_wordpress_uploads_each_photo_once_features_the_first_and_shows_every_photo(project, wordpress,
                                                                                    monkeypatch):
    from conftest import wordpress_channel

    project.set_channel("portal", wordpress_channel(wordpress))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    unique = random.Random().randrange(1 << 24)  # the site lives for the whole session: photos of this test only
    Image.new("RGB", (300, 200), (unique >> 16, (unique >> 8) & 255, unique & 255)).save(project.root / "a.jpg")
    png_photo(project.root / "b.png", size=(200 + unique % 97, 150))
    slug = f"anh-{unique}"
    path = project.write("c.toml", campaign_toml(slug, start=START, posts=2, post_lines='images = ["a.jpg", "b.png"]'))
    project.ok("campaign", "import", str(path), "--approve")
    ids = [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]
    for post_id in ids:
        project.ok("publish", str(post_id), "--channel", "portal")
    # as if loa died after WordPress made the first post: the retry finds it, and uploads nothing again
    (did, remote), = project.sql("SELECT id, remote_id FROM deliveries WHERE post_id=? AND channel='portal'", ids[0])
    project.sql("UPDATE deliveries SET status='pending', remote_id=NULL, permalink=NULL WHERE id=?", did)
    project.sql("UPDATE posts SET status='approved' WHERE id=?", ids[0])
    project.ok("publish", str(ids[0]), "--channel", "portal")
    assert project.sql("SELECT remote_id FROM deliveries WHERE id=?", did)[0][0] == remote
    renders = photo_renders(project, ids[0])
    media = {}
    for name in ("photo-01-portal.jpg", "photo-02-portal.png"):
        found = _rest(wordpress, "/wp/v2/media", slug=f"loa-{renders[name][1][:20]}", context="edit")
        assert len(found) == 1, name  # two posts and a retry: uploaded once
        media[name] = found[0]
        import urllib.request

        with urllib.request.urlopen(found[0]["source_url"], timeout=30) as answer:
            assert hashlib.sha256(answer.read()).hexdigest() == renders[name][1]
    for number, post_id in enumerate(ids, start=1):
        remote = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='portal'", post_id)[0][0]
        post = _rest(wordpress, f"/wp/v2/posts/{remote}", context="edit")
        assert post["featured_media"] == media["photo-01-portal.jpg"]["id"]  # no banner: the first photo
        content = post["content"]["raw"]
        assert content.count("<figure") == 2 and f"Nội dung bài số {number}." in content
        for item in media.values():
            assert f'<img src="{item["source_url"]}" alt="Bài số {number}"' in content


def test_photos_on_postgresql(bare, postgres):
    from scheduler.config import config_template

    url = postgres.create_database(f"loa_photos_{random.Random().randrange(1 << 30)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    phone_photo(bare.root / "a.jpg")
    png_photo(bare.root / "b.png")
    bare.ok("campaign", "import", str(import_with(bare, "c.toml", ["a.jpg"])), "--approve")
    post_id = bare.json("queue")["posts"][0]["id"]
    assert [(i["name"], i["width"]) for i in bare.json("post", "show", str(post_id))["images"]] == [("a.jpg", 300)]
    bare.ok("post", "edit", str(post_id), "--image", "b.png", "--image", "a.jpg")
    shown = bare.json("post", "show", str(post_id))
    assert [i["name"] for i in shown["images"]] == ["b.png", "a.jpg"] and shown["status"] == "draft"
    out = bare.root / "preview"
    bare.ok("preview", str(post_id), "--out", str(out))
    assert sorted(p.name for p in out.glob("photo-*")) == ["photo-01-facebook.png", "photo-01-portal.png",
                                                          "photo-02-facebook.jpg", "photo-02-portal.jpg"]
