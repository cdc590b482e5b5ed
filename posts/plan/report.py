"""Who reports the results, to whom and by when ("… báo cáo kết quả về Sở … trước ngày 15/10/2024"), and who signs.

The reporting sentence is the first one with "báo cáo" and a deadline, else the first with "báo cáo" at all; its
subject is the words before the first verb ("Các trường gửi báo cáo …" → "Các trường"), or, when the sentence starts
with the verb ("- Phối hợp …, báo cáo theo quy định"), the item it belongs to ("c) Văn phòng Sở").
"""
from __future__ import annotations

import datetime as dt
import re

from loa.posts.plan.model import Found, PlanLine
from loa.posts.plan.periods import find_dates
from loa.posts.plan.sections import CAPITAL, RANK, Outline, is_upper_text

_REPORT = re.compile(r"\bbáo cáo\b(?!\s+viên)", re.IGNORECASE)
_DEADLINE = re.compile(r"\b(?:trước|chậm nhất(?:\s+là)?|không muộn hơn|hạn chót(?:\s+là)?)\s+(?:ngày\s+)?(?=\d)",
                       re.IGNORECASE)
_VERBS = ("chủ trì", "phối hợp", "tổng hợp", "báo cáo", "gửi", "thực hiện", "triển khai", "có trách nhiệm", "tổ chức",
          "xây dựng", "chỉ đạo", "hướng dẫn", "theo dõi", "tham mưu", "nộp", "đôn đốc", "vận động", "tuyên truyền",
          "rà soát", "cập nhật", "lập", "định kỳ", "chịu trách nhiệm", "quán triệt", "kịp thời", "căn cứ", "sơ kết",
          "tổng kết", "đánh giá", "phổ biến")
_VERB = re.compile(r"(?:^|(?<=\s))(?:" + "|".join(_VERBS) + r")\b")
_LEADING_ASK = re.compile(r"^(?:Đề nghị|Giao|Yêu cầu|Giao cho)\s+", re.IGNORECASE)
# whom the results go to ends at "(qua …)", "trước …", "để …", the sentence's end
_TO_END = r"(?=\s*\(|\s+trước\b|\s+để\b|\s+chậm nhất|\s+trong\b|\s+theo\b|\s+định kỳ|\s+qua\b|\s*[.;]|$)"
_REPORT_TO = re.compile(rf"\b(?:gửi về|gửi|về|cho|lên)\s+(?P<to>[{CAPITAL}][^.;()]*?){_TO_END}")
_REPORT_TO_DIRECT = re.compile(rf"\s+(?P<to>[{CAPITAL}][^.;()]*?){_TO_END}")
_SENTENCE_END = re.compile(rf"(?<=[.!?])\s+(?=[{CAPITAL}])")
_SIGNER_PART = re.compile(r"^(KT|TM|TL|TUQ|Q)\.|CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG|BÍ THƯ|THƯ KÝ|CHÁNH|PHÓ|ỦY VIÊN")
_SIGNER_NOTE = re.compile(r"^[(\[].*[)\]]$|^(Đã ký|đã ký)$")


def _is_name_word(word: str) -> bool:
    return word.isalpha() and word[0].isupper() and (len(word) == 1 or word[1:].islower())


def _sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pieces of a line."""
    pieces, offset = [], 0
    for part in _SENTENCE_END.split(text):
        pieces.append((offset, part))
        offset += len(part) + 1
    return pieces


def _subject(sentence: str) -> str | None:
    """The words before the sentence's first verb: who does what it says."""
    text = _LEADING_ASK.sub("", sentence.strip())
    if not text:
        return None
    if text[0].islower() or _VERB.match(text[0].lower() + text[1:]):
        return None
    match = _VERB.search(text)
    if not match:
        return None
    subject = text[:match.start()].strip().rstrip(",;:")
    # an apposition names the role, not the unit: "Sở Y tế - Cơ quan Thường trực …", "Phòng … là cơ quan thường trực"
    subject = re.split(r"\s+[-–—]\s+|\s+là\s+", subject)[0].strip().rstrip(",;:")
    if not subject or len(subject.split()) > 15:
        return None
    return subject[0].upper() + subject[1:]


def _enclosing_item(outline: Outline, index: int) -> int | None:
    """The nearest line above with an outer marker (the item a "- …" sub-item belongs to)."""
    kind = outline.marked[index].kind
    rank = RANK[kind] if kind else 99
    for j in range(index - 1, -1, -1):
        if outline.heading_rank(j) is not None:
            return None
        other = outline.marked[j].kind
        if other and RANK[other] < rank:
            return j
    return None


