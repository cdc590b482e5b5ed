"""Click's own words (usage errors, help decorations, --version) and the system's (file not found, disk full) reach
the officer in Vietnamese by default, in English under --lang en; --config and --lang work after the command too."""
from __future__ import annotations

import errno
import re

import click
import pytest
from click.testing import CliRunner

from loa.scheduler.cli import cli
from support.commands import subcommands

VI = {"LOA_LANG": ""}  # no language asked for: loa's default, Vietnamese
# English words click or the C library would print; none is a Vietnamese word written without its accents
ENGLISH = {"the", "is", "not", "such", "option", "options", "missing", "invalid", "value", "values", "for", "got",
           "unexpected", "extra", "argument", "arguments", "requires", "did", "you", "mean", "choose", "usage",
           "error", "file", "directory", "command", "commands", "try", "does", "exist", "range", "integer", "show",
           "this", "message", "and", "exit", "default", "required", "text", "path", "version", "of", "one", "takes",
           "permission", "denied", "space", "left", "device", "read", "only", "system", "valid", "number", "float",
           "positional", "string", "found", "cannot", "must", "be", "or", "no", "in", "on", "at", "than"}


def command_names(command: click.Command = cli) -> set[str]:
    names = set()
    if isinstance(command, click.Group):
        for name, sub in subcommands(command).items():
            names |= {name} | command_names(sub)
    return names


def english_words(line: str) -> set[str]:
    """The English words of ``line`` once what is not prose is removed: options, paths, quoted values (the user's
    own input), command names (``loa campaign import``), placeholders."""
    prose = re.sub(r"--?[a-z][a-z-]*|\S*/\S*|'[^']*'|«[^»]*»|\"[^\"]*\"|\b[A-Z_|]{2,}\b", " ", line)
    words = {word.lower() for word in re.findall(r"[A-Za-z]+", prose)}
    return (words & ENGLISH) - command_names()


def test_the_english_detector_sees_click_s_own_words():
    assert english_words("Error: No such option '--frm'. Did you mean '--from'?") >= {"no", "such", "option", "did"}
    assert english_words("lỗi: loa queue: không có tùy chọn --frm; có phải ý anh/chị là --from?") == set()


# what the officer types wrongly -> what the one line must name
USAGE_ERRORS = {
    "unknown option": (["queue", "--frm", "2024-10-01"], "--frm", "có phải ý anh/chị là --from"),
    "unknown option, nothing close": (["queue", "--zzzzzz"], "--zzzzzz", "không có tùy chọn"),
    "missing option": (["post", "add", "--campaign", "x", "--at", "01/10/2030 08:00"], "--title", "thiếu tùy chọn"),
    "option without its value": (["post", "add", "--title"], "--title", "thiếu giá trị"),
    "flag given a value": (["queue", "--json=3"], "--json", "không nhận giá trị"),
    "not a choice": (["run", "--log-format", "xml"], "--log-format",
                     "'xml' không hợp lệ; chọn một trong: text, json"),
    "not a word choice": (["report", "--campaign", "x", "--format", "pdfx"], "--format",
                          "không có 'pdfx'; chọn một trong: Word (docx), Excel (xlsx), trang web (html)"),
    "not a post number": (["post", "show", "abc"], "ID", "'abc' không phải số bài (số nguyên dương)"),
    "post number zero": (["post", "show", "0"], "ID", "'0' không phải số bài"),
    "number out of range": (["web", "--port", "99999"], "--port", "99999 nằm ngoài khoảng cho phép (từ 1 đến 65535)"),
    "not a number": (["campaign", "import", "c.toml", "--pace", "nhanh"], "--pace", "'nhanh' không phải số"),
    "unknown command": (["nope"], "không có lệnh 'nope'", "các lệnh:"),
    "misspelt command": (["qeue"], "không có lệnh 'qeue'", "có phải ý anh/chị là queue"),
    "misspelt subcommand": (["post", "shw", "1"], "loa post", "có phải ý anh/chị là show"),
    "extra argument": (["queue", "extra"], "loa queue", "thừa «extra»"),
    "missing argument": (["post", "show"], "loa post show", "thiếu ID"),
    "unknown language": (["queue", "--lang", "fr"], "--lang", "'fr' không hợp lệ; chọn một trong: en, vi"),
    "language without value": (["queue", "--lang"], "--lang", "thiếu giá trị"),
    "config without value": (["queue", "--config"], "--config", "thiếu giá trị"),
    "output is a folder": (["banner", "Khai mạc", "-o", "."], "-o", "'.' là thư mục; cần một tệp"),
}


