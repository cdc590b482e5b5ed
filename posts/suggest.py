"""Unknown names (a misspelt key, theme, template, channel, campaign, user): what exists, and the closest one.

One matcher for all of them, so `hashtag`, `Tuan-le` and `facebok` are helped the same way everywhere.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable

from .i18n import t
from .folding import fold

MAX_LISTED = 12  # more names than this are cut with "…": a one-line error, not a catalogue


def _folded(text: str) -> str:
    """Case- and diacritics-insensitive form: "Tuần-Lễ" and "tuan-le" compare equal."""
    return fold(text).replace("_", "-")


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely meant, or None when nothing is close enough to suggest."""
    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(_folded(choice), choice)
    folded = _folded(word)
    if folded in by_folded:  # only the case or the accents differ
        return by_folded[folded]
    found = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    if found:
        return by_folded[found[0]]
    # a prefix typed short ("hashtag" for "hashtags" is caught above; "tuan" for "tuan-le-2024" here)
    starting = [key for key in by_folded if len(folded) >= 3 and key.startswith(folded)]
    return by_folded[starting[0]] if len(starting) == 1 else None


def unknown_name(word: str, choices: Iterable[str], *, channels: bool = False) -> str:
    """"; có: a, b, c; có phải ý anh/chị là `b`?" — what follows "không có giao diện 'x'" in a message.
    ``channels``: the names are the channels of config.toml, and the message says so."""
    names = sorted(dict.fromkeys(choices))
    if not names:
        return t("suggest.none_exist")
    listed = ", ".join(names[:MAX_LISTED]) + (", …" if len(names) > MAX_LISTED else "")
    text = t("suggest.channels", names=listed) if channels else t("suggest.available", names=listed)
    guess = closest(word, names)
    return text + t("suggest.did_you_mean", name=guess) if guess is not None and guess != word else text
