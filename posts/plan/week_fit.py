"""Titles and banner texts of the proposed week, shortened until they fit.

A headline is checked with the renderer's own layout (``posts.render.layout.layout_banner``, the check ``loa render``
and ``loa campaign import`` refuse a headline with), for every banner size the post's channels get. Shortening cuts
at a word boundary and never leaves a dangling "và"/"của" at the end: the words stay the plan's, only fewer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from ..render.items import BannerText
from ..render.layout import layout_banner
from ..render.sizes import Size, parse_size
from ..render.text import channel_kinds
from ..render.themes import Theme, load_theme

TITLE_MOST = 150  # the smallest title limit of the channel kinds (Zalo); a portal takes 200
TITLE_AIM = 120  # a title longer than this is a paragraph, not a title
HEADLINE_AIM = 60  # characters: a banner is read in a glance
SUBLINE_AIM = 90
# words a shortened text must not end on: "Đẩy mạnh … và" reads as cut off
DANGLING = {"và", "của", "cho", "để", "với", "trong", "các", "những", "về", "từ", "đến", "tại", "theo", "là", "như",
            "nhằm", "hoặc", "hay", "bằng", "qua", "trên", "-", "–", "and", "of", "the", "for", "to", "with", "in"}
TRAILING = " ,;:.-–—…"


def words_within(text: str, most: int) -> str:
    """``text`` cut at the last word boundary within ``most`` characters, without a dangling function word."""
    text = " ".join(text.split())
    if len(text) <= most:
        return text.rstrip(TRAILING) or text
    head = text[:most + 1]
    # a phrase boundary ("…năm 2024 và Kỷ niệm…") reads better than a word cut, if it keeps half the room
    # … and before where it happens ("… năm 2024 | trên địa bàn tỉnh Hậu Giang")
    breaks = [m.start() for m in re.finditer(r" (?:và|-|–) |[,;] | (?=(?:trên địa bàn|tại|của) )", head)]
    if breaks and breaks[-1] >= most // 2:
        return _tidy(text[:breaks[-1]].split(" "))
    words = head.split(" ")
    if len(words) > 1:
        words = words[:-1]  # the last one was cut through (or just fits: the loop below keeps it honest)
    return _tidy(words) or text[:most]


def _tidy(words: list[str]) -> str:
    words = list(words)
    while len(words) > 1 and (words[-1].lower().strip(TRAILING) in DANGLING or not words[-1].strip(TRAILING)):
        words.pop()
    return " ".join(words).rstrip(TRAILING)


def first_clause(text: str) -> str:
    """The text up to its first ";" or ":" (a plan's item is often several clauses)."""
    return re.split(r"\s*[;:]\s+", text, maxsplit=1)[0].strip()


def short_title(text: str, most: int = TITLE_AIM) -> str:
    """A title from a sentence of the plan: its first clause, cut at a word boundary, "…" when cut."""
    clause = first_clause(" ".join(text.split())).rstrip(TRAILING)
    if len(clause) <= most:
        return clause
    return words_within(clause, most - 1) + "…"


@dataclass
class BannerRoom:
    """Where the draft's banners will be drawn: the theme, the sizes of the channels, the campaign's kicker and
    footer. ``fits`` asks the renderer's layout; results are remembered (posts on several channels share texts)."""

    theme: Theme | None
    sizes: list[Size]
    kicker: str | None = None
    footer: str | None = None
    _seen: dict[tuple[str, str | None], str | None] = field(default_factory=dict)

    @classmethod
    def for_channels(cls, kinds: list[str], *, theme: str, themes_dir: Path | None = None, kicker: str | None = None,
                     footer: str | None = None) -> BannerRoom:
        known = channel_kinds()
        names = list(dict.fromkeys(known[kind].banner_size for kind in kinds if kind in known))
        return cls(load_theme(theme, themes_dir), [parse_size(name) for name in names], kicker, footer)

    def problem(self, headline: str, subline: str | None) -> str | None:
        """None when the banner lays out in every size; else the part that does not fit ("headline", "subline")."""
        key = (headline, subline)
        if key not in self._seen:
            self._seen[key] = self._problem(headline, subline)
        return self._seen[key]

    def _problem(self, headline: str, subline: str | None) -> str | None:
        if self.theme is None:
            return None
        for size in self.sizes:
            try:
                layout_banner(BannerText(headline, subline, self.kicker, self.footer), self.theme, size)
            except UserError as exc:
                return exc.where or "headline"
        return None

    def fit(self, headline: str, subline: str | None) -> tuple[str, str | None]:
        """The longest word-boundary prefixes of ``headline`` and ``subline`` that lay out (the subline gives way
        first, as in the renderer)."""
        headline = words_within(headline, HEADLINE_AIM)
        subline = words_within(subline, SUBLINE_AIM) if subline else None
        problem = self.problem(headline, subline)
        if problem is None:
            return headline, subline
        if subline and problem in ("subline", "headline"):
            shorter = self._longest(subline.split(" "), lambda text: self.problem(headline, text) is None)
            if shorter is not None and self.problem(headline, shorter) is None:
                return headline, shorter
            if problem == "subline" or self.problem(headline, None) is None:
                subline = shorter
        if self.problem(headline, subline) is None:
            return headline, subline
        shorter = self._longest(headline.split(" "), lambda text: self.problem(text, subline) is None)
        if shorter is None and subline:
            subline = None
            shorter = self._longest(headline.split(" "), lambda text: self.problem(text, None) is None)
        return shorter or headline, subline

    @staticmethod
    def _longest(words: list[str], fits: object) -> str | None:
        """Binary search on the number of words: layouts are slow enough that trying every prefix shows."""
        low, high, best = 1, len(words), None
        while low <= high:
            middle = (low + high) // 2
            candidate = _tidy(words[:middle])
            if fits(candidate):  # type: ignore[operator]
                best, low = candidate, middle + 1
            else:
                high = middle - 1
        return best
