"""Publishing benchmark (`make bench`): loa's publish path against bare HTTP calls, on a real local WordPress.

Posts with banners go to the portal through what `loa publish` and the daemon run (claim, adapter, record) in
one process, and a bare `requests` loop makes the same HTTP calls (find the image by name, upload it, create the
post; a first send looks no post up by its slug, only a retry does) for as many other posts, the two taking turns
in rounds (``alternate``). The median of the rounds' ratios is loa's overhead, saved as the closing-table row
"publish wordpress". Target: at most 10% over the bare calls. The other adapters' rows (bench/publish_<adapter>.py)
share the set-up, the rounds and the row.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.wordpress import WordPressServer, available  # noqa: E402

from loa.posts.campaign_file import load_campaign_file  # noqa: E402
from loa.posts.campaigns import import_campaign  # noqa: E402
from loa.posts.db import Database, open_database  # noqa: E402
from loa.scheduler.cli.common import App  # noqa: E402
from loa.scheduler.dispatch import publish_post, publisher_for  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from table import save_row  # noqa: E402

PER_ROUND = 2  # posts each side publishes in a round: short rounds, so both sides of one see the same load
ROUNDS = 11    # measured rounds (the figures are their medians), after one unmeasured warm-up round
POSTS = PER_ROUND * (ROUNDS + 1)  # posts each side publishes in all
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


def alternate(sides: dict[str, Callable[[int], float]], rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Each side's seconds in each round. ``sides[name](round)`` publishes that round's posts and returns its
    seconds; the sides take turns round by round (who goes first swaps each round), so a load spike of the shared
    machine falls on one round of one side instead of deciding the verdict. Round 0 warms up (imports, first
    connections, the publisher made) and is not counted."""
    samples: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_ in range(rounds + 1):
        for name in names if round_ % 2 else names[::-1]:
            seconds = sides[name](round_)
            if round_:
                samples[name].append(seconds)
    return samples


def report(figure: str, samples: dict[str, list[float]], loa: LoaSide, *, loa_what: str, bare_what: str) -> float:
    """Print the medians of the rounds (``samples``: "loa" and "bare") and loa's overhead, the median of the
    rounds' ratios (each round's two sides ran back to back, under the same load), and save the closing-table row
    ``figure``: the overhead, with the adapter's own share in the note."""
    loa_s, bare_s = statistics.median(samples["loa"]), statistics.median(samples["bare"])
    overhead = statistics.median(ours / theirs for ours, theirs in zip(samples["loa"], samples["bare"])) - 1
    adapter = statistics.median(ours / theirs for ours, theirs in zip(loa.rounds[1:], samples["bare"])) - 1
    met = overhead <= TARGET
    load = os.getloadavg()[0]
    print(f"  {'loa (' + loa_what + ')':38} {loa_s:6.3f} s  ({loa_s / PER_ROUND * 1000:.0f} ms per post)")
    print(f"  {'  of which the adapter':38} {loa.adapter_seconds:6.3f} s  ({adapter:+.1%} over the bare loop; "
          f"the rest is the claim, reading and record)")
    print(f"  {'bare ' + bare_what:38} {bare_s:6.3f} s  ({bare_s / PER_ROUND * 1000:.0f} ms per post)")
    print(f"  medians of {ROUNDS} alternating rounds of {PER_ROUND} posts; load average {load:.2f}")
    print(f"  loa's overhead {overhead:+.1%}, target <= {TARGET:.0%}: {'target met' if met else 'TARGET MISSED'}")
    save_row(figure, f"{loa_s:.2f} s ({overhead:+.1%})", f"{bare_s:.2f} s (bare {bare_what})",
             f"<= {TARGET:.0%} over the bare loop", met,
             f"{PER_ROUND} posts a round, medians of {ROUNDS} alternating rounds (the overhead: of the rounds' "
             f"ratios); the adapter alone {adapter:+.1%}; load {load:.2f}")
    return overhead


