"""Errors worded for people: "bài số 6 (Tiêu đề…)", fields in Vietnamese, unknown names with what exists and the
closest one; English under --lang en."""
from __future__ import annotations

import pytest
from conftest import PLAIN_THEME, campaign_toml
from hypothesis import given, settings
from hypothesis import strategies as st

from loa.posts.suggest import closest
from loa.posts.wording import post_label

GOOD = campaign_toml(posts=2).replace('title = "Bài số 2"', 'title = "Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2024"')
VI = {"LOA_LANG": ""}  # the default language


def _vi(project, *args: str) -> str:
    result = project.run(*args, env=VI)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def _line(text: str, start: str, after: int = 0) -> int:
    """The 1-based line of the first line starting with ``start`` after line ``after``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if n > after and line.startswith(start))


def _header(text: str, number: int) -> int:
    return [n for n, line in enumerate(text.splitlines(), 1) if line == "[[posts]]"][number - 1]


MISTAKES = {
    # name: (text, (line-finder), Vietnamese message, English message)
    "misspelt key": (GOOD.replace("hashtags =", "hashtag ="), lambda t: _line(t, "hashtag ="),
                     "không có mục `hashtag`; có: after, banner_theme, channels, end, hashtags, name, organization, "
                     "plan_ref, slug, start, theme, timezone; có phải ý anh/chị là `hashtags`?",
                     "there is no entry `hashtag`; available: after, banner_theme, channels, end, hashtags, name, "
                     "organization, plan_ref, slug, start, theme, timezone; did you mean `hashtags`?"),
    "missing title": (GOOD.replace('title = "Bài số 1"\n', ""), lambda t: _header(t, 1),
                      "bài số 1: thiếu tiêu đề (title)", "post 1: the title is missing"),
    "title as a number": (GOOD.replace('title = "Bài số 1"', "title = 42"), lambda t: _line(t, "title = 42"),
                          'bài số 1: tiêu đề phải là văn bản trong dấu ngoặc kép, ví dụ title = "…" '
                          "(trong tệp đang ghi 42)",
                          'post 1: the title must be text in double quotes, e.g. title = "…" (the file has 42)'),
    "channels not a list": (GOOD.replace('body = "Nội dung bài số 2."', 'body = "x"\nchannels = "portal"'),
                            lambda t: _line(t, "channels = \"portal\""),
                            "bài số 2 (Phát động Tuần lễ hưởng ứng học tập suố…): kênh phải là danh sách, "
                            'ví dụ ["portal", "facebook"] (trong tệp đang ghi "portal")',
                            "post 2 (Phát động Tuần lễ hưởng ứng học tập suố…): the channels must be a list, "
                            'e.g. ["portal", "facebook"] (the file has "portal")'),
    "misspelt channel": (GOOD.replace('channels = ["portal", "facebook"]', 'channels = ["portal", "facebok"]'),
                         lambda t: _line(t, "channels ="),
                         "kênh: không có kênh 'facebok'; các kênh khai báo trong config.toml: facebook, portal; "
                         "có phải ý anh/chị là `facebook`?",
                         "channels: no channel 'facebok'; channels in config.toml: facebook, portal; "
                         "did you mean `facebook`?"),
    "banner without headline": (GOOD.replace('body = "Nội dung bài số 2."', 'body = "x"\nbanner = { subline = "y" }'),
                                lambda t: _line(t, "banner ="),
                                "bài số 2 (Phát động Tuần lễ hưởng ứng học tập suố…): banner: "
                                "thiếu dòng tiêu đề (headline)",
                                "post 2 (Phát động Tuần lễ hưởng ứng học tập suố…): banner: "
                                "the headline is missing"),
    "duplicate key": (GOOD.replace('title = "Bài số 1"', 'title = "Bài số 1"\nkey = "mo-dau"').replace(
        'title = "Phát', 'key = "mo-dau"\ntitle = "Phát'), lambda t: _line(t, "key =", _line(t, "key =")),
        None, None),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_a_mistake_is_one_line_in_words_vietnamese_and_english(project, name):
    text, line_of, vi, en = MISTAKES[name]
    path = project.write("c.toml", text)
    line = line_of(text)
    message = _vi(project, "campaign", "import", str(path))
    assert message.startswith(f"lỗi: {path}:{line}: "), message
    if vi is not None:
        assert message == f"lỗi: {path}:{line}: {vi}"
        assert project.fails("campaign", "import", str(path)) == f"error: {path}:{line}: {en}"
    for programmer_word in ("posts[", "khóa", "sai kiểu", "chuỗi", "required", "Field"):
        assert programmer_word not in message
    assert project.counts()["posts"] == 0


def test_a_duplicate_key_names_both_posts_by_number_and_title(project):
    text = MISTAKES["duplicate key"][0]
    message = _vi(project, "campaign", "import", str(project.write("c.toml", text)))
    assert f"bài số 2 (Phát động Tuần lễ hưởng ứng học tập suố…): mã bài: 'mo-dau' đã đặt cho bài số 1 " \
           f"(dòng {_header(text, 1)})" in message


def test_warnings_name_posts_as_errors_do(project):
    text = GOOD.replace("day = 2\n", "day = 40\n")
    path = project.write("c.toml", text)
    result = project.run("campaign", "import", str(path), env=VI)
    assert result.exit_code == 0, result.output
    assert f"{path}:{_header(text, 2)}: bài số 2 (Phát động Tuần lễ hưởng ứng học tập suố…): ngày " in result.stderr


def test_an_unknown_theme_in_a_file_names_its_line_and_the_themes(project):
    text = GOOD.replace('body = "Nội dung bài số 1."', 'body = "x"\nbanner = { headline = "h", theme = "khoa-hok" }')
    path = project.write("c.toml", text)
    message = _vi(project, "campaign", "import", str(path))
    assert message == (f"lỗi: {path}:{_line(text, 'banner =')}: bài số 1 (Bài số 1): banner: giao diện: "
                       "không có giao diện 'khoa-hok'; có: hanh-chinh, khoa-hoc, khuyen-hoc; "
                       "có phải ý anh/chị là `khoa-hoc`?")
    assert project.counts()["posts"] == 0


def test_an_unknown_template_lists_the_templates(project):
    text = GOOD.replace('body = "Nội dung bài số 2."', 'body = "x"\ntemplate = "ngann"')
    path = project.write("c.toml", text)
    message = _vi(project, "campaign", "import", str(path))
    assert message.startswith(f"lỗi: {path}:{_line(text, 'template =')}: bài số 2 (Phát động") and \
        ": mẫu: không có mẫu 'ngann'; có: " in message, message


def test_an_unknown_theme_option_and_campaign_and_channel(project):
    project.ok("campaign", "import", str(project.write("c.toml", GOOD)))
    message = _vi(project, "banner", "Tiêu đề", "--theme", "Khoa-Hoc", "-o", str(project.root / "b.png"))
    assert message == "lỗi: --theme: không có giao diện 'Khoa-Hoc'; có: hanh-chinh, khoa-hoc, khuyen-hoc; " \
                      "có phải ý anh/chị là `khoa-hoc`?"
    message = _vi(project, "post", "add", "--campaign", "tuan-lee", "--at", "01/01/2099 08:00", "--title", "t",
                  "--body", "b")
    assert message == "lỗi: --campaign: không có chiến dịch 'tuan-lee'; có: tuan-le; có phải ý anh/chị là `tuan-le`?"
    message = _vi(project, "post", "add", "--campaign", "tuan-le", "--at", "01/01/2099 08:00", "--title", "t",
                  "--body", "b", "--channels", "Portal")
    assert message.endswith("không có kênh 'Portal'; các kênh khai báo trong config.toml: facebook, portal; "
                            "có phải ý anh/chị là `portal`?"), message
    english = project.fails("post", "add", "--campaign", "tuan-lee", "--at", "01/01/2099 08:00", "--title", "t",
                            "--body", "b")
    assert english == "error: --campaign: no campaign 'tuan-lee'; available: tuan-le; did you mean `tuan-le`?"


def test_an_unknown_user_lists_the_accounts(project):
    from click.testing import CliRunner

    from loa.scheduler.cli import cli

    added = CliRunner().invoke(cli, ["--config", str(project.config), "users", "add", "nguyen.lan", "--role",
                                     "editor", "--password-stdin"], input="mat-khau-rat-dai-1234\n")
    assert added.exit_code == 0, added.output
    message = _vi(project, "users", "disable", "nguyen.lam")
    assert message == 'lỗi: NAME: không có tài khoản "nguyen.lam"; có: nguyen.lan; ' \
                      "có phải ý anh/chị là `nguyen.lan`?"


def test_edit_names_the_changed_fields_in_words(project):
    project.ok("campaign", "import", str(project.write("c.toml", GOOD)))
    post_id = project.json("queue")["posts"][0]["id"]
    result = project.run("post", "edit", str(post_id), "--title", "Mới", "--banner-headline", "Bìa", env=VI)
    assert result.exit_code == 0, result.output
    assert f"Đã sửa bài {post_id} (tiêu đề, banner)" in result.stdout
    english = project.ok("post", "edit", str(post_id), "--body", "Khác")
    assert f"Post {post_id} changed (text)" in english.stdout


def test_config_errors_name_the_channel_and_suggest(project):
    text = project.config.read_text(encoding="utf-8")
    project.set_channel("portal", 'adapter = "static-sit"\npath = "var/site"')
    message = _vi(project, "queue")
    assert 'kênh portal: bộ đăng bài không nhận giá trị "static-sit"; có: ' in message and \
        "có phải ý anh/chị là `static-site`?" in message, message
    project.config.write_text(text.replace("\n[defaults]\n", "\n[defaults]\ntimezon = \"Asia/Ho_Chi_Minh\"\n", 1),
                              encoding="utf-8")
    message = _vi(project, "queue")
    assert "[defaults]: không có mục `timezon`; có: timezone; có phải ý anh/chị là `timezone`?" in message, message


def test_labels_cut_long_titles_and_drop_control_characters():
    assert post_label(6, "Phát động Tuần lễ hưởng ứng học tập suốt đời năm 2024") == \
        "post 6 (Phát động Tuần lễ hưởng ứng học tập suố…)"  # the tests run in English
    assert post_label(2, "A\x1b[2Jb") == "post 2 (A [2Jb)"
    assert post_label(3, "   ") == "post 3"


@given(st.sampled_from(["hashtags", "channels", "banner_theme", "khoa-hoc", "tuan-le-2024", "facebook"]),
       st.data())
@settings(max_examples=60, deadline=None)
def test_closest_ignores_case_and_diacritics_and_one_typo(word, data):
    choices = ["hashtags", "channels", "banner_theme", "khoa-hoc", "tuan-le-2024", "facebook", "portal"]
    variant = data.draw(st.sampled_from([word.upper(), word.title(), word[:-1], word[1:] if len(word) > 6 else word,
                                         word.replace("a", "á", 1), word.replace("o", "ơ", 1)]))
    assert closest(variant, choices) == word
    assert closest("zzzzqqq", choices) is None
