"""The data a plan becomes on its way to a draft campaign: lines, facts (each with the line it came from), posts.

These types are the contract between the steps (reading, extract, week, draft_file); each step owns its own module.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
PlanKind = Literal["docx", "pdf", "txt", "md"]


@dataclass(frozen=True)
class PlanLine:
    """One paragraph of the plan as read: a DOCX paragraph or table cell paragraph, a PDF paragraph rebuilt from its
    wrapped lines, or a line of text. ``number`` counts from 1 in reading order; it is what "dòng N" means to the
    officer, so it must be stable for the same file. ``page`` is the PDF page (1-based), else None."""

    number: int
    text: str
    page: int | None = None


@dataclass(frozen=True)
class PlanText:
    path: Path
    kind: PlanKind
    lines: tuple[PlanLine, ...]

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Found(Generic[T]):
    """A fact and where it came from: ``line`` is the PlanLine.number, ``quote`` that line's text (for "dòng N: …")."""

    value: T
    line: int
    quote: str


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class PlanDate:
    """The plan's own date as written; a draft plan leaves the day (or day and month) blank: ``ngày   tháng 9 năm 2024``."""

    day: int | None
    month: int | None
    year: int | None


@dataclass
class PlanFacts:
    """Everything ``extract`` found. None / empty = not in the plan (the draft leaves a marked placeholder)."""

    number: Found[str] | None = None          # "15"; "" when the plan leaves it blank ("Số: /KH-SKHCN")
    code: Found[str] | None = None            # "KH-SKHCN"
    place: Found[str] | None = None           # "Cần Thơ" (from "Cần Thơ, ngày 25 tháng 9 năm 2024")
    issued: Found[PlanDate] | None = None     # the plan's own date, blanks allowed
    parent_agency: Found[str] | None = None   # "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ" (header block, upper case as printed)
    agency: Found[str] | None = None          # "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    title: Found[str] | None = None           # the line(s) after "KẾ HOẠCH", joined with one space
    theme: Found[str] | None = None           # without quotes or emphasis
    period: Found[Period] | None = None
    purposes: list[Found[str]] = field(default_factory=list)    # the items of "Mục đích, yêu cầu", as written
    activities: list[Found[str]] = field(default_factory=list)  # the items a), b), c)… of "Nội dung", as written
    slogans: list[Found[str]] = field(default_factory=list)     # "khẩu hiệu" listed in the plan, without quotes
    quotes: list[Found[str]] = field(default_factory=list)      # other quoted messages (not theme, not slogans)
    report_deadline: Found[dt.date] | None = None               # "báo cáo … trước ngày 15/10/2024"
    reporter: Found[str] | None = None        # who reports the results ("Văn phòng Sở")
    report_to: Found[str] | None = None       # to whom ("Sở Giáo dục và Đào tạo")
    signer_title: Found[str] | None = None    # "GIÁM ĐỐC" (or "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" joined by " – ")
    signer_name: Found[str] | None = None     # "Ngô Anh Tín"


@dataclass(frozen=True)
class ProposedPost:
    """One post of the proposed week, as it will be written to the campaign file."""

    day: int                  # 1 = the campaign's start
    time: str                 # "07:30"
    title: str
    body: str
    channels: tuple[str, ...]
    headline: str | None = None   # banner headline (fits the renderer's check)
    subline: str | None = None
    key: str | None = None        # stable key ("khai-mac", "hoat-dong-1", …) so a re-import matches the post
    source_lines: tuple[int, ...] = ()   # the plan lines its words come from


@dataclass
class PlanDraft:
    """What ``loa campaign draft`` prints, writes (``toml``) and returns as JSON."""

    plan: PlanText
    facts: PlanFacts
    campaign: dict[str, object]           # the [campaign] table as written (placeholders included)
    posts: list[ProposedPost]
    missing: list[str]                    # fact names not found (keys of PlanFacts), in PlanFacts order
    toml: str                             # the whole campaign file
