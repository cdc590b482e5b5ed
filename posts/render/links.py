"""The link of the channel a delivery waits for (``{{ links.portal }}``), which is known only once that one is out.

Templates run once, when a post is queued or re-rendered, never in the daemon: ``links.<channel>`` is then a
placeholder, and sending swaps in the published permalink (escaped in HTML) — a plain string replacement, so no
user template can hold the daemon. The placeholder is made of characters that autoescape and NFC leave alone, and
is matched whatever its case (``| upper``).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import escape

LINK_ROOM = 100  # characters a link is counted as when the limits are checked before it is known
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a real post, unchanged by escaping
_PLACEHOLDER = re.compile(f"{_OPEN}loa-link:([a-z0-9_-]+){_CLOSE}", re.IGNORECASE)


def link_placeholder(channel: str) -> str:
    return f"{_OPEN}loa-link:{channel}{_CLOSE}"


def measured_length(text: str) -> int:
    """The text's length with each link still to come counted as ``LINK_ROOM`` characters."""
    found = _PLACEHOLDER.findall(text)
    return len(_PLACEHOLDER.sub("", text)) + LINK_ROOM * len(found)


def has_links(text: str) -> bool:
    return bool(_PLACEHOLDER.search(text))


def fill_links(text: str, links: Mapping[str, str | None], *, html: bool,
               missing: Callable[[str], str] | None = None) -> str:
    """``text`` with each placeholder replaced by its channel's link: escaped for an HTML text, and ``missing(
    channel)`` (default: nothing) where the channel has no link (it was cancelled, or is not out yet)."""
    def link(match: re.Match[str]) -> str:
        channel = match.group(1).lower()
        value = links.get(channel)
        if not value:
            return missing(channel) if missing else ""
        return str(escape(value)) if html else value

    return _PLACEHOLDER.sub(link, text)
