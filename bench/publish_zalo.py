"""Zalo OA: loa's adapter against a bare ``requests`` loop making the same calls (upload, create, verify, getdetail)
to the same local double. Prints both and the overhead ratio (target ≤ 10%).

    .venv/bin/python bench/publish_zalo.py
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.zalo import ZaloDouble  # noqa: E402

from scheduler.publishers import Banner, Outgoing  # noqa: E402
from scheduler.publishers.zalo import ZaloPublisher, ZaloSettings  # noqa: E402

ROUNDS = 40


def bare(zalo: ZaloDouble, token: str, cover: bytes) -> None:
    session = requests.Session()
    headers = {"access_token": token}
    root = zalo.url
    attachment = session.post(f"{root}/v2.0/oa/upload/image", headers=headers,
                              files={"file": ("b.jpg", cover, "image/jpeg")}, timeout=10).json()["data"]
    created = session.post(f"{root}/v2.0/article/create", headers=headers, timeout=10, json={
        "type": "normal", "title": "Bài", "author": "loa", "description": "Mô tả",
        "body": [{"type": "text", "content": "<p>Nội dung</p>"}],
        "cover": {"cover_type": "photo", "photo_id": attachment["attachment_id"], "status": "show"},
        "status": "show", "comment": "show"}).json()["data"]
    found = session.post(f"{root}/v2.0/article/verify", headers=headers, json={"token": created["token"]},
                         timeout=10).json()["data"]
    session.get(f"{root}/v2.0/article/getdetail", headers=headers, params={"id": found["id"]}, timeout=10).json()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, ZaloDouble(processing_polls=0) as zalo:
        base = Path(folder)
        banner = base / "banner-facebook.jpg"
        Image.new("RGB", (1200, 630), "#336699").save(banner, "JPEG", quality=85)
        os.environ["BENCH_ZALO_SECRET"] = zalo.secret_key
        os.environ["LOA_ZALO_REFRESH_TOKEN"] = zalo.refresh_token
        settings = ZaloSettings(adapter="zalo", app_id=zalo.app_id, secret_key_env="BENCH_ZALO_SECRET",
                                token_file="tokens.json", oa_url=zalo.url, oauth_url=zalo.url)
        publisher = ZaloPublisher("zalo", settings, base_dir=base)
        token = publisher.tokens.access_token()  # the one refresh, outside the timing
        cover = banner.read_bytes()
        outgoing = Outgoing(delivery_id=1, post_id=1, channel="zalo", campaign="c", campaign_name="loa",
                            timezone="Asia/Ho_Chi_Minh", title="Bài", text="Mô tả",
                            publish_at=dt.datetime.now(dt.timezone.utc), slug="s",
                            banners=(Banner(banner.name, banner, ""),))
        for run in (lambda: bare(zalo, token, cover), lambda: publisher.publish(outgoing)):
            run()  # warm up
        runs = {"bare requests": lambda: bare(zalo, token, cover), "loa zalo": lambda: publisher.publish(outgoing)}
        samples: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(ROUNDS):  # interleaved, medians: a machine shared with other work skews one side less
            for name, run in runs.items():
                start = time.perf_counter()
                run()
                samples[name].append(time.perf_counter() - start)
        timings = {name: statistics.median(values) for name, values in samples.items()}
        ratio = timings["loa zalo"] / timings["bare requests"] - 1
        for name, seconds in timings.items():
            print(f"{name:14} {seconds * 1000:7.2f} ms per article")
        print(f"overhead {ratio:+.1%} (target ≤ 10%)")


if __name__ == "__main__":
    main()
