"""The campaign file of a draft: the ``[campaign]`` table from the plan's facts, and the TOML text around it.

Nothing the plan does not say is written as a fact. A missing name, theme or date becomes a marked placeholder
("«CHƯA CÓ TRONG KẾ HOẠCH: chủ đề»") under a "⚠" comment; a missing start or end date is such a placeholder too,
which ``loa campaign import`` refuses (it is not a date), so a draft cannot be imported by mistake. A missing
organisation key is left commented out: config.toml's value then applies (a placeholder there would be printed).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import tomli_w

from ..i18n import t
from .model import Found, PlanFacts, ProposedPost

SLUG_DROP = {"to chuc", "ke hoach", "trien khai", "thuc hien", "huong ung", "ve viec", "v/v", "cua", "va", "vi",
             "voi", "cac", "hoat dong", "huong dan", "tuyen truyen", "truyen thong", "lan thu", "tren dia ban"}
SLUG_WORDS = 7
# the plan's action before the event's own name: "Hướng dẫn tổ chức Ngày Sách…", "Tuyên truyền hưởng ứng Ngày Chuyển
# đổi số…" name the campaign "Ngày Sách…", "Ngày Chuyển đổi số…" (a "Tuần lễ hưởng ứng…" keeps its "hưởng ứng")
NAME_VERBS = re.compile(r"^(?:(?:hướng dẫn|tổ chức|triển khai|thực hiện|tuyên truyền|truyền thông|các hoạt động|"
                        r"hưởng ứng)\s+)+", re.IGNORECASE)
LEVELS = ("thành phố", "tỉnh", "huyện", "quận", "thị xã", "phường", "xã", "thị trấn")
ORG_NOUNS = {"sở", "bộ", "ban", "phòng", "cục", "vụ", "viện", "hội", "chi cục", "trung tâm"}
# verbs and links between a theme's noun phrases: "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"
THEME_BREAKS = ("phát triển", "thúc đẩy", "nâng cao", "xây dựng", "đẩy mạnh", "tăng cường", "hướng tới", "góp phần",
                "chung tay", "bảo đảm", "đảm bảo", "vì", "cho", "và", "của", "để", "với", "trong", "cùng", "là",
                "hãy", "thực hiện", "triển khai", "hưởng ứng", "tất cả", "mọi", "người", "toàn dân")
MAX_HASHTAGS, HASHTAG_MOST = 3, 25
FIELD_LABELS = {"name": "plan_draft.field_name", "theme": "plan_draft.field_theme", "start": "plan_draft.field_start",
                "end": "plan_draft.field_end", "plan_ref": "plan_draft.field_plan_ref"}


def ascii_fold(text: str) -> str:
    """"Học tập suốt đời" → "Hoc tap suot doi" (đ is a letter of its own, not a d with a mark)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def placeholder(what: str) -> str:
    return t("plan_draft.placeholder", what=what)


def campaign_year(facts: PlanFacts) -> int | None:
    if facts.period is not None:
        return facts.period.value.start.year
    if facts.title is not None and (year := re.search(r"\b(20[0-9]{2})\b", facts.title.value)):
        return int(year.group(1))
    return facts.issued.value.year if facts.issued is not None else None


def slug_of(text: str, year: int | None) -> str:
    """ASCII words of the name before its year (the rest is usually a second event or the place), without "tổ chức",
    "kế hoạch", "năm", links and numbers; at most seven, then the year."""
    folded = ascii_fold(text).lower()
    if year is not None and str(year) in folded:
        folded = folded[:folded.index(str(year))]
    for phrase in sorted(SLUG_DROP, key=len, reverse=True):
        folded = re.sub(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", " ", folded)
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if w and not w.isdigit()]
    if words and words[-1] == "nam":  # "… năm 2024" ("Việt Nam" keeps its "nam")
        words.pop()
    words = words[:SLUG_WORDS]
    slug = "-".join([*words, *([str(year)] if year else [])])
    return slug[:100].strip("-") or "ke-hoach"


def campaign_name(title: str) -> str:
    """The title without its leading action verb ("Tổ chức Tuần lễ …" → "Tuần lễ …")."""
    name = NAME_VERBS.sub("", " ".join(title.split()), count=1)
    return name[:1].upper() + name[1:]


def _has_vowel(word: str) -> bool:
    return any(c in "aeiouy" for c in ascii_fold(word).lower())


def _capital(word: str) -> str:
    return word if not _has_vowel(word) else word[:1].upper() + word[1:].lower()  # THCS, UBND stay as they are


