"""Tables and lists at 80 columns: nothing wider than the terminal, one line per log entry, slugs, paths and
commands whole (never split inside), long titles cut with "…" — and a wider terminal shows more of them."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from conftest import campaign_toml
from loa.scheduler import tables

LONG_SLUG = "tuan-le-huong-ung-hoc-tap-suot-doi-nam-2031-ky-niem-ngay-khuyen-hoc"  # 67 characters
SHORT_SLUG = "ngan"
SITE = "var/trang-thong-tin-dien-tu-so-khoa-hoc-cong-nghe/ban-tin"
TITLE = ("Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2031 và Kỷ niệm Ngày Khuyến học Việt Nam 02/10 "
         "tại các Phòng, đơn vị thuộc Sở")


@pytest.fixture
def crowded(project):
    """Two campaigns (one with a very long slug), long titles, a portal folder with a long path, two posts
    published, one failed delivery and one whose outcome is unknown."""
    project.set_channel("portal", f'adapter = "static-site"\npath = "{SITE}"')
    long_file = campaign_toml(LONG_SLUG, start=dt.date(2031, 10, 1), posts=4,
                              post_lines='banner = { headline = "Học tập suốt đời" }')
    long_file = re.sub(r'title = "Bài số (\d)"', lambda m: f'title = "{m.group(1)}. {TITLE}"', long_file)
    project.ok("campaign", "import", str(project.write("dai.toml", long_file)), "--approve")
    project.ok("campaign", "import", str(project.write("ngan.toml", campaign_toml(
        SHORT_SLUG, start=dt.date(2031, 11, 1), posts=1))))
    ids = [p["id"] for p in project.json("queue", "--campaign", LONG_SLUG)["posts"]]
    for post_id in ids[:2]:
        project.ok("publish", str(post_id))
    project.sql("UPDATE deliveries SET status='failed', last_error=? WHERE post_id=? AND channel='portal'",
                "GET https://portal.example.gov.vn/wp-json/wp/v2/posts: kết nối bị từ chối", ids[2])
    project.sql("UPDATE deliveries SET status='unknown' WHERE post_id=? AND channel='facebook'", ids[3])
    project.ids = ids
    return project


def shown(project, *args: str, columns: int = 80, lang: str = "vi") -> list[str]:
    result = project.run(*args, env={"COLUMNS": str(columns), "LOA_LANG": lang})
    assert result.exit_code == (3 if args[0] == "status" else 0), result.output  # status: the crowd needs a person
    return result.stdout.splitlines()


def assert_fits(lines: list[str], width: int = 80) -> None:
    """No line wider than the terminal, except one word alone on its line (a path longer than the width)."""
    for line in lines:
        assert cell_len(line) <= width or " " not in line.strip(), f"{cell_len(line)} > {width}: {line!r}"


COMMANDS = [("log",), ("log", "--long"), ("queue",), ("queue", "--campaign", LONG_SLUG), ("campaign", "list"),
            ("campaign", "show", LONG_SLUG), ("post", "show", "1"), ("status",), ("channels", "list"),
            ("users", "list"), ("themes", "list"), ("log", "--campaign", LONG_SLUG, "--long")]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_table_fits_in_80_columns(crowded, lang):
    for args in COMMANDS:
        lines = shown(crowded, *args, lang=lang)
        assert lines, args
        assert_fits(lines)


def test_log_is_one_line_per_entry_and_cuts_long_titles(crowded):
    entries = crowded.json("log")["entries"]
    lines = shown(crowded, "log")
    body = [line for line in lines if re.match(r"\d\d/\d\d/\d{4} \d\d:\d\d ", line)]
    assert len(body) == len(entries) and len(entries) > 10
    assert f"{len(entries)} mục." in lines
    assert any(line.rstrip().endswith("…") and "Phát động Tuần lễ" in line for line in body)
    assert LONG_SLUG not in "\n".join(lines)  # the campaign is for --long
    # a wider terminal shows more of each title
    wide = [line for line in shown(crowded, "log", columns=120) if "Phát động" in line]

    def longest_title(rows: list[str]) -> int:
        return max(len(row[row.index("Phát động"):].rstrip().rstrip("…")) for row in rows)

    assert longest_title(wide) > longest_title([line for line in body if "Phát động" in line]) + 30


def test_log_long_keeps_slugs_and_paths_whole(crowded):
    out = "\n".join(shown(crowded, "log", "--long"))
    assert LONG_SLUG in out
    site = crowded.root / SITE
    links = [e["detail"]["permalink"] for e in crowded.json("log", "--kind", "published")["entries"]]
    assert any(str(site) in link for link in links)
    for link in links:
        assert link in out  # never broken inside, even when longer than the line
    assert TITLE in out.replace("\n    ", " ")  # the whole title, wrapped between words


def test_campaign_list_and_queue_never_split_a_slug(crowded):
    for args in (("campaign", "list"), ("queue",)):
        lines = shown(crowded, *args)
        assert any(LONG_SLUG in line for line in lines), args
        assert any(re.search(rf"(^|\s){SHORT_SLUG}(\s|$)", line) for line in lines), args
        assert_fits(lines)
    lines = shown(crowded, "queue", "--campaign", LONG_SLUG)
    assert any("học tập…" in line for line in lines)  # titles cut to fit, one line per post
    queued = crowded.json("queue", "--campaign", LONG_SLUG)["posts"]
    assert len([line for line in lines if re.match(r"\s*08:0\d\s", line)]) == len(queued) >= 2


def test_status_prints_suggested_commands_whole(crowded):
    failed, unknown = crowded.ids[2], crowded.ids[3]
    for columns in (60, 80):
        lines = shown(crowded, "status", columns=columns, lang="en")
        assert_fits(lines, columns)
        text = "\n".join(lines)
        assert f"loa retry {failed}" in text
        assert f"loa retry {unknown} --channel facebook" in text
        assert "wp-json/wp/v2/posts:" in text  # the reason's URL whole


def test_channels_list_keeps_the_path_whole(crowded):
    lines = shown(crowded, "channels", "list")
    assert any(SITE in line for line in lines)
    assert_fits(lines)


# -- the helper itself --------------------------------------------------------------------------------------------
words = st.text(alphabet="abcdđêơưạảấầ-/.0123456789", min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=30), st.integers(min_value=10, max_value=100))
def test_wrap_words_never_breaks_a_word(sentence, width):
    text = " ".join(sentence)
    lines = tables.wrap_words(text, width)
    assert " ".join(lines).split() == text.split()
    for line in lines:
        assert cell_len(line) <= width or " " not in line


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(words, st.text(min_size=0, max_size=120), words), min_size=1, max_size=6),
       st.integers(min_value=30, max_value=140))
def test_a_table_fits_and_keeps_whole_cells_whole(rows, width):
    out = Console(width=width, record=True, file=open("/dev/null", "w"), highlight=False)  # noqa: SIM115
    columns = [tables.Column("Mã"), tables.Column("Tiêu đề", "cut"), tables.Column("Đường dẫn")]
    tables.print_table(out, columns, [[slug, Text(title), path] for slug, title, path in rows])
    printed = out.export_text()
    for line in printed.splitlines():
        assert cell_len(line) <= width or " " not in line.strip()
    for slug, _, path in rows:
        assert slug in printed and path in printed


def test_commands_are_one_unit_when_wrapping():
    text = "kiểm tra kênh facebook; rồi chạy loa retry 12 --channel facebook (hoặc để nguyên nếu bài đã lên)"
    for width in range(35, 60):
        assert any("loa retry 12 --channel facebook" in line for line in tables.wrap_words(text, width)), width
