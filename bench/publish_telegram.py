"""Telegram publishing benchmark (`make bench`): loa's publish path against bare `requests` calls, on the local Bot API
double (tests/support/telegram.py).

Posts with banners go to a Telegram channel through what `loa publish` and the daemon run (claim, adapter with its
recorded send step, record) in one process, and a bare `requests` loop makes the same calls (one sendPhoto with the
banner and the caption) for as many posts, the two taking turns in rounds (row "publish telegram"). The double
answers each call after LATENCY seconds, as the real Bot API takes a while over the network with a photo; both paths
wait alike; the double runs in a process of its own. Target: loa at most 10% over the bare calls.
"""
from __future__ import annotations

import html
import os
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.telegram import BotDouble  # noqa: E402

from publish import PER_ROUND, POSTS, LoaSide, OwnProcess, alternate, queued_posts, report  # noqa: E402

LATENCY = 0.15  # seconds per Bot API answer; a photo upload to api.telegram.org takes longer than this
TOKEN = "123456789:AAH-bench-token-abcdefghijklmnop"
CHAT = "@sokhcn_cantho"


def bot_api() -> BotDouble:
    bot = BotDouble(token=TOKEN)
    bot.latency = LATENCY
    return bot


def main() -> None:
    with OwnProcess(bot_api, lambda api: {"url": api.url}) as bot, tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
        config_text += (f'\n[channels.telegram]\nadapter = "telegram"\ntoken_env = "LOA_BENCH_TELEGRAM_TOKEN"\n'
                        f'chat_id = "{CHAT}"\napi_url = "{bot.url}"\n')
        os.environ["LOA_BENCH_TELEGRAM_TOKEN"] = TOKEN
        app, database, ids = queued_posts(root, config_text, POSTS, slug="bench-telegram", channel="telegram",
                                          body_extra=" <b>&</b>")
        with database.session() as db_session:
            captions = [c for (c,) in db_session.execute(text(
                "SELECT content FROM renders WHERE name='telegram.txt' ORDER BY post_id"))]
        banners = sorted((root / "var" / "media").rglob("*.png"))
        session = requests.Session()

        def bare(round_: int) -> float:
            start = time.perf_counter()
            for n in range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND):
                answer = session.post(f"{bot.url}/bot{TOKEN}/sendPhoto", timeout=30,
                                      data={"chat_id": CHAT, "parse_mode": "HTML",
                                            "caption": html.escape(captions[n % len(captions)], quote=False)},
                                      files={"photo": ("banner.png", banners[n % len(banners)].read_bytes(),
                                                       "image/png")})
                answer.raise_for_status()
            return time.perf_counter() - start

        loa = LoaSide(app, database, ids, "telegram")
        samples = alternate({"loa": loa, "bare": bare})
        database.dispose()
    print(f"Publishing posts with banners to Telegram (local Bot API double, {LATENCY * 1000:.0f} ms answers):")
    report("publish telegram", samples, loa, loa_what="claim, adapter, record",
           bare_what="requests, same HTTP calls")


if __name__ == "__main__":
    main()
