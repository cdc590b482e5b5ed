"""The `telegram` publisher against the local Bot API double (tests/support/telegram.py, after CONTRACTS.md)."""
from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import time

import pytest
from conftest import campaign_toml, delivery_states, fast_daemon, spawn_loa
from support.photos import START, png_photo
from support.telegram import BotDouble

TOKEN = "987654321:AAH-telegram-secret-7f3a9c-abcdefgh"
CHANNEL = "@sokhcn_cantho"


def telegram_channel(bot: BotDouble, chat: str = CHANNEL, extra: str = "") -> str:
    return (f'adapter = "telegram"\ntoken_env = "LOA_TELEGRAM_TOKEN"\nchat_id = {json.dumps(chat)}\n'
            f'api_url = "{bot.url}"\ntimeout = 10\n{extra}')


@pytest.fixture
def bot(project, monkeypatch):
    """The project with a channel ``telegram`` on a Bot API double: (project, bot)."""
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", TOKEN)
    with BotDouble(token=TOKEN) as double:
        with project.config.open("a", encoding="utf-8") as config:
            config.write(f"\n[channels.telegram]\n{telegram_channel(double)}\n")
        yield project, double


def telegram_posts(project, *, posts: int = 1, post_lines: str = "", start: dt.date = START, days: int = 7,
                   slug: str = "tuan-le", extra: list[str] = ()) -> list[int]:
    """Approved posts on the telegram channel only; returns their ids."""
    text = campaign_toml(slug, start=start, posts=posts, days=days, post_lines=post_lines)
    text = text.replace('channels = ["portal", "facebook"]', 'channels = ["telegram"]')
    project.ok("campaign", "import", str(project.write(f"{slug}.toml", text)), "--approve", *extra)
    return [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]


def delivery(project, post_id):
    return next(d for d in project.json("post", "show", str(post_id))["deliveries"] if d["channel"] == "telegram")


def stored(project, post_id, name):
    (content, sha), = project.sql("SELECT content, sha256 FROM renders WHERE post_id=? AND name=?", post_id, name)
    return content, sha


BANNER = 'banner = { headline = "Đọc sách mỗi ngày" }'


def test_a_post_with_a_banner_goes_out_through_the_daemon_as_one_photo_with_its_caption(bot):
    project, double = bot
    fast_daemon(project)
    post, = telegram_posts(project, start=dt.date.today(), days=1, post_lines=BANNER,
                           extra=["--start", "now", "--pace", "0.5"])
    daemon = spawn_loa(project, "run", env={"LOA_TELEGRAM_TOKEN": TOKEN})
    try:
        deadline = time.monotonic() + 60
        while delivery_states(project)[(post, "telegram")] != "published" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    photo, = double.sent("sendPhoto")
    text, _ = stored(project, post, "telegram.txt")
    _, banner_sha = stored(project, post, "banner-square.png")
    assert photo.files["photo"] == banner_sha
    assert photo.form["caption"] and photo.form["parse_mode"] == "HTML" and photo.form["chat_id"] == CHANNEL
    message, = double.messages
    assert message.text == text and "Nội dung bài số 1." in text  # the stored render, as subscribers see it
    assert message.photo_sha256 == banner_sha
    shown = delivery(project, post)
    assert shown["status"] == "published" and shown["remote_id"] == f"{double.chats[0].id}:{message.message_id}"
    assert shown["permalink"] == f"https://t.me/sokhcn_cantho/{message.message_id}"


def test_several_images_go_as_one_media_group_banner_first_caption_on_the_first(bot):
    project, double = bot
    for name, size in (("a.png", (320, 200)), ("b.png", (300, 240))):
        png_photo(project.root / name, size=size)
    post, = telegram_posts(project, post_lines=f'images = ["a.png", "b.png"]\n{BANNER}')
    project.ok("publish", str(post))
    group, = double.sent("sendMediaGroup")
    media = json.loads(group.form["media"])
    assert [m["media"] for m in media] == ["attach://f0", "attach://f1", "attach://f2"]
    assert "caption" in media[0] and all("caption" not in m for m in media[1:])
    _, banner_sha = stored(project, post, "banner-square.png")
    assert group.files["f0"] == banner_sha and len(set(group.files.values())) == 3
    assert double.sent("sendPhoto") == [] and len(double.messages) == 3
    assert delivery(project, post)["remote_id"].endswith(f":{double.messages[0].message_id}")


def test_a_post_without_images_is_a_text_message(bot):
    project, double = bot
    post, = telegram_posts(project)
    project.ok("publish", str(post))
    assert len(double.sent("sendMessage")) == 1
    text, _ = stored(project, post, "telegram.txt")
    assert double.messages[0].text == text and double.messages[0].kind == "text"


