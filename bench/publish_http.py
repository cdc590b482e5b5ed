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
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.portal_api import PortalApi  # noqa: E402

from publish import PER_ROUND, POSTS, LoaSide, OwnProcess, alternate, queued_posts, report  # noqa: E402

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

        loa = LoaSide(app, database, ids, "portal")
        samples = alternate({"loa": loa, "bare": bare})
        database.dispose()
    print(f"Publishing posts with banners to a local portal API (http channel, {LATENCY * 1000:.0f} ms a call):")
    report("publish http", samples, loa, loa_what="claim, adapter, record",
           bare_what="requests, same HTTP calls")


if __name__ == "__main__":
    main()
