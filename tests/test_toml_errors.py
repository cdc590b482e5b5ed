"""A campaign file the TOML parser refuses: file:line:column, what is wrong in the officer's words, and the piece of
the line it is about; an impossible date says why ("tháng 9 chỉ có 30 ngày")."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import campaign_toml
from hypothesis import given, settings
from hypothesis import strategies as st
from test_click_vietnamese import english_words

from loa.posts.errors import UserError
from loa.posts.toml_errors import explain_impossible_date, toml_error

GOOD = campaign_toml(posts=2)
START = GOOD.split("start = ")[1].split("\n")[0]
VI = {"LOA_LANG": ""}

# broken file -> (line:column, words the message must hold)
BROKEN = {
    "day 31 of September": (GOOD.replace(START, "2026-09-31"), "5:9", "tháng 9 chỉ có 30 ngày"),
    "29 February of a common year": (GOOD.replace(START, "2025-02-29"), "5:9", "tháng 2 năm 2025 chỉ có 28 ngày"),
    "month 13": (GOOD.replace(START, "2024-13-01"), "5:", "không có tháng 13"),
    "hour 25": (GOOD.replace(START, "2024-10-01T25:00:00"), "5:", "không có 25 giờ"),
    "time without quotes": (GOOD.replace('time = "08:01"', "time = 7:30"), "13:", 'giờ phải đặt trong ngoặc kép'),
    "string not closed": (GOOD.replace('title = "Bài số 1"', 'title = "Bài số 1'), "14:", "thiếu dấu ngoặc kép đóng"),
    "literal string not closed": (GOOD.replace('title = "Bài số 1"', "title = 'Bài số 1"), "14:",
                                  "thiếu dấu ngoặc kép đóng"),
    "long text not closed": (GOOD.replace('body = "Nội dung bài số 2."', 'body = """Nội dung'), "22:8",
                             "chưa được đóng"),
    "key twice": (GOOD.replace('title = "Bài số 1"', 'title = "Bài số 1"\ntitle = "Lại"'), "15:",
                  "mục «title» được ghi hai lần"),
    "table twice": (GOOD + "\n[campaign]\n", "25:", "phần [campaign] được ghi hai lần"),
    "table not closed": (GOOD.replace("[campaign]", "[campaign"), "1:10", "thiếu dấu ] đóng tên phần"),
    "array table not closed": (GOOD.replace("[[posts]]", "[[posts]", 1), "11:", "thiếu ]] đóng"),
    "text without quotes": (GOOD.replace('title = "Bài số 1"', "title = Bài số 1"), "14:9",
                            "văn bản phải đặt trong ngoặc kép"),
    "value missing": (GOOD.replace('title = "Bài số 1"', "title = "), "14:", "thiếu giá trị sau dấu ="),
    "Vietnamese key": (GOOD.replace('title = "Bài số 1"', 'tiêu đề = "Bài số 1"'), "14:", "thiếu dấu = sau tên mục"),
    "list not closed": (GOOD.replace('channels = ["portal", "facebook"]', 'channels = ["portal", "facebook"'), "7:12",
                        "danh sách mở bằng [ chưa có dấu ] đóng"),
    "True in capitals": (GOOD.replace("day = 1\n", "day = 1\nallow = True\n"), "13:", "true hoặc false"),
    "backslash": (GOOD.replace('title = "Bài số 1"', 'title = "C:\\Tài liệu"'), "14:", "dấu \\ trong văn bản"),
    "control character": (GOOD.replace('title = "Bài số 1"', 'title = "Bài\x01"'), "14:", "ký tự điều khiển"),
    "words after a value": (GOOD.replace('title = "Bài số 1"', 'title = "Bài số 1" nhé'), "14:",
                            "sau giá trị còn chữ thừa"),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_campaign_file_is_told_in_vietnamese(project, name):
    text, position, says = BROKEN[name]
    path = project.write("broken.toml", text)
    result = project.run("campaign", "import", str(path), env=VI)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith(f"lỗi: {path}:"), line
    assert re.match(rf"lỗi: {re.escape(str(path))}:\d+:\d+: ", line), line
    assert f"{path}:{position}" in line and says in line, line
    assert english_words(line.split(": ", 2)[2]) == set(), line
    assert project.counts()["posts"] == 0


