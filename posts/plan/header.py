"""The plan's header block and reference: number and code, place and date, the issuing agency and its parent, title.

Decree 30 layout: on the left the parent agency, the agency and "Số: 15/KH-SKHCN"; on the right the national motto and
"Cần Thơ, ngày 25 tháng 9 năm 2024"; then "KẾ HOẠCH" and the title. A plan pasted from a portal often starts at
"Số:" with no agency lines: the agency is then read from the body ("Sở … xây dựng Kế hoạch …", "… của Sở …./.") and
its parent from the "Căn cứ … của Ủy ban nhân dân thành phố …" line, completed with the place of the plan's date.
"""
from __future__ import annotations

import re

from loa.posts.plan.model import Found, PlanDate, PlanLine
from loa.posts.plan.periods import find_plan_date
from loa.posts.plan.sections import CAPITAL, is_upper_text

# "Số: 15/KH-SKHCN", "Số: /KH-SKHCN", "Số 120/KH-UBND", "Số: .../KH-UBND", the Party/Youth Union's "Số: 45-KH/HĐTN"
_NUMBER = re.compile(
    r"(?:^|\s)Số\s*:?\s*(?P<number>\d+[A-Za-z]?|[.…_]*)\s*(?:/\s*(?P<code>[A-ZĐ][A-ZĐ0-9&]*(?:[-/][A-ZĐ0-9&]+)+|"
    r"[A-ZĐ][A-ZĐ0-9&]+)|-(?P<party>[A-ZĐ]+/[A-ZĐ0-9&-]+))(?=[\s,.;]|$)")
_MOTTO = re.compile(r"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM|"
                    r"Độc lập\s*[-–—]\s*Tự do\s*[-–—]\s*Hạnh phúc|ĐẢNG CỘNG SẢN VIỆT NAM|ĐOÀN TNCS HỒ CHÍ MINH",
                    re.IGNORECASE)
_TITLE_WORD = re.compile(r"^(KẾ HOẠCH|HƯỚNG DẪN|CHƯƠNG TRÌNH|PHƯƠNG ÁN)\b(?P<rest>.*)$")
_SUBJECT = re.compile(r"^V/v\.?\s*:?\s*(?P<subject>.+)$", re.IGNORECASE)
# where a title ends: the grounds, the addressee, a numbered part, the motto, an underline
_TITLE_STOP = re.compile(r"^(Căn cứ|Thực hiện|Kính gửi|Nhằm|Để|Số\b|[IVX]{1,5}[.)]\s|\d{1,2}[.)]\s|[a-zđ]\)\s|[-_=*.…]{3,})",
                         re.IGNORECASE)
# a header line that starts an agency's name; any other capitals line continues the one above ("THÀNH PHỐ CẦN THƠ"
# under "ỦY BAN NHÂN DÂN", "VÀ DU LỊCH", or "NGHỆ MIỀN TÂY" when a PDF's narrow column wrapped the name)
_STARTS_AGENCY = re.compile(
    r"^(ỦY BAN|UỶ BAN|UBND|HĐND|HỘI ĐỒNG|BỘ|SỞ|PHÒNG|CỤC|TỔNG CỤC|CHI CỤC|VỤ|TRƯỜNG|TRUNG TÂM|BAN|HỘI|ĐOÀN|"
    r"TỈNH ĐOÀN|THÀNH ĐOÀN|HUYỆN ĐOÀN|QUẬN ĐOÀN|BCH|ĐẢNG ỦY|ĐẢNG UỶ|TỈNH ỦY|THÀNH ỦY|HUYỆN ỦY|QUẬN ỦY|BỆNH VIỆN|"
    r"ĐẠI HỌC|HỌC VIỆN|VIỆN|VĂN PHÒNG|CÔNG AN|BỘ CHỈ HUY|MẶT TRẬN|LIÊN ĐOÀN|LIÊN MINH|CÔNG TY|TỔNG CÔNG TY|THƯ VIỆN|"
    r"BẢO TÀNG|ĐÀI|BÁO|KHO BẠC|CHI NHÁNH|LIÊN HIỆP|THANH TRA)\b")