@pytest.mark.parametrize("name", list(USAGE_ERRORS))
def test_usage_errors_are_one_vietnamese_line_naming_the_option(project, name):
    args, names, says = USAGE_ERRORS[name]
    result = project.run(*args, env=VI)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lỗi: "), result.stderr
    assert names in lines[0] and says in lines[0], lines[0]
    assert english_words(lines[0].split("chọn một trong:")[0]) == set(), lines[0]  # the choices are codes to type


def test_a_missing_option_says_what_it_is_for(project):
    line = project.fails("post", "add", "--campaign", "x", "--at", "01/10/2030 08:00")
    assert line == "error: loa post add: the option --title is missing — title", line
    vi = project.run("post", "add", "--campaign", "x", "--at", "01/10/2030 08:00", env=VI).stderr.strip()
    assert vi == "lỗi: loa post add: thiếu tùy chọn --title — tiêu đề", vi


def test_usage_errors_in_english_on_request(project):
    assert project.fails("queue", "--frm", "x") == "error: loa queue: there is no option --frm; did you mean --from?"
    assert project.fails("run", "--log-format", "xml", "--lang", "en") == \
        "error: --log-format: 'xml' is not valid; choose one of: text, json"
    assert project.fails("report", "--campaign", "x", "--format", "pdfx", "--lang", "en") == \
        "error: --format: there is no 'pdfx'; choose one of: Word (docx), Excel (xlsx), web page (html)"
    assert project.fails("post", "show", "abc") == "error: ID: 'abc' is not a post number (a positive whole number)"


def every_command(command: click.Command = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if isinstance(command, click.Group):
        for name, sub in sorted(subcommands(command).items()):
            paths += every_command(sub, (*path, name))
    return paths


COMMANDS = every_command()
CLICK_ENGLISH = ("[default:", "[required]", "INTEGER", "RANGE", "TEXT", "Usage:", "Options:", "Commands:",
                 "Arguments", "PATH", "FILE", "FLOAT", "SLUG", "NAME", "DATE", "[x>=", "<=x<=", "Show this message")


def test_the_walk_finds_every_command():
    assert len(COMMANDS) > 40 and ("post", "add") in COMMANDS and ("campaign", "import") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "loa")
def test_help_pages_have_no_click_english(bare, path):
    result = bare.run(*path, "-h", env=VI)
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert page.startswith("Cách dùng: "), page
    assert [word for word in CLICK_ENGLISH if word in page] == [], page
    command = cli
    for name in path:
        command = subcommands(command)[name]
    arguments = [param for param in command.params if isinstance(param, click.Argument)]
    if arguments:  # every argument is listed, with what it is, under its own heading
        section = page.split("Đối số:\n", 1)[1].split("\n\n", 1)[0]
        rows = [row for row in section.splitlines() if row.startswith("  ") and not row.startswith("    ")]
        assert len(rows) == len(arguments) and all(len(row.split(None, 1)) == 2 for row in rows), section
    if isinstance(command, click.Group):  # the command list is cut at a word, with "…"
        section = page.split("Lệnh:\n", 1)[1]
        assert not [row for row in section.splitlines() if row.rstrip().endswith("...")], section
    english = bare.run("--lang", "en", *path, "-h", env=VI).stdout
    assert english.startswith("Usage: ") and "Cách dùng" not in english and "Đối số" not in english


