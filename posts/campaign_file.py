"""Campaign files (TOML): the week's plan as data. Validated completely before anything is queued."""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator

from .i18n import t
from .times import FIRST_YEAR, LAST_YEAR, in_range, localize, parse_clock, parse_date, parse_moment, zone
from .errors import UserError
from .organization import CampaignOrganization
from .plain_text import check_document
from .plan.placeholders import first_unfilled
from .suggest import unknown_name
from .tomlfile import array_table_lines, line_of, located_error, place_of, read_toml, validate
from .wording import post_label

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
MAX_PHOTOS = 20  # per post (posts/render/photos.py says why)
NonEmpty = Annotated[str, Field(min_length=1)]


def nfc(text: str) -> str:
    """Vietnamese typed on different keyboards arrives as NFC or NFD; store one form."""
    return unicodedata.normalize("NFC", text)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BannerSpec(_Strict):
    headline: NonEmpty
    subline: str | None = None
    theme: str | None = None
    sizes: list[str] | None = None


class PostSpec(_Strict):
    day: StrictInt | None = Field(default=None, ge=1)
    time: dt.time | None = None
    at: dt.datetime | None = None
    # a stable name for the post, so a re-import matches it even after its title or day changed
    key: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    title: NonEmpty
    body: NonEmpty
    template: str | None = None
    channels: list[str] | None = None
    banner: BannerSpec | None = None
    # photos besides or instead of the banner, relative to the campaign file
    images: Annotated[list[NonEmpty], Field(max_length=MAX_PHOTOS)] | None = None

    @field_validator("title", "body")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(t("val.empty"))
        return value

    @field_validator("time", mode="before")
    @classmethod
    def written_clock(cls, value: Any) -> Any:
        return _as_written(parse_clock, value)  # time = "7:30", "8h30", "8 giờ 30"; TOML's 07:30:00 as it is

    @field_validator("at", mode="before")
    @classmethod
    def written_moment(cls, value: Any) -> Any:
        return _as_written(parse_moment, value)  # at = "1/10/2024 8h30"; TOML's 2024-10-01T08:30:00 as it is

    @field_validator("at")
    @classmethod
    def sensible_year(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and not in_range(value.date()):
            raise ValueError(t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR))
        return value

    @model_validator(mode="after")
    def one_moment(self) -> PostSpec:
        if (self.day is None) == (self.at is None):
            raise ValueError(t("val.day_or_at"))
        if self.day is not None and self.time is None:
            raise ValueError(t("val.day_needs_time"))
        if self.at is not None and self.time is not None:
            raise ValueError(t("val.at_and_time"))
        return self


class CampaignSpec(_Strict):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)]
    name: NonEmpty
    theme: str | None = None
    start: dt.date
    end: dt.date
    timezone: str | None = None
    plan_ref: str | None = None
    channels: Annotated[list[str], Field(min_length=1)]
    hashtags: list[str] = []
    banner_theme: str | None = None
    # channel order: ``after = { facebook = "portal" }`` sends Facebook once the portal article is up (its link)
    after: dict[str, str] = {}
    # ``[campaign.organization]``: the agency and signer of this campaign's report, over config.toml's
    organization: CampaignOrganization | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def written_date(cls, value: Any) -> Any:
        return _as_written(parse_date, value)  # start = "1/10/2024"; TOML's 2024-10-01 as it is

    @field_validator("start", "end")
    @classmethod
    def sensible_year(cls, value: dt.date) -> dt.date:
        if not in_range(value):
            raise ValueError(t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR))
        return value

    @model_validator(mode="after")
    def ordered_dates(self) -> CampaignSpec:
        if self.end < self.start:
            raise ValueError(t("val.end_before_start", start=f"{self.start:%d/%m/%Y}", end=f"{self.end:%d/%m/%Y}"))
        return self


def _as_written(parse: Any, value: Any) -> Any:
    """A time or date written as text goes through posts.times, the parser every entry point shares."""
    if not isinstance(value, str):
        return value
    try:
        return parse(value)
    except UserError as exc:
        raise ValueError(str(exc)) from None


class CampaignDocument(_Strict):
    campaign: CampaignSpec
    posts: list[PostSpec] = []


@dataclass
class PlannedPost:
    """One post of the file, with its moment resolved in the campaign's timezone."""

    number: int  # 1-based position in the file
    line: int | None
    publish_at: dt.datetime  # aware, campaign timezone
    title: str
    body: str
    channels: list[str]
    template: str | None
    banner: dict[str, Any] | None
    key: str | None = None
    # the photo files named by ``images``, each with how an error names it
    # ("c.toml:12: bài số 2 (…): ảnh thứ 1 (a.jpg)")
    image_files: list[tuple[Path, str]] = field(default_factory=list)
    # what ``posts.images`` will hold for them, once read (``posts.render.photos.attach_photos``); None: no photos
    images: list[dict[str, Any]] | None = None


@dataclass
class CampaignFile:
    path: Path
    slug: str
    name: str
    theme: str | None
    start: dt.date
    end: dt.date
    timezone: str
    plan_ref: str | None
    channels: list[str]
    hashtags: list[str]
    banner_theme: str | None
    after: dict[str, str] = field(default_factory=dict)
    posts: list[PlannedPost] = field(default_factory=list)
    organization: dict[str, Any] | None = None  # the keys [campaign.organization] sets
    text: str = field(default="", repr=False)  # the file as read: where a later check finds a key's line

    def where_of(self, loc: tuple[Any, ...]) -> str:
        """``c.toml:22: bài số 2 (Tiêu đề): mẫu``: how an error found after loading names a key of the file."""
        where, subject = place_of(self.path, self.text, loc)
        return f"{where}: {subject}" if subject else where


