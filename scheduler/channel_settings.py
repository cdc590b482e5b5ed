"""A channel's settings in config.toml: what every channel has, and loa's own adapters' settings. A publisher of its
own subclasses ``ChannelSettings`` (as its ``Settings``); scheduler/config.py re-exports these names."""
from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loa.posts.i18n import t

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Section(BaseModel):
    """A table of config.toml."""

    # strict: "600" is not a number and true is not 1; no inf or nan (a timedelta of inf seconds crashes later)
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


ChannelKindName = Literal["portal", "facebook", "telegram", "zalo", "email"]


class ChannelSettings(Section):
    """What every channel has. A publisher's own settings subclass this (a third-party one as ``Settings``)."""

    adapter: str
    after: str | None = None  # wait for this channel of the same post (its link goes into this one's text)
    kind: ChannelKindName | None = None  # which texts, banner size and limits; default from the adapter
    # deliveries `loa run` sends at once on this channel (in time order within each sender); 1 keeps strict order
    concurrency: Annotated[int, Field(ge=1, le=16)] = 1
    # how people read the channel (status, report, site, workspace); the table's key stays what they type
    display_name: str | None = None

    @field_validator("display_name")
    @classmethod
    def readable_name(cls, value: str | None) -> str | None:
        return None if value is None else check_display_name(value)

    def channel_kind(self) -> str:
        return self.kind or DEFAULT_KINDS.get(self.adapter, "portal")

    def secret_variables(self) -> list[str]:
        """The environment variables holding this channel's secrets: every ``*_env`` setting."""
        return [value for key, value in vars(self).items() if key.endswith("_env") and isinstance(value, str)]



MAX_DISPLAY_NAME = 100


def check_display_name(value: str) -> str:
    """One line of readable text, at most MAX_DISPLAY_NAME characters: it heads tables and report lines."""
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise ValueError(t("names.err_empty"))
    if any(unicodedata.category(char)[0] == "C" for char in name):  # a tab or line break too: one line
        raise ValueError(t("names.err_control"))
    if len(name) > MAX_DISPLAY_NAME:
        raise ValueError(t("names.err_too_long", most=MAX_DISPLAY_NAME, length=len(name)))
    return name


EnvName = Annotated[str, Field(pattern=ENV_NAME)]
# a site or API root: no user:password@, no ?query (an access_token there would end up in logs)
SiteUrl = Annotated[str, Field(pattern=r"^https?://[^\s/@?#]+(/[^\s?#]*)?$")]


class WordPressChannel(ChannelSettings):
    adapter: Literal["wordpress"]
    url: SiteUrl
    username: Annotated[str, Field(min_length=1)]
    password_env: EnvName
    category: str | None = None
    tags: list[str] = []
    create_terms: bool = False
    timeout: Annotated[float, Field(gt=0, le=600)] = 30  # seconds to wait for an answer (read timeout)


class FacebookChannel(ChannelSettings):
    adapter: Literal["facebook"]
    page_id: Annotated[str, Field(pattern=r"^[0-9]+$")]
    token_env: EnvName
    graph_url: SiteUrl = "https://graph.facebook.com"
    api_version: Annotated[str, Field(pattern=r"^v[0-9]+\.[0-9]+$")] = "v25.0"
    timeout: Annotated[float, Field(gt=0, le=600)] = 60  # seconds to wait for an answer: uploads take a while


class StaticSiteChannel(ChannelSettings):
    adapter: Literal["static-site"]
    path: Annotated[str, Field(min_length=1)]
    title: str | None = None
    base_url: SiteUrl | None = None  # where the folder is served: links are https://…/posts/PAGE, not file://


class DryRunChannel(ChannelSettings):
    adapter: Literal["dry-run"]
    path: str | None = None  # where the requests it would have sent are recorded


# a dry run stands in for the Facebook Page until a token is configured (the shipped config.toml)
DEFAULT_KINDS = {"wordpress": "portal", "static-site": "portal", "facebook": "facebook", "dry-run": "facebook"}

BUILTIN_SETTINGS: dict[str, type[ChannelSettings]] = {
    "wordpress": WordPressChannel, "facebook": FacebookChannel, "static-site": StaticSiteChannel,
    "dry-run": DryRunChannel}


def settings_model(adapter: str) -> type[ChannelSettings] | None:
    """The settings of an adapter: loa's own, or those of a publisher installed under ``loa.publishers``."""
    if adapter in BUILTIN_SETTINGS:
        return BUILTIN_SETTINGS[adapter]
    from .publishers import publishers  # entry points are scanned only for an adapter loa does not know

    publisher = publishers().get(adapter)
    return getattr(publisher, "Settings", None) if publisher else None


def known_adapters() -> list[str]:
    from .publishers import publishers

    return sorted({*BUILTIN_SETTINGS, *publishers()})
