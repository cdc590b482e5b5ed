"""A real browser on the workspace: ``loa web`` as a process on a free 127.0.0.1 port, and headless Chromium
(Debian's ``chromium`` and ``chromium-driver``) driven by selenium. Waits poll with deadlines; nothing sleeps blind."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DESKTOP = (1366, 900)
PHONE = (390, 844)
T = TypeVar("T")


def missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return "Chromium is not installed (apt-get install chromium chromium-driver); .ci/run installs it"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], T | None], *, seconds: float = 15, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


class WebServer:
    """``loa --config CONFIG web --port P`` as a subprocess; ``url`` once it answers."""

    def __init__(self, config: Path, *, language: str = "vi") -> None:
        self.config = config
        self.language = language  # the product's default, so screenshots show what officers see
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None
        self.log = config.parent / "var" / "loa-web.log"

    def start(self) -> WebServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "LOA_LANG": self.language}
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from loa.scheduler.cli import main; main()", "--config", str(self.config),
                 "web", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
        wait_for(self._answers, seconds=20, what=f"loa web on {self.url} (log: {self.log})")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"loa web exited {self.process.returncode}:\n{self.log.read_text()}")
        try:
            with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self) -> int | None:
        """SIGTERM, as systemd stops it; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise AssertionError("loa web did not stop on SIGTERM within 10 s") from None


def chromium() -> Any:
    """A headless Chromium under selenium (chromedriver from Debian, no download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=vi", "--no-first-run",
                     "--disable-extensions", "--password-store=basic"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def phone_width(driver: Any, enabled: bool = True) -> None:
    """Emulate a 390 px wide phone (or go back to the desktop window)."""
    if enabled:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def screenshot(driver: Any, folder: Path, name: str) -> Path:
    """A PNG of the whole page into ``folder`` (and a copy into $LOA_ARTEFACTS when set) for a person to look at."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    extra = os.environ.get("LOA_ARTEFACTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(extra) / path.name)
    return path


def sign_in(driver: Any, url: str, name: str, password: str) -> None:
    """Through the real login page, as a person would."""
    from selenium.webdriver.common.by import By

    driver.get(url + "/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(lambda: driver.current_url.rstrip("/") == url, what=f"the home page after signing in as {name}")