_LEVEL_ONLY = re.compile(r"^(Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?P<level>thành phố|tỉnh|huyện|quận|thị xã|phường|xã)$",
                         re.IGNORECASE)
_AGENCY_IN_BODY = re.compile(rf"(?:^|,\s*)(?P<agency>[{CAPITAL}][^,;:]{{2,100}}?)\s+(?:xây dựng|ban hành)\s+(?:Kế hoạch|kế hoạch)")
_AGENCY_AT_END = re.compile(rf"\bcủa\s+(?P<agency>[{CAPITAL}][^,;:]{{2,100}}?)\s*\.?/\.\s*$")
# "của Ủy ban nhân dân thành phố", "của UBND tỉnh An Giang": the level in any case, the place's words capitalised
_GROUNDS_ISSUER = re.compile(rf"\bcủa\s+(?P<issuer>(?i:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?i:thành phố|tỉnh|huyện|quận|"
                             rf"thị xã|phường|xã)(?:\s+[{CAPITAL}0-9][\w]*)*)")
_UNDERLINE = re.compile(r"^[-_=*.…\s]+$")


def _found(value: str, line: PlanLine) -> Found[str]:
    return Found(value, line.number, line.text)


def title_index(lines: tuple[PlanLine, ...]) -> int | None:
    """The line that says what the document is ("KẾ HOẠCH", "KẾ HOẠCH TUYÊN TRUYỀN", "HƯỚNG DẪN")."""
    for i, line in enumerate(lines[:80]):
        text = line.text.strip()
        if _TITLE_WORD.match(text):
            return i
    return None


def reference(lines: tuple[PlanLine, ...], before: int) -> tuple[Found[str] | None, Found[str] | None, int | None]:
    """Number, code and the index of the "Số:" line, looked for in the header (before the title line)."""
    for i, line in enumerate(lines[:before]):
        match = _NUMBER.search(line.text)
        if match:
            number = match["number"] if match["number"] and match["number"][0].isdigit() else ""
            code = match["code"] or match["party"]
            return _found(number, line), _found(code, line), i
    return None, None, None


def place_and_date(lines: tuple[PlanLine, ...], before: int) -> tuple[Found[str] | None, Found[PlanDate] | None]:
    for line in lines[:before]:
        text = _MOTTO.sub(" ", line.text).strip()
        found = find_plan_date(text)
        if found:
            place, date = found
            return (_found(place, line) if place else None), Found(date, line.number, line.text)
    return None, None


def header_agencies(lines: tuple[PlanLine, ...], number_at: int | None,
                    title_at: int | None) -> tuple[Found[str] | None, Found[str] | None]:
    """(parent, agency) from the upper-case lines above "Số:" (or above the title when there is no "Số:")."""
    end = number_at if number_at is not None else title_at if title_at is not None else 0
    groups: list[tuple[PlanLine, list[str]]] = []
    for line in lines[:end]:
        text = _MOTTO.sub(" ", line.text).strip()
        if not text or _UNDERLINE.match(text) or not is_upper_text(text) or find_plan_date(text):
            continue
        if groups and not _STARTS_AGENCY.match(text):
            groups[-1][1].append(text)
        else:
            groups.append((line, [text]))
    if number_at is not None:
        # the agency on the same line as "Số:" when the header was pasted on one line
        before_number = _NUMBER.split(lines[number_at].text)[0].strip()
        if before_number and is_upper_text(before_number):
            groups.append((lines[number_at], [before_number]))
    if not groups:
        return None, None
    agency_line, agency_parts = groups[-1]
    agency = _found(" ".join(agency_parts), agency_line)
    if len(groups) == 1:
        return None, agency
    parent_line = groups[0][0]
    return _found(" ".join(" ".join(parts) for _, parts in groups[:-1]), parent_line), agency


