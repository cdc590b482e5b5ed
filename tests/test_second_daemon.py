"""A second `loa run` on the same database, while one runs: it says, in one line, that another daemon is running
(where, since when, in local time) and that this is safe, then publishes as before; every delivery still goes out
once. A daemon that was stopped, or killed, is not mentioned."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import fast_daemon, queue_now, spawn_loa

LOA = str(Path(sys.executable).parent / "loa")
ANOTHER = "một tiến trình loa run khác đang đăng bài"


def poll(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def second_run(project, *args: str) -> subprocess.CompletedProcess:
    """Another `loa run` as its own process, in Vietnamese."""
    return subprocess.run([LOA, "--config", str(project.config), "run", *args], cwd=project.root,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "LOA_LANG": "vi"})


def start_first(project) -> subprocess.Popen:
    first = spawn_loa(project, "run", "--log-format", "json")
    log = project.root / "loa-0.log"
    poll(lambda: '"event": "started"' in log.read_text(encoding="utf-8"), "the first daemon to start")
    return first


def test_a_second_daemon_says_another_runs_and_carries_on(project):
    fast_daemon(project)
    first = start_first(project)
    try:
        started, = project.sql("SELECT started_at FROM daemons WHERE pid=?", first.pid)
        queue_now(project, 6, pace=0.3)
        result = second_run(project, "--until-idle")
        assert result.returncode == 0, result.stderr
        told = [line for line in result.stderr.splitlines() if ANOTHER in line]
        assert len(told) == 1, result.stderr
        line = told[0]
        assert f"(máy {socket.gethostname()}, tiến trình {first.pid}, từ " in line
        assert re.search(r"từ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+07:00\)", line), line
        assert "an toàn" in line and "không bao giờ gửi hai lần" in line and line.rstrip().endswith("Tiếp tục đăng bài.")
        assert started is not None
        # it carried on: started, then idle once everything was out
        assert "hết việc" in result.stderr and "đã dừng" in result.stderr
        # between the two, every delivery went out exactly once
        poll(lambda: project.sql("SELECT count(*) FROM deliveries WHERE status != 'published'") == [(0,)],
             "every delivery to go out")
        published = project.sql("SELECT delivery_id, count(*) FROM outreach_entries WHERE kind='published' "
                                "GROUP BY delivery_id")
        assert len(published) == 12 and all(count == 1 for _, count in published)
        files = list((project.root / "var" / "dry-run" / "facebook").glob("*.json"))
        assert len(files) == 6
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
    # stopped properly: the next run is alone
    alone = second_run(project, "--once")
    assert alone.returncode == 0 and ANOTHER not in alone.stderr, alone.stderr


def test_a_killed_daemon_is_not_mentioned(project):
    fast_daemon(project)
    first = start_first(project)
    first.kill()
    first.wait(timeout=30)
    result = second_run(project, "--once")
    assert result.returncode == 0 and ANOTHER not in result.stderr, result.stderr


def test_json_log_keeps_the_event_code_and_the_owner(project):
    fast_daemon(project)
    first = start_first(project)
    try:
        owner, = project.sql("SELECT owner FROM daemons WHERE pid=?", first.pid)[0]
        result = subprocess.run([LOA, "--config", str(project.config), "run", "--once", "--log-format", "json"],
                                cwd=project.root, capture_output=True, text=True, timeout=120,
                                env={**os.environ, "LOA_LANG": "en"})
        assert result.returncode == 0, result.stderr
        told = [event for line in result.stderr.splitlines() if (event := json.loads(line))["event"] == "other-daemon"]
        assert len(told) == 1 and told[0]["owner"] == owner and told[0]["level"] == "info"
        assert f"process {first.pid}" in told[0]["message"] and "never sent twice" in told[0]["message"]
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=60)