def load_campaign_file(path: Path, *, default_timezone: str, known_channels: list[str]) -> CampaignFile:
    """Read and validate a campaign file. Raises UserError naming the file, key and line of the first problem."""
    path = Path(path)
    text, data = read_toml(path)
    check_document(data, path, text)  # before the model: a control character is named as such, with its line
    unfilled = first_unfilled(data)  # before the model too: a date placeholder is named as unfilled, not as a bad date
    if unfilled is not None:
        raise located_error(path, text, unfilled[0], t("plan_draft.unfilled", placeholder=unfilled[1]), data=data)
    document: CampaignDocument = validate(CampaignDocument, data, path, text)
    spec = document.campaign

    def fail(loc: tuple[Any, ...], message: str) -> Exception:
        return located_error(path, text, loc, message, data=data)

    timezone = default_timezone if spec.timezone is None else spec.timezone
    try:
        tz = zone(timezone)
    except UserError:
        raise fail(("campaign", "timezone"), t("err.unknown_timezone", timezone=timezone)) from None
    _check_channels(spec.channels, known_channels, ("campaign", "channels"), fail)
    for name, first in spec.after.items():
        _check_channels([name, first], known_channels, ("campaign", "after", name), fail)
        if first == name or spec.after.get(first) == name:
            raise fail(("campaign", "after", name), t("err.after_cycle", chain=f"{name} → {first} → {name}"))

    planned = []
    header_lines = array_table_lines(text, "posts")
    _check_keys(document.posts, header_lines, fail)
    for index, post in enumerate(document.posts):
        channels = post.channels if post.channels is not None else spec.channels
        if post.channels is not None:
            if not post.channels:
                raise fail(("posts", index, "channels"), t("val.empty"))
            _check_channels(post.channels, known_channels, ("posts", index, "channels"), fail)
        if post.day is not None:
            assert post.time is not None
            day = _campaign_day(spec.start, post.day)
            if day is None:  # a typo like day = 100000 is an error, not a post in the year 2300 or a crash
                raise fail(("posts", index, "day"), t("val.year_range", first=FIRST_YEAR, last=LAST_YEAR))
            moment = dt.datetime.combine(day, post.time)
        else:
            assert post.at is not None
            moment = post.at
        planned.append(PlannedPost(
            number=index + 1,
            line=header_lines[index] if index < len(header_lines) else None,
            publish_at=localize(moment, tz).astimezone(tz),
            title=nfc(post.title.strip()),
            body=nfc(post.body.strip()),
            channels=list(dict.fromkeys(channels)),
            template=post.template,
            banner=_banner(post.banner),
            key=None if post.key is None else nfc(post.key.strip()),
            image_files=_image_files(path, text, index, post.images, post.title),
        ))
    return CampaignFile(
        path=path, slug=spec.slug, name=nfc(spec.name.strip()), theme=spec.theme and nfc(spec.theme.strip()),
        start=spec.start, end=spec.end, timezone=timezone, plan_ref=spec.plan_ref and nfc(spec.plan_ref),
        channels=list(dict.fromkeys(spec.channels)), hashtags=[nfc(h) for h in spec.hashtags],
        banner_theme=spec.banner_theme, after=dict(spec.after), posts=planned, text=text,
        organization=spec.organization.stored() if spec.organization else None,
    )


def _check_keys(posts: list[PostSpec], header_lines: list[int], fail: Any) -> None:
    """Keys name posts across re-imports: one key, one post. Blank keys are refused too."""
    seen: dict[str, int] = {}
    for index, post in enumerate(posts):
        if post.key is None:
            continue
        key = nfc(post.key.strip())
        if not key:
            raise fail(("posts", index, "key"), t("val.empty"))
        if key in seen:
            first = seen[key]
            line = header_lines[first] if first < len(header_lines) else "?"
            raise fail(("posts", index, "key"), t("merge.duplicate_key", key=key, number=first + 1, line=line))
        seen[key] = index
def _image_files(path: Path, text: str, index: int, images: list[str] | None,
                 title: str) -> list[tuple[Path, str]]:
    if not images:
        return []
    line = line_of(text, ("posts", index, "images"))
    place = f"{path}:{line}" if line else str(path)
    post = post_label(index + 1, title)
    return [((path.parent / name), f"{place}: {post}: {t('wording.image_file', number=number, name=name)}")
            for number, name in enumerate(images, start=1)]


def _campaign_day(start: dt.date, number: int) -> dt.date | None:
    """Day ``number`` (1 = ``start``), or None when it falls outside the years loa accepts."""
    try:
        day = start + dt.timedelta(days=number - 1)
    except OverflowError:
        return None
    return day if in_range(day) else None


def _check_channels(channels: list[str], known: list[str], loc: tuple[Any, ...], fail: Any) -> None:
    for name in channels:
        if name not in known:
            raise fail(loc, t("wording.unknown_channel", channel=name, known=unknown_name(name, known, channels=True)))


def _banner(spec: BannerSpec | None) -> dict[str, Any] | None:
    if spec is None:
        return None
    banner = spec.model_dump(exclude_none=True)
    for key in ("headline", "subline"):
        if key in banner:
            banner[key] = nfc(banner[key].strip())
    return banner
