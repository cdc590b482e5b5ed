"""How a person reads a channel's name: "Cổng thông tin điện tử Sở", not the config key "portal".

The key of ``[channels.X]`` stays the identifier wherever a person types it (``--channel portal``) and in JSON;
reports, ``loa status``, the static site and the workspace show ``display_name``, or a name for the channel's
kind ("Trang Facebook") when config.toml gives none. A channel the configuration no longer has (its history is
still in the log) is shown by its key: nothing else is known about it.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from loa.posts.i18n import catalogue, t

if TYPE_CHECKING:
    from .config import ChannelSettings, Config

KIND_NAMES = ("portal", "facebook", "telegram", "zalo", "email")  # each has names.kind_<kind> in the locales


def kind_name(kind: str, language: str | None = None) -> str:
    """The default name of a channel of ``kind``, in ``language`` (the current one when None)."""
    if kind not in KIND_NAMES:
        return kind
    key = f"names.kind_{kind}"
    return t(key) if language is None else catalogue(language).get(key, t(key))


def settings_name(settings: ChannelSettings, language: str | None = None) -> str:
    """One channel's name from its own settings (a publisher knows nothing of the other channels)."""
    return settings.display_name or kind_name(settings.channel_kind(), language)


def display_names(config: Config) -> dict[str, str]:
    """Every configured channel -> the name people read, distinct from each other's.

    Two channels of one kind without a display_name would both read "Trang Facebook": each then carries its
    key, "Trang Facebook (facebook-so)", so a report never seems to count one channel twice.
    """
    chosen = {settings.display_name.casefold() for settings in config.channels.values() if settings.display_name}
    defaults = Counter(kind_name(settings.channel_kind()) for settings in config.channels.values()
                       if not settings.display_name)
    names: dict[str, str] = {}
    for key, settings in config.channels.items():
        name = settings_name(settings)
        if not settings.display_name and (defaults[name] > 1 or name.casefold() in chosen):
            name = f"{name} ({key})"
        names[key] = name
    return names


def display_name(config: Config, channel: str) -> str:
    """The name people read for ``channel``; its key when config.toml no longer has it."""
    return display_names(config).get(channel, channel)
