"""The parts of a post a person gives it besides its time and channels: its title and text checked, its banner,
its photos. Shared by ``post add``, ``post edit``, ``post correct`` and the workspace's editor."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .campaign_file import nfc
from .errors import UserError
from .i18n import t
from .plain_text import check_text

if TYPE_CHECKING:  # rendering pulls in Jinja2 and Pillow: imported only when a renderer is used
    from typing import TypeAlias

    from .render.artefacts import Renderer
    from .render.photos import PhotoSource

    # a photo to give a post: a file (``--image``), an upload with its name, or one the post already holds
    PhotoItem: TypeAlias = Path | str | PhotoSource | dict[str, Any]


def _text(value: str, *, where: str) -> str:
    value = nfc(check_text(value, where=where).strip())
    if not value:
        raise UserError(t("val.empty"), where=where)
    return value


def _photos(renderer: Renderer | None, items: Sequence[PhotoItem]) -> list[dict[str, Any]]:
    """``--image`` files as ``posts.images`` holds them (all checked before any is kept); [] for none.

    An item may also be a ``PhotoSource`` (a file with the name its errors give: an upload in the workspace) or a
    photo the post already holds (a ``posts.images`` entry, kept as it is: the workspace reorders and removes)."""
    from .render.photos import MAX_PHOTOS, PhotoSource, photo_sources

    if renderer is None:
        raise ValueError("photos need a renderer (its media folder and limits)")
    if not items:
        return []
    if len(items) > MAX_PHOTOS:
        raise UserError(t("photo.too_many", most=MAX_PHOTOS), where="--image")
    sources = [item if isinstance(item, PhotoSource) else photo_sources([item])[0]
               for item in items if not isinstance(item, dict)]
    stored = iter(renderer.photos.store(sources) if sources else [])
    return [dict(item) if isinstance(item, dict) else next(stored) for item in items]


def _banner(current: dict[str, Any] | None, headline: str | None, subline: str | None,
            theme: str | None = None, sizes: Sequence[str] | None = None) -> dict[str, Any] | None:
    """The post's banner after a change (None: a part unchanged; a theme "" or sizes [] go back to the default:
    the campaign's theme, each channel's size), as a campaign file's ``[posts.banner]`` holds it."""
    if headline is None and subline is None and theme is None and sizes is None:
        return current
    banner = dict(current or {})
    if headline is not None:
        banner["headline"] = _text(headline, where="--banner-headline")
    if subline is not None:
        banner["subline"] = nfc(subline.strip())
    if theme is not None:
        if theme.strip():
            banner["theme"] = theme.strip()
        else:
            banner.pop("theme", None)
    if sizes is not None:
        from .render.sizes import parse_size

        chosen = list(dict.fromkeys(s.strip() for s in sizes if s.strip()))
        for name in chosen:
            parse_size(name, where="--banner-sizes")
        if chosen:
            banner["sizes"] = chosen
        else:
            banner.pop("sizes", None)
    if "headline" not in banner:
        raise UserError(t("err.banner_needs_headline"), where="--banner-subline")
    return banner
