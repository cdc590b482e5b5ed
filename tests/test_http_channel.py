"""The `http` publisher: a portal's own API described in config.toml, against a small real server
(tests/support/portal_api.py, NukeViet style)."""
from __future__ import annotations

import datetime as dt
import json
import re
import signal
import time

import pytest
from conftest import campaign_toml, delivery_states, fast_daemon, spawn_loa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.portal_api import PortalApi

TOKEN = "nv-secret-token-5b21e0"
TITLE = 'Thông báo "khẩn" <Hội sách> & Đọc sách'
BODY = '{"title": {{ post.title | tojson }}, "alias": {{ post.slug | tojson }}, "bodytext": {{ post.text | tojson }}, ' \
       '"homeimgfile": {{ banner_url | tojson }}}'
LOOKUP = """
[channels.portal.lookup]
url = "{url}/api/news?alias={{{{ post.slug | urlencode }}}}"
headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}
found_path = "data[0]"
id_path = "id"
link_path = "link"
"""
UPDATE = """
[channels.portal.update]
method = "PUT"
url = "{url}/api/news/{{{{ remote_id }}}}"
headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}
body = '{{"title": {{{{ post.title | tojson }}}}, "bodytext": {{{{ post.text | tojson }}}}}}'

[channels.portal.delete]
method = "DELETE"
url = "{url}/api/news/{{{{ remote_id }}}}"
headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}
"""


def channel(portal: PortalApi, *, lookup: bool = True, upload: bool = True, changes: bool = False,
            body: str | None = None, extra: str = "") -> str:
    text = (f'adapter = "http"\nsecrets = {{ token = "LOA_PORTAL_TOKEN" }}\nurl = "{portal.url}/api/news"\n'
            f'headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}\n'
            f"body = '{body or BODY}'\nid_path = \"data.id\"\nlink_path = \"data.link\"\n{extra}\n")
    if upload:
        text += (f'\n[channels.portal.upload]\nurl = "{portal.url}/api/upload"\n'
                 f'headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}\nurl_path = "data.url"\n')
    if lookup:
        text += LOOKUP.format(url=portal.url)
    if changes:
        text += UPDATE.format(url=portal.url)
    return text


def set_portal(project, settings: str) -> None:
    """The ``portal`` channel's tables (its own and its sub-tables) replaced by ``settings``, at the file's end."""
    text = project.config.read_text(encoding="utf-8")
    text = re.sub(r"^\[channels\.portal(\.[a-z]+)?\]\n(?:(?!\[).*\n?)*", "", text, flags=re.M)
    project.config.write_text(f"{text.rstrip()}\n\n[channels.portal]\n{settings.strip()}\n", encoding="utf-8")


@pytest.fixture
def portal(project, monkeypatch):
    monkeypatch.setenv("LOA_PORTAL_TOKEN", TOKEN)
    with PortalApi(token=TOKEN) as api:
        set_portal(project, channel(api))
        yield project, api


def import_posts(project, posts: int = 1, *, now: bool = False, slug: str = "tuan-le") -> list[int]:
    """``posts`` approved posts for the portal only, the first with a banner and a title that needs escaping."""
    text = campaign_toml(slug, start=dt.date.today() if now else dt.date(2031, 10, 1), posts=posts, days=1 if now else 7)
    text = text.replace('channels = ["portal", "facebook"]', 'channels = ["portal"]')
    text = text.replace('title = "Bài số 1"', f'title = {json.dumps(TITLE, ensure_ascii=False)}\n'
                                              'banner = { headline = "Đọc sách mỗi ngày" }', 1)
    path = project.write(f"{slug}.toml", text)
    extra = ("--start", "now", "--pace", "0.5") if now else ()
    project.ok("campaign", "import", str(path), *extra, "--approve")
    return [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]


def delivery(project, post_id):
    return next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "portal")


def wait_for(event, what: str, timeout: float = 60) -> None:
    assert event.wait(timeout), f"timed out waiting for {what}"


