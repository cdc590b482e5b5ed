"""How messages name things to a person: "bài số 6 (Phát động Tuần lễ…)", "tiêu đề", "ảnh thứ 2", "kênh portal".

Never ``posts[5].title``: an officer counts posts from 1, reads titles, and writes Vietnamese.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from .i18n import catalogue, t

TITLE_CHARS = 40  # a title longer than this is cut with "…" where a message names its post

# Every key a message can name, in campaign files, config.toml and edits; each has a [field] label in the locales.
# ``table_key`` entries are the label inside that table only (a campaign's ``name`` is its "tên chiến dịch").
FIELD_LABELS = (
    "title", "body", "publish_at", "at", "date", "time", "day", "channels", "hashtags", "template", "theme",
    "banner", "images", "key", "headline", "subline", "sizes", "status",
    "campaign", "posts", "campaign_slug", "campaign_name", "campaign_theme", "start", "end", "timezone",
    "plan_ref", "banner_theme", "after", "campaign_organization",
    "database", "defaults", "organization", "render", "web", "url", "adapter", "kind", "concurrency", "username",
    "password_env", "token_env", "category", "tags", "timeout", "parent_agency", "agency", "place", "signer_name",
    "signer_title", "document_code", "recipients", "name", "description",
)
_KNOWN = frozenset(FIELD_LABELS)


def field_label(code: str, table: str | None = None) -> str:
    """The Vietnamese (or English) name of a key; an unknown key is shown as it is written in the file."""
    for candidate in ((f"{table}_{code}",) if table else ()) + (code,):
        if candidate in _KNOWN and f"field.{candidate}" in catalogue("en"):
            return t(f"field.{candidate}")
    return code


def short_title(title: str) -> str:
    # no control character reaches the terminal (a title may carry ESC: plain_text.py refuses it, naming its post)
    title = " ".join("".join(c if unicodedata.category(c)[0] != "C" else " " for c in title).split())
    return title if len(title) <= TITLE_CHARS else title[:TITLE_CHARS - 1].rstrip() + "…"


def post_label(number: int, title: str | None = None) -> str:
    """"bài số 6 (Phát động Tuần lễ…)": ``number`` counts from 1, as in the file."""
    if title and title.strip():
        return t("wording.post_titled", number=number, title=short_title(title))
    return t("wording.post", number=number)


def changed_fields(codes: list[str]) -> str:
    """"tiêu đề, banner" for ["title", "banner"]: what ``loa post edit`` and the editor say they changed."""
    return ", ".join(field_label(code) for code in codes)


def location_label(loc: tuple[Any, ...], *, title_of: Any = None) -> tuple[str, str]:
    """(whose, which field) for a key path: ("posts", 5, "banner", "headline") → ("bài số 6 (…): banner",
    "dòng tiêu đề"). ``title_of(index)`` gives a post's title, when it is known. Either part may be empty."""
    owner, rest, table = "", loc, None
    if len(loc) >= 2 and loc[0] == "posts" and isinstance(loc[1], int):
        owner, rest = post_label(loc[1] + 1, title_of(loc[1]) if title_of else None), loc[2:]
    elif len(loc) >= 2 and loc[0] == "channels" and isinstance(loc[1], str):
        owner, rest = t("wording.channel", name=loc[1]), loc[2:]
    elif len(loc) >= 2 and loc[0] == "campaign":
        rest, table = loc[1:], "campaign"  # its keys' labels say "chiến dịch" themselves
    elif len(loc) >= 2 and isinstance(loc[0], str):
        owner, rest = f"[{loc[0]}]", loc[1:]
    names: list[str] = []
    for position, part in enumerate(rest):
        if isinstance(part, int) and position and rest[position - 1] == "images":
            names[-1] = t("wording.image_number", number=part + 1)  # "ảnh thứ 2", not "ảnh: mục thứ 2"
        elif isinstance(part, int):
            names.append(t("wording.item_number", number=part + 1))
        else:
            names.append(field_label(str(part), table if position == 0 else None))
    # the tables around the field say whose it is: "bài số 1 (…): banner" + "dòng tiêu đề"
    return ": ".join(part for part in (owner, *names[:-1]) if part), names[-1] if names else ""