def report(outline: Outline, year: int | None) -> tuple[Found[dt.date] | None, Found[str] | None, Found[str] | None]:
    """(deadline, reporter, report_to)."""
    candidates: list[tuple[int, str, dt.date | None]] = []
    for i in range(outline.body_end):
        line = outline.lines[i]
        if line.text.strip().startswith("Căn cứ"):
            continue
        for _, sentence in _sentences(outline.marked[i].text):
            match = _REPORT.search(sentence)
            if not match:
                continue
            deadline = None
            due = _DEADLINE.search(sentence, match.end())
            if due:
                dates = find_dates(sentence[due.end():], plan_year=year)
                if dates and dates[0].start <= 2:
                    deadline = dates[0].value
            candidates.append((i, sentence, deadline))
    if not candidates:
        return None, None, None
    i, sentence, deadline = next((c for c in candidates if c[2] is not None), candidates[0])
    line = outline.lines[i]
    deadline_found = Found(deadline, line.number, line.text) if deadline else None
    reporter: Found[str] | None = None
    subject = _subject(sentence)
    if subject:
        reporter = Found(subject, line.number, line.text)
    else:
        item = _enclosing_item(outline, i)
        if item is not None:
            text = outline.marked[item].text.rstrip(":").strip()
            value = text if len(text.split()) <= 8 and not _VERB.search(text) else _subject(text)
            if value:
                reporter = Found(value, outline.lines[item].number, outline.lines[item].text)
    report_to = None
    match = _REPORT.search(sentence)
    # "báo cáo Ủy ban nhân dân huyện …" (whom, right after the verb) or "… về/gửi/cho Sở …"
    to = (_REPORT_TO_DIRECT.match(sentence, match.end()) or _REPORT_TO.search(sentence, match.end())) if match else None
    if to and to["to"].strip():
        report_to = Found(to["to"].strip().rstrip(","), line.number, line.text)
    return deadline_found, reporter, report_to


def signer(lines: tuple[PlanLine, ...]) -> tuple[Found[str] | None, Found[str] | None]:
    """(title, name) of the signature: the capitals lines ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC") after the recipients
    ("Nơi nhận"), or at the very end, and the personal name on the last line."""
    start = next((i for i, line in enumerate(lines) if line.text.strip().lower().startswith("nơi nhận")), None)
    region = list(range(start + 1 if start is not None else max(0, len(lines) - 12), len(lines)))
    name: Found[str] | None = None
    name_at = None
    for i in reversed(region):
        text = lines[i].text.strip()
        if not text or _SIGNER_NOTE.match(text):
            continue
        words = text.split()
        if 2 <= len(words) <= 5 and all(_is_name_word(w) for w in words):
            name = Found(text, lines[i].number, lines[i].text)
            name_at = i
        break
    title_lines: list[PlanLine] = []
    candidates = [i for i in region if name_at is None or i < name_at]
    if start is not None:
        candidates.insert(0, start)
    for i in reversed(candidates):
        text = lines[i].text.strip()
        if i == start:
            # a PDF may put the signer's first line on the recipients' line: "Nơi nhận: TM. BAN THƯỜNG VỤ"
            text = re.sub(r"^Nơi nhận\s*:?\s*", "", text, flags=re.IGNORECASE)
            if title_lines and text and is_upper_text(text):
                title_lines.insert(0, PlanLine(lines[i].number, text))
            break
        if _SIGNER_NOTE.match(text) or text.startswith(("-", "+", "Lưu")):
            # notes, and recipients a PDF's two columns interleaved with the signature, are skipped
            continue
        if is_upper_text(text) and not text.startswith(("-", "+")) and len(text.split()) <= 10:
            title_lines.insert(0, lines[i])
        elif title_lines:
            break
    if not title_lines or (start is None and name is None):
        return None, name
    # one line per part ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"); a line without a prefix or a position was wrapped by a PDF
    parts: list[str] = []
    for line in title_lines:
        text = line.text.strip()
        if parts and not _SIGNER_PART.search(text):
            parts[-1] += " " + text
        else:
            parts.append(text)
    joined = " – ".join(parts)
    first = next(line for line in lines if line.number == title_lines[0].number)
    return Found(joined, first.number, first.text), name
