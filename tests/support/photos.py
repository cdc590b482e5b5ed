"""Photos made for the tests (a phone JPEG with EXIF orientation, GPS, XMP and a comment; PNG; WebP; bombs) and
what the tests read back."""
from __future__ import annotations

import datetime as dt
import io
import json
import random
import struct
import zlib
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

from conftest import campaign_toml

START = dt.date(2031, 10, 1)  # the campaigns' first day

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
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    raw[16:29] = ihdr
    raw[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    path.write_bytes(bytes(raw))
    return path


def media_files(project) -> set[Path]:
    folder = project.root / "var" / "media"
    return {p for p in folder.rglob("*") if p.is_file() and ".scaled" not in p.parts} if folder.exists() else set()


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
