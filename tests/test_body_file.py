"""`--body-file FILE` (or `-`, standard input) on `loa post add` and `loa post edit`: long texts without quoting."""
from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from conftest import campaign_toml

from loa.scheduler.cli import cli

LONG = "Sáng 01/10, Sở tổ chức lễ khai mạc.\n\n" + "Người dân được mời tham gia các hoạt động đọc sách. " * 200


@pytest.fixture
def campaign(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=0))
    project.ok("campaign", "import", str(path))
    return project


def add(project, *extra, stdin=None):
    args = ["--config", str(project.config), "post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00",
            "--title", "Khai mạc", *extra]
    return CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)


def test_a_long_body_is_read_from_a_file(campaign):
    path = campaign.write("bai.txt", LONG)
    result = add(campaign, "--body-file", str(path))
    assert result.exit_code == 0, result.output
    post_id = int(result.stdout.split()[2])
    assert campaign.json("post", "show", str(post_id))["body"] == LONG.strip()


def test_a_body_is_read_from_standard_input(campaign):
    result = add(campaign, "--body-file", "-", stdin="Nội dung từ bàn phím\n")
    assert result.exit_code == 0, result.output
    assert campaign.json("post", "show", str(int(result.stdout.split()[2])))["body"] == "Nội dung từ bàn phím"


def test_edit_takes_the_new_body_from_a_file(campaign):
    post_id = int(add(campaign, "--body", "Cũ").stdout.split()[2])
    path = campaign.write("moi.txt", "Nội dung mới\n")
    campaign.ok("post", "edit", str(post_id), "--body-file", str(path))
    assert campaign.json("post", "show", str(post_id))["body"] == "Nội dung mới"


@pytest.mark.parametrize("content, extra, names", [
    (None, (), "--body"),  # neither given
    (b"x", ("--body", "y"), "--body-file"),  # both given
    (b"\xff\xfe nonsense", (), "--body-file"),  # not UTF-8
    ("missing", (), "--body-file"),  # no such file
])
def test_a_bad_body_file_is_one_line_and_queues_nothing(campaign, content, extra, names):
    posts_before = campaign.rows("posts")
    args = list(extra)
    if content is not None:
        path = campaign.root / "bai.txt"
        if content != "missing":
            path.write_bytes(content)
        args += ["--body-file", str(path)]
    result = add(campaign, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0] and "Traceback" not in result.output
    assert campaign.rows("posts") == posts_before
