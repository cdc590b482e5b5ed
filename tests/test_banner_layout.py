"""Layouts a designer would sign off (issue 14): full width without a QR, centred lines, balanced breaks, the street
banner in one or two large lines, a QR big enough to scan, story text that fills the format, no tiny headlines."""
from __future__ import annotations

import re

import pytest

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.render.banner import BannerText, layout_banner
from loa.posts.render.layout import QR_QUIET, QRCode, TextLine
from loa.posts.render.sizes import MM_PER_INCH, parse_size
from loa.posts.render.themes import load_theme

STREET = "Nhiệt liệt hưởng ứng Tháng hành động vì an toàn thực phẩm năm 2026"
LINK = "https://soyte.cantho.gov.vn/attp"


def lines_of(layout, size: int | None = None) -> list[TextLine]:
    return [item for item in layout.content if isinstance(item, TextLine) and (size is None or item.size == size)]


def headline_lines(layout) -> list[TextLine]:
    largest = max(item.size for item in lines_of(layout))
    return lines_of(layout, largest)


def test_street_banner_two_balanced_lines_full_width_centred_agency_above():
    theme, size = load_theme("hanh-chinh"), parse_size("bang-ron")
    layout = layout_banner(BannerText(STREET, kicker="UBND THÀNH PHỐ CẦN THƠ"), theme, size)
    head = headline_lines(layout)
    assert len(head) == 2
    assert head[-1].text.split() != ["2026"] and len(head[-1].text.split()) >= 3  # no lone word on a line
    font = head[0]
    from loa.posts.render.fonts import load_font
    widths = [load_font(line.font, line.size).getlength(line.text) for line in head]
    assert min(widths) > 0.7 * max(widths)  # balanced: neither line is a stub
    margin = round(theme.spec.safe_margin * size.height)
    safe_centre = size.width / 2
    for line, width in zip(head, widths):  # every line centred on the canvas (no room kept for a QR)
        assert abs(line.x + width / 2 - safe_centre) < 0.01 * size.width, (line.text, line.x)
    assert max(widths) > 0.6 * (size.width - 2 * margin)  # it uses the width it has
    kicker = [item for item in layout.backdrop if isinstance(item, TextLine)]
    assert kicker and kicker[0].baseline < head[0].baseline  # the agency line above the headline
    assert font.size > 0.12 * size.height


@pytest.mark.parametrize("size_name", ["facebook", "square", "a4"])
def test_without_qr_the_text_uses_the_full_safe_width_and_centred_themes_centre_every_line(size_name):
    theme, size = load_theme("hanh-chinh"), parse_size(size_name)
    layout = layout_banner(BannerText(STREET, "Sở Y tế thành phố Cần Thơ", "UBND THÀNH PHỐ CẦN THƠ"), theme, size)
    from loa.posts.render.fonts import load_font
    for line in lines_of(layout) + [i for i in layout.backdrop if isinstance(i, TextLine)]:
        width = load_font(line.font, line.size).getlength(line.text)
        assert abs(line.x + width / 2 - size.width / 2) < 0.02 * size.width, (size_name, line.text)


@pytest.mark.parametrize("size_name, theme_name", [("square", "hanh-chinh"), ("a3", "khuyen-hoc"),
                                                   ("bang-ron", "hanh-chinh"), ("facebook", "khoa-hoc")])
def test_qr_is_at_least_a_fifth_of_the_short_side_with_a_quiet_zone(size_name, theme_name):
    theme, size = load_theme(theme_name), parse_size(size_name)
    layout = layout_banner(BannerText("Hội sách mùa thu", kicker="SỞ VĂN HÓA", qr=LINK), theme, size)
    code = next(item for item in layout.content if isinstance(item, QRCode))
    count = len(code.rows)
    data_side = code.module * (count - 2 * QR_QUIET)
    assert data_side >= 0.2 * min(size.width, size.height)
    if size.dpi:
        assert data_side / size.dpi * MM_PER_INCH >= 25
    quiet = code.rows[:QR_QUIET] + code.rows[-QR_QUIET:]
    assert all(set(row) == {"0"} for row in quiet) and all(set(row[:QR_QUIET] + row[-QR_QUIET:]) == {"0"}
                                                          for row in code.rows)
    side = code.module * count
    assert 0 <= code.x and code.x + side <= size.width and 0 <= code.y and code.y + side <= size.height
    for line in lines_of(layout):  # no text under the code
        assert not (code.x - 1 < line.x < code.x + side and code.y < line.baseline < code.y + side), line.text
    if theme.spec.align == "center" and size_name == "square":  # the code keeps the centred axis
        assert abs(code.x + side / 2 - size.width / 2) <= 1


def test_story_text_is_larger_and_vertically_balanced():
    theme = load_theme("khuyen-hoc")
    text = BannerText("Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2024", "Phát triển văn hóa đọc")
    story, landscape = layout_banner(text, theme, parse_size("story")), layout_banner(text, theme, parse_size("facebook"))
    head = headline_lines(story)
    assert head[0].size > 1.4 * headline_lines(landscape)[0].size
    lines = lines_of(story)
    top, bottom = lines[0].baseline - lines[0].size, lines[-1].baseline
    middle = (top + bottom) / 2
    assert 0.35 * 1920 < middle < 0.6 * 1920  # the block sits around the middle, not in the top third
    assert bottom - top > 0.3 * 1920  # and fills the format


def test_a_headline_that_would_be_smaller_than_its_subline_is_refused_with_a_length(project):
    headline = " ".join(["Tăng cường công tác tuyên truyền"] * 15)  # 450-odd characters
    message = project.fails("banner", headline, "--subline", "Sở Y tế", "-o", str(project.root / "x.png"))
    longest = int(re.findall(r"\d+", message)[-1])
    assert message.endswith("headline: " + t("print.headline_too_long", chars=len(headline), longest=longest))
    assert 20 < longest < len(headline)
    assert not (project.root / "x.png").exists()
    # the suggested length does fit
    words, kept = headline.split(), []
    while len(" ".join(kept + words[:1])) <= longest:
        kept.append(words.pop(0))
    project.ok("banner", " ".join(kept), "--subline", "Sở Y tế", "-o", str(project.root / "y.png"))


def test_a_qr_that_cannot_fit_is_one_line_and_exit_2(project):
    # a 25 mm code (and its quiet zone) on a 30 mm high label leaves no room
    message = project.fails("banner", "Hội sách", "--size", "300x30mm", "--dpi", "100", "--qr", LINK,
                            "-o", str(project.root / "q.pdf"))
    assert message.endswith("--qr: " + t("print.qr_no_room", side="38 mm", size="300x30mm@100dpi"))
    assert not (project.root / "q.pdf").exists()


def test_explicit_line_breaks_are_kept_on_the_street_banner():
    layout = layout_banner(BannerText("Một\nHai\nBa"), load_theme("hanh-chinh"), parse_size("bang-ron"))
    assert [line.text for line in headline_lines(layout)] == ["MỘT", "HAI", "BA"]


def test_empty_headline_is_refused():
    with pytest.raises(UserError):
        layout_banner(BannerText("   "), load_theme("hanh-chinh"), parse_size("facebook"))
