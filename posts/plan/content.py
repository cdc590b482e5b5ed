"""What the plan's body says: theme, period, purposes, activities, slogans and other quoted messages.

Every value is the plan's own words (markers, quotes and emphasis removed), with the line it came from. When a rule
is unsure it finds nothing: the draft then leaves a marked placeholder rather than a guess.
"""
from __future__ import annotations

import re

from loa.posts.plan.model import Found, Period, PlanLine
from loa.posts.plan.periods import find_periods
from loa.posts.plan.sections import RANK, Outline, is_short_heading, split_marker

_QUOTES = "\"“”«»"
# "Chủ đề: …", "Chủ đề của Tuần lễ năm 2023 là : …", "Chủ đề năm 2025: …", "Chủ đề là "…""
_THEME_LABEL = re.compile(r"^Chủ đề\b(?P<lead>[^:\"“”\n]{0,80}?)(?:\s*:|\s+là(?=\s*[\"“]))\s*(?P<rest>.*)$",
                          re.IGNORECASE)
_THEME_HEADING = re.compile(r"^Chủ đề\s*:?$", re.IGNORECASE)
_THEME_IN_SENTENCE = re.compile(r"\bvới chủ đề\s*(?:là\s*)?:?\s*[\"“](?P<theme>[^\"“”]{3,200})[\"”]", re.IGNORECASE)
_TIME_HEADING = re.compile(r"thời gian", re.IGNORECASE)
_PURPOSE_HEADING = re.compile(r"^mục đích", re.IGNORECASE)
_CONTENT_HEADING = re.compile(r"^nội dung", re.IGNORECASE)
_SLOGAN_WORD = re.compile(r"khẩu hiệu", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“](?P<text>[^\"“”]{2,300})[\"”]")
# quoted titles of other documents and programmes are not messages of this plan
_DOCUMENT_BEFORE = re.compile(r"(Quyết định|Đề án|Công văn|Chỉ thị|Thông tư|Nghị quyết|Nghị định|Luật|Kế hoạch số|"
                              r"Chương trình số|Căn cứ)[^\"“]{0,80}$", re.IGNORECASE)
# a quoted page or group name ("trang Facebook "Tuổi trẻ Hòa Bình"") is an address, not a message
_PAGE_BEFORE = re.compile(r"(trang|Fanpage|nhóm|kênh|tài khoản)(\s+(Facebook|Zalo|YouTube|TikTok|thông tin điện tử))?\s*$",
                          re.IGNORECASE)
_GROUNDS = re.compile(r"^(Căn cứ)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(20\d\d)\b")


def clean_value(text: str) -> str:
    """Without quotes, emphasis marks, list marker leftovers and a trailing full stop or semicolon."""
    text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text)
    text = text.strip().strip(_QUOTES).strip()
    text = re.sub(r"[\s.;,:]+$", "", text).strip().strip(_QUOTES).strip()
    text = re.sub(r"[\s.;,:]+$", "", text)
    return re.sub(r"\s+", " ", text)


def _quoted_from(lines: tuple[PlanLine, ...], index: int, rest: str) -> str | None:
    """The text of ``rest`` (part of line ``index``) without quotes; a quote left open continues on the next lines."""
    rest = rest.strip()
    if rest[:1] in "\"“":
        body = rest[1:]
        closing = re.search(r"[\"”]", body)
        if closing:
            return body[:closing.start()]
        parts = [body]
        for line in lines[index + 1:index + 4]:
            closing = re.search(r"[\"”]", line.text)
            if closing:
                parts.append(line.text[:closing.start()])
                return " ".join(parts)
            parts.append(line.text.strip())
        return None
    return rest or None


def theme(outline: Outline) -> Found[str] | None:
    lines = outline.lines
    for i in range(outline.body_end):
        text = outline.marked[i].text
        match = _THEME_LABEL.match(text)
        if match and match["rest"].strip():
            value = _quoted_from(lines, i, match["rest"])
            if value and clean_value(value):
                return Found(clean_value(value), lines[i].number, lines[i].text)
    for i in range(outline.body_end):
        text = outline.marked[i].text
        if _THEME_HEADING.match(text) and i + 1 < len(lines):
            following = lines[i + 1].text.strip()
            if outline.heading_rank(i + 1) is not None or _THEME_LABEL.match(following):
                continue
            value = _quoted_from(lines, i + 1, following)
            if value and following[:1] not in "\"“":
                # an unquoted theme over several lines: the next lines continue it while they start in lower case
                for line in lines[i + 2:i + 5]:
                    if line.number != lines[i + 1].number + 1 and not line.text[:1].islower():
                        break
                    if not line.text[:1].islower() or split_marker(line.text).kind:
                        break
                    value += " " + line.text.strip()
            if value and clean_value(value):
                return Found(clean_value(value), lines[i + 1].number, lines[i + 1].text)
    for i in range(outline.body_end):
        match = _THEME_IN_SENTENCE.search(lines[i].text)
        if match and not _GROUNDS.match(lines[i].text.strip()):
            return Found(clean_value(match["theme"]), lines[i].number, lines[i].text)
    return None


