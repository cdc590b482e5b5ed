"""The editor's live preview, timed as the officer's browser sees it: ``loa web`` as a process, a signed-in
session, ``POST /posts/preview`` with a new banner headline each time (the banner drawn at 1200x630, and its image
fetched) and with only the body changed (the banner already drawn). Against a baseline in the same run: the login
page. Prints JSON (milliseconds); the target is p95 <= 120 ms for the preview with a new banner.

    .venv/bin/python bench/web_preview.py [--runs 60]
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Callable

PASSWORD = "mat-khau-do-thoi-gian"
CAMPAIGN = """
[campaign]
slug = "do-thoi-gian"
name = "Đo thời gian"
start = 2031-10-01
end = 2031-10-07
channels = ["portal", "facebook"]
hashtags = ["#HocTapSuotDoi"]
"""


def _loa(config: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run([str(Path(sys.executable).parent / "loa"), "--config", str(config), *args], input=stdin,
                   text=True, check=True, capture_output=True)


def _percentiles(runs: list[float]) -> dict[str, float]:
    ordered = sorted(runs)
    p95 = ordered[max(0, round(len(ordered) * .95) - 1)]
    return {"p50_ms": round(ordered[len(ordered) // 2], 1), "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1), "runs": len(ordered)}


def _timed(call: Callable[[int], Any], runs: int) -> dict[str, float]:
    call(-1)  # warm-up
    durations = []
    for number in range(runs):
        start = time.perf_counter()
        call(number)
        durations.append((time.perf_counter() - start) * 1000)
    return _percentiles(durations)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="loa-bench-preview-") as folder:
        config = Path(folder) / "config.toml"
        _loa(config, "init")
        _loa(config, "users", "add", "bench", "--role", "editor", "--password-stdin", stdin=PASSWORD + "\n")
        (Path(folder) / "c.toml").write_text(CAMPAIGN, encoding="utf-8")
        _loa(config, "campaign", "import", str(Path(folder) / "c.toml"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(Path(sys.executable).parent / "loa"), "--config", str(config), "web",
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            print(json.dumps(_measure(url, runs), indent=2))
        finally:
            server.terminate()
            server.wait(timeout=10)


def _measure(url: str, runs: int) -> dict[str, Any]:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    deadline = time.monotonic() + 20
    while True:
        try:
            page = opener.open(url + "/login").read().decode()
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    opener.open(url + "/login", urllib.parse.urlencode({"name": "bench", "password": PASSWORD,
                                                       "csrf_token": token}).encode())
    page = opener.open(url + "/posts/new?campaign=do-thoi-gian").read().decode()
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)  # type: ignore[union-attr]

    def preview(number: int, *, new_banner: bool) -> None:
        headline = f"Đọc sách – Vững bước tương lai {number}" if new_banner else "Đọc sách – Vững bước tương lai"
        form = {"campaign": "do-thoi-gian", "title": "Ngày hội đọc sách", "at": "2031-10-01 09:00",
                "body": f"Đoạn một.\n\nĐoạn hai, lần {number}.", "channels": ["portal", "facebook"],
                "banner_headline": headline}
        request = urllib.request.Request(url + "/posts/preview", urllib.parse.urlencode(form, doseq=True).encode(),
                                         headers={"X-CSRF-Token": token, "HX-Request": "true"})
        fragment = opener.open(request).read()
        if new_banner:  # the browser fetches the new image
            source = re.search(rb'src="(/preview/banner/[^"]+)"', fragment)
            assert source, fragment[:500]
            opener.open(url + source.group(1).decode()).read()

    return {"baseline_login_page": _timed(lambda n: opener.open(url + "/login").read(), runs),
            "preview_new_banner_1200x630": _timed(lambda n: preview(n, new_banner=True), runs),
            "preview_body_typed": _timed(lambda n: preview(n, new_banner=False), runs),
            "target": "preview_new_banner_1200x630 p95 <= 120 ms"}


if __name__ == "__main__":
    main()
