"""Bad campaign files and arguments: one line naming the file/key/line, exit 2, no traceback, nothing written."""
from __future__ import annotations

import pytest
from conftest import campaign_toml

GOOD = campaign_toml(posts=2)

BROKEN = {
    "missing slug": (GOOD.replace('slug = "tuan-le"\n', ""), "campaign code (slug) is missing", 1),
    "mistyped key": (GOOD.replace("theme =", "themes ="), "`themes`; available: after, banner_theme", 4),
    "wrong type": (GOOD.replace('name = "Tuần lễ hưởng ứng học tập suốt đời"', "name = 42"), "campaign name must be text", 3),
    "channels not a list": (GOOD.replace('channels = ["portal", "facebook"]', 'channels = "portal"'),
                            "channels must be a list", 7),
    "invalid date": (GOOD.replace(GOOD.split("start = ")[1].split("\n")[0], "2024-02-30"), "February 2024 has 29 days",
                     5),
    "end before start": (GOOD.replace("end = ", "end = 2000-01-01\n#"), "end date (01/01/2000) is before", 1),
    "unknown timezone": (GOOD.replace("[campaign]\n", '[campaign]\ntimezone = "Asia/Sai_Gon"\n'),
                         "timezone: unknown timezone", 2),
    "unknown channel": (GOOD.replace('channels = ["portal", "facebook"]', 'channels = ["portal", "zalo"]'),
                        "zalo", 7),
    "bad slug": (GOOD.replace('slug = "tuan-le"', 'slug = "Tuần lễ"'), "campaign code (slug): invalid value", 2),
    "post without title": (GOOD.replace('title = "Bài số 2"\n', ""), "post 2: the title is missing", 18),
    "post without body": (GOOD.replace('body = "Nội dung bài số 1."\n', ""), "post 1 (Bài số 1): the text (body) is missing", 11),
    "blank title": (GOOD.replace('title = "Bài số 1"', 'title = "   "'), "post 1: title: must not be empty", 14),
    "day and at": (GOOD.replace('day = 1\n', 'day = 1\nat = 2031-01-01T08:00:00\n'), "post 1 (Bài số 1): give either", 11),
    "neither day nor at": (GOOD.replace('day = 2\n', ''), "post 2 (Bài số 2): give either", 18),
    "day without time": (GOOD.replace('time = "08:01"\n', ''), "post 1 (Bài số 1): a day (day) needs a time", 11),
    "bad time": (GOOD.replace('time = "08:01"', 'time = "25h"'), "post 1 (Bài số 1): time: '25h' is not a real time of day", 13),
    "day zero": (GOOD.replace('day = 1\n', 'day = 0\n'), "post 1 (Bài số 1): day of the campaign: must be at least 1", 12),
    "day as text": (GOOD.replace('day = 1\n', 'day = "1"\n'), "day of the campaign must be a whole number", 12),
    "banner without headline": (GOOD.replace('body = "Nội dung bài số 1."\n',
                                             'body = "x"\nbanner = { subline = "y" }\n'), "post 1 (Bài số 1): banner: the headline is missing",
                                16),
    "unknown banner key": (GOOD.replace('body = "Nội dung bài số 1."\n', 'body = "x"\nbanner = { headline = "h", '
                                        'colour = "red" }\n'), "banner: there is no entry `colour`", 16),
    "post channel unknown": (GOOD.replace('body = "Nội dung bài số 2."\n', 'body = "x"\nchannels = ["tv"]\n'),
                             "post 2 (Bài số 2): channels: no channel 'tv'; channels in config.toml: facebook, portal", 23),
    "no campaign table": ('[[posts]]\nday = 1\ntime = "08:00"\ntitle = "t"\nbody = "b"\n', "the [campaign] section is missing", None),
    "not toml": ("[campaign\nslug = 1\n", "] closing the section name", 1),
    "empty": ("", "empty", None),
    "only comments": ("# nothing here\n\n", "empty", None),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_campaign_file(project, name):
    text, key, line = BROKEN[name]
    path = project.write("broken.toml", text)
    message = project.fails("campaign", "import", str(path))
    assert str(path) in message
    assert key in message
    if line is not None:
        assert f"{path}:{line}:" in message, message
    assert project.counts()["posts"] == 0 and project.counts()["campaigns"] == 0


def test_file_that_is_not_utf8(project):
    path = project.root / "latin.toml"
    path.write_bytes(GOOD.encode("utf-8").replace("Bài số 2".encode(), "Bài số 2".encode("utf-16-le")) + b"\xff")
    message = project.fails("campaign", "import", str(path))
    assert str(path) in message and "UTF-8" in message
    assert project.rows("posts") == 0


def test_missing_file_and_directory(project):
    assert "nope.toml" in project.fails("campaign", "import", str(project.root / "nope.toml"))
    assert str(project.root) in project.fails("campaign", "import", str(project.root))


def test_bad_start_and_pace(project):
    path = project.write("c.toml", GOOD)
    assert "--start" in project.fails("campaign", "import", str(path), "--start", "thứ hai")
    assert "--pace" in project.fails("campaign", "import", str(path), "--pace", "0")
    assert "--pace" in project.fails("campaign", "import", str(path), "--pace", "nhanh")
    assert project.rows("posts") == 0


def test_unknown_command_and_option_are_one_line(project):
    assert "frm" in project.fails("queue", "--frm", "2024-10-01")
    assert "publish" in project.fails("publish")


def test_utf8_bom_is_accepted(project):
    path = project.root / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    project.ok("campaign", "import", str(path))
    assert project.rows("posts") == 2


def test_line_numbers_ignore_headers_inside_multiline_strings(project):
    text = campaign_toml(posts=3).replace('body = "Nội dung bài số 1."',
                                          'body = """\nVí dụ tệp:\n[[posts]]\ntitle = "giả"\n"""')
    text = text.replace('title = "Bài số 3"\n', "")
    path = project.write("c.toml", text)
    message = project.fails("campaign", "import", str(path))
    header = text.splitlines().index("[[posts]]", text.splitlines().index("day = 3") - 3) + 1
    assert f"{path}:{header}: post 3: the title is missing" in message