def _serve(make: Callable[[], Any], describe: Callable[[Any], dict[str, Any]], found: Any, stop: Any) -> None:
    with make() as server:
        found.put(describe(server))
        stop.wait()


class OwnProcess:
    """A local server (a double) in a process of its own, as a real one is: in loa's process its threads would
    share the interpreter lock, and its work after each answer would slow whichever side runs next.
    ``make()`` gives the server (a context manager); ``describe(server)`` what the benchmark needs of it (a dict of
    picklable values, its attributes here once started)."""

    def __init__(self, make: Callable[[], Any], describe: Callable[[Any], dict[str, Any]]) -> None:
        self.make, self.describe = make, describe

    def __enter__(self) -> Any:
        self.found: multiprocessing.Queue = multiprocessing.Queue()
        self.stop = multiprocessing.Event()
        self.process = multiprocessing.Process(target=_serve, args=(self.make, self.describe, self.found, self.stop),
                                               daemon=True)
        self.process.start()
        self.__dict__.update(self.found.get(timeout=60))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.process.join(timeout=30)


class LoaSide:
    """loa's side for ``alternate``: round r publishes the r-th PER_ROUND of ``ids`` on ``channel``, with one
    publisher throughout as the daemon keeps it, whose own seconds are counted apart (``adapter_seconds``): the rest
    is loa's claim, reading and record in the database."""

    def __init__(self, app: App, database: Database, ids: list[int], channel: str) -> None:
        self.app, self.database, self.ids, self.channel = app, database, ids, channel
        self.adapter = publisher_for(app.config, channel, db=database)
        self.rounds: list[float] = []  # the adapter's seconds in each round
        publish = self.adapter.publish

        def timed(outgoing: Any) -> Any:
            began = time.perf_counter()
            try:
                return publish(outgoing)
            finally:
                self.rounds[-1] += time.perf_counter() - began

        self.adapter.publish = timed  # type: ignore[method-assign]

    def __call__(self, round_: int) -> float:
        self.rounds.append(0.0)
        return loa_seconds(self.app, self.database, self.ids[round_ * PER_ROUND:(round_ + 1) * PER_ROUND],
                           self.channel, {self.channel: self.adapter})

    @property
    def adapter_seconds(self) -> float:
        """The adapter's median seconds a round, the warm-up round not counted (as in ``alternate``)."""
        return statistics.median(self.rounds[1:])


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
            banners = sorted((root / "var" / "media").rglob("*.png"))
            session = requests.Session()
            auth = (server.username, server.app_password)

            def bare(round_: int) -> float:
                start = time.perf_counter()
                for n in range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND):
                    slug = f"bare-{n}"
                    media_slug = f"bare-media-{n}"
                    session.get(server.rest("/wp/v2/media", slug=media_slug), auth=auth,
                                timeout=30).raise_for_status()
                    media = session.post(server.rest("/wp/v2/media", alt_text=f"Bài {n}", title=f"Bài {n}"),
                                         auth=auth, data=banners[n % len(banners)].read_bytes(), timeout=30,
                                         headers={"Content-Type": "image/png",
                                                  "Content-Disposition": f'attachment; filename="{media_slug}.png"'})
                    media.raise_for_status()
                    session.post(server.rest("/wp/v2/posts"), auth=auth, timeout=30,
                                 json={"title": f"Bài {n}", "content": "<p>Nội dung</p>", "status": "publish",
                                       "slug": slug, "featured_media": media.json()["id"]}).raise_for_status()
                return time.perf_counter() - start

            loa = LoaSide(app, database, ids, "portal")
            samples = alternate({"loa": loa, "bare": bare})
            database.dispose()
    finally:
        server.stop()
    print("Publishing posts with banners to a local WordPress:")
    report("publish wordpress", samples, loa, loa_what="claim, adapter, record", bare_what="requests, same HTTP calls")


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
