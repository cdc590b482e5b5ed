"""Real photos of a post: checked, turned upright, stripped of every metadata, scaled per channel kind, stored by
content in the media folder.

An officer's phone photo carries EXIF (GPS position, phone, time), XMP and comments: none of it may be published,
so each photo is rebuilt from its pixels alone and encoded again. Colours in a camera's own profile (Display P3)
are converted to sRGB first, then the profile is dropped as well. The same file always gives the same bytes, so
the same photo in two posts (or imported twice) is one file.

Every photo of a batch (a post's ``--image`` options, or a whole campaign file) is checked before any is written:
a bad one is refused in one line naming it, and nothing is written.
"""
from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageOps

from ..errors import UserError
from ..files import holds, read_regular, write_atomically, write_content_addressed
from ..i18n import t
from .sizes import DEFAULT_PHOTO_MAX_BYTES
from .text import ChannelKind

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = DEFAULT_PHOTO_MAX_BYTES
MAX_PIXELS = 50_000_000  # a 50 Mpx phone photo is the largest an office needs; beyond it, memory is at risk
MAX_PHOTOS = 20  # per post: a Facebook post shows a few; twenty is an album, not a post
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MIME = {"jpg": "image/jpeg", "png": "image/png"}
MASTER_QUALITY = 92  # the kept copy: close to the original; channel copies are made from it
QUALITIES = (85, 75, 65, 55, 45)  # a channel copy over its byte limit steps down through these, then shrinks
DEFAULT_LIMITS = {"long_side": 1600, "max_bytes": 2 * MiB}
# Which scaled copy was made of which photo, per limits: a later edit or render finds it instead of scaling again.
# SCALING changes when _fit would make other bytes, so an old note is not trusted.
SCALED, SCALING = ".scaled", 1


@dataclass(frozen=True)
class PhotoSource:
    """A photo to add: its file, and how an error names it (``--image a.jpg``, ``c.toml:12: posts[2].images[1]``)."""

    path: Path
    where: str


@dataclass(frozen=True)
class Variant:
    """A photo as one channel kind gets it."""

    sha256: str
    media_path: str  # relative to the media folder
    size: int
    extension: str  # jpg or png


