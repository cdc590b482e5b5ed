"""The report as plain blocks (headings, paragraphs, tables, charts, the closing and the photo appendix): what
wording.py writes once and docx.py and html.py lay out, each in its own way."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from loa.posts.i18n import t


@dataclass
class Segment:
    text: str
    placeholder: bool = False  # a place for the officer's own words, highlighted in the document


@dataclass
class Paragraph:
    segments: list[Segment]
    heading: bool = False  # "I. KẾT QUẢ THỰC HIỆN", "1. …": bold
    indent: bool = True  # first-line indent (off for list lines under a paragraph)

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str | int]]
    widths_cm: list[float]
    note: str | None = None  # under the table, e.g. "200 of 1,234 shown"


@dataclass
class Chart:
    """A chart and its caption. ``image`` is the PNG, or a call that gives it (the chart worker's answer): docx.py
    lays out every other block before it asks, so the document is built while the worker draws."""

    image: bytes | Callable[[], bytes]
    caption: str

    @property
    def png(self) -> bytes:
        return self.image() if callable(self.image) else self.image


Block = Paragraph | Table | Chart


@dataclass
class Header:
    parent_agency: str
    agency: str
    number: str
    motto: str
    slogan: str
    date_line: str
    title: str
    summary: str


@dataclass
class Closing:
    recipients: list[str]  # "- …;" lines, the last "- Lưu: VT, …."
    signer_title: str
    signer_name: str


@dataclass
class AppendixPhoto:
    image: bytes | None  # a JPEG thumbnail; None when the file is gone (``missing`` says so)
    caption: str  # "Ảnh 1. Treo băng rôn tại trụ sở Sở"
    where: str  # "Trụ sở Sở, 01/10/2031"
    missing: str | None = None


@dataclass
class Appendix:
    title: str
    subtitle: str
    attached: str
    photos: list[AppendixPhoto]


@dataclass
class ReportDocument:
    header: Header
    blocks: list[Block] = field(default_factory=list)
    closing: Closing | None = None
    appendix: Appendix | None = None  # on its own page after the signature


def period_column(unit: str) -> str:
    """The heading of the period column: "Ngày", "Tuần" or "Tháng"."""
    return {"day": t("report.col_day"), "week": t("report14.col_week"), "month": t("report.col_month")}[unit]