def body_agency(lines: tuple[PlanLine, ...], start: int) -> Found[str] | None:
    """The agency named in the body, written upper case as headers print it."""
    for line in lines[start:]:
        text = line.text.strip()
        if text.startswith("Căn cứ"):
            continue
        match = _AGENCY_IN_BODY.search(text) or _AGENCY_AT_END.search(text)
        if match:
            return _found(match["agency"].strip().upper(), line)
    return None


def body_parent(lines: tuple[PlanLine, ...], place: str | None) -> Found[str] | None:
    """The People's Committee the plan's grounds cite, completed with the plan's place when the grounds name only its
    level ("của Ủy ban nhân dân thành phố" in a plan dated "Cần Thơ, …")."""
    for line in lines:
        text = line.text.strip()
        if not text.startswith("Căn cứ"):
            continue
        match = _GROUNDS_ISSUER.search(text)
        if not match:
            continue
        issuer = re.sub(r"^(UBND|Uỷ ban nhân dân)", "Ủy ban nhân dân", match["issuer"].strip(), flags=re.IGNORECASE)
        issuer = re.sub(r"\s+(về|ngày|số)$", "", issuer)
        if _LEVEL_ONLY.match(issuer):
            if not place:
                return None
            issuer = f"{issuer} {place}"
        return _found(issuer.upper(), line)
    return None


def _sentence_case(words: str) -> str:
    lowered = words.strip().lower()
    return lowered[:1].upper() + lowered[1:]


def title(lines: tuple[PlanLine, ...], title_at: int | None, number_at: int | None) -> Found[str] | None:
    """The line(s) after "KẾ HOẠCH" up to a blank line, the grounds or a numbered part; words after "KẾ HOẠCH" on its
    own line lead the title in sentence case ("KẾ HOẠCH TUYÊN TRUYỀN" → "Tuyên truyền …"). A dispatch without a title
    line has its subject: "V/v hướng dẫn tổ chức …"."""
    if title_at is not None:
        match = _TITLE_WORD.match(lines[title_at].text.strip())
        rest = match["rest"].strip() if match else ""
        parts: list[str] = []
        if rest:
            words = rest.split()
            lead = 0
            while lead < len(words) and (is_upper_text(words[lead]) or not any(c.isalpha() for c in words[lead])):
                lead += 1
            parts.append(" ".join([_sentence_case(" ".join(words[:lead]))] * bool(lead) + words[lead:]))
        first = lines[title_at + 1] if title_at + 1 < len(lines) else None
        previous = lines[title_at]
        for line in lines[title_at + 1:title_at + 5]:
            text = line.text.strip()
            if line.number > previous.number + 1 and parts or _TITLE_STOP.match(text) or _MOTTO.search(text):
                break
            parts.append(text)
            previous = line
        value = re.sub(r"\s+", " ", " ".join(parts)).strip()
        # a PDF paragraph may run the title into the grounds: "… trên địa bàn huyện Thực hiện Kế hoạch số …"
        value = re.split(r"\s(?=(?:Căn cứ|Thực hiện|Kính gửi)\s)", value)[0].strip()
        if value:
            anchor = lines[title_at] if rest else first
            return _found(value, anchor) if anchor else None
    # a dispatch: its subject line(s) "V/v …" under the number
    start = number_at if number_at is not None else 0
    for i, line in enumerate(lines[start:start + 6], start):
        match = _SUBJECT.match(line.text.strip())
        if not match:
            continue
        parts = [match["subject"].strip()]
        previous = line
        for following in lines[i + 1:i + 4]:
            text = following.text.strip()
            if (following.number > previous.number + 1 or is_upper_text(text) or _TITLE_STOP.match(text)
                    or _MOTTO.search(text) or find_plan_date(text)):
                break
            parts.append(text)
            previous = following
        return _found(re.sub(r"\s+", " ", " ".join(parts)), line)
    return None
