"""The Zalo token pair: a single-use refresh token never burnt twice, a 0600 state file written atomically."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest
from test_zalo import FIRST_ENV, SECRET_ENV, add_zalo

from support.zalo import ZaloDouble


def refresh_in_a_process(config_path: str, with_database: bool, start, results) -> None:
    """One loa process asking for an access token while another one does the same."""
    from pathlib import Path

    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for

    database = None
    try:
        config = load_config(Path(config_path))
        database = open_database(config.database_url) if with_database else None
        publisher = publisher_for(config, "zalo", db=database)
        start.wait(30)
        results.put(publisher.tokens.access_token())
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails with it
        results.put(f"failed: {type(exc).__name__}: {exc}")
    finally:
        if database is not None:
            database.dispose()


@pytest.fixture
def oa(project, monkeypatch):
    with ZaloDouble() as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.delenv(FIRST_ENV, raising=False)
        add_zalo(project, zalo)
        yield project, zalo


def expired_pair(project, zalo) -> dict[str, str]:
    """A state file whose access token has expired, holding the refresh token the double expects next."""
    pair = {"access_token": zalo.new_access_token(), "refresh_token": zalo.refresh_token,
            "expires_at": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)).isoformat()}
    path = project.root / "var" / "zalo-tokens.json"
    path.write_text(json.dumps(pair))
    path.chmod(0o600)
    return pair


@pytest.mark.parametrize("with_database", [True, False])
def test_two_processes_refreshing_at_once_burn_the_refresh_token_once(oa, with_database):
    project, zalo = oa
    expired_pair(project, zalo)
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=refresh_in_a_process, args=(str(project.config), with_database, start, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    tokens = [results.get(timeout=90) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert not any(token.startswith("failed") for token in tokens), tokens
    assert len(zalo.refreshes) == 1 and zalo.refreshes[0].form["refresh_token"] == zalo.refresh_token
    assert tokens[0] == tokens[1] and tokens[0] in zalo.access_tokens
    stored = json.loads((project.root / "var" / "zalo-tokens.json").read_text())
    assert stored["access_token"] == tokens[0] and stored["refresh_token"] in zalo.valid_refresh


def test_a_refresh_token_used_twice_is_refused_by_the_double(oa):
    project, zalo = oa
    expired_pair(project, zalo)
    project.ok("channels", "check", "zalo")
    expired_pair(project, zalo)  # the burnt token written back, as a second process without the lock would hold it
    result = project.run("channels", "check", "zalo")
    assert result.exit_code == 2 and "refused the refresh token" in result.stderr
    assert [r.response.get("error") for r in zalo.refreshes] == [None, -14014]


def test_a_refusal_after_another_process_refreshed_uses_its_pair(oa):
    """Zalo refused our access token because another process refreshed meanwhile: its pair is used, not burnt."""
    project, zalo = oa
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for

    publisher = publisher_for(load_config(project.config), "zalo")
    expired_pair(project, zalo)
    ours = publisher.tokens.access_token()
    other = publisher_for(load_config(project.config), "zalo")
    newer = other.tokens.refresh_after_refusal(ours)  # the other process saw a refusal first and refreshed
    assert publisher.tokens.refresh_after_refusal(ours) == newer
    assert len(zalo.refreshes) == 2


def test_the_state_file_is_0600_from_the_start_and_replaced_whole(oa, monkeypatch):
    project, zalo = oa
    monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
    folder = project.root / "var"
    stale = folder / ".zalo-tokens.json.1.tmp"  # a temp file a crash left behind, readable by all
    stale.write_text("old")
    stale.chmod(0o644)
    project.ok("channels", "check", "zalo")
    path = folder / "zalo-tokens.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(folder.glob(".zalo-tokens.json.*.tmp")) or stale.exists()  # ours renamed away, none left open
    first = json.loads(path.read_text())
    assert set(first) == {"access_token", "refresh_token", "expires_at", "obtained_at"}
    # once the file exists the variable is never read again: a stale first token there burns nothing
    monkeypatch.setenv(FIRST_ENV, "rt-stale-value")
    project.ok("channels", "check", "zalo")
    assert len(zalo.refreshes) == 1 and json.loads(path.read_text()) == first


def test_the_token_is_refreshed_an_hour_ahead_of_its_expiry_and_not_before(oa, monkeypatch):
    project, zalo = oa
    monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
    project.ok("channels", "check", "zalo")
    project.ok("channels", "check", "zalo")
    assert len(zalo.refreshes) == 1  # 90000 s (a string, as Zalo sends it) are far from over
    path = project.root / "var" / "zalo-tokens.json"
    pair = json.loads(path.read_text())
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=50)
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=24)
    path.write_text(json.dumps({**pair, "expires_at": soon.isoformat(), "obtained_at": long_ago.isoformat()}))
    project.ok("channels", "check", "zalo")
    assert len(zalo.refreshes) == 2  # 50 minutes left: renewed before a publication meets the expiry
    zalo.expires_in = "3000"  # a token given for less than the hour kept in hand: renewed at half its life
    path.write_text(json.dumps({**json.loads(path.read_text()), "expires_at": soon.isoformat(),
                                "obtained_at": long_ago.isoformat()}))
    project.ok("channels", "check", "zalo")
    assert len(zalo.refreshes) == 3
    project.ok("channels", "check", "zalo")
    project.ok("channels", "check", "zalo")
    assert len(zalo.refreshes) == 3  # 50 minutes given, 25 kept in hand: no refresh on every call


def test_a_damaged_state_file_is_one_line_naming_it(oa):
    project, zalo = oa
    (project.root / "var" / "zalo-tokens.json").write_text("{not json")
    result = project.run("channels", "check", "zalo")
    assert result.exit_code == 2 and "zalo-tokens.json is damaged" in result.stderr and "Traceback" not in result.output
    assert zalo.refreshes == []
