"""A new campaign from a few fields (the workspace's form): written as the campaign file a person would write, so it
is read, checked and imported by exactly the code that imports files (``loa campaign import``)."""
from __future__ import annotations

from collections.abc import Sequence

import tomli_w


def campaign_text(*, slug: str, name: str, start: str, end: str, channels: Sequence[str], theme: str | None = None,
                  banner_theme: str | None = None, hashtags: Sequence[str] = ()) -> str:
    """The TOML of a campaign with no posts yet. Values are passed as typed; the loader checks them (dates too)."""
    import datetime as dt

    campaign: dict[str, object] = {"slug": slug.strip(), "name": name.strip()}
    for key, value in (("start", start), ("end", end)):
        try:  # a real TOML date, so the loader checks it as it checks a file's; else the text, named as wrong
            campaign[key] = dt.date.fromisoformat(value.strip())
        except ValueError:
            campaign[key] = value.strip()
    campaign["channels"] = [c.strip() for c in channels if c.strip()]
    if theme and theme.strip():
        campaign["theme"] = theme.strip()
    if banner_theme and banner_theme.strip():
        campaign["banner_theme"] = banner_theme.strip()
    if hashtags:
        campaign["hashtags"] = [h.strip() for h in hashtags if h.strip()]
    return tomli_w.dumps({"campaign": campaign})
