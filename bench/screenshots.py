"""The README's pictures of the workspace, made again from a realistic week: the sample campaign imported to start on
this week's Monday, what is already past published (to the static site and the Facebook dry run), the next days
approved, the last ones still drafts, one sent back with the leader's comment. ``loa web`` runs as a process and
headless Chromium (Debian's ``chromium`` and ``chromium-driver``) takes the pictures, which are then quantized to
256 colours so each stays small. Nothing leaves the machine.

    .venv/bin/python bench/screenshots.py [--out bench/screenshots]

Writes week-desktop.png, editor-desktop.png, week-phone.png and plan-draft-desktop.png (a new campaign from the
sample plan: what was found, what is missing, the file to edit) (bench/ is outside the package: never in the wheel).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import WebServer, chromium, phone_width, sign_in, wait_for  # noqa: E402

from pictures import small_png  # noqa: E402

SAMPLE = ROOT / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
SAMPLE_PLAN = ROOT / "tests" / "plans" / "ke-hoach-tuan-le-hoc-tap-suot-doi-2024.txt"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the sample campaign's
ACCOUNTS = {"bien-tap": ("editor", "mat-khau-bien-tap"), "lanh-dao": ("approver", "mat-khau-lanh-dao")}
COMMENT = "Sửa lại đoạn 2: ghi rõ địa điểm và giờ khai mạc."
DESKTOP_WIDTH = 1366
LIMIT_KB = 150
LOA = str(Path(sys.executable).with_name("loa"))
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("LOA_")}, "LOA_LANG": "vi"}


def loa(config: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([LOA, "--config", str(config), *args], input=stdin, text=True, capture_output=True,
                          env=ENV)
    if done.returncode != 0:
        raise SystemExit(f"loa {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def realistic_week(config: Path) -> int:
    """The sample on this week's Monday, in the states of a Wednesday afternoon. Returns a post to edit."""
    loa(config, "init")
    for name, (role, password) in ACCOUNTS.items():
        loa(config, "users", "add", name, "--role", role, "--password-stdin", stdin=password + "\n")
    now = dt.datetime.now(TZ)
    monday = now.date() - dt.timedelta(days=now.weekday())
    loa(config, "campaign", "import", str(SAMPLE), "--start", monday.isoformat(), "--allow-past", "--by", "bien-tap")
    posts = json.loads(loa(config, "queue", "--json"))["posts"]
    past = [p["id"] for p in posts if dt.datetime.fromisoformat(p["publish_at"]) <= now]
    soon = [p["id"] for p in posts if now < dt.datetime.fromisoformat(p["publish_at"]) <= now + dt.timedelta(days=2)]
    later = [p["id"] for p in posts if dt.datetime.fromisoformat(p["publish_at"]) > now + dt.timedelta(days=2)]
    if past or soon:
        loa(config, "post", "approve", *map(str, past + soon), "--by", "lanh-dao")
    for post_id in past:
        loa(config, "publish", str(post_id))
    if later:
        loa(config, "post", "send-back", str(later[0]), "--comment", COMMENT, "--by", "lanh-dao")
    return (soon or later or past)[0]


def whole_page(driver, height_limit: int = 1600) -> None:
    """Grow the window to the page's height (up to a limit), so the picture shows the whole week."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(DESKTOP_WIDTH, min(height + 140, height_limit))  # + the window's own chrome


def images_loaded(driver) -> bool:
    """Every image in the window has arrived (the cards' thumbnails load lazily)."""
    return driver.execute_script("""return [...document.images]
        .filter(i => i.getBoundingClientRect().top < window.innerHeight)
        .every(i => i.complete && i.naturalWidth > 0)""")


def save(driver, path: Path) -> Path:
    wait_for(lambda: images_loaded(driver), seconds=30, what=f"the images of {driver.current_url}")
    driver.save_screenshot(str(path))
    small_png(path, LIMIT_KB)
    return path


def plan_draft_page(driver, url: str, path: Path) -> Path:
    """"New campaign from a plan" after the sample plan was uploaded: found, missing, the file to edit."""
    driver.get(url + "/campaigns")
    card = driver.find_element(By.ID, "from-plan")
    card.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(SAMPLE_PLAN))
    card.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: driver.find_elements(By.ID, "campaign-text"), what="the drafted campaign file")
    whole_page(driver)
    return save(driver, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="loa-screenshots-") as folder:
        config = Path(folder) / "config.toml"
        edited = realistic_week(config)
        # the daemon runs, as it would in an office (nothing is due: it waits), so the panel shows the real list
        daemon = subprocess.Popen([LOA, "--config", str(config), "run"], env=ENV, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        server = WebServer(config).start()
        driver = chromium()
        try:
            sign_in(driver, server.url, "lanh-dao", ACCOUNTS["lanh-dao"][1])

            def daemon_seen() -> bool:  # the panel's list is reused for 10 s
                driver.get(server.url + "/")
                return not driver.find_elements(By.CSS_SELECTOR, "#attention .status-stopped")

            wait_for(daemon_seen, seconds=20, what="the daemon seen running")
            whole_page(driver)
            driver.refresh()
            wait_for(lambda: driver.execute_script("return document.readyState") == "complete", what="the week")
            save(driver, out / "week-desktop.png")
            driver.set_window_size(DESKTOP_WIDTH, 900)
            driver.delete_all_cookies()
            sign_in(driver, server.url, "bien-tap", ACCOUNTS["bien-tap"][1])
            driver.get(f"{server.url}/posts/{edited}/edit")
            wait_for(lambda: driver.execute_script("return document.getElementById('banner-preview')"),
                     what="the banner in the preview")
            save(driver, out / "editor-desktop.png")
            phone_width(driver)
            driver.get(server.url + "/")
            wait_for(lambda: driver.execute_script("return document.readyState") == "complete", what="the week")
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 390, "scrolls sideways"
            save(driver, out / "week-phone.png")
            phone_width(driver, False)
            plan_draft_page(driver, server.url, out / "plan-draft-desktop.png")
        finally:
            driver.quit()
            server.stop()
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)


if __name__ == "__main__":
    main()
