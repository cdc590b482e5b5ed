"""A missing real server fails any CI run (whatever CI's value) and is shouted about locally: run pytest itself on
a tiny suite whose only test needs a server that is not there."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def run_suite(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text("from support.servers import pytest_terminal_summary  # noqa: F401\n")
    (tmp_path / "test_needs_server.py").write_text(
        "from support.servers import require_server\n\n\ndef test_x():\n"
        "    require_server('PostgreSQL is not installed')\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTHONPATH": str(TESTS)}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", "1", "yes", "True"])
def test_under_any_ci_value_a_missing_server_fails_the_run(tmp_path, ci):
    done = run_suite(tmp_path, ci)
    assert done.returncode == 1, done.stdout
    assert "1 failed" in done.stdout and "PostgreSQL is not installed (CI is set" in done.stdout


def test_locally_a_missing_server_is_a_skip_named_in_the_last_line(tmp_path):
    done = run_suite(tmp_path, None)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.strip().splitlines()
    assert "1 skipped" in lines[-1]
    assert "REAL SERVERS MISSING, their tests did NOT run: PostgreSQL is not installed" in lines[-2]
