"""One line of a plan, cleaned of what Word, PDF extraction and document portals leave in it.

``clean_text`` never changes a letter or a digit; it only removes marks (curly quotes become straight ones,
``*emphasis*`` markers, invisible characters) and fixes spacing. It is idempotent: cleaning twice = cleaning once.

Words glued by extraction are split only where a date or a number needs it, conservatively:

1. a date word directly followed by a number: ``năm2014`` -> ``năm 2014``, ``ngày01/10/2024`` -> ``ngày 01/10/2024``;
2. a number directly followed by a date word: ``2024đến`` -> ``2024 đến``;
3. two Vietnamese syllables glued when a PDF dropped the space between them (``nướctừ`` -> ``nước từ``), only when
   one half is a date word and both halves are valid Vietnamese syllables, and the glued run is not itself a syllable.

The date words are ``ngày tháng năm từ đến trước hết`` (compared with their diacritics, upper or lower case), so
codes and foreign words are never split: ``KH-SKHCN``, ``4043/UBND-KGVX``, ``02/10``, ``COVID-19``, ``5G``, ``H5N1``,
``IPv6``; nor hashtags, e-mail addresses and web addresses (``#NgàySách`` stays as written).
"""
from __future__ import annotations

import re
import unicodedata

DATE_WORDS = frozenset({"ngày", "tháng", "năm", "từ", "đến", "trước", "hết"})

_QUOTES = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": "'", "\u203a": "'",
})
# removed outright: soft hyphen, zero-width space/joiners, word joiner, byte-order mark
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")
# *em*, **bold**, ***both***, _em_, __bold__: the marker touches a word inside and no word outside, so "5 * 3",
# "a*b" and snake_case names stay as they are
_EMPHASIS = re.compile(r"(?<![\w*])(\*{1,3}|_{1,3})(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
# a marker left alone inside quotes when the emphasis spans lines: "*Phát triển ... / ... suốt đời*"
_MARKER_AFTER_QUOTE = re.compile(r'(?<=["\'])[*_]+(?=[^\s*_])')
_MARKER_BEFORE_QUOTE = re.compile(r'(?<=[^\s*_])[*_]+(?=["\'])')
_LETTERS = re.compile(r"[^\W\d_]+")
# tokens left as written: hashtags, mentions, e-mail and web addresses
_UNTOUCHABLE = re.compile(r"[#@]|://|www\.", re.I)

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:[aăâeêioôơuưy]{1,3})"
    r"(?:ng|nh|ch|[cmnpt])?"
)


def clean_text(text: str) -> str:
    """The line as the officer would type it: NFC, straight quotes, no emphasis marks, one space between words."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Zs", "Zl", "Zp") else char for char in text)
    while True:
        unmarked = _EMPHASIS.sub(r"\2", text)
        unmarked = _MARKER_BEFORE_QUOTE.sub("", _MARKER_AFTER_QUOTE.sub("", unmarked))
        if unmarked == text:
            break
        text = unmarked
    text = _SPACES.sub(" ", text).strip()
    return " ".join(_split_glued(token) for token in text.split(" ")) if text else ""


def _split_glued(token: str) -> str:
    if _UNTOUCHABLE.search(token):
        return token
    lowered = token.lower()
    if not any(word in lowered for word in DATE_WORDS):
        return token  # nearly every token: no date word inside, nothing to split (and the checks below are slow)
    token = _LETTERS.sub(lambda match: _split_syllables(match.group()), token)
    # a date word then a number, a number then a date word: each date word is its own letter run here
    return _LETTERS.sub(lambda match: _space_around_number(match, token), token)


def _space_around_number(match: re.Match[str], token: str) -> str:
    word = match.group()
    if word.lower() not in DATE_WORDS:
        return word
    before = token[match.start() - 1] if match.start() > 0 else ""
    after = token[match.end()] if match.end() < len(token) else ""
    return f"{' ' if before.isdigit() else ''}{word}{' ' if after.isdigit() else ''}"


def _split_syllables(run: str) -> str:
    """``nướctừ`` -> ``nước từ``: one half a date word, both halves syllables, the whole not a syllable."""
    if len(run) < 4 or is_syllable(run):
        return run
    for cut in range(1, len(run)):
        left, right = run[:cut], run[cut:]
        if (left.lower() in DATE_WORDS or right.lower() in DATE_WORDS) and is_syllable(left) and is_syllable(right):
            return f"{left} {right}"
    return run


def is_syllable(word: str) -> bool:
    """Whether ``word`` has the shape of one Vietnamese syllable (initial, vowels, final), at most one tone mark."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for char in decomposed if char in _TONE_MARKS)
    bare = unicodedata.normalize("NFC", "".join(char for char in decomposed if char not in _TONE_MARKS))
    return tones <= 1 and _SYLLABLE.fullmatch(bare) is not None