# -- publishing ------------------------------------------------------------------------------------------------------
def test_a_post_with_its_banner_goes_out_through_loa_run(portal):
    project, api = portal
    fast_daemon(project)
    post, = import_posts(project, now=True)
    daemon = spawn_loa(project, "run")
    try:
        wait_for(api.created, "the portal to store the news")
        for _ in range(200):
            if delivery_states(project)[(post, "portal")] == "published":
                break
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    upload, create = [r for r in api.requests if r.method == "POST"]
    assert upload.path == "/api/upload"
    stored = project.sql("SELECT sha256 FROM renders WHERE post_id=? AND kind='banner'", post)[0][0]
    assert upload.files["file"] == stored
    news, = api.news.values()
    assert create.json["title"] == TITLE == news["title"]  # quotes, <, & and Vietnamese arrive as written
    assert create.json["alias"] == news["alias"] and create.json["homeimgfile"].endswith(f"{stored}.png")
    (text,), = project.sql("SELECT content FROM renders WHERE post_id=? AND name LIKE 'portal.%'", post)
    assert create.json["bodytext"] == text
    shown = delivery(project, post)
    assert shown["status"] == "published" and shown["remote_id"] == str(news["id"]) and shown["permalink"] == news["link"]
    assert all(r.headers.get("x-api-token") == TOKEN for r in api.requests)
    assert not any(TOKEN in r.path or TOKEN in json.dumps(r.query) for r in api.requests)


def test_a_form_body_sends_fields(portal):
    project, api = portal
    set_portal(project, channel(api, upload=False, extra='body_format = "form"').replace(
        f"body = '{BODY}'", 'body = { title = "{{ post.title }}", alias = "{{ post.slug }}" }'))
    post, = import_posts(project)
    project.ok("publish", str(post), "--channel", "portal")
    create, = api.creates()
    assert create.form["title"] == TITLE and create.json is None
    assert delivery(project, post)["status"] == "published"


# -- lost answers, crashes -------------------------------------------------------------------------------------------
def test_a_slow_answer_after_creation_is_found_by_the_lookup_not_posted_twice(portal):
    project, api = portal
    set_portal(project, channel(api, extra="timeout = 1"))
    api.slow_after_create = 5
    post, = import_posts(project)
    project.run("publish", str(post), "--channel", "portal")
    assert len(api.news) == 1 and len(api.creates()) == 1
    news, = api.news.values()
    assert delivery(project, post)["status"] == "published" and delivery(project, post)["remote_id"] == str(news["id"])


def test_without_a_lookup_a_lost_answer_becomes_unknown_and_is_never_resent(portal):
    project, api = portal
    set_portal(project, channel(api, lookup=False, extra="timeout = 1"))
    api.slow_after_create = 5
    post, = import_posts(project)
    project.run("publish", str(post), "--channel", "portal")
    assert delivery(project, post)["status"] == "retry_wait"  # may have gone out: the next attempt asks first
    api.slow_after_create = 0
    project.sql("UPDATE deliveries SET available_at='2000-01-01 00:00:00' WHERE post_id=?", post)
    fast_daemon(project)
    result = project.run("run", "--once")
    assert delivery_states(project)[(post, "portal")] == "unknown", result.output
    assert "lookup" in delivery(project, post)["last_error"]
    project.run("run", "--once")
    assert len(api.creates()) == 1 and len(api.news) == 1


def test_kill_9_after_the_portal_created_the_news_is_reconciled_by_lookup(portal):
    project, api = portal
    fast_daemon(project, lease_seconds=600)
    post, = import_posts(project, now=True)
    api.slow_after_create = 60
    daemon = spawn_loa(project, "run")
    wait_for(api.created, "the portal to store the news")
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    assert delivery_states(project)[(post, "portal")] == "sending"
    api.slow_after_create = 0
    result = project.ok("run", "--once")
    assert "reconciled" in result.stderr
    assert delivery_states(project)[(post, "portal")] == "published"
    assert len(api.creates()) == 1 and len(api.news) == 1


# -- statuses --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, expected, exit_code", [
    (503, "retry_wait", 1), (500, "retry_wait", 1), (400, "failed", 1), (422, "failed", 1),
    (401, "retry_wait", 2), (403, "retry_wait", 2),
])
def test_statuses_are_classified(portal, status, expected, exit_code):
    project, api = portal
    api.fail_next("POST", "/api/news", status, message="bad things")
    post, = import_posts(project)
    result = project.run("publish", str(post), "--channel", "portal")
    assert result.exit_code == exit_code and f"HTTP {status}" in result.stderr and "bad things" in result.stderr
    assert delivery(project, post)["status"] == expected
    if status == 500:  # a 500 on the create may have made it: the lookup (none there) settles it at once
        assert len(api.requests) == 3 and api.requests[-1].method == "GET"
    assert api.news == {}


