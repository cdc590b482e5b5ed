"""Issue 13, point 2: under --lang vi, no English sentence reaches the officer: not in any command's output or help
page, not in an error for a bad input, not in the demo's outputs and the reports it writes.

Each test collects every English line first and fails once, listing them all with the command that printed them
(the detector: tests/support/english.py). Commands come from the CLI itself, so a new command must be run here or
named in NOT_RUN with the reason.
"""
from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from conftest import SAMPLE, campaign_toml
from loa.scheduler.cli import cli
from support.commands import subcommands
from support.documents import document_text
from support.english import Leak, english_lines

SLUG = "hoc-tap-suot-doi-2024"
# Commands this test does not run, each with why; the test checks they exist, so the table cannot go stale.
NOT_RUN = {
    "web": "serves the workspace until Ctrl-C; its pages are the web tests' (tests/test_web_*.py)",
}


def leaf_commands(command: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command one can run: leaves, and groups that do something by themselves (``loa log``)."""
    group = isinstance(command, click.Group)
    if not group or getattr(command, "invoke_without_command", False) and path:
        yield path
    for name, sub in sorted(subcommands(command).items()):
        yield from leaf_commands(sub, (*path, name))


def all_commands(command: click.Command = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in sorted(subcommands(command).items()):
        yield from all_commands(sub, (*path, name))


class Officer:
    """Runs loa --lang vi in one project folder, as an officer would, and keeps every English line it printed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.leaks: list[Leak] = []
        self.ran: set[tuple[str, ...]] = set()

    def run(self, *args: str, input: str | None = None, code: int | None = 0) -> Result:
        argv = ["--lang", "vi", "--config", str(self.root / "config.toml"), *args]
        result = CliRunner().invoke(cli, argv, input=input, catch_exceptions=False, prog_name="loa")
        shown = "loa --lang vi " + " ".join(args)
        assert code is None or result.exit_code == code, f"{shown} -> {result.exit_code}\n{result.output}"
        self.ran.add(self._command_path(args))
        if "--json" not in args:  # JSON is for machines: its keys stay English
            self.leaks += english_lines(result.stdout, shown)
        self.leaks += english_lines(result.stderr, shown + "  (stderr)")
        return result

    def read(self, path: Path) -> None:
        """The text inside a file loa wrote for people (report, export)."""
        for text in document_text(path):
            self.leaks += english_lines(text, f"{path.name} (written by loa)", cells=True)

    @staticmethod
    def _command_path(args: tuple[str, ...]) -> tuple[str, ...]:
        path: list[str] = []
        command: click.Command = cli
        for arg in args:
            sub = subcommands(command).get(arg)
            if sub is None:
                break
            path.append(arg)
            command = sub
        return tuple(path)

    def assert_vietnamese(self) -> None:
        """Fails listing every English line once, with the first command that printed it: lines with the same
        English words are one leak (the daemon's log has one per post, the help pages one "[required]" per
        option), the first stands for the others."""
        groups: dict[str, list[Leak]] = {}
        for leak in self.leaks:
            groups.setdefault(" ".join(leak.words).lower(), []).append(leak)
        report = [f"{leaks[0]}" + (f"\n    (and {len(leaks) - 1} more like it)" if len(leaks) > 1 else "")
                  for leaks in groups.values()]
        assert not report, f"{len(report)} English line(s) under --lang vi:\n" + "\n".join(report)


def demo_steps(officer: Officer) -> None:
    """The steps of `make demo` (Makefile), on the shipped sample campaign, with a short pace."""
    reports = officer.root / "var" / "reports"
    officer.run("init")
    officer.run("campaign", "rehearse", str(SAMPLE), "--pace", "0.1")
    officer.run("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "0.1", "--approve")
    officer.run("run", "--until-idle")
    officer.run("queue", "--campaign", SLUG, "--status", "done")
    officer.run("status")
    for fmt in ("docx", "xlsx", "html"):
        officer.run("report", "--campaign", SLUG, "--format", fmt)
    written = sorted(reports.iterdir())
    assert {path.suffix for path in written} == {".docx", ".xlsx", ".html"}
    for path in written:
        officer.read(path)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Officer:
    """The demo, run once in a fresh folder: the tests below read its outputs or copy its project."""
    officer = Officer(tmp_path_factory.mktemp("demo"))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(officer.root)
        patch.delenv("LOA_CONFIG", raising=False)
        demo_steps(officer)
    return officer


def test_the_demo_speaks_vietnamese(demo: Officer):
    demo.assert_vietnamese()


def test_every_help_page_is_vietnamese(project):
    officer = Officer(project.root)
    for path in all_commands():
        officer.run(*path, "--help")
    officer.assert_vietnamese()


def test_the_not_run_table_names_real_commands():
    assert set(NOT_RUN) <= {" ".join(path) for path in leaf_commands()}


def _day(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).strftime("%d/%m/%Y")


def test_every_command_speaks_vietnamese(demo: Officer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every command, with sensible arguments, on a copy of the demo's project (19 posts published)."""
    shutil.copytree(demo.root, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    officer = Officer(tmp_path)
    run = officer.run
    run("init")  # a second time: the database is already there
    run("status")
    run("status", "--archived")
    for range_ in ([], ["--campaign", SLUG, "--status", "done"], ["--week"], ["--from", _day(-1), "--to", _day(1)]):
        run("queue", *range_)
    run("log")
    run("log", "--campaign", SLUG, "--channel", "portal")
    run("log", "add", "--campaign", SLUG, "--title", "Hội nghị quán triệt Kế hoạch", "--count", "50",
        "--place", "Hội trường Sở", "--date", _day(0))
    for fmt in ("csv", "xlsx"):
        run("log", "export", "--format", fmt, "-o", f"nhat-ky.{fmt}")
        officer.read(tmp_path / f"nhat-ky.{fmt}")
    run("campaign", "list")
    run("campaign", "show", SLUG)
    run("campaign", "export", SLUG, "-o", "xuat.toml")
    run("campaign", "diff", str(SAMPLE), "--start", "now")
    run("campaign", "import", str(SAMPLE), "--start", "now", "--replace", "--dry-run")
    run("campaign", "rehearse", SLUG, "--pace", "0.1")
    plan = shutil.copy(Path(__file__).parent / "plans" / "ke-hoach-tuan-le-hoc-tap-suot-doi-2024.txt", tmp_path)
    run("campaign", "draft", str(plan), "-o", "nhap.toml")
    second = tmp_path / "tuan-le.toml"
    second.write_text(campaign_toml("tuan-le", start=dt.date.today() + dt.timedelta(days=30)), encoding="utf-8")
    run("campaign", "import", str(second))
    run("campaign", "cancel", "tuan-le")
    run("campaign", "archive", "tuan-le")
    run("campaign", "archive", "tuan-le", "--undo")
    run("themes", "list")
    run("banner", "Đọc sách mỗi ngày", "--subline", "Tuần lễ học tập suốt đời", "-o", "banner.png")
    run("channels", "list")
    run("channels", "check")
    run("preview", "1", "--out", "xem-truoc")
    run("render", "1")
    run("render", "--campaign", SLUG)
    run("metrics", "refresh")
    run("retry", "1", code=2)  # nothing to retry: a refusal, in Vietnamese too
    run("run", "--once")
    # a new post through its whole life: draft, edited, approved, sent back, approved, published, corrected,
    # taken down; and another cancelled
    added = run("post", "add", "--campaign", SLUG, "--at", f"{_day(20)} 08:30", "--title", "Bài viết thêm",
                "--body", "Nội dung bài viết thêm.")
    post = str(max(int(row["id"]) for row in _posts(officer)))
    run("post", "show", post)
    run("post", "edit", post, "--title", "Bài viết thêm (đã sửa)")
    run("post", "reschedule", post, f"{_day(21)} 09:00")
    run("post", "approve", post)
    run("post", "send-back", post, "--comment", "Cần bổ sung số liệu")
    run("post", "approve", post)
    run("publish", post)
    run("post", "correct", post, "--title", "Bài viết thêm (đính chính)")
    run("post", "unpublish", post, "--channel", "portal")
    run("post", "add", "--campaign", SLUG, "--at", f"{_day(22)} 08:00", "--title", "Bài sẽ hủy", "--body", "Hủy.")
    run("post", "cancel", str(int(post) + 1))
    for fmt in ("docx", "xlsx", "html"):
        run("report", "--campaign", SLUG, "--format", fmt, "-o", f"bao-cao.{fmt}")
        officer.read(tmp_path / f"bao-cao.{fmt}")
    run("users", "add", "bien-tap", "--role", "editor", "--display-name", "Nguyễn Văn A", "--password-stdin",
        input="mot-mat-khau-du-dai-2024\n")
    run("users", "list")
    run("users", "passwd", "bien-tap", "--password-stdin", input="mat-khau-moi-du-dai-2024\n")
    run("users", "disable", "bien-tap")
    run("db", "status")
    run("db", "status", "--json")
    run("db", "upgrade")
    run("backup", "-o", "sao-luu.tar.gz")
    run("restore", "sao-luu.tar.gz", "--force")
    assert added.exit_code == 0
    missing = {" ".join(path) for path in leaf_commands()} - {" ".join(path) for path in officer.ran} - set(NOT_RUN)
    assert missing == set(), "commands this test does not run: run them above, or name them in NOT_RUN"
    officer.assert_vietnamese()


def _posts(officer: Officer) -> list[dict]:
    import json

    return json.loads(officer.run("queue", "--json").stdout)["posts"]


# -- bad inputs --------------------------------------------------------------------------------------------------------
GOOD = campaign_toml("tuan-le", start=dt.date(2031, 10, 1), posts=2)
GOOD_POST = ("--campaign", "tuan-le", "--at", "01/10/2031 08:30", "--title", "Bài mới", "--body", "Nội dung.")
IMPORTED = (("campaign", "import", "good.toml"),)
PLACEHOLDER_ORGANISATION = """
[organization]
parent_agency = "TÊN CƠ QUAN CHỦ QUẢN"
agency = "TÊN CƠ QUAN"
place = "ĐỊA DANH"
signer_title = "CHỨC VỤ NGƯỜI KÝ"
signer_name = "HỌ VÀ TÊN NGƯỜI KÝ"
document_code = "VIẾT TẮT"
recipients = ["Nơi nhận"]
"""


def _with(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


# name: (argv, files written in the project folder first, commands run first). Every one must fail with one
# Vietnamese line and exit status 2. "{root}" is the project folder.
BAD_INPUTS: dict[str, tuple[tuple[str, ...], dict[str, str | bytes], tuple[tuple[str, ...], ...]]] = {
    "missing file": (("campaign", "import", "khong-co.toml"), {}, ()),
    "directory instead of a file": (("campaign", "import", "{root}"), {}, ()),
    "path under a file": (("campaign", "import", "good.toml/con.toml"), {"good.toml": GOOD}, ()),
    "not UTF-8": (("campaign", "import", "latin.toml"), {"latin.toml": GOOD.encode("utf-16")}, ()),
    "empty file": (("campaign", "import", "rong.toml"), {"rong.toml": ""}, ()),
    "TOML: unclosed table header": (("campaign", "import", "c.toml"), {"c.toml": "[campaign\nslug = 'a'\n"}, ()),
    "TOML: newline in a string": (("campaign", "import", "c.toml"), {"c.toml": _with('name = "', 'name = "Tuần\n')}, ()),
    "TOML: two values on a line": (("campaign", "import", "c.toml"),
                                   {"c.toml": _with('slug = "tuan-le"', 'slug = "tuan-le" "khac"')}, ()),
    "TOML: missing value": (("campaign", "import", "c.toml"), {"c.toml": _with('slug = "tuan-le"', "slug =")}, ()),
    "TOML: duplicate key": (("campaign", "import", "c.toml"),
                            {"c.toml": _with('slug = "tuan-le"', 'slug = "tuan-le"\nslug = "lan-hai"')}, ()),
    "TOML: unclosed array": (("campaign", "import", "c.toml"),
                             {"c.toml": _with('channels = ["portal", "facebook"]', 'channels = ["portal",')}, ()),
    "TOML: bad escape": (("campaign", "import", "c.toml"), {"c.toml": _with('name = "', 'name = "\\q')}, ()),
    "impossible date in a file": (("campaign", "import", "c.toml"),
                                  {"c.toml": _with("start = 2031-10-01", "start = 2026-09-31")}, ()),
    "impossible date in --start": (("campaign", "import", "good.toml", "--start", "31/09/2026"),
                                   {"good.toml": GOOD}, ()),
    "bad time in a file": (("campaign", "import", "c.toml"), {"c.toml": _with('time = "08:01"', 'time = "25h"')}, ()),
    "bad time in --at": (("post", "add", *GOOD_POST[:2], "--at", "01/10/2031 25h", *GOOD_POST[4:]),
                         {"good.toml": GOOD}, IMPORTED),
    "misspelt key": (("campaign", "import", "c.toml"),
                     {"c.toml": _with('hashtags = ["#HocTapSuotDoi"]', 'hashtag = ["#HocTapSuotDoi"]')}, ()),
    "wrong type": (("campaign", "import", "c.toml"), {"c.toml": _with("day = 1\n", 'day = "một"\n')}, ()),
    "missing title": (("campaign", "import", "c.toml"), {"c.toml": _with('title = "Bài số 1"\n', "")}, ()),
    "unknown theme in a file": (("campaign", "import", "c.toml"), {"c.toml": _with(
        'body = "Nội dung bài số 1."', 'body = "Nội dung."\nbanner = { headline = "Đọc sách", theme = "khong-co" }')}, ()),
    "unknown channel in a file": (("campaign", "import", "c.toml"),
                                  {"c.toml": _with('["portal", "facebook"]', '["portal", "truyen-hinh"]')}, ()),
    "not a plan": (("campaign", "draft", "thu.txt"), {"thu.txt": "Hôm nay trời đẹp.\nChúng tôi đi chơi.\n"}, ()),
    "drafted file already there": (("campaign", "draft", "kh.txt", "-o", "good.toml"),
                                   {"good.toml": GOOD, "kh.txt": "KẾ HOẠCH\nTuyên truyền Ngày Sách năm 2025\n"}, ()),
    "unknown option": (("queue", "--frm", "01/10/2031"), {}, ()),
    "missing option": (("post", "add", "--campaign", "tuan-le", "--at", "01/10/2031 08:30"), {}, ()),
    "missing argument": (("post", "show"), {}, ()),
    "extra argument": (("post", "show", "1", "2"), {}, ()),
    "bad integer": (("post", "show", "mot"), {}, ()),
    "bad number": (("campaign", "import", "good.toml", "--pace", "nhanh"), {"good.toml": GOOD}, ()),
    "bad number of people": (("log", "add", "--campaign", "tuan-le", "--title", "Hội nghị", "--count", "nhiều"),
                             {"good.toml": GOOD}, IMPORTED),
    "bad choice": (("report", "--campaign", "tuan-le", "--format", "pdf"), {}, ()),
    "bad status": (("queue", "--status", "lung-tung"), {}, ()),
    "bad language": (("--lang", "fr", "queue"), {}, ()),
    "unknown command": (("dang-bai",), {}, ()),
    "unknown subcommand": (("campaign", "xoa"), {}, ()),
    "unknown campaign": (("campaign", "show", "khong-co"), {}, ()),
    "unknown post": (("post", "show", "999"), {}, ()),
    "unknown channel": (("channels", "check", "truyen-hinh"), {}, ()),
    "unknown theme": (("banner", "Tiêu đề", "-o", "b.png", "--theme", "khong-co"), {}, ()),
    "unknown template": (("post", "add", *GOOD_POST, "--template", "khong-co"), {"good.toml": GOOD}, IMPORTED),
    "unknown banner size": (("banner", "Tiêu đề", "-o", "b.png", "--size", "khong-co"), {}, ()),
    "unknown role": (("users", "add", "bien-tap", "--role", "truong-phong", "--password-stdin"), {}, ()),
    "banner to a missing folder": (("banner", "Tiêu đề", "-o", "khong-co/b.png"), {}, ()),
    "report to a missing folder": (("report", "--campaign", "tuan-le", "-o", "khong-co/bao-cao.docx"),
                                   {"good.toml": GOOD}, IMPORTED),
    "placeholder organisation": (("report", "--campaign", "tuan-le"), {"good.toml": GOOD}, IMPORTED),
    "missing backup archive": (("restore", "khong-co.tar.gz"), {}, ()),
    "not a backup archive": (("restore", "good.toml", "--force"), {"good.toml": GOOD}, ()),
    "backup over a file": (("backup", "-o", "good.toml"), {"good.toml": GOOD}, ()),
    "backup to a missing folder": (("backup", "-o", "khong-co/sao-luu.tar.gz"), {}, ()),
    "restore over a database": (("restore", "sao-luu.tar.gz"), {}, (("backup", "-o", "sao-luu.tar.gz"),)),
    "broken config.toml": (("queue",), {"config.toml": "[database\n"}, ()),
    "misspelt key in config.toml": (("queue",), {"config.toml": "[defaults]\ntimezon = 'Asia/Ho_Chi_Minh'\n"}, ()),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_refused_in_one_vietnamese_line(project, name):
    argv, files, setup = BAD_INPUTS[name]
    officer = Officer(project.root)
    for file_name, content in files.items():
        path = project.root / file_name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    for command in setup:
        officer.run(*command)
    if name == "placeholder organisation":  # the shipped config's table, as the template will ship it
        text = project.config.read_text(encoding="utf-8")
        table = re.compile(r"^\[organization\]\n(?:(?!\[).*\n?)*", re.M)
        assert table.search(text)
        project.config.write_text(table.sub(PLACEHOLDER_ORGANISATION.lstrip() + "\n", text, count=1),
                                  encoding="utf-8")
    result = officer.run(*(arg.replace("{root}", str(project.root)) for arg in argv), code=None)
    lines = result.stderr.strip().splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), f"exit {result.exit_code}, stderr:\n{result.stderr}"
    assert "Traceback" not in result.output and lines[0].startswith("lỗi: ")
    officer.assert_vietnamese()