def _open(data: bytes, where: str) -> Image.Image:
    """The image in ``data`` (header read only), refused in one line when it is not a photo loa takes."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its MAX_IMAGE_PIXELS: a bomb is an error here, always
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(t("photo.bomb"), where=where) from None
    except Exception:  # noqa: BLE001 - a hostile file makes Pillow raise many kinds (struct.error, EOFError...)
        raise UserError(t("photo.not_an_image"), where=where) from None
    if image.format not in FORMATS:
        raise UserError(t("photo.format", format=image.format or "?"), where=where)
    if image.width * image.height > MAX_PIXELS:
        raise UserError(t("photo.too_many_pixels", megapixels=f"{image.width * image.height / 1e6:.0f}",
                          limit=f"{MAX_PIXELS / 1e6:.0f}"), where=where)
    return image


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except (ValueError, OSError, SyntaxError, KeyError, TypeError):  # a broken EXIF block: taken as it stands
        return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info)


def _srgb(image: Image.Image, mode: str) -> Image.Image:
    """``image`` in ``mode`` (L, RGB, RGBA), its colours converted from the embedded ICC profile to sRGB."""
    icc = image.info.get("icc_profile")
    if image.mode.startswith(("I", "F")):  # 16-bit and float greys: scaled to 8 bits, not clipped
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if icc and mode != "L" and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                                  outputMode=mode if image.mode != "CMYK" else "RGB")
            if converted is not None:
                return converted.convert(mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: the pixels as they are
    return image.convert(mode)


def _bare_jpeg(image: Image.Image, data: bytes) -> bool:
    """A JPEG that holds its pixels and a JFIF header and nothing else (as loa writes them): kept byte for byte, so
    cleaning it again (an exported campaign imported anew) gives the same file and adds no JPEG loss. Pillow lists
    every APPn segment (EXIF, XMP, ICC, maker data) and comment in ``applist``; bytes after the end marker count too."""
    segments = [(marker, body[:5]) for marker, body in getattr(image, "applist", None) or []]
    return (image.format == "JPEG" and image.mode in ("RGB", "L") and segments == [("APP0", b"JFIF\0")]
            and data.endswith(b"\xff\xd9"))


def clean(data: bytes, where: str) -> tuple[bytes, dict[str, Any]]:
    """The photo in ``data`` upright, in sRGB, without any metadata: (its bytes, its description)."""
    image = _open(data, where)
    original_format = image.format
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
        if _bare_jpeg(image, data):
            return data, {"width": image.width, "height": image.height, "extension": "jpg"}
        image = _upright(image)
        mode = "RGBA" if _has_alpha(image) else "L" if image.mode in ("1", "L", "I;16", "I", "F") else "RGB"
        pixels = _srgb(image, mode)
        if mode == "RGBA" and pixels.getextrema()[3][0] == 255:  # an alpha channel that hides nothing
            pixels, mode = pixels.convert("RGB"), "RGB"
        # only the pixels: no EXIF (GPS), XMP, comments, text chunks or profile can ride along
        bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(t("photo.bomb"), where=where) from None
    except Exception as exc:  # noqa: BLE001 - a truncated or corrupt file, found only when decoded
        raise UserError(t("photo.broken", error=_first_line(exc)), where=where) from None
    as_png = original_format == "PNG" or mode == "RGBA"
    encoded = _encode(bare, "png" if as_png else "jpg", MASTER_QUALITY)
    return encoded, {"width": bare.width, "height": bare.height, "extension": "png" if as_png else "jpg"}


def _encode(image: Image.Image, extension: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if extension == "png":
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    else:
        image.convert("RGB" if image.mode != "L" else "L").save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


class PhotoStore:
    """Photos in the media folder: ``ab/ab12….jpg`` (the kept copy) and the copies scaled for each channel kind."""

    def __init__(self, media_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.media_dir = media_dir
        self.max_bytes = max_bytes
        self._variants: dict[tuple[str, str], Variant] = {}

    def _read(self, source: PhotoSource) -> bytes:
        try:
            return read_regular(source.path, limit=self.max_bytes, where=source.where)
        except FileNotFoundError:
            raise UserError(t("err.file_missing"), where=source.where) from None
        except IsADirectoryError:
            raise UserError(t("err.file_is_dir"), where=source.where) from None
        except OSError as exc:
            raise UserError(t("err.file_unreadable", error=exc.strerror or exc), where=source.where) from None

    def check(self, source: PhotoSource) -> None:
        """Refuse a file that is not a photo loa takes, from its size and header (nothing is decoded or written)."""
        data = self._read(source)
        with _open(data, source.where) as image:
            try:
                image.verify()  # PNG: every chunk's checksum; a file cut short fails here
            except Exception as exc:  # noqa: BLE001 - see _open
                raise UserError(t("photo.broken", error=_first_line(exc)), where=source.where) from None

    def store(self, sources: Sequence[PhotoSource], *, write: bool = True) -> list[dict[str, Any]]:
        """Check every photo, then clean and keep each; returns what ``posts.images`` holds for them.

        ``write=False`` describes them without writing (a plan that must change nothing)."""
        for source in sources:
            self.check(source)
        described = []
        for source in sources:
            data = self._read(source)
            cleaned, info = clean(data, source.where)
            digest = hashlib.sha256(cleaned).hexdigest()
            relative = f"{digest[:2]}/{digest}.{info['extension']}"
            if write:
                write_content_addressed(self.media_dir / relative, cleaned, digest)
            described.append({
                "name": source.path.name, "media_path": relative, "sha256": digest, "size": len(cleaned),
                "width": info["width"], "height": info["height"], "mime": MIME[info["extension"]],
                # the file as given: a re-import compares on it, whatever Pillow version cleaned it
                "source_sha256": hashlib.sha256(data).hexdigest()})
        return described

    def variant(self, image: dict[str, Any], kind: ChannelKind, *, where: str) -> Variant:
        """The photo scaled to ``kind``'s limits (long side, bytes); the kept copy itself when it already fits."""
        limits = {**DEFAULT_LIMITS, **kind.photo}
        key = (image["sha256"], f"{limits['long_side']}:{limits['max_bytes']}")
        if key in self._variants:
            return self._variants[key]
        master = self.media_dir / image["media_path"]
        try:
            data = read_regular(master, limit=64 * MiB)
        except (OSError, UserError):
            data = b""
        if hashlib.sha256(data).hexdigest() != image["sha256"]:
            raise UserError(t("photo.media_missing", name=image.get("name", "?"), path=master), where=where)
        extension = master.suffix.lstrip(".")
        memo = self.media_dir / SCALED / f"{key[0]}-{limits['long_side']}-{limits['max_bytes']}-v{SCALING}.json"
        if max(image["width"], image["height"]) <= limits["long_side"] and len(data) <= limits["max_bytes"]:
            variant = Variant(image["sha256"], image["media_path"], len(data), extension)
        elif (known := _remembered(memo, self.media_dir)) is not None:
            variant = known
        else:
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                scaled, extension = _fit(opened, extension, limits)
            digest = hashlib.sha256(scaled).hexdigest()
            relative = f"{digest[:2]}/{digest}.{extension}"
            write_content_addressed(self.media_dir / relative, scaled, digest)
            variant = Variant(digest, relative, len(scaled), extension)
            write_atomically(memo, json.dumps(asdict(variant)).encode(), make_parents=True)
        self._variants[key] = variant
        return variant


