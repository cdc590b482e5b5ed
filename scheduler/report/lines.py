"""Where a person breaks a heading's lines: between words, balanced, never one short word alone on a line.

Word would wrap the agency's name in the header's narrow cell wherever the cell ends ("ỦY BAN NHÂN DÂN TỈNH QUẢNG"
then "NINH"); the report chooses the breaks itself from Times New Roman's advance widths (those of its metric twin
Liberation Serif, in thousandths of an em), so the document looks the same in Word and LibreOffice.
"""
from __future__ import annotations

import itertools
import unicodedata

# Times New Roman's capitals, digits and punctuation; the header's lines are upper case
REGULAR = {"A": 722, "B": 667, "C": 667, "D": 722, "E": 611, "F": 556, "G": 722, "H": 722, "I": 333, "J": 389,
           "K": 722, "L": 611, "M": 889, "N": 722, "O": 722, "P": 556, "Q": 722, "R": 667, "S": 556, "T": 611,
           "U": 722, "V": 722, "W": 944, "X": 722, "Y": 722, "Z": 611, " ": 250, ",": 250, ".": 250, "-": 333,
           "(": 333, ")": 333, "&": 778, "/": 278}
BOLD = {"A": 722, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 778, "I": 389, "J": 500,
        "K": 778, "L": 667, "M": 944, "N": 722, "O": 778, "P": 611, "Q": 778, "R": 722, "S": 556, "T": 667,
        "U": 722, "V": 722, "W": 1000, "X": 722, "Y": 722, "Z": 667, " ": 250, ",": 250, ".": 250, "-": 333,
        "(": 333, ")": 333, "&": 833, "/": 278}
HORNED_U = {False: 776, True: 796}  # Ư, Ừ, Ứ…: the horn sticks out to the right (Ơ keeps O's width)
HORN = "\u031b"
DIGIT, OTHER = 500, 600  # every digit is 500; anything else (lower case): a wide guess, so a line never overflows
MAX_LINES = 4
MAX_WORDS = 30


def text_width_pt(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of ``text`` set in Times New Roman at ``size_pt``, in points."""
    table = BOLD if bold else REGULAR
    total = 0
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[:1] or char  # "Ấ" is as wide as "A": the marks sit above or below
        if base in "Uu" and HORN in decomposed:
            total += HORNED_U[bold]
            continue
        if base == "Đ":  # D with a bar, no decomposition
            base = "D"
        total += DIGIT if base.isdigit() else table.get(base.upper() if base.isupper() else base, OTHER)
    return total * size_pt / 1000


def balanced_lines(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """``text`` in the fewest lines that fit ``width_pt``, the longest line as short as possible.

    So "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH" becomes "ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NINH", not a lone "NINH". A single
    word wider than the width stays whole on its own line (Word then shrinks nothing; it overflows least that way).
    """
    words = text.split()
    if not words:
        return []
    if len(words) > MAX_WORDS:  # no agency's name is this long; keep the search small all the same
        return [text]
    space = text_width_pt(" ", size_pt, bold=bold)
    widths = [text_width_pt(word, size_pt, bold=bold) for word in words]

    def line_width(first: int, last: int) -> float:
        return sum(widths[first:last]) + space * (last - first - 1)

    for count in range(1, min(len(words), MAX_LINES) + 1):
        best: tuple[float, float, tuple[int, ...]] | None = None
        for cuts in itertools.combinations(range(1, len(words)), count - 1):
            bounds = (0, *cuts, len(words))
            spans = [line_width(a, b) for a, b in itertools.pairwise(bounds)]
            if max(spans) > width_pt and count < min(len(words), MAX_LINES):
                continue
            # the longest line first, then the shortest as long as possible (no stub of a line)
            key = (max(spans), -min(spans), cuts)
            if best is None or key < best:
                best = key
        if best is not None:
            bounds = (0, *best[2], len(words))
            return [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]
    return [text]  # not reached: the last count always yields a choice