def plan_year(outline: Outline, issued_year: int | None, title: str | None) -> int | None:
    """The year a date without one belongs to: the plan's own, else its title's, else the first one written."""
    if issued_year:
        return issued_year
    for text in [title or ""] + [line.text for line in outline.lines]:
        match = _YEAR.search(text)
        if match:
            return int(match[1])
    return None


def period(outline: Outline, year: int | None) -> Found[Period] | None:
    """The period under the "Thời gian" heading (or on a "Thời gian: …" line), else the first one of the body; the
    grounds ("Căn cứ …") cite other documents' dates and are skipped."""
    in_time_section: set[int] = set()
    for heading in outline.headings(_TIME_HEADING):
        in_time_section.add(heading)
        in_time_section.update(outline.span(heading))
    for i, mark in enumerate(outline.marked):
        if mark.text.lower().startswith("thời gian"):
            in_time_section.add(i)
    first: Found[Period] | None = None
    for i, line in enumerate(outline.lines):
        if _GROUNDS.match(line.text.strip()):
            continue
        periods = find_periods(line.text, plan_year=year)
        if not periods:
            continue
        found = Found(periods[0].value, line.number, line.text)
        if i in in_time_section:
            return found
        first = first or found
    return first


def section_items(outline: Outline, pattern: re.Pattern[str]) -> list[Found[str]]:
    heading = outline.section(pattern)
    if heading is None:
        return []
    return [Found(clean_value(text), outline.lines[i].number, outline.lines[i].text)
            for i, text in outline.items(heading) if clean_value(text)]


def purposes(outline: Outline) -> list[Found[str]]:
    return section_items(outline, _PURPOSE_HEADING)


def activities(outline: Outline) -> list[Found[str]]:
    return section_items(outline, _CONTENT_HEADING)


def slogans(outline: Outline) -> list[Found[str]]:
    """The items under a "khẩu hiệu" heading or label line ending in ":", or the quoted texts that follow "khẩu hiệu"
    in a sentence."""
    found: list[Found[str]] = []
    lines = outline.lines
    seen: set[str] = set()

    def add(value: str, line: PlanLine) -> None:
        value = clean_value(value)
        if value and value.lower() not in seen:
            seen.add(value.lower())
            found.append(Found(value, line.number, line.text))

    for i in range(outline.body_end):
        mark = outline.marked[i]
        match = _SLOGAN_WORD.search(mark.text)
        if not match:
            continue
        after = mark.text[match.end():]
        quoted = [q["text"] for q in _QUOTED.finditer(after)]
        if quoted:
            for text in quoted:
                add(text, lines[i])
            continue
        is_label = mark.text.rstrip().endswith(":") or outline.heading_rank(i) is not None or (
            mark.kind and is_short_heading(mark.text))
        if not is_label:
            continue
        own_rank = RANK[mark.kind] if mark.kind else -1
        for j in range(i + 1, outline.body_end):
            item = outline.marked[j]
            if outline.heading_rank(j) is not None:
                break
            if item.kind and RANK[item.kind] > own_rank:
                add(item.text, lines[j])
            elif not item.kind and item.text[:1] in "\"“":
                add(item.text, lines[j])
            else:
                break
    return found


def quotes(outline: Outline, exclude: set[str]) -> list[Found[str]]:
    """Other quoted phrases of three words or more: the plan's messages, names of contests and events."""
    found: list[Found[str]] = []
    seen = {value.lower() for value in exclude}
    for i in range(outline.body_end):
        line = outline.lines[i]
        if _GROUNDS.match(line.text.strip()):
            continue
        for match in _QUOTED.finditer(line.text):
            value = clean_value(match["text"])
            if len(value.split()) < 3 or value.lower() in seen:
                continue
            before = line.text[:match.start()]
            if (_DOCUMENT_BEFORE.search(before) or _PAGE_BEFORE.search(before)
                    or _THEME_LABEL.match(outline.marked[i].text)):
                continue
            seen.add(value.lower())
            found.append(Found(value, line.number, line.text))
    return found