def test_help_decorations_are_translated(bare):
    page = bare.run("banner", "-h", env=VI).stdout
    assert "[mặc định: facebook]" in page and "[bắt buộc]" in page and "--dpi SỐ" in page
    assert "[từ 1 trở lên]" in page and "-o, --output TỆP" in page
    assert "Cách dùng: loa banner [TÙY_CHỌN] TIÊU_ĐỀ" in page
    assert "[từ 1 đến 65535]" in bare.run("web", "-h", env=VI).stdout
    english = bare.run("banner", "-h").stdout
    assert "[default: facebook]" in english and "[required]" in english and "--dpi NUMBER" in english


def test_a_group_without_its_command_shows_its_help(bare):
    result = bare.run("campaign", env=VI)
    assert result.exit_code == 0 and result.stdout.startswith("Cách dùng: loa campaign [TÙY_CHỌN] LỆNH")


def test_version_is_translated(bare):
    assert re.fullmatch(r"loa, phiên bản \S+\n", bare.run("--version", env=VI).stdout)
    assert re.fullmatch(r"loa, version \S+\n", bare.run("--version").stdout)


def test_the_short_help_option_is_translated(bare):
    assert "Hiện trợ giúp này rồi thoát." in bare.run("-h", env=VI).stdout


# ---------------------------------------------------------------------------------- global options, anywhere
def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize("args", [
    ("--lang", "en", "queue", "--frm", "x"), ("queue", "--lang", "en", "--frm", "x"),
    ("queue", "--frm", "x", "--lang", "en"), ("queue", "--frm", "x", "--lang=en"),
])
def test_lang_before_or_after_the_command_name(bare, args):
    result = invoke(*args, env=VI)
    assert result.exit_code == 2 and result.stderr.startswith("error: loa queue: there is no option --frm")


def test_lang_after_a_subcommand_of_a_group(project):
    result = project.run("post", "show", "3", "--lang", "en", env=VI)
    assert result.stderr.strip() == "error: ID: no post with id 3"
    assert "Usage: loa post show" in project.run("post", "show", "-h", "--lang", "en", env=VI).stdout
    assert "Cách dùng: loa queue" in project.run("queue", "-h", "--lang", "vi").stdout


def test_config_after_the_command_name(bare):
    folder = bare.root / "office"
    folder.mkdir()
    config = folder / "config.toml"
    assert invoke("init", "--config", str(config)).exit_code == 0 and config.exists()
    assert invoke("queue", "--config", str(config), "--json").exit_code == 0
    missing = invoke("queue", "--config", str(bare.root / "nope.toml"), env=VI)
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr


def test_a_value_that_reads_like_a_global_option_stays_a_value():
    from loa.scheduler.cli.global_options import hoisted

    assert hoisted(cli, ["post", "add", "--title", "--lang", "--campaign", "x"]) == \
        (["post", "add", "--title", "--lang", "--campaign", "x"], None)
    assert hoisted(cli, ["post", "show", "3", "--lang", "en"]) == (["--lang", "en", "post", "show", "3"], "en")
    assert hoisted(cli, ["queue", "--config=c.toml", "--lang=vi"]) == (["--config", "c.toml", "--lang", "vi",
                                                                          "queue"], "vi")
    assert hoisted(cli, ["post", "add", "--", "--lang", "en"]) == (["post", "add", "--", "--lang", "en"], None)
    assert hoisted(cli, ["--lang", "en", "queue"]) == (["--lang", "en", "queue"], "en")


# ------------------------------------------------------------------------------------- the system's errors
ERRNOS = [errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT,
          errno.EROFS, errno.EIO, errno.EFBIG, errno.ENAMETOOLONG, errno.ELOOP, errno.EEXIST, errno.EBUSY,
          errno.EMFILE, errno.ENOMEM, errno.EXDEV, errno.ENODEV, errno.ETIMEDOUT, errno.ESTALE, errno.ECONNRESET]


