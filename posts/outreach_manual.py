"""Entries a person adds to the outreach log (``loa log add``): offline activities and notes, with a photo.

The plan's offline work (banners and slogans hung, a book fair, a staff briefing) counts in the office's report
as much as the posts do, so it goes into the same log. A photo is checked to be an image and kept in the media
folder under its sha256, like the banners: the log then points at exactly the file the officer gave.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .campaign_file import nfc
from .db import Database
from .errors import UserError
from .files import MiB, read_regular, write_content_addressed
from .i18n import t
from .lookup import get_campaign
from .models import OutreachEntry
from .outreach_log import MANUAL_KINDS
from .plain_text import check_text
from .times import parse_date, zone

PHOTO_FOLDER = "log-photos"
NOON = dt.time(12, 0)  # a day's activity is placed at noon, so no timezone shift moves it to another day
MAX_COUNT = 2**31 - 1  # PostgreSQL's integer column
MAX_UNIT = 40  # "băng rôn", "tờ rơi", "người tham dự": a word or three
MAX_PHOTO_BYTES = 50 * MiB  # a phone photo is a few MiB, a scanned TIFF tens
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff",
                    "MPO": "jpg"}


@dataclass(frozen=True)
class Photo:
    data: bytes
    extension: str
    sha256: str

    @property
    def relative_path(self) -> str:
        return f"{PHOTO_FOLDER}/{self.sha256}.{self.extension}"


def parse_count(text: str | None, *, required: bool) -> int | None:
    if text is None:
        if required:
            raise UserError(t("logcmd.err_count_required"), where="--count")
        return None
    try:
        value = int(text.strip())
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_COUNT:
        raise UserError(t("logcmd.err_count", value=text), where="--count")
    return value


def read_photo(path: Path) -> Photo:
    """The photo's bytes, if Pillow reads them as an image of a format the web and office tools show."""
    import warnings

    from PIL import Image

    try:
        data = read_regular(path, limit=MAX_PHOTO_BYTES, where="--photo")
    except OSError as exc:
        raise UserError(t("logcmd.err_photo_unreadable", error=exc.strerror or exc), where="--photo") from None
    try:
        with warnings.catch_warnings():
            # the themes' limit: Pillow only warns between 1x and 2x MAX_IMAGE_PIXELS; here that is refused too
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # reads the whole file: a truncated or corrupt image fails here
                extension = PHOTO_EXTENSIONS.get(image.format or "")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(t("files.photo_too_many_pixels", limit=f"{Image.MAX_IMAGE_PIXELS / 1e6:.0f}"),
                        where="--photo") from None
    except Exception:  # noqa: BLE001 - Pillow raises many kinds (UnidentifiedImageError, SyntaxError)
        extension = None
    if extension is None:
        raise UserError(t("logcmd.err_not_an_image", path=path), where="--photo")
    return Photo(data, extension, hashlib.sha256(data).hexdigest())


def _text(value: str | None, *, where: str, limit: int, required: bool) -> str | None:
    value = nfc(check_text(value, where=where).strip()) if value is not None else None
    if not value:
        if required:
            raise UserError(t("val.empty"), where=where)
        return None
    if len(value) > limit:
        raise UserError(t("logcmd.err_too_long", most=limit), where=where)
    return value


def parse_unit(text: str | None, *, count: int | None) -> str | None:
    """The unit of ``count`` ("băng rôn"), one line with single spaces; the report sums counts per unit."""
    if text is None:
        return None
    unit = " ".join(nfc(check_text(text, where="--unit")).split())
    if not unit:
        return None
    if len(unit) > MAX_UNIT:
        raise UserError(t("names.err_unit_too_long", length=len(unit), most=MAX_UNIT), where="--unit")
    if count is None:  # "băng rôn" alone says nothing: how many?
        raise UserError(t("names.err_unit_without_count"), where="--unit")
    return unit


def add_manual_entry(db: Database, *, campaign: str, kind: str, title: str, count: str | None = None,
                     place: str | None = None, day: str | None = None, photo: Path | None = None,
                     media_dir: Path, today: dt.date | None = None, unit: str | None = None) -> dict[str, Any]:
    """Append one manual entry; returns what was stored. Bad input writes nothing (no row, no photo file)."""
    if kind not in MANUAL_KINDS:
        raise UserError(t("logcmd.err_manual_kind", kind=kind, known=", ".join(MANUAL_KINDS)), where="--kind")
    clean_title = _text(title, where="--title", limit=1000, required=True)
    clean_place = _text(place, where="--place", limit=500, required=False)
    number = parse_count(count, required=kind == "offline")
    clean_unit = parse_unit(unit, count=number)
    chosen_day = parse_date(day, where="--date") if day is not None else None
    with db.session() as session:  # the campaign first: an unknown one must not leave a photo behind
        tz = zone(get_campaign(session, campaign).timezone)
    picture = read_photo(photo) if photo is not None else None
    chosen_day = chosen_day or today or dt.datetime.now(tz).date()
    at = dt.datetime.combine(chosen_day, NOON, tzinfo=tz).astimezone(dt.timezone.utc)
    detail: dict[str, Any] | None = {"unit": clean_unit} if clean_unit else None
    if picture is not None:
        target = media_dir / picture.relative_path
        try:  # content-addressed: an existing file is kept only if it holds exactly these bytes
            write_content_addressed(target, picture.data, picture.sha256)
        except OSError as exc:
            raise UserError(t("logcmd.err_media_unwritable", path=target.parent, error=exc.strerror or exc),
                            where="--photo") from None
        detail = {**(detail or {}), "photo": picture.relative_path, "photo_sha256": picture.sha256}
    with db.transaction() as session:
        row = get_campaign(session, campaign)
        entry = OutreachEntry(at=at, kind=kind, campaign_id=row.id, title=clean_title, count=number,
                              place=clean_place, detail=detail)
        session.add(entry)
        session.flush()
        return {"id": entry.id, "kind": kind, "campaign": row.slug, "title": clean_title, "count": number,
                "place": clean_place, "date": chosen_day.isoformat(), "detail": detail}
