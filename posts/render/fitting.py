"""Fitting text into a box: the largest size at which it wraps, and line breaks a typesetter would choose.

Sizes are searched on advance widths (cheap, one measurement per word); the lines of the chosen size are then
balanced (minimum raggedness over the same number of lines, so no short word is left alone on a line when a better
break exists) and measured once for their exact ink. Every size is a whole number of pixels of the canvas.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from ..errors import UserError
from ..i18n import t
from .fonts import load_font
from .glyphs import text_box, text_length

STACKED_MARKS = "ỂỄẪẨẬỖỔỘẾỀẤẦỐỒẮẰẲẴẶ"  # the tallest Vietnamese capitals
DESCENDERS = "gjpqyỵỹÿ,"


@dataclass
class Block:
    """Lines of text laid out at one font size: ink extents are relative to each line's baseline."""

    lines: list[str]
    font: ImageFont.FreeTypeFont
    path: Path
    size: int
    pitch: int  # baseline to baseline
    widths: list[int]
    lefts: list[int]  # ink left of each line relative to its origin (may be negative)
    top: int  # ink above the first baseline
    bottom: int  # ink below the last baseline

    @property
    def height(self) -> int:
        return self.top + self.pitch * (len(self.lines) - 1) + self.bottom

    @property
    def width(self) -> int:
        return max(self.widths, default=0)


def paragraphs(text: str) -> list[list[str]]:
    """Words per paragraph; a dash stays with the word before it ("Đọc sách hôm nay –" / "Vững bước ngày mai")."""
    text = text.replace(" – ", "\u00a0– ").replace(" - ", "\u00a0- ")
    return [[w for w in paragraph.split(" ") if w] for paragraph in text.split("\n")]


@cache
def _advances(font: ImageFont.FreeTypeFont) -> Callable[[str], float]:
    """Word widths per font and size, measured once: fitting and balancing ask for the same words many times."""
    return cache(font.getlength)


def _greedy_count(words: list[str], advance: Callable[[str], float], space: float, width: float) -> int | None:
    """The fewest lines the words need in ``width`` (greedy is optimal for that); None if a word alone is wider."""
    count, used = 0, None
    for word in words:
        length = advance(word)
        if length > width:
            return None
        if used is None or used + space + length > width:
            count, used = count + 1, length
        else:
            used += space + length
    return count


