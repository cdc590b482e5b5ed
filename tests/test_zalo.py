"""The `zalo` publisher against the local Zalo OA double (tests/support/zalo.py, after CONTRACTS)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import signal
import time

import pytest
from conftest import campaign_toml, delivery_states, fast_daemon, spawn_loa

from support.zalo import ZaloDouble

SECRET_ENV, FIRST_ENV = "LOA_ZALO_SECRET", "LOA_ZALO_REFRESH_TOKEN"


def zalo_channel(zalo: ZaloDouble, extra: str = "") -> str:
    return (f'adapter = "zalo"\napp_id = "{zalo.app_id}"\nsecret_key_env = "{SECRET_ENV}"\n'
            f'token_file = "var/zalo-tokens.json"\noa_url = "{zalo.url}"\noauth_url = "{zalo.url}"\n'
            f'timeout = 5\nverify_backoff = 0.01\nverify_backoff_max = 0.05\n{extra}')


def add_zalo(project, zalo: ZaloDouble, extra: str = "") -> None:
    with project.config.open("a", encoding="utf-8") as config:
        config.write(f"\n[channels.zalo]\n{zalo_channel(zalo, extra)}\n")


def queue_zalo(project, posts: int = 1, *, start: dt.date | None = None, flags: tuple[str, ...] = (),
               banner: bool = True) -> list[int]:
    lines = 'banner = { headline = "Đọc sách mỗi ngày" }' if banner else ""
    start = start or (dt.date.today() if "now" in flags else dt.date(2031, 10, 1))
    text = campaign_toml("zalo-tuan", start=start, posts=posts, days=1, post_lines=lines)
    path = project.write("zalo.toml", text.replace('channels = ["portal", "facebook"]', 'channels = ["zalo"]'))
    project.ok("campaign", "import", str(path), "--approve", *flags)
    return [p["id"] for p in project.json("queue", "--campaign", "zalo-tuan")["posts"]]


@pytest.fixture
def oa(project, monkeypatch):
    with ZaloDouble(processing_polls=2) as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
        add_zalo(project, zalo)
        yield project, zalo


def delivery(project, post_id):
    return next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "zalo")


def calls(zalo, suffix):
    return [r for r in zalo.requests if r.path.endswith(suffix)]


def wait_until(condition, what, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_loa_run_publishes_an_article_with_the_banner_as_its_cover(oa):
    project, zalo = oa
    fast_daemon(project)
    post, = queue_zalo(project, flags=("--start", "now", "--pace", "0.5"))
    daemon = spawn_loa(project, "run", env={FIRST_ENV: zalo.refresh_token})
    try:
        wait_until(lambda: delivery_states(project).get((post, "zalo")) == "published", "the article")
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    upload, = calls(zalo, "/oa/upload/image")
    size, _ = upload.files["file"]
    assert 0 < size <= 1_000_000  # the banner went within Zalo's limit
    create, = calls(zalo, "/article/create")
    article = create.json
    (text,), = project.sql("SELECT content FROM renders WHERE post_id=? AND channel='zalo'", post)
    assert article["title"] == "Bài số 1" and article["description"] == text and len(text) <= 300
    assert article["cover"]["photo_id"] in zalo.uploads
    assert article["body"][0] == {"type": "text", "content": "<p>Nội dung bài số 1.</p>"}
    assert len(calls(zalo, "/article/verify")) == 3  # −214 twice (still processing), then the id
    shown = delivery(project, post)
    assert shown["remote_id"] == zalo.articles[0].id and shown["permalink"] == zalo.articles[0].link
    assert zalo.broadcasts == []  # broadcast is off by default
    assert all(r.headers.get("access_token") in zalo.access_tokens for r in zalo.requests if r.path.startswith("/v2"))
    tokens = project.root / "var" / "zalo-tokens.json"
    assert tokens.stat().st_mode & 0o777 == 0o600


def test_a_png_within_the_limit_goes_as_it_is_and_a_larger_one_as_a_jpeg_under_1_mb(tmp_path, monkeypatch):
    from PIL import Image

    from loa.scheduler.publishers import Banner, Outgoing
    from loa.scheduler.publishers.zalo import ZaloPublisher, ZaloSettings

    small, large = tmp_path / "banner-zalo.png", tmp_path / "photo-01-zalo.png"
    Image.new("RGB", (1200, 630), "#336699").save(small)
    Image.effect_noise((1200, 900), 60).convert("RGB").save(large)  # noise does not compress: well over 1 MB
    assert small.stat().st_size < 1_000_000 < large.stat().st_size
    with ZaloDouble(processing_polls=0) as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
        settings = ZaloSettings(adapter="zalo", app_id=zalo.app_id, secret_key_env=SECRET_ENV,
                                token_file="tokens.json", oa_url=zalo.url, oauth_url=zalo.url)
        outgoing = Outgoing(delivery_id=1, post_id=1, channel="zalo", campaign="c", campaign_name="loa",
                            timezone="Asia/Ho_Chi_Minh", title="Bài", text="Mô tả", slug="s",
                            publish_at=dt.datetime.now(dt.timezone.utc),
                            banners=(Banner(small.name, small, ""),), photos=(Banner(large.name, large, ""),))
        ZaloPublisher("zalo", settings, base_dir=tmp_path).publish(outgoing)
        banner, photo = (r.files["file"] for r in calls(zalo, "/oa/upload/image"))
        assert banner == (small.stat().st_size, hashlib.sha256(small.read_bytes()).hexdigest())
        assert 0 < photo[0] <= 1_000_000 and len(zalo.uploads) == 2 and len(zalo.articles) == 1


def test_kill_9_after_create_is_reconciled_by_title_and_broadcast_once(project, monkeypatch):
    with ZaloDouble(processing_polls=1, processing_seconds=0.2) as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
        add_zalo(project, zalo, "broadcast = true")
        fast_daemon(project, lease_seconds=600)  # a long lease: the restart must see its predecessor is dead
        post, = queue_zalo(project, flags=("--start", "now", "--pace", "0.5"))
        zalo.stall("/article/create", 60)
        daemon = spawn_loa(project, "run")
        assert zalo.created.wait(60), "the OA never got the article"
        daemon.send_signal(signal.SIGKILL)
        daemon.wait(timeout=30)
        assert delivery_states(project)[(post, "zalo")] == "sending"
        zalo.release.set()
        time.sleep(0.3)
        result = project.ok("run", "--once")
        assert "reconciled" in result.stderr
        assert delivery_states(project)[(post, "zalo")] == "published"
        assert len(zalo.articles) == 1 and len(calls(zalo, "/article/create")) == 1
        assert delivery(project, post)["remote_id"] == zalo.articles[0].id
        assert zalo.broadcasts == [zalo.articles[0].id]
        project.ok("run", "--once")
        assert zalo.broadcasts == [zalo.articles[0].id]
        assert project.sql("SELECT step, status FROM delivery_steps") == [("article", "sent"), ("broadcast", "sent")]


def test_verify_that_never_ends_waits_as_may_have_gone_out_then_the_article_is_found(project, monkeypatch):
    with ZaloDouble(processing_polls=100, processing_seconds=1e9) as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
        add_zalo(project, zalo, "verify_polls = 3")
        post, = queue_zalo(project)
        result = project.run("publish", str(post))
        assert result.exit_code == 1 and "still processing" in result.stderr
        assert delivery(project, post)["status"] == "retry_wait" and len(calls(zalo, "/article/verify")) == 3
        zalo.articles[0].polls_left = 0  # Zalo finished
        project.ok("publish", str(post))
        assert len(zalo.articles) == 1 and delivery(project, post)["remote_id"] == zalo.articles[0].id


def test_a_refused_token_is_refreshed_once_and_the_call_made_again(oa):
    project, zalo = oa
    post, = queue_zalo(project)
    zalo.fail_next("/article/create", -216)
    project.ok("publish", str(post))
    assert len(zalo.refreshes) == 2 and len(zalo.articles) == 1  # the first pair, then one after the refusal
    assert delivery(project, post)["status"] == "published"


def test_a_token_refused_again_after_the_refresh_pauses_the_channel(oa):
    project, zalo = oa
    post, = queue_zalo(project)
    zalo.fail_next("/article/create", -220)
    zalo.fail_next("/article/create", -216)
    result = project.run("publish", str(post))
    assert result.exit_code == 2 and "Zalo for Developers" in result.stderr
    assert len(zalo.refreshes) == 2 and zalo.articles == []
    (kind,), = project.sql("SELECT pause_kind FROM channel_states WHERE channel='zalo'")
    assert kind and delivery(project, post)["status"] == "retry_wait"


@pytest.mark.parametrize("code, status, exit_code, words", [
    (-32, "retry_wait", 1, "slow down"), (-201, "failed", 1, "error -201"), (-224, "retry_wait", 2, "service tier"),
])
def test_errors_in_an_http_200_are_classified_as_the_contract_says(oa, code, status, exit_code, words):
    project, zalo = oa
    post, = queue_zalo(project)
    zalo.fail_next("/article/create", code)
    result = project.run("publish", str(post))
    assert result.exit_code == exit_code and words in result.stderr
    assert delivery(project, post)["status"] == status and zalo.articles == []
    if code == -32:  # the whole OA is throttled: the channel pauses, the delivery keeps its attempt
        (kind,), = project.sql("SELECT pause_kind FROM channel_states WHERE channel='zalo'")
        assert kind == "rate" and delivery(project, post)["attempts"] == 0


def test_a_broadcast_whose_answer_was_lost_is_unknown_and_never_sent_again(project, monkeypatch):
    with ZaloDouble(processing_polls=0) as zalo:
        monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
        monkeypatch.setenv(FIRST_ENV, zalo.refresh_token)
        add_zalo(project, zalo, "broadcast = true")
        project.set_channel("zalo", zalo_channel(zalo, "broadcast = true").replace("timeout = 5", "timeout = 1"))
        post, = queue_zalo(project)
        zalo.stall("/oa/message", 5)
        project.ok("publish", str(post))
        assert delivery(project, post)["status"] == "published" and len(zalo.articles) == 1
        assert dict(project.sql("SELECT step, status FROM delivery_steps")) == {"article": "sent",
                                                                                 "broadcast": "unknown"}
        (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='published' AND channel='zalo'")
        assert json.loads(detail)["broadcast"] == "unknown"
        zalo.release.set()
        assert len(calls(zalo, "/oa/message")) == 1


def test_check_gives_one_line_for_each_failure(oa, monkeypatch):
    project, zalo = oa
    ok = project.ok("channels", "check", "zalo").stdout
    assert zalo.oa_name in ok
    tokens = project.root / "var" / "zalo-tokens.json"
    # the refresh token in the file is refused (expired, or burnt elsewhere)
    pair = json.loads(tokens.read_text())
    tokens.write_text(json.dumps({**pair, "refresh_token": "rt-old", "expires_at": "2020-01-01T00:00:00+00:00"}))
    refused = project.run("channels", "check", "zalo")
    assert refused.exit_code == 2 and "create a new one in Zalo for Developers" in refused.stderr
    assert [line for line in refused.stderr.splitlines() if line.startswith("zalo:")] == \
        [refused.stderr.splitlines()[0]]  # one verdict line for the channel
    # no token file yet, and no first token to start from
    tokens.unlink()
    monkeypatch.delenv(FIRST_ENV)
    missing = project.run("channels", "check", "zalo")
    assert missing.exit_code == 2 and FIRST_ENV in missing.stderr
    # the first token from the environment: written to the file, the check passes
    monkeypatch.setenv(FIRST_ENV, next(iter(zalo.valid_refresh)))
    project.ok("channels", "check", "zalo")
    # the OA's tier does not allow the article API
    zalo.fail_next("/article/getslice", -224)
    tier = project.run("channels", "check", "zalo")
    assert tier.exit_code == 2 and "service tier" in tier.stderr
    # nothing answers at the address
    project.set_channel("zalo", zalo_channel(zalo).replace(f'oa_url = "{zalo.url}"', 'oa_url = "http://127.0.0.1:9"'))
    unreachable = project.run("channels", "check", "zalo")
    assert unreachable.exit_code == 2 and "refused the connection" in unreachable.stderr


def test_metrics_give_views_and_shares_and_say_why_the_rest_is_unavailable(oa):
    project, zalo = oa
    post, = queue_zalo(project)
    project.ok("publish", str(post))
    zalo.articles[0].total_view, zalo.articles[0].total_share = 321, 7
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for

    config = load_config(project.config)
    database = open_database(config.database_url)
    try:
        figures = publisher_for(config, "zalo", db=database).metrics(zalo.articles[0].id)
    finally:
        database.dispose()
    assert figures.values == {"views": 321, "shares": 7}
    assert set(figures.unavailable) == {"reactions", "comments", "reach", "clicks"}
    assert "Zalo does not report" in figures.unavailable["reactions"]


def test_secrets_and_tokens_appear_nowhere_but_in_the_token_file(oa, monkeypatch):
    project, zalo = oa
    ids = queue_zalo(project, posts=3)
    outputs = []
    for args in (("publish", str(ids[0])), ("channels", "check"), ("channels", "list", "--json")):
        outputs.append(project.run(*args).output)
    monkeypatch.setenv(SECRET_ENV, "wrong-secret-value-991")  # a wrong secret: refused on the next refresh
    zalo.expire_access_tokens()
    for args in (("publish", str(ids[1])), ("channels", "check")):
        outputs.append(project.run(*args).output)
    monkeypatch.setenv(SECRET_ENV, zalo.secret_key)
    zalo.fail_next("/article/create", -216)
    outputs += [project.run("publish", str(ids[2])).output]
    outputs += [project.run("post", "show", str(i), "--json").output for i in ids]
    assert any("published" in out for out in outputs)
    secrets = [zalo.secret_key, "wrong-secret-value-991", *zalo.used_refresh, *zalo.valid_refresh,
               *zalo.access_tokens]
    token_file = project.root / "var" / "zalo-tokens.json"
    assert token_file.stat().st_mode & 0o777 == 0o600
    files = [p for p in project.root.rglob("*") if p.is_file() and p != token_file]
    assert any(p.name == "loa.db" for p in files)
    for secret in secrets:
        assert all(secret not in out for out in outputs)
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
    for request in zalo.requests:  # never in a URL
        assert not any(secret in request.path or secret in json.dumps(request.query) for secret in secrets)
