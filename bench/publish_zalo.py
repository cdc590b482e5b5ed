"""Zalo OA publishing benchmark (`make bench`): loa's publish path against a bare ``requests`` loop making the same
calls (upload the cover, create the article, verify its token, read its link) to the same local double
(tests/support/zalo.py, in a process of its own, answering each call after LATENCY seconds), the two taking turns in rounds (row "publish zalo"). Target: loa
at most 10% over the bare calls.

    .venv/bin/python bench/publish_zalo.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.zalo import ZaloDouble  # noqa: E402

from publish import PER_ROUND, POSTS, LoaSide, OwnProcess, alternate, queued_posts, report  # noqa: E402


# seconds per answer, as openapi.zalo.me answers a server in a provincial office (the Telegram and portal rows model
# their platforms the same way); loa's own cost per post is the difference of the two "ms per post" figures
LATENCY = 0.1


def zalo_oa(latency: float = LATENCY) -> ZaloDouble:
    double = ZaloDouble(processing_polls=0)
    double.latency = latency
    return double


def described(zalo: ZaloDouble) -> dict[str, str]:
    """What the benchmark needs of the double, and an access token of its own for the bare loop."""
    return {"url": zalo.url, "app_id": zalo.app_id, "secret_key": zalo.secret_key,
            "refresh_token": zalo.refresh_token, "token": zalo.new_access_token()}


def channel(zalo: Any) -> str:
    return (f'\n[channels.zalo]\nadapter = "zalo"\napp_id = "{zalo.app_id}"\nsecret_key_env = "LOA_BENCH_ZALO_SECRET"\n'
            f'token_file = "var/zalo-tokens.json"\noa_url = "{zalo.url}"\noauth_url = "{zalo.url}"\n')


def bare_article(session: requests.Session, root: str, token: str, n: int, cover: bytes) -> None:
    headers = {"access_token": token}
    attachment = session.post(f"{root}/v2.0/oa/upload/image", headers=headers,
                              files={"file": ("b.png", cover, "image/png")}, timeout=10).json()["data"]
    created = session.post(f"{root}/v2.0/article/create", headers=headers, timeout=10, json={
        "type": "normal", "title": f"Bài {n}", "author": "loa", "description": "Mô tả",
        "body": [{"type": "text", "content": "<p>Nội dung</p>"}],
        "cover": {"cover_type": "photo", "photo_id": attachment["attachment_id"], "status": "show"},
        "status": "show", "comment": "show"}).json()["data"]
    found = session.post(f"{root}/v2.0/article/verify", headers=headers, json={"token": created["token"]},
                         timeout=10).json()["data"]
    session.get(f"{root}/v2.0/article/getdetail", headers=headers, params={"id": found["id"]}, timeout=10).json()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, OwnProcess(zalo_oa, described) as zalo:
        root = Path(folder)
        os.environ["LOA_BENCH_ZALO_SECRET"] = zalo.secret_key
        os.environ["LOA_ZALO_REFRESH_TOKEN"] = zalo.refresh_token  # loa's one refresh falls in the warm-up round
        config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
        app, database, ids = queued_posts(root, config_text + channel(zalo), POSTS, slug="bench-zalo",
                                          channel="zalo")
        covers = sorted((root / "var" / "media").rglob("*.jpg")) or sorted((root / "var" / "media").rglob("*.png"))
        session = requests.Session()
        token = zalo.token

        def bare(round_: int) -> float:
            start = time.perf_counter()
            for n in range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND):
                bare_article(session, zalo.url, token, n, covers[n % len(covers)].read_bytes())
            return time.perf_counter() - start

        loa = LoaSide(app, database, ids, "zalo")
        samples = alternate({"loa": loa, "bare": bare})
        database.dispose()
    print(f"Publishing posts with covers to a Zalo OA (local double, {LATENCY * 1000:.0f} ms answers):")
    report("publish zalo", samples, loa, loa_what="claim, adapter, steps, record",
           bare_what="requests, same HTTP calls")


if __name__ == "__main__":
    main()