def test_a_retry_after_is_honoured(portal):
    project, api = portal
    api.fail_next("POST", "/api/news", 429, retry_after="120")
    post, = import_posts(project)
    project.run("publish", str(post), "--channel", "portal")
    (until, kind), = project.sql("SELECT resume_at, pause_kind FROM channel_states WHERE channel='portal'")
    wait = dt.datetime.fromisoformat(until).replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)
    assert kind == "rate" and dt.timedelta(seconds=100) < wait <= dt.timedelta(seconds=120)


def test_transient_statuses_are_a_setting(portal):
    project, api = portal
    set_portal(project, channel(api, extra="transient_statuses = [409]"))
    api.fail_next("POST", "/api/news", 409, retry_after="30")
    post, = import_posts(project)
    project.run("publish", str(post), "--channel", "portal")
    shown = delivery(project, post)
    assert shown["status"] == "retry_wait"


def test_a_success_without_an_id_is_unknown_never_resent(portal):
    project, api = portal
    set_portal(project, channel(api).replace('id_path = "data.id"', 'id_path = "data.news_id"'))
    post, = import_posts(project)
    result = project.run("publish", str(post), "--channel", "portal")
    assert "data.news_id" in result.stderr
    assert delivery(project, post)["status"] == "unknown" and len(api.news) == 1


# -- corrections -----------------------------------------------------------------------------------------------------
def test_a_correction_and_a_take_down(portal):
    project, api = portal
    set_portal(project, channel(api, changes=True))
    post, = import_posts(project)
    project.ok("publish", str(post), "--channel", "portal")
    news_id, = api.news
    project.ok("post", "correct", str(post), "--title", "Đính chính: lịch Hội sách")
    project.ok("post", "approve", str(post))
    assert "corrected" in project.ok("publish", str(post)).stdout
    assert api.news[news_id]["title"] == "Đính chính: lịch Hội sách" and len(api.news) == 1
    project.ok("post", "unpublish", str(post))
    assert "taken down" in project.ok("publish", str(post)).stdout
    assert api.news == {}


# -- check -----------------------------------------------------------------------------------------------------------
def test_check_says_ok_and_explains_a_refused_login(portal, monkeypatch):
    project, api = portal
    assert "OK" in project.ok("channels", "check", "portal").stdout
    assert api.requests[-1].method == "GET" and api.requests[-1].query["alias"].startswith("loa-check-")
    monkeypatch.setenv("LOA_PORTAL_TOKEN", "wrong-token-77")
    check = project.run("channels", "check", "portal")
    assert check.exit_code == 2 and "refused the login" in check.stderr
    assert "wrong-token-77" not in check.output  # the server echoed it back: loa does not repeat it


def test_check_says_when_the_portal_is_not_reachable(portal):
    project, api = portal
    set_portal(project, channel(api, lookup=False, upload=False).replace(api.url, "http://127.0.0.1:9"))
    check = project.run("channels", "check", "portal")
    verdict = check.stderr.strip().splitlines()[0]  # one line for the channel, then the command's own summary
    assert check.exit_code == 2 and verdict.startswith("portal: ") and "127.0.0.1:9" in verdict and "refused" in verdict


@pytest.mark.parametrize("body, words", [
    ('{"title": "{{ post.title }}"}', "not valid JSON"),
    ('{"title": {{ post.titel | tojson }}}', "titel"),
    ('{"title": {{ post.title | tojson }}', "not valid JSON"),
    ('{"title": {{ post.title | tojson }', "cannot be read"),
    ('{"x": {{ "".__class__.__mro__ | tojson }}}', "not allowed"),
    ('{"x": {{ secrets.other | tojson }}}', "other"),
])
def test_bad_templates_are_refused_in_one_line_before_anything_is_sent(portal, body, words):
    project, api = portal
    set_portal(project, channel(api, body=body))
    message = project.fails("channels", "check", "portal")
    assert "channel portal" in message and words in message, message
    assert api.requests == []