@pytest.mark.parametrize("code", ERRNOS, ids=lambda code: errno.errorcode[code])
@pytest.mark.parametrize("writing", [False, True])
def test_every_system_error_has_vietnamese_words(monkeypatch, code, writing):
    from loa.posts import i18n
    from loa.posts.os_errors import os_error_text

    monkeypatch.setattr(i18n, "_language", "vi")
    text = os_error_text(OSError(code, "English words from the C library", "/x"), writing=writing)
    assert text and english_words(text) == set() and "English" not in text


def test_disk_full_and_not_found_read_as_an_officer_reads_them(monkeypatch):
    from loa.posts import i18n
    from loa.posts.os_errors import os_error_text

    monkeypatch.setattr(i18n, "_language", "vi")
    assert os_error_text(OSError(errno.ENOSPC, "No space left on device")) == "ổ đĩa đã đầy"
    assert os_error_text(FileNotFoundError(errno.ENOENT, "x")) == "không tìm thấy tệp"
    assert os_error_text(PermissionError(errno.EACCES, "x")) == "không có quyền đọc tệp"
    assert os_error_text(PermissionError(errno.EACCES, "x"), writing=True) == "không có quyền ghi vào đây"


def test_file_helpers_reword_the_system_error_and_keep_its_errno(monkeypatch, tmp_path):
    from loa.posts import i18n
    from loa.posts.files import read_regular, write_atomically

    monkeypatch.setattr(i18n, "_language", "vi")
    with pytest.raises(FileNotFoundError) as missing:
        read_regular(tmp_path / "nope.txt", limit=10)
    assert missing.value.errno == errno.ENOENT and missing.value.strerror == "không tìm thấy tệp"
    assert missing.value.filename == str(tmp_path / "nope.txt")
    with pytest.raises(OSError) as no_folder:
        write_atomically(tmp_path / "no-folder" / "x.txt", b"x")
    assert no_folder.value.errno == errno.ENOENT and "thư mục" in no_folder.value.strerror


def test_missing_and_folder_inputs_in_vietnamese(project):
    for args, says in [(("campaign", "import", "nope.toml"), "nope.toml: không tìm thấy tệp"),
                       (("campaign", "import", str(project.root)), "đây là thư mục, không phải tệp"),
                       (("post", "add", "--campaign", "x", "--at", "01/10/2030 08:00", "--title", "t",
                         "--body-file", "nope.txt"), "--body-file nope.txt: không tìm thấy tệp")]:
        result = project.run(*args, env=VI)
        line = result.stderr.strip()
        assert result.exit_code == 2 and says in line and english_words(line) == set(), line


def test_a_full_disk_at_the_top_level_is_worded_and_exit_1(project, monkeypatch):
    from loa.scheduler.cli import _runtime_failure

    monkeypatch.setenv("LOA_LANG", "vi")
    line = _runtime_failure(OSError(errno.ENOSPC, "No space left on device", "/var/loa/x.png"))
    assert line == "không ghi được /var/loa/x.png: ổ đĩa đã đầy"


def test_every_key_of_the_tables_exists_in_every_language():
    """The keys these tables hold reach t() through a variable, where the scan of tests/test_i18n.py cannot see."""
    from loa.posts.i18n import available_languages, catalogue
    from loa.posts.os_errors import _KEYS
    from loa.scheduler.cli.click_text import ARGUMENT_HELP, PLACEHOLDERS

    keys = {*PLACEHOLDERS.values(), *ARGUMENT_HELP.values(), "oserr.other"}
    keys |= {key for pair in _KEYS.values() for key in pair if key}
    for language in available_languages():
        assert sorted(keys - set(catalogue(language))) == [], language
