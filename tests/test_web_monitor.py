"""The workspace for monitors, served by `loa web` as a process: /healthz answers anyone with "ok" or 503 and no
details, /metrics gives Prometheus's text format to a signed-in person or to a scraper with the bearer token named
by `[web] metrics_token_env`, and the token never shows in the server's log."""
from __future__ import annotations

import math
import signal

import pytest
import requests
from conftest import fast_daemon, queue_now, spawn_loa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from support.browser import WebServer, wait_for
from support.web import PASSWORDS, TOKEN

METRICS_TOKEN = "loa-metrics-9f2c4e7a1b"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, by (name, sorted labels), parsed by Prometheus's own client."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def use_token(project, monkeypatch) -> None:
    monkeypatch.setenv("LOA_METRICS_TOKEN", METRICS_TOKEN)
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("\n[web]\n", '\n[web]\nmetrics_token_env = "LOA_METRICS_TOKEN"\n', 1),
                              encoding="utf-8")


@pytest.fixture
def served(web, monkeypatch):
    """The web project with posts due now, fast daemon settings and a metrics token; its server not started yet."""
    fast_daemon(web.project)
    use_token(web.project, monkeypatch)
    server = WebServer(web.project.config, language="en")
    yield web.project, server
    server.stop()


def test_healthz_says_ok_only_while_a_daemon_runs_and_the_database_answers(served):
    project, server = served
    server.start()
    answer = requests.get(server.url + "/healthz", timeout=5)
    assert (answer.status_code, answer.text) == (503, "unavailable\n")  # no daemon: nothing would be published
    daemon = spawn_loa(project, "run")
    try:
        wait_for(lambda: requests.get(server.url + "/healthz", timeout=5).status_code == 200, seconds=30,
                 what="/healthz to see the daemon")
        answer = requests.get(server.url + "/healthz", timeout=5)
        assert answer.text == "ok\n" and answer.headers["Content-Type"].startswith("text/plain")
        assert answer.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in answer.headers
        # a database that fails the query (its table renamed away): 503, not an error page, and back once it answers
        project.sql("ALTER TABLE daemons RENAME TO daemons_away")
        broken = requests.get(server.url + "/healthz", timeout=10)
        assert (broken.status_code, broken.text) == (503, "unavailable\n")
        project.sql("ALTER TABLE daemons_away RENAME TO daemons")
        assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    wait_for(lambda: requests.get(server.url + "/healthz", timeout=5).status_code == 503, seconds=30,
             what="/healthz to see the daemon gone")