def _balanced_breaks(words: list[str], advance: Callable[[str], float], space: float, width: float,
                     count: int) -> list[str]:
    """``count`` lines of ``words`` with the least raggedness (sum of squared room left on each line, the last
    included), every line within ``width``: "… THỰC PHẨM NĂM 2026" rather than a lone "2026"."""
    lengths = [advance(w) for w in words]
    starts = [0.0]
    for length in lengths:
        starts.append(starts[-1] + length)
    total = len(words)

    def line_width(i: int, j: int) -> float:
        return starts[j] - starts[i] + space * (j - i - 1)

    inf = float("inf")
    # cost[k][j]: the best k lines holding words[:j]; back[k][j]: where the last of them starts
    cost = [[inf] * (total + 1) for _ in range(count + 1)]
    back = [[0] * (total + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for k in range(1, count + 1):
        for j in range(k, total - (count - k) + 1):
            for i in range(j - 1, k - 2, -1):
                used = line_width(i, j)
                if used > width:
                    break
                candidate = cost[k - 1][i] + (width - used) ** 2
                if candidate < cost[k][j]:
                    cost[k][j], back[k][j] = candidate, i
    if cost[count][total] == inf:  # cannot happen when count came from _greedy_count; keep greedy's answer
        return [" ".join(words)]
    lines, j = [], total
    for k in range(count, 0, -1):
        i = back[k][j]
        lines.append(" ".join(words[i:j]))
        j = i
    return lines[::-1]


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float, *, balance: bool) -> list[str] | None:
    advance = _advances(font)
    space = advance(" ")
    lines: list[str] = []
    for words in paragraphs(text):
        if not words:
            continue
        count = _greedy_count(words, advance, space, width)
        if count is None:
            return None
        lines.extend(_balanced_breaks(words, advance, space, width, count) if balance and count > 1
                     else _greedy_lines(words, advance, space, width))
    return lines


def _greedy_lines(words: list[str], advance: Callable[[str], float], space: float, width: float) -> list[str]:
    lines: list[list[str]] = []
    used = 0.0
    for word in words:
        length = advance(word)
        if lines and used + space + length <= width:
            lines[-1].append(word)
            used += space + length
        else:
            lines.append([word])
            used = length
    return [" ".join(line) for line in lines]


def layout_at(text: str, path: Path, size: int, width: int, spacing: float, max_lines: int | None = None, *,
              balance: bool = False) -> Block | None:
    """Lines at ``size`` using advance widths; None when they do not fit ``width`` or ``max_lines``."""
    font = load_font(path, size)
    pad = max(1, size // 20)  # ink can overhang the advance width by a little: keep it inside the box
    lines = _wrap(text, font, width - pad, balance=balance)
    if not lines or (max_lines is not None and len(lines) > max_lines):
        return None
    ascent, descent = font.getmetrics()
    widths = [round(text_length(font, line)) for line in lines] if balance else [0] * len(lines)
    pitch = max(round(size * (1 + spacing)), _clear_pitch(font))
    return Block(lines, font, path, size, pitch, widths, [0] * len(lines), ascent, descent)


@cache
def _clear_pitch(font: ImageFont.FreeTypeFont) -> int:
    """The smallest baseline pitch at which the tallest stacked marks clear the deepest descenders, plus a margin.

    At 0.42 x size of leading, Ể under a g comes within a pixel in Be Vietnam Pro; anti-aliasing would join them.
    """
    top = -font.getbbox(STACKED_MARKS, anchor="ls")[1]
    bottom = font.getbbox(DESCENDERS, anchor="ls")[3]
    return int(top + bottom + max(2, font.size * 0.05))


def _measure_ink(block: Block) -> Block:
    """Exact ink extents of the chosen block, so nothing is drawn outside its box."""
    boxes = [text_box(block.font, line) for line in block.lines]
    block.lefts = [min(0, int(box[0])) for box in boxes]
    block.widths = [int(box[2]) - left for box, left in zip(boxes, block.lefts)]
    block.top = max(block.top, -min(int(box[1]) for box in boxes))
    block.bottom = max(block.bottom, int(boxes[-1][3]))
    return block


def largest_fit(text: str, path: Path, width: int, height: int, max_size: int, min_size: int, spacing: float,
                max_lines: int | None = None) -> Block | None:
    """The largest size (binary search) at which ``text`` wraps into ``width`` x ``height``, balanced and measured;
    None when even ``min_size`` does not fit."""
    best = None
    low, high = min_size, max(min_size, max_size)
    while low <= high:  # on advance widths and font metrics: cheap
        mid = (low + high) // 2
        block = layout_at(text, path, mid, width, spacing, max_lines)
        if block is not None and block.height <= height:
            best, low = block, mid + 1
        else:
            high = mid - 1
    while best is not None:  # then balanced lines and their exact ink, stepping down in the rare case it overhangs
        best = layout_at(text, path, best.size, width, spacing, max_lines, balance=True)
        if best is None:
            break
        best = _measure_ink(best)
        if best.height <= height and best.width <= width:
            return best
        best = layout_at(text, path, best.size - 1, width, spacing, max_lines) if best.size > min_size else None
    return None


def fit_text(text: str, path: Path, width: int, height: int, max_size: int, min_size: int, spacing: float, *,
             where: str, max_lines: int | None = None) -> Block:
    """``largest_fit``, or the reason it cannot fit as a one-line error."""
    best = largest_fit(text, path, width, height, max_size, min_size, spacing, max_lines)
    if best is None:
        font = load_font(path, min_size)
        long_words = [w for w in text.split() if font.getlength(w) > width]
        if long_words:
            raise UserError(t("err.word_too_long", word=long_words[0]), where=where)
        raise UserError(t("err.text_cannot_fit", chars=len(text)), where=where)
    return best


def longest_fitting(text: str, path: Path, width: int, height: int, size: int, spacing: float,
                    max_lines: int | None = None) -> int:
    """How many characters of ``text`` (whole words, from the start) fit the box at ``size``: the length to
    suggest when a headline is too long."""
    words = text.split()
    low, high, best = 1, len(words), 0
    while low <= high:
        mid = (low + high) // 2
        block = layout_at(" ".join(words[:mid]), path, size, width, spacing, max_lines)
        if block is not None and block.height <= height:
            best, low = mid, mid + 1
        else:
            high = mid - 1
    return len(" ".join(words[:best]))


def fit_small(text: str, path: Path, width: int, height: int, spacing: float, *, where: str) -> Block:
    """Kicker and footer: one line if it can be read at that size, else wrapped."""
    floor = max(8, height // 3)
    try:
        return fit_text(text, path, width, height, height, floor, spacing, where=where, max_lines=1)
    except UserError:
        return fit_text(text, path, width, height, height, max(8, height // 5), spacing, where=where)