def test_markup_in_a_title_arrives_as_written_not_as_formatting(bot):
    project, double = bot
    post, = telegram_posts(project)
    project.ok("post", "edit", str(post), "--title", "Hội thảo <b>Sách & Đời</b> <script>", "--keep-approval")
    project.ok("publish", str(post))
    sent, = double.sent("sendMessage")
    assert "&lt;b&gt;Sách &amp; Đời&lt;/b&gt; &lt;script&gt;" in sent.form["text"]
    assert "Hội thảo <b>Sách & Đời</b> <script>" in double.messages[0].text


def test_a_rate_limit_pauses_the_channel_as_long_as_telegram_says(bot):
    project, double = bot
    post, = telegram_posts(project, post_lines=BANNER)
    double.fail_next("sendPhoto", 429, "Too Many Requests: retry after 35", retry_after=35)
    result = project.run("publish", str(post))
    assert result.exit_code == 1 and "retry after 35" in result.stderr
    (until, kind), = project.sql("SELECT resume_at, pause_kind FROM channel_states WHERE channel='telegram'")
    wait = dt.datetime.fromisoformat(until).replace(tzinfo=dt.timezone.utc) - dt.datetime.now(dt.timezone.utc)
    assert kind == "rate" and dt.timedelta(seconds=25) < wait <= dt.timedelta(seconds=35)
    assert delivery(project, post)["status"] == "retry_wait" and double.messages == []


@pytest.mark.parametrize("code, description, words", [
    (400, "Bad Request: chat not found", "cannot find the chat @sokhcn_cantho"),
    (401, "Unauthorized", "refused the bot token in LOA_TELEGRAM_TOKEN"),
    (403, "Forbidden: bot is not a member of the channel chat", "add it to the channel as an administrator"),
])
def test_a_refused_bot_or_chat_pauses_the_channel_for_a_person(bot, code, description, words):
    project, double = bot
    post, = telegram_posts(project, post_lines=BANNER)
    double.fail_next("sendPhoto", code, description)
    result = project.run("publish", str(post))
    assert result.exit_code == 2 and words in result.stderr and TOKEN not in result.output
    (kind,), = project.sql("SELECT pause_kind FROM channel_states WHERE channel='telegram'")
    assert kind == "auth" and delivery(project, post)["status"] == "retry_wait" and double.messages == []


def test_another_bad_request_fails_the_delivery(bot):
    project, double = bot
    post, = telegram_posts(project, post_lines=BANNER)
    double.fail_next("sendPhoto", 400, "Bad Request: IMAGE_PROCESS_FAILED")
    result = project.run("publish", str(post))
    assert "IMAGE_PROCESS_FAILED" in result.stderr
    assert delivery(project, post)["status"] == "failed" and project.sql("SELECT * FROM channel_states") == []


def test_more_than_ten_images_are_refused_before_anything_is_sent(bot):
    project, double = bot
    names = [f"p{n}.png" for n in range(10)]
    for name in names:
        png_photo(project.root / name, size=(64, 48))
    post, = telegram_posts(project, post_lines=f"images = {json.dumps(names)}\n{BANNER}")
    result = project.run("publish", str(post))
    assert "11 images" in result.stderr and "at most 10" in result.stderr
    assert delivery(project, post)["status"] == "failed" and double.requests == []


def test_a_lost_answer_after_telegram_posted_is_unknown_and_never_sent_again(bot):
    project, double = bot
    post, = telegram_posts(project, post_lines=BANNER)
    double.fail_next("sendPhoto", 502, "Bad Gateway", after=True)  # a gateway error after the message was posted
    project.run("publish", str(post))
    shown = delivery(project, post)
    assert shown["status"] == "unknown" and "past messages" in shown["last_error"]
    project.ok("run", "--once")
    assert delivery(project, post)["status"] == "unknown" and len(double.sent("sendPhoto")) == 1
    # the person found nothing on the channel (say it was deleted by hand) and asks again: sent once more
    double.messages.clear()
    project.ok("retry", str(post), "--channel", "telegram")
    project.ok("publish", str(post))
    assert delivery(project, post)["status"] == "published" and len(double.sent("sendPhoto")) == 2


def test_a_send_that_never_left_is_simply_tried_again(bot):
    project, double = bot
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused, nothing went out
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    project.set_channel("telegram", telegram_channel(double).replace(double.url, f"http://127.0.0.1:{port}"))
    post, = telegram_posts(project, post_lines=BANNER)
    result = project.run("publish", str(post))
    assert "refused the connection" in result.stderr and "bot…/sendPhoto" in result.stderr
    assert TOKEN not in result.output
    assert project.sql("SELECT status, maybe_sent FROM deliveries WHERE post_id=?", post) == [("retry_wait", 0)]