def test_metrics_need_the_token_or_a_session_and_count_what_loa_status_counts(served):
    project, server = served
    posts = queue_now(project, 2, pace=0.2)
    assert project.run("run", "--until-idle").exit_code == 0
    project.sql("UPDATE deliveries SET published_at = datetime(due_at, '+90 seconds') WHERE post_id = ? "
                "AND channel = 'portal'", posts[1])  # one publication a minute and a half late
    project.sql("INSERT INTO channel_states (channel, paused_reason, pause_kind, paused_at, updated_at) "
                "VALUES ('facebook', 'token refused', 'auth', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    server.start()

    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": f"Basic {METRICS_TOKEN}"}):
        refused = requests.get(server.url + "/metrics", headers=headers, timeout=5)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == 'Bearer realm="loa"'
        assert "loa_" not in refused.text and METRICS_TOKEN not in refused.text

    answer = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain; version=")
    found = samples(answer.text)
    assert found[("loa_deliveries", (("channel", "portal"), ("status", "published")))] == 2
    assert found[("loa_deliveries", (("channel", "facebook"), ("status", "published")))] == 2
    assert found[("loa_deliveries", (("channel", "portal"), ("status", "unknown")))] == 0  # present, as zero
    assert found[("loa_daemon_up", ())] == 0
    assert found[("loa_channel_paused", (("channel", "facebook"),))] == 1
    assert found[("loa_channel_paused", (("channel", "portal"),))] == 0
    assert found[("loa_attention", (("reason", "paused"),))] == 1
    assert found[("loa_attention", (("reason", "failed"),))] == 0
    assert found[("loa_published_last_day", (("channel", "portal"),))] == 2
    assert found[("loa_late_last_day", (("channel", "portal"),))] == 1  # more than a minute after its time
    assert 89 <= found[("loa_lateness_seconds", (("channel", "portal"), ("quantile", "1.0")))] <= 90  # whole s
    assert found[("loa_lateness_seconds", (("channel", "portal"), ("quantile", "0.5")))] < 60
    assert found[("loa_late_last_day", (("channel", "facebook"),))] == 0

    person = requests.Session()  # a signed-in officer reads them too, without the token
    page = person.get(server.url + "/login", timeout=5).text
    signed = person.post(server.url + "/login", data={"name": "bien-tap", "password": PASSWORDS["bien-tap"],
                                                      "csrf_token": TOKEN.search(page).group(1)}, timeout=10)
    assert signed.status_code == 200
    assert samples(person.get(server.url + "/metrics", timeout=10).text) == found

    project.sql("ALTER TABLE deliveries RENAME TO deliveries_away")  # a database that fails the queries
    broken = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert (broken.status_code, broken.text) == (503, "unavailable\n")
    project.sql("ALTER TABLE deliveries_away RENAME TO deliveries")

    assert server.stop() == 0
    log = server.log.read_text(encoding="utf-8")
    assert METRICS_TOKEN not in log and "Traceback" not in log


def test_a_token_variable_that_is_not_set_is_said_at_start_and_opens_nothing(served, monkeypatch):
    project, server = served
    monkeypatch.delenv("LOA_METRICS_TOKEN")
    server.start()
    assert requests.get(server.url + "/metrics", headers={"Authorization": "Bearer "}, timeout=5).status_code == 401
    server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "metrics_token_env names LOA_METRICS_TOKEN, which is not set in the environment" in log


def test_metrics_and_status_on_postgresql(bare, postgres, monkeypatch):
    from loa.scheduler.config import config_template, load_config
    from loa.scheduler.web import create_app

    url = postgres.create_database("loa_monitor")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    fast_daemon(bare)
    use_token(bare, monkeypatch)
    posts = queue_now(bare, 2, pace=0.2)
    assert bare.run("run", "--until-idle").exit_code == 0
    assert bare.run("status", "--check").stdout.startswith("LOA OK - 0 queued, daemon down |")
    engine = create_engine(url)
    # on the portal one publication a minute and a half late, one made early; Facebook's two days ago
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE deliveries SET published_at = due_at + interval '90 seconds' "
                                   f"WHERE post_id = {posts[1]} AND channel = 'portal'")
        connection.exec_driver_sql("UPDATE deliveries SET due_at = due_at + interval '1 hour' "
                                   f"WHERE post_id = {posts[0]} AND channel = 'portal'")
        connection.exec_driver_sql("UPDATE deliveries SET published_at = now() - interval '2 days' "
                                   "WHERE channel = 'facebook'")
    engine.dispose()
    client = create_app(load_config(bare.config)).test_client()
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200
    found = samples(answer.get_data(as_text=True))
    assert found[("loa_deliveries", (("channel", "portal"), ("status", "published")))] == 2
    late = {quantile: found[("loa_lateness_seconds", (("channel", "portal"), ("quantile", quantile)))]
            for quantile in ("0.5", "0.9", "1.0")}
    assert late == {"0.5": 0.0, "0.9": pytest.approx(90, abs=0.01), "1.0": pytest.approx(90, abs=0.01)}  # early: 0
    assert found[("loa_late_last_day", (("channel", "portal"),))] == 1
    assert found[("loa_published_last_day", (("channel", "facebook"),))] == 0  # older than a day: left out
    assert math.isnan(found[("loa_lateness_seconds", (("channel", "facebook"), ("quantile", "1.0")))])
    assert found[("loa_attention", (("reason", "stopped"),))] == 0
