"""The daemon's text log is for the officer: every line in her language, its time in config.toml's timezone with
the offset; `--log-format json` stays for machines: English keys and event codes, times in UTC."""
from __future__ import annotations

import datetime as dt
import json
import re
import socket
from zoneinfo import ZoneInfo

from conftest import delivery_states, fast_daemon, queue_now

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d\d:\d\d) ")
ENGLISH = re.compile(r"\b(published|publishing|nothing|left|stopped|started|idle|post|channel|error|retry|will|"
                     r"try|again|refused|connection)\b|=", re.I)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stamps(lines: list[str], timezone: str) -> None:
    """Every line starts with the local time of ``timezone`` and its offset, close to now."""
    now = dt.datetime.now(ZoneInfo(timezone))
    offset = now.strftime("%z")
    for line in lines:
        match = STAMP.match(line)
        assert match, line
        assert match.group(2) == f"{offset[:3]}:{offset[3:]}", line
        moment = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(timezone))
        assert abs((moment - now).total_seconds()) < 300, line


def test_text_log_in_vietnamese_and_local_time(project):
    fast_daemon(project)
    post, = queue_now(project, 1)
    result = project.run("run", "--until-idle", env={"LOA_LANG": "vi"})
    assert result.exit_code == 0, result.output
    assert set(delivery_states(project).values()) == {"published"}
    lines = result.stderr.strip().splitlines()
    stamps(lines, "Asia/Ho_Chi_Minh")
    words = [STAMP.sub("", line) for line in lines]
    assert words[0].startswith("bắt đầu") and "đăng bài (tiến trình " in words[0]
    published = [w for w in words if w.startswith("đã đăng")]
    assert len(published) == 2 and all(f" bài {post} · kênh " in w for w in published)
    assert words[-2].startswith("hết việc") and "không còn bài nào để gửi" in words[-2]
    assert words[-1].startswith("đã dừng")
    for text in words:  # the links (file:///...) aside, not one English word
        assert not ENGLISH.search(re.sub(r"\S+://\S+|\(tiến trình \S+\)", "", text)), text


def test_the_offset_follows_the_configured_timezone(project):
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "America/New_York"', 1),
                              encoding="utf-8")
    fast_daemon(project)
    result = project.run("run", "--once", env={"LOA_LANG": "vi"})
    assert result.exit_code == 0, result.output
    stamps(result.stderr.strip().splitlines(), "America/New_York")


def test_retries_say_why_and_when_in_local_time(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", "EAAB-token")
    project.set_channel("facebook", f'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_FACEBOOK_TOKEN"\n'
                                    f'graph_url = "http://127.0.0.1:{closed_port()}"')
    fast_daemon(project, retry_base_seconds=0.2, retry_max_seconds=0.5, max_attempts=2)
    queue_now(project, 1)
    result = project.run("run", "--until-idle", env={"LOA_LANG": "vi"})
    assert result.exit_code == 3, result.output  # it gave up: a person decides
    retry = next(STAMP.sub("", line) for line in result.stderr.splitlines() if "sẽ thử lại" in line)
    assert retry.startswith("thử lại") and "kênh facebook" in retry
    assert "lỗi: không kết nối được tới http://127.0.0.1:" in retry and "máy chủ từ chối kết nối" in retry
    assert re.search(r"thử lại lúc \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+07:00", retry), retry
    failed = next(STAMP.sub("", line) for line in result.stderr.splitlines() if "cần người xem" in line)
    assert failed.startswith("lỗi") and "dừng sau 2 lần thử" in failed
    assert "ConnectionError" not in result.stderr


def test_json_log_keeps_english_codes_and_utc(project):
    fast_daemon(project)
    post, = queue_now(project, 1)
    result = project.run("run", "--until-idle", "--log-format", "json", env={"LOA_LANG": "vi"})
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [e["event"] for e in events][0] == "started" and [e["event"] for e in events][-2:] == ["idle", "stopped"]
    published = [e for e in events if e["event"] == "published"]
    assert sorted(e["channel"] for e in published) == ["facebook", "portal"] and {e["post"] for e in published} == {post}
    for event in events:
        assert set(event) <= {"time", "level", "event", "message", "post", "channel", "action", "link", "error",
                              "next_at", "count", "owner", "until"}
        assert dt.datetime.fromisoformat(event["time"]).utcoffset() == dt.timedelta(0)
        assert event["level"] in ("info", "warning", "error")
