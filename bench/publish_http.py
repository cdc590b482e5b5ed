"""Publishing benchmark of the ``http`` channel (`make bench`): loa's path against a bare `requests` loop making the
same calls (upload the banner, create the news) to the same local NukeViet-style API (tests/support/portal_api.py),
the two taking turns in rounds (row "publish http").

The API runs in its own process and answers each call after LATENCY seconds, what a portal reached over the network
takes (a local WordPress takes ~40 ms a call before any network): against an instant double the ratio would measure
SQLite's commits, not publishing.
Target: at most 10% over the bare calls.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.portal_api import PortalApi  # noqa: E402

from publish import PER_ROUND, POSTS, OwnProcess, alternate, loa_side, queued_posts, report  # noqa: E402
from scheduler.dispatch import publisher_for  # noqa: E402

LATENCY = 0.1
TOKEN = "bench-portal-token"
CHANNEL = """[channels.portal]
adapter = "http"
secrets = {{ token = "LOA_BENCH_PORTAL_TOKEN" }}
url = "{url}/api/news"
headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}
body = '{{"title": {{{{ post.title | tojson }}}}, "alias": {{{{ post.slug | tojson }}}}, "bodytext": {{{{ post.text | tojson }}}}, "homeimgfile": {{{{ banner_url | tojson }}}}}}'
id_path = "data.id"
link_path = "data.link"

[channels.portal.upload]
url = "{url}/api/upload"
headers = {{ X-Api-Token = "{{{{ secrets.token }}}}" }}
url_path = "data.url"
"""


def portal_api() -> PortalApi:
    portal = PortalApi(token=TOKEN)
    portal.latency = LATENCY
    return portal


def main() -> None:
    with OwnProcess(portal_api, lambda api: {"url": api.url}) as portal, tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
        config_text = config_text.replace('[channels.portal]\nadapter = "static-site"\npath = "var/site"',
                                          CHANNEL.format(url=portal.url))
        os.environ["LOA_BENCH_PORTAL_TOKEN"] = TOKEN
        app, database, ids = queued_posts(root, config_text, POSTS, slug="bench-http", channel="portal")
        # one publisher per channel, as the daemon keeps them; its own time is measured apart from the claim/record
        adapter = publisher_for(app.config, "portal", db=database)
        adapter_s: list[float] = []
        publish = adapter.publish

        def timed(outgoing: Any) -> Any:
            began = time.perf_counter()
            try:
                return publish(outgoing)
            finally:
                adapter_s[-1] += time.perf_counter() - began

        adapter.publish = timed  # type: ignore[method-assign]
        loa_round = loa_side(app, database, ids, "portal", {"portal": adapter})

        def loa(round_: int) -> float:
            adapter_s.append(0.0)
            return loa_round(round_)

        banners = sorted((root / "var" / "media").rglob("*.png"))
        session = requests.Session()
        headers = {"X-Api-Token": TOKEN}

        def bare(round_: int) -> float:
            start = time.perf_counter()
            for n in range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND):
                banner = banners[n % len(banners)]
                upload = session.post(f"{portal.url}/api/upload", headers=headers, timeout=30,
                                      files={"file": (banner.name, banner.read_bytes(), "image/png")})
                upload.raise_for_status()
                body = {"title": f"Bài {n}", "alias": f"bare-{n}", "bodytext": "<p>Nội dung</p>",
                        "homeimgfile": upload.json()["data"]["url"]}
                session.post(f"{portal.url}/api/news", timeout=30, data=json.dumps(body).encode(),
                             headers={**headers, "Content-Type": "application/json"}).raise_for_status()
            return time.perf_counter() - start

        timings = alternate({"loa": loa, "bare": bare})
        database.dispose()
    print(f"Publishing posts with banners to a local portal API (http channel, {LATENCY * 1000:.0f} ms a call):")
    adapter_median = statistics.median(adapter_s[1:])  # the warm-up round not counted, as in ``alternate``
    print(f"  of loa's time, the http adapter's: {adapter_median:6.3f} s a round (its own overhead "
          f"{adapter_median / timings['bare'] - 1:+.1%}; the rest is the claim and the record in the database)")
    report("publish http", timings["loa"], timings["bare"], loa_what="claim, adapter, record",
           bare_what="requests, same HTTP calls")


if __name__ == "__main__":
    main()