def _remembered(memo: Path, media_dir: Path) -> Variant | None:
    """A copy scaled by an earlier command (a second of work for a 12 Mpx photo), if its file is still whole."""
    try:
        variant = Variant(**json.loads(memo.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    return variant if holds(media_dir / variant.media_path, variant.sha256) else None


def _fit(image: Image.Image, extension: str, limits: dict[str, int]) -> tuple[bytes, str]:
    """Bytes within ``limits``: scaled to the long side, then lower JPEG qualities, then smaller, until it fits."""
    side = limits["long_side"]
    while True:
        scaled = image.copy()
        scaled.thumbnail((side, side), Image.Resampling.LANCZOS)
        if extension == "png":
            data = _encode(scaled, "png", 0)
            if len(data) <= limits["max_bytes"]:
                return data, "png"
        flat = scaled
        if scaled.mode == "RGBA":  # JPEG has no transparency: on white, as a page shows it
            flat = Image.new("RGB", scaled.size, "white")
            flat.paste(scaled, mask=scaled.getchannel("A"))
        for quality in QUALITIES:
            data = _encode(flat, "jpg", quality)
            if len(data) <= limits["max_bytes"]:
                return data, "jpg"
        side = max(1, side * 3 // 4)


def photo_sources(paths: Sequence[Path | str], *, option: str = "--image") -> list[PhotoSource]:
    """``--image`` options as sources, each named by the option and its file in errors."""
    if len(paths) > MAX_PHOTOS:
        raise UserError(t("photo.too_many", most=MAX_PHOTOS), where=option)
    return [PhotoSource(Path(path), f"{option} {path}") for path in paths]


def attach_photos(campaign: Any, store: PhotoStore, *, write: bool = True) -> None:
    """Read the photos a campaign file names (every one checked before any is kept) into each post's ``images``.

    ``campaign`` is a ``CampaignFile``; ``write=False`` describes the photos without writing them (a diff)."""
    sources = [PhotoSource(path, where) for post in campaign.posts for path, where in post.image_files]
    described = iter(store.store(sources, write=write))
    for post in campaign.posts:
        post.images = [next(described) for _ in post.image_files] or None