def test_kill_9_after_telegram_posted_leaves_it_unknown_until_a_person_retries(bot):
    project, double = bot
    fast_daemon(project, lease_seconds=600)
    post, = telegram_posts(project, start=dt.date.today(), days=1, post_lines=BANNER,
                           extra=["--start", "now", "--pace", "0.5"])
    double.stall_seconds = 60
    daemon = spawn_loa(project, "run", env={"LOA_TELEGRAM_TOKEN": TOKEN})
    assert double.created.wait(60), "the bot never posted"
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    assert delivery_states(project)[(post, "telegram")] == "sending"
    double.stall_seconds = 0
    result = project.ok("run", "--once")
    assert "outcome unknown" in result.stderr
    project.ok("run", "--once")
    assert delivery_states(project)[(post, "telegram")] == "unknown" and len(double.sent("sendPhoto")) == 1
    # a person looked on the channel, found nothing and asks again: that decision sends it once more
    project.ok("retry", str(post), "--channel", "telegram")
    project.ok("run", "--once")
    assert delivery_states(project)[(post, "telegram")] == "published" and len(double.sent("sendPhoto")) == 2


def test_check_gives_one_line_for_each_state_of_the_bot_and_the_chat(bot, monkeypatch):
    project, double = bot
    assert "OK: bot @loa_test_bot posts to Sở KH&CN Cần Thơ" in project.ok("channels", "check", "telegram").stdout
    verdicts = {}
    double.chats[0].bot_member = False
    verdicts["not member"] = project.run("channels", "check", "telegram")
    double.chats[0].bot_member = True
    project.set_channel("telegram", telegram_channel(double, chat="@somebody_else"))
    verdicts["no chat"] = project.run("channels", "check", "telegram")
    project.set_channel("telegram", telegram_channel(double, chat=-1009999))
    verdicts["no private chat"] = project.run("channels", "check", "telegram")
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", "987654321:AAH-revoked-token-xxxxxxxxxxxx")
    verdicts["token"] = project.run("channels", "check", "telegram")
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", "not a token")
    verdicts["malformed"] = project.run("channels", "check", "telegram")
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", TOKEN)
    double.stop()
    verdicts["down"] = project.run("channels", "check", "telegram")
    expected = {"not member": "may not post in @sokhcn_cantho",
                "no chat": "cannot find the chat @somebody_else", "no private chat": "cannot find the chat -1009999",
                "token": "create a new one with @BotFather", "malformed": "does not hold a Telegram bot token",
                "down": "refused the connection"}
    for name, result in verdicts.items():
        assert result.exit_code == 2, (name, result.output)
        assert expected[name] in result.stderr, (name, result.stderr)
        assert TOKEN not in result.output and "revoked" not in result.output and "not a token" not in result.output


def test_metrics_are_unavailable_with_the_reason(bot):
    project, _ = bot
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import publisher_for

    metrics = publisher_for(load_config(project.config), "telegram").metrics("-1001234567890:38")
    assert metrics.values == {} and set(metrics.unavailable) >= {"views", "reactions", "shares"}
    assert all("Bot API offers no figures" in reason for reason in metrics.unavailable.values())


def test_corrections_are_refused_up_front(bot):
    project, double = bot
    post, = telegram_posts(project)
    project.ok("publish", str(post))
    message = project.fails("post", "correct", str(post), "--title", "Đính chính")
    assert "telegram" in message and len(double.requests) == 1


@pytest.mark.parametrize("setting", ['chat_id = "sokhcn_cantho"', "chat_id = 1.5", 'api_url = "ftp://x"'])
def test_bad_settings_are_one_line(bot, setting):
    project, double = bot
    key = setting.split(" = ")[0]
    lines = [line for line in telegram_channel(double).splitlines() if not line.startswith(key)]
    project.set_channel("telegram", "\n".join([*lines, setting]))
    message = project.fails("channels", "check", "telegram")
    assert key in message


def test_the_token_appears_in_no_output_and_no_file(bot, monkeypatch):
    project, double = bot
    outputs = []
    ids = telegram_posts(project, posts=3, post_lines=BANNER)

    def run(*args: str) -> None:
        outputs.append(project.run(*args).output)

    run("publish", str(ids[0]))
    run("channels", "check")
    run("channels", "list", "--json")
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", TOKEN.replace("secret", "wrong!"))
    run("publish", str(ids[1]))
    run("channels", "check")
    monkeypatch.setenv("LOA_TELEGRAM_TOKEN", TOKEN)
    double.fail_next("sendPhoto", 502, "Bad Gateway", after=True)
    run("publish", str(ids[2]))
    double.stop()
    run("channels", "check")
    run("status")
    run("log")
    for post_id in ids:
        run("post", "show", str(post_id), "--json")
    assert any("published" in out for out in outputs)
    secrets = [TOKEN, TOKEN.split(":")[1], TOKEN.replace("secret", "wrong!")]
    for secret in secrets:
        assert not any(secret in out for out in outputs), secret
        for path in (p for p in project.root.rglob("*") if p.is_file()):
            assert secret.encode() not in path.read_bytes(), path
