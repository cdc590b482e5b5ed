"""The installed `loa` command as a user runs it: real processes, pipes and a terminal."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLE, campaign_toml

LOA = str(Path(sys.executable).with_name("loa"))


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LOA_LANG": "en", **(env or {})}
    environment.pop("LOA_CONFIG", None)
    return subprocess.run([LOA, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60)


def test_demo_flow_on_the_shipped_defaults(tmp_path):
    """What `make demo` does: init, import the sample rebased to now, show the week."""
    assert run("init", cwd=tmp_path).returncode == 0
    imported = run("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "2", "--approve", "--replace",
                   cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    again = run("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "2", "--approve", "--replace",
                cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # the demo can be run again
    queue = run("queue", "--campaign", "hoc-tap-suot-doi-2024", cwd=tmp_path)
    assert queue.returncode == 0
    assert "Phát động Tuần lễ" in queue.stdout and "approved" in queue.stdout
    assert (tmp_path / "config.toml").exists() and (tmp_path / "var" / "loa.db").exists()


def test_bad_input_is_one_line_exit_2_without_traceback(tmp_path):
    run("init", cwd=tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[campaign]\nslug = 1\n", encoding="utf-8")
    for args in (("campaign", "import", str(bad)), ("post", "show", "42"), ("queue", "--from", "31/02/2031"),
                 ("post", "add", "--campaign", "x")):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


def test_progress_is_quiet_when_piped_and_shown_on_a_terminal(tmp_path):
    run("init", cwd=tmp_path)
    big = tmp_path / "big.toml"
    big.write_text(campaign_toml("lon", posts=3000), encoding="utf-8")
    piped = run("campaign", "import", str(big), cwd=tmp_path)
    assert piped.returncode == 0 and piped.stderr == ""

    big.write_text(campaign_toml("lon-2", posts=3000), encoding="utf-8")
    controller, terminal = pty.openpty()
    environment = {**os.environ, "LOA_LANG": "en", "TERM": "xterm", "COLUMNS": "100"}
    environment.pop("LOA_CONFIG", None)
    process = subprocess.Popen([LOA, "campaign", "import", str(big)], cwd=tmp_path, env=environment,
                               stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    seen = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    assert process.wait(timeout=60) == 0
    assert b"Importing lon-2" in seen