def test_a_template_cannot_read_a_file(portal, tmp_path):
    project, api = portal
    (tmp_path / "secret.txt").write_text("SECRET-LINE", encoding="utf-8")
    set_portal(project, channel(api, body='{% include "' + str(tmp_path / "secret.txt") + '" %}'))
    message = project.fails("channels", "check", "portal")
    assert "SECRET" not in message and "channel portal: body" in message and api.requests == []


def test_a_credential_written_in_a_header_is_refused(portal):
    project, api = portal
    set_portal(project, channel(api).replace('X-Api-Token = "{{ secrets.token }}" }\nbody',
                                                        'X-Api-Token = "abc123" }\nbody', 1))
    message = project.fails("channels", "check", "portal")
    assert "X-Api-Token" in message and "abc123" not in message


# -- secrets and metrics ---------------------------------------------------------------------------------------------
def test_the_token_appears_nowhere(portal, monkeypatch):
    project, api = portal
    set_portal(project, channel(api, changes=True))
    ids = import_posts(project, posts=3)
    outputs = [project.run("publish", str(ids[0]), "--channel", "portal").output,
               project.run("channels", "check").output, project.run("channels", "list", "--json").output]
    monkeypatch.setenv("LOA_PORTAL_TOKEN", TOKEN + "-old")  # the server echoes a wrong token in its error
    outputs += [project.run("publish", str(ids[1]), "--channel", "portal").output,
                project.run("channels", "check").output]
    monkeypatch.setenv("LOA_PORTAL_TOKEN", TOKEN)
    api.fail_next("POST", "/api/news", 400, message=f"bad request from token {TOKEN}")
    outputs.append(project.run("publish", str(ids[2]), "--channel", "portal").output)
    outputs += [project.run("post", "show", str(i), "--json").output for i in ids]
    outputs.append(project.run("log", "--json").output)
    assert any("published" in out for out in outputs)
    assert any("HTTP 400" in out for out in outputs) and any("HTTP 401" in out for out in outputs)
    for out in outputs:
        assert TOKEN not in out
    for path in (p for p in project.root.rglob("*") if p.is_file()):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_metrics_are_unavailable_with_the_reason(portal):
    project, api = portal
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for

    figures = publisher_for(load_config(project.config), "portal").metrics("101")
    assert figures.values == {} and set(figures.unavailable.values()) == {"this portal's API gives no figures"}


# -- the JSON path ---------------------------------------------------------------------------------------------------
STEPS = st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,5}", fullmatch=True) | st.integers(-3, 3), min_size=1,
                 max_size=5)


def nest(steps, leaf):
    """An answer holding ``leaf`` at ``steps`` (a list long enough for each index)."""
    for step in reversed(steps):
        if isinstance(step, int):
            items = [None] * (step + 1 if step >= 0 else -step)
            items[step] = leaf
            leaf = items
        else:
            leaf = {step: leaf, "other": 1}
    return leaf


def path_text(steps) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS, st.integers() | st.text(max_size=5))
def test_a_json_path_finds_what_sits_there(steps, leaf):
    from loa.scheduler.publishers.http_templates import get_path, parse_path

    path = path_text(steps)
    assert parse_path(path) == tuple(steps)
    assert get_path(nest(steps, leaf), path) == leaf


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
                    max_leaves=8), st.text(max_size=12))
def test_a_json_path_on_any_answer_gives_a_value_or_missing(answer, path):
    from loa.scheduler.publishers.http_templates import get_path, parse_path

    try:
        parse_path(path)
    except ValueError:  # the only way a path is refused: when the config is read
        return
    get_path(answer, path)  # never an exception, whatever the portal answers


def test_json_paths_read_what_they_say():
    from loa.scheduler.publishers.http_templates import MISSING, get_path

    answer = {"data": {"id": 7, "items": [{"link": "a"}, {"link": "b"}]}}
    assert get_path(answer, "data.id") == 7 and get_path(answer, "data.items[1].link") == "b"
    assert get_path(answer, "data.items[-1].link") == "b" and get_path(answer, "data.items[2]") is MISSING
    assert get_path([{"id": 1}], "[0].id") == 1 and get_path(answer, "data.id.x") is MISSING