def printed_case(name: str, plan_text: str) -> str:
    """An upper-case agency ("SỞ KHOA HỌC VÀ CÔNG NGHỆ") as the body writes it ("Sở Khoa học và Công nghệ"); when the
    body never writes it, Vietnamese usage: the organ's noun, the first word of its field and of each field after
    "và", and the place name after "tỉnh"/"phường"… capitalised."""
    words = name.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    for match in re.finditer(pattern, plan_text, re.IGNORECASE):
        if not match.group(0).isupper():
            return " ".join(match.group(0).split())
    return _usual_case(words)


def _usual_case(words: list[str]) -> str:
    lower = [w.lower() for w in words]
    out: list[str] = []
    index, capital_next, place = 0, True, False
    if " ".join(lower[:4]).replace("uỷ", "ủy") == "ủy ban nhân dân":
        out, index, capital_next = ["Ủy", "ban", "nhân", "dân"], 4, False
    while index < len(words):
        two = " ".join(lower[index:index + 2])
        level = next((lv for lv in LEVELS if (two if " " in lv else lower[index]) == lv), None)
        if level is not None and not place:
            size = level.count(" ") + 1
            out += lower[index:index + size]
            index, place = index + size, True
            continue
        word = words[index]
        out.append(_capital(word) if place or capital_next else word if not _has_vowel(word) else lower[index])
        capital_next = lower[index] in ORG_NOUNS or lower[index] in ("và", "tâm")
        index += 1
    return " ".join(out)


def locality(parent: str) -> str | None:
    """"ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ" → "thành phố Cần Thơ": the level in lower case, the place capitalised."""
    lower = " ".join(parent.lower().split())
    for level in LEVELS:
        match = re.search(rf"(?<!\w){re.escape(level)}\s+(.+)$", lower)
        if match:
            place = " ".join(_capital(w) for w in match.group(1).split())
            return f"{level} {place}"
    return None


def _has_locality(agency: str) -> bool:
    lower = f" {agency.lower()} "
    return any(f" {level} " in lower for level in LEVELS)


def plan_ref(facts: PlanFacts, plan_text: str) -> str | None:
    """"Kế hoạch số .../KH-SKHCN ngày ... tháng 9 năm 2024 của Sở Khoa học và Công nghệ thành phố Cần Thơ": "..." where
    the plan leaves a blank; parts the plan does not have at all are left out. None when it has none."""
    if facts.code is None and facts.issued is None and facts.agency is None:
        return None
    parts = ["Kế hoạch"]
    if facts.code is not None:
        number = facts.number.value if facts.number is not None and facts.number.value.strip() else "..."
        parts.append(f"số {number}/{facts.code.value}")
    if facts.issued is not None:
        day, month, year = facts.issued.value.day, facts.issued.value.month, facts.issued.value.year
        parts.append(f"ngày {day or '...'} tháng {month or '...'} năm {year or '...'}")
    if facts.agency is not None:
        agency = printed_case(facts.agency.value, plan_text)
        if not _has_locality(agency) and facts.parent_agency is not None:
            where = locality(facts.parent_agency.value)
            agency = f"{agency} {where}" if where else agency
        parts.append(f"của {agency}")
    return " ".join(parts)


def _theme_phrases(theme: str) -> list[str]:
    text = re.sub(r"[^\w\s]", " ", theme.lower())
    for link in sorted(THEME_BREAKS, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(link)}(?!\w)", "|", text)
    return [" ".join(p.split()) for p in text.split("|") if p.split()]


def hashtags(theme: str | None) -> list[str]:
    """ASCII CamelCase tags of the theme's noun phrases: "Phát triển văn hóa đọc thúc đẩy học tập suốt đời" →
    #VanHoaDoc, #HocTapSuotDoi. Phrases of one word say nothing; at most three tags of 25 characters."""
    tags: list[str] = []
    for phrase in _theme_phrases(theme or ""):
        words = ascii_fold(phrase).split()
        if not 2 <= len(words) <= 5:
            continue
        tag = "#" + "".join(re.sub(r"[^A-Za-z0-9]", "", w).capitalize() for w in words)
        if len(tag) <= HASHTAG_MOST and tag not in tags:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def organization(facts: PlanFacts) -> dict[str, Found[str] | None]:
    """``[campaign.organization]`` keys from the plan (None: not in it)."""
    code = facts.code
    document_code = None
    if code is not None and "-" in code.value:
        document_code = Found(code.value.split("-", 1)[1], code.line, code.quote)
    return {"parent_agency": facts.parent_agency, "agency": facts.agency, "document_code": document_code,
            "place": facts.place, "signer_title": facts.signer_title, "signer_name": facts.signer_name}


