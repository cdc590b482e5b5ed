"""Real servers (PostgreSQL, WordPress) never skip silently.

Under any non-empty ``CI`` (``true``, ``1``, ``yes``…) a missing server fails the test; locally it is a skip, and
the run's last line repeats, in red, which servers were missing, so a green run without them is not taken for a
full one. ``tests/conftest.py`` imports the hook below, so pytest finds it there.
"""
from __future__ import annotations

import os

import pytest

MISSING: list[str] = []  # reasons a real server was missing in this run


def require_server(reason: str | None) -> None:
    """``reason``: why a server the tests need is missing (None: it is there)."""
    if not reason:
        return
    if os.environ.get("CI", "").strip():
        pytest.fail(f"{reason} (CI is set: a missing server fails the run)", pytrace=False)
    MISSING.append(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001 - pytest's signature
    if MISSING:
        reasons = "; ".join(sorted(set(MISSING)))
        terminalreporter.write_sep("!", f"REAL SERVERS MISSING, their tests did NOT run: {reasons}", red=True,
                                   bold=True)
