"""A database outage under a running daemon (issue 19, point 3): a real PostgreSQL stopped and started again while
``loa run --log-format json`` runs. One line per failing condition, repeated with back-off; every line of the
process is JSON (start-up and exit too); the daemon survives, says when the database is back, and publishes what
fell due meanwhile."""
from __future__ import annotations

import datetime as dt
import json
import signal
import time

import pytest
from sqlalchemy import create_engine, text

from conftest import Project, queue_now, spawn_loa
from loa.scheduler.config import config_template
from support.servers import require_server


@pytest.fixture
def outage(bare: Project):
    """A project on its own PostgreSQL, which the test may stop and start: (project, server, url)."""
    from support.postgres import PostgresServer, binaries

    require_server(None if binaries() else "PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer().start()
    try:
        url = server.create_database("loa_outage")
        config = config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"')
        config = config.replace("\n[daemon]\n", "\n[daemon]\nsweep_seconds = 0.2\nheartbeat_seconds = 1\n", 1)
        bare.config.write_text(config, encoding="utf-8")
        bare.ok("init")
        yield bare, server, url
    finally:
        server.stop()


def query(url: str, sql: str, **params) -> list:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        engine.dispose()


def lines_of(project: Project, number: int = 0) -> list[str]:
    return (project.root / f"loa-{number}.log").read_text(encoding="utf-8").splitlines()


def events(lines: list[str]) -> list[str]:
    return [json.loads(line)["event"] for line in lines]


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_postgresql_outage_is_told_with_back_off_in_json_and_the_daemon_carries_on(outage):
    project, server, url = outage
    post, = queue_now(project, 1)
    due = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(seconds=8)  # during the outage
    query(url, "UPDATE deliveries SET due_at=:due, available_at=:due WHERE post_id=:post", due=due, post=post)
    query(url, "UPDATE posts SET publish_at=:due WHERE id=:post", due=due, post=post)
    daemon = spawn_loa(project, "run", "--log-format", "json")
    try:
        wait_until(lambda: "started" in events(lines_of(project)), "the daemon to start")
        server.halt()
        outage_began = time.monotonic()
        time.sleep(10)
        during = lines_of(project)
        assert daemon.poll() is None  # it survived
        server.resume()
        recovered_after = time.monotonic() - outage_began
        wait_until(lambda: "database-reachable" in events(lines_of(project)), "the database to be reachable again")
        wait_until(lambda: query(url, "SELECT status FROM deliveries WHERE post_id=:post AND channel='portal'",
                                 post=post) == [("published",)], "the post due during the outage")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0

    records = [json.loads(line) for line in lines_of(project)]  # every line is JSON, from start to exit
    told = [r for r in records if r["event"] == "database-unreachable"]
    # one condition, told at 0 s, 2 s, 6 s … of a 10 s outage (a sweep fails five times a second), never a traceback
    assert 2 <= len([line for line in during if '"database-unreachable"' in line]) <= 5
    assert all("Traceback" not in line for line in lines_of(project))
    assert told[0]["message"].startswith("database unreachable: ")
    assert "time in" in told[1]["message"] and told[1]["count"] > 2
    assert {r["event"] for r in records} <= {"started", "database-unreachable", "database-reachable", "published",
                                             "stopping", "stopped", "backlog", "missed"}
    back, = [r for r in records if r["event"] == "database-reachable"]
    assert back["message"].startswith("database reachable again after ")
    assert 9 <= back["seconds"] <= recovered_after + 30
    assert records[-1]["event"] == "stopped"


def test_json_log_at_start_up_and_on_bad_input_is_json_too(outage):
    project, server, url = outage
    server.halt()
    daemon = spawn_loa(project, "run", "--log-format", "json")
    assert daemon.wait(timeout=60) == 1
    line, = lines_of(project)
    record = json.loads(line)
    assert record["level"] == "error" and "database" in record["message"] and "traceback" not in record
    server.resume()
    daemon = spawn_loa(project, "run", "--once", "--until-idle", "--log-format=json")
    assert daemon.wait(timeout=60) == 2
    line, = lines_of(project, 1)
    assert json.loads(line)["event"] == "bad-input" and "--once" in json.loads(line)["message"]