def campaign_table(facts: PlanFacts, *, channels: list[str], timezone: str, plan_text: str) -> dict[str, Any]:
    """The ``[campaign]`` table as it will be written; placeholders where the plan says nothing."""
    name = campaign_name(facts.title.value) if facts.title is not None else None
    theme = facts.theme.value if facts.theme is not None else None
    basis = facts.title.value if facts.title is not None else theme or ""
    table: dict[str, Any] = {
        "slug": slug_of(name or basis, campaign_year(facts)),
        "name": name or placeholder(t("plan_draft.field_name")),
        "theme": theme or placeholder(t("plan_draft.field_theme")),
        "start": facts.period.value.start if facts.period else placeholder(t("plan_draft.field_start")),
        "end": facts.period.value.end if facts.period else placeholder(t("plan_draft.field_end")),
        "timezone": timezone,
    }
    reference = plan_ref(facts, plan_text)
    table["plan_ref"] = reference or placeholder(t("plan_draft.field_plan_ref"))
    table["channels"] = list(channels)
    table["hashtags"] = hashtags(theme)
    org = {key: found.value for key, found in organization(facts).items() if found is not None}
    if org:
        table["organization"] = org
    return table


def toml_value(value: Any) -> str:
    """One TOML value as tomli_w writes it (strings escaped, dates bare); a list on one line."""
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _multiline(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"""', '""\\"')
    escaped = "".join(c if c == "\n" or unicodedata.category(c) != "Cc" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"""\n{escaped}\n"""'


def _comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.splitlines())


def _source(found: Found[Any] | None) -> str | None:
    return t("plan_draft.from_line", line=found.line) if found is not None else None


def campaign_file_text(facts: PlanFacts, table: dict[str, Any], posts: list[ProposedPost], *, head: str,
                       days: int) -> str:
    """The whole campaign file: head comment, [campaign] with the line each value came from, the posts by day."""
    out = [_comment(head), "", "[campaign]"]
    sources = {"name": facts.title, "theme": facts.theme, "start": facts.period, "end": facts.period,
               "plan_ref": facts.code or facts.issued or facts.agency}
    for key, value in table.items():
        if key == "organization":
            continue
        if key in FIELD_LABELS and sources.get(key) is None:
            out.append(_comment(t("plan_draft.missing_comment", what=t(FIELD_LABELS[key]))))
        elif key in sources and (note := _source(sources[key])):
            out.append(f"# {note}")
        if key == "hashtags" and value:
            out.append(_comment(t("plan_draft.hashtags_comment")))
        out.append(f"{key} = {toml_value(value)}")
    out += ["", _comment(t("plan_draft.organization_comment")), "[campaign.organization]"]
    for key, found in organization(facts).items():
        if found is None:
            out.append(_comment(t("plan_draft.org_missing", key=key)))
        else:
            out.append(f"{key} = {toml_value(found.value)}  # {_source(found)}")
    day_shown = 0
    for post in posts:
        if post.day != day_shown:
            day_shown = post.day
            label = t("plan_draft.day_heading", day=post.day, days=days)
            out += ["", f"# {'-' * 64} {label}"]
        out += ["", "[[posts]]"]
        if post.source_lines:
            out.append(f"# {t('plan_draft.post_lines', lines=', '.join(map(str, post.source_lines)))}")
        out += [f"key = {toml_value(post.key)}", f"day = {post.day}", f"time = {toml_value(post.time)}",
                f"channels = {toml_value(list(post.channels))}", f"title = {toml_value(post.title)}",
                f"body = {_multiline(post.body)}"]
        if post.headline:
            banner = f"headline = {toml_value(post.headline)}"
            if post.subline:
                banner += f", subline = {toml_value(post.subline)}"
            out.append(f"banner = {{ {banner} }}")
    return "\n".join(out) + "\n"


def head_comment(plan_name: str, drafted: dt.datetime, found: list[str], missing: list[str]) -> str:
    lines = [t("plan_draft.head_from", plan=plan_name, when=f"{drafted:%d/%m/%Y %H:%M}"),
             t("plan_draft.head_found", fields=", ".join(found) or "—")]
    if missing:
        lines.append(t("plan_draft.head_missing", fields=", ".join(missing)))
    lines += [t("plan_draft.head_fill"), t("plan_draft.head_next")]
    return "\n".join(lines)