def test_the_piece_of_the_line_is_quoted(project):
    path = project.write("broken.toml", GOOD.replace('time = "08:01"', "time = 7:30"))
    line = project.fails("campaign", "import", str(path))
    assert line == f'error: {path}:13:9: a time must be in double quotes, like "7:30" (at “7:30”)', line


def test_the_impossible_date_in_english(project):
    path = project.write("broken.toml", GOOD.replace(START, "2026-09-31"))
    assert project.fails("campaign", "import", str(path)) == \
        f"error: {path}:5:9: September has 30 days (at “2026-09-31”)"


def test_config_toml_errors_are_worded_too(bare):
    bare.config.write_text('[defaults]\ntimezone = "Asia/Ho_Chi_Minh\n', encoding="utf-8")
    result = bare.run("queue", env=VI)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"lỗi: {bare.config}:2:") and "ngoặc kép" in result.stderr


@pytest.mark.parametrize("year, month, day, says", [
    (2026, 9, 31, "tháng 9 chỉ có 30 ngày"), (2024, 2, 30, "tháng 2 năm 2024 chỉ có 29 ngày"),
    (2023, 2, 29, "tháng 2 năm 2023 chỉ có 28 ngày"), (2024, 0, 1, "không có tháng 0 (tháng từ 1 đến 12)"),
    (2024, 4, 0, "không có ngày 0"),
    (2024, 2, 29, None), (2026, 12, 31, None),
])
def test_impossible_dates_say_why(monkeypatch, year, month, day, says):
    from loa.posts import i18n

    monkeypatch.setattr(i18n, "_language", "vi")
    assert explain_impossible_date(year, month, day) == says


# TOML-ish pieces, so that the parser fails in many different places
PIECES = st.sampled_from(['a = 1', 'b = "x', "c = 'y", '[t', '[[p]', 'd = 2024-02-30', 'e = 7:30', 'f = """',
                          'g = {h = 1', 'i = [1,', '= 3', 'j k', 'k = True', 'l = "\\q"', 'a = 2', '[t]', '[t]',
                          'm = 2024-13-01', 'n = 25:00:00', 'tiêu đề = "x"', 'o = "\x01"', 'p = 1 2', '', '# ghi chú'])


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=8))
def test_any_parse_error_is_one_vietnamese_line_with_its_position(lines):
    from loa.posts import i18n

    text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        saved, i18n._language = i18n._language, "vi"
        try:
            error = toml_error(exc, text, "c.toml")
        finally:
            i18n._language = saved
    else:
        return
    assert isinstance(error, UserError)
    message = str(error)
    assert "\n" not in message and re.match(r"c\.toml:\d+:\d+: \S", message), message
    line, column = (int(part) for part in message.split(":")[1:3])
    assert 1 <= line <= max(1, len(text.splitlines())) and column >= 1
    assert english_words(message.split(": ", 1)[1]) == set(), message


def test_every_tomllib_message_has_an_explanation():
    """The table covers every message Python's tomllib can give (read from its source), so none falls back."""
    import inspect

    from loa.posts.toml_errors import _EXPLAINERS

    source = inspect.getsource(tomllib._parser)
    messages = re.findall(r'suffixed_err\(\s*src,\s*\w+,\s*f?"([^"]*)"', source)
    assert len(messages) > 15
    uncovered = [m for m in messages if not any(pattern.match(m) for pattern, _ in _EXPLAINERS)]
    assert uncovered == []


def test_reading_a_missing_toml_file_names_it(tmp_path: Path, monkeypatch):
    from loa.posts import i18n
    from loa.posts.tomlfile import read_toml

    monkeypatch.setattr(i18n, "_language", "vi")
    with pytest.raises(UserError) as missing:
        read_toml(tmp_path / "c.toml")
    assert str(missing.value) == f"{tmp_path / 'c.toml'}: không tìm thấy tệp"
