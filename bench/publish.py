"""Publishing benchmark (`make bench`): loa's publish path against bare HTTP calls, on a real local WordPress.

N posts with banners go to the portal through what `loa publish` and the daemon run (claim, adapter, record) in
one process; then a bare `requests` loop makes the same HTTP calls (find by slug, find the image by name, upload
it, create the post) for N other posts. The ratio is loa's overhead. Target: at most 10% over the bare calls.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.wordpress import WordPressServer, available  # noqa: E402

from posts.campaign_file import load_campaign_file  # noqa: E402
from posts.campaigns import import_campaign  # noqa: E402
from posts.db import Database, open_database  # noqa: E402
from scheduler.cli.common import App  # noqa: E402
from scheduler.dispatch import publish_post  # noqa: E402

POSTS = 20
TARGET = 0.10


def campaign_file(path: Path, posts: int, *, slug: str = "bench-publish", channel: str = "portal",
                  body_extra: str = "") -> Path:
    """``posts`` posts with banners on one ``channel``, a month ahead (shared by the bench/publish_*.py rows)."""
    start = dt.date.today() + dt.timedelta(days=30)
    lines = ["[campaign]", f'slug = "{slug}"', 'name = "Thử tải đăng bài"', f"start = {start}",
             f"end = {start + dt.timedelta(days=6)}", f'channels = ["{channel}"]', ""]
    for n in range(posts):
        lines += ["[[posts]]", f"day = {1 + n % 7}", f'time = "08:{n:02d}"', f'title = "Bài thử tải số {n + 1}"',
                  f'body = "Nội dung bài thử tải số {n + 1}{body_extra}.\\n\\nĐoạn thứ hai."',
                  f'banner = {{ headline = "Đọc sách mỗi ngày {n + 1}" }}', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def queued_posts(root: Path, config_text: str, posts: int, **campaign: str) -> tuple[App, Database, list[int]]:
    """A project in ``root`` with ``config_text`` and ``posts`` approved posts with banners, rendered: their ids."""
    (root / "config.toml").write_text(config_text, encoding="utf-8")
    app = App(str(root / "config.toml"))
    database = open_database(app.config.database_url, create=True)
    campaign_path = campaign_file(root / "c.toml", posts, **campaign)  # type: ignore[arg-type]
    loaded = load_campaign_file(campaign_path, default_timezone="Asia/Ho_Chi_Minh",
                                known_channels=app.config.channel_names)
    import_campaign(database, loaded, approve=True, renderer=app.renderer)
    with database.session() as session:
        ids = [i for (i,) in session.execute(text("SELECT id FROM posts ORDER BY id"))]
    return app, database, ids


def loa_seconds(app: App, database: Database, ids: list[int], channel: str,
                adapters: dict[str, Any] | None = None) -> float:
    """Seconds to publish each post on ``channel`` through loa's own path (claim, adapter, record), keeping one
    publisher per channel as the daemon does."""
    adapters = {} if adapters is None else adapters
    start = time.perf_counter()
    for post_id in ids:
        outcomes = publish_post(database, app.config, post_id, channel=channel, adapters=adapters)
        assert outcomes[0].status == "published", outcomes
    return time.perf_counter() - start


def main() -> None:
    reason = available()
    if reason:
        print(f"publish benchmark skipped: {reason}")
        return
    server = WordPressServer().start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
            config_text = config_text.replace(
                '[channels.portal]\nadapter = "static-site"\npath = "var/site"',
                f'[channels.portal]\nadapter = "wordpress"\nurl = "{server.url}"\nusername = "{server.username}"\n'
                f'password_env = "LOA_BENCH_PASSWORD"')
            os.environ["LOA_BENCH_PASSWORD"] = server.app_password
            app, database, ids = queued_posts(root, config_text, POSTS)
            loa_s = loa_seconds(app, database, ids, "portal")

            banners = sorted((root / "var" / "media").rglob("*.png"))
            session = requests.Session()
            auth = (server.username, server.app_password)
            start = time.perf_counter()
            for n in range(POSTS):
                slug = f"bare-{n}"
                session.get(server.rest("/wp/v2/posts", slug=slug, status="any", context="edit"), auth=auth,
                            timeout=30).raise_for_status()
                media_slug = f"bare-media-{n}"
                session.get(server.rest("/wp/v2/media", slug=media_slug), auth=auth, timeout=30).raise_for_status()
                media = session.post(server.rest("/wp/v2/media", alt_text=f"Bài {n}", title=f"Bài {n}"), auth=auth,
                                     data=banners[n % len(banners)].read_bytes(), timeout=30,
                                     headers={"Content-Type": "image/png",
                                              "Content-Disposition": f'attachment; filename="{media_slug}.png"'})
                media.raise_for_status()
                session.post(server.rest("/wp/v2/posts"), auth=auth, timeout=30,
                             json={"title": f"Bài {n}", "content": "<p>Nội dung</p>", "status": "publish",
                                   "slug": slug, "featured_media": media.json()["id"]}).raise_for_status()
            bare_s = time.perf_counter() - start
            database.dispose()
    finally:
        server.stop()
    overhead = loa_s / bare_s - 1
    print(f"Publishing {POSTS} posts with banners to a local WordPress:")
    print(f"  loa (claim, adapter, record)   {loa_s:6.2f} s  ({loa_s / POSTS * 1000:.0f} ms per post)")
    print(f"  bare requests, same HTTP calls {bare_s:6.2f} s  ({bare_s / POSTS * 1000:.0f} ms per post)")
    print(f"  loa's overhead {overhead:+.1%}, target <= {TARGET:.0%}: "
          f"{'target met' if overhead <= TARGET else 'TARGET MISSED'}")


def the_other_channels() -> None:
    """A row per adapter of issue 16, each against its local double or real server (bench/publish_<adapter>.py)."""
    import importlib

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    for name in ("publish_zalo", "publish_telegram", "publish_email", "publish_http"):
        print()
        importlib.import_module(name).main()


if __name__ == "__main__":
    main()
    the_other_channels()
