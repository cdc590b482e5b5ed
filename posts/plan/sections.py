"""The shape of a plan's body: list markers (I., 1., 1.1., a), -, +), headings, the span of a section and its items.

Vietnamese administrative plans (Decree 30 layout) number their parts I./II. → 1./2. → 1.1. → a)/b) → -/+. A section
runs from its heading to the next heading of the same or an outer rank; its items are the lines carrying the first
marker kind met inside it, each with the deeper-marked lines and plain paragraphs that follow joined to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from loa.posts.plan.model import PlanLine

# a capital letter of Vietnamese, for regular expressions ("[À-Ỹ]" would take lower-case letters too)
CAPITAL = "A-ZĐÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬÈÉẺẼẸÊẾỀỂỄỆÌÍỈĨỊÒÓỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢÙÚỦŨỤƯỨỪỬỮỰỲÝỶỸỴ"
# rank: the smaller, the outer
RANK = {"roman": 0, "arabic": 1, "dotted": 2, "letter": 3, "dash": 4, "plus": 5}
_MARKERS = (
    ("roman", re.compile(r"^(?P<m>[IVX]{1,5})[.)]\s*(?P<t>\S.*)$")),
    ("dotted", re.compile(r"^(?P<m>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?P<t>\S.*)$")),
    ("arabic", re.compile(r"^(?P<m>\d{1,2})[.)]\s+(?P<t>\S.*)$")),
    ("letter", re.compile(r"^(?P<m>[a-zđ])[).]\s*(?P<t>\S.*)$")),
    ("dash", re.compile(r"^(?P<m>[-–—•·*])\s*(?P<t>\S.*)$")),
    ("plus", re.compile(r"^(?P<m>\+)\s*(?P<t>\S.*)$")),
)
# unnumbered headings real plans use ("Nội dung hoạt động:", "Thời gian, địa điểm")
_KEYWORD_HEADING = re.compile(
    r"^(mục đích|yêu cầu|nội dung|thời gian|chủ đề|khẩu hiệu|tổ chức thực hiện|kinh phí|đối tượng|hình thức|"
    r"phạm vi|địa điểm|phân công|chế độ báo cáo|các hoạt động|hoạt động)\b", re.IGNORECASE)
# where the body ends: the closing sentence, the recipients, the signature
_BODY_END = re.compile(r"^(nơi nhận\b|trên đây là\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Marked:
    """A line split into its list marker (kind "" when none) and its text."""

    kind: str
    marker: str
    text: str


def split_marker(text: str) -> Marked:
    stripped = text.strip()
    for kind, pattern in _MARKERS:
        match = pattern.match(stripped)
        if match:
            return Marked(kind, match["m"], match["t"].strip())
    return Marked("", "", stripped)


def is_upper_text(text: str) -> bool:
    """All its letters are capitals (header lines, "KẾ HOẠCH", signer titles); at least two letters."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def is_short_heading(text: str) -> bool:
    """Reads like a heading, not a sentence: a few words, not ending a sentence."""
    stripped = text.strip().rstrip(":").strip()
    return 0 < len(stripped.split()) <= 12 and not stripped.endswith((".", ";", ","))


class Outline:
    """The plan's lines with their markers, and where sections begin and end."""

    def __init__(self, lines: tuple[PlanLine, ...]) -> None:
        self.lines = lines
        self.marked = [split_marker(line.text) for line in lines]
        self.body_end = next((i for i, line in enumerate(lines) if _BODY_END.match(line.text.strip())), len(lines))
        # computed once: sections are asked for again and again (a 2,000-line plan stays in milliseconds)
        self._ranks = [self._heading_rank(i) for i in range(len(lines))]
        self._spans: dict[int, range] = {}

    def heading_rank(self, index: int) -> float | None:
        return self._ranks[index]

    def _heading_rank(self, index: int) -> float | None:
        """The rank of line ``index`` as a heading, None when it is not one. Roman parts are always headings; a
        numbered line is one when it reads like a heading (items "1. Treo băng rôn … ." are sentences); so is a short
        line starting with a heading word ("Nội dung hoạt động:") or all in capitals."""
        mark = self.marked[index]
        if mark.kind == "roman":
            return 0
        if mark.kind in ("arabic", "dotted") and is_short_heading(mark.text):
            return RANK[mark.kind]
        if mark.kind == "" and is_short_heading(mark.text):
            if is_upper_text(mark.text) and len(mark.text.split()) >= 2:
                return 0.5
            if _KEYWORD_HEADING.match(mark.text):
                return 1.5
        return None

    def span(self, index: int) -> range:
        """The lines after line ``index`` that belong to it, never past the body's end. A heading's section runs to
        the next heading of the same or an outer rank; an item's to the next heading or item marked at the same or an
        outer rank (its sub-items and continuation paragraphs stay in it)."""
        if index in self._spans:
            return self._spans[index]
        heading = self.heading_rank(index)
        kind = self.marked[index].kind
        end = index + 1
        while end < self.body_end:
            other = self.heading_rank(end)
            if heading is not None:
                if other is not None and other <= heading:
                    break
            elif other is not None or (self.marked[end].kind and kind
                                       and RANK[self.marked[end].kind] <= RANK[kind]):
                break
            end += 1
        self._spans[index] = range(index + 1, end)
        return self._spans[index]

    def headings(self, pattern: re.Pattern[str]) -> list[int]:
        """Indexes of heading lines (or marked items reading like headings) whose text matches ``pattern``."""
        found = []
        for i in range(min(self.body_end, len(self.lines))):
            mark = self.marked[i]
            if not pattern.search(mark.text):
                continue
            if self.heading_rank(i) is not None or (mark.kind and is_short_heading(mark.text)):
                found.append(i)
        return found

    def section(self, pattern: re.Pattern[str]) -> int | None:
        """The heading of the section whose title matches ``pattern``, descending to the innermost one
        ("I. MỤC ĐÍCH, YÊU CẦU" → its "1. Mục đích")."""
        candidates = self.headings(pattern)
        if not candidates:
            return None
        chosen = candidates[0]
        for other in candidates[1:]:
            if other in self.span(chosen):
                chosen = other
        return chosen

    def items(self, heading: int) -> list[tuple[int, str]]:
        """The items of a section: (first line index, text with its sub-items joined by a space). The items are the
        lines with the first marker met; the section's own sub-headings of another kind ("Khẩu hiệu tuyên truyền:"
        after the activities) end them; an introduction before the first item is not one. A section without marked
        lines has its paragraphs as items."""
        item_kind = ""
        region: list[int] = []
        for i in self.span(heading):
            kind = self.marked[i].kind
            # a sub-heading of another kind ends the items; numbered sub-headings met first are the items
            starts_items = bool(kind) and not item_kind
            if self.heading_rank(i) is not None and not starts_items and (kind != item_kind or not kind):
                break
            if kind and not item_kind:
                item_kind = kind
            region.append(i)
        items: list[tuple[int, list[str]]] = []
        for i in region:
            mark = self.marked[i]
            if not item_kind or mark.kind == item_kind:
                items.append((i, [mark.text]))
            elif items:
                items[-1][1].append(self.lines[i].text.strip())
        return [(i, " ".join(parts)) for i, parts in items]
