"""``loa web`` as a process: it serves the pages and the vendored script, says where, and stops cleanly."""
from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request

from support.browser import WebServer


def test_loa_web_serves_and_stops_on_sigterm_with_exit_0(web):
    server = WebServer(web.project.config).start()
    try:
        with urllib.request.urlopen(server.url + "/login", timeout=5) as response:
            page = response.read().decode("utf-8")
            assert "Đăng nhập" in page and response.headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(server.url + "/static/htmx.min.js", timeout=5) as response:
            assert response.read().startswith(b"var htmx")
        with urllib.request.urlopen(server.url + "/static/htmx.LICENSE", timeout=5) as response:
            assert b"Zero-Clause BSD" in response.read()
    finally:
        assert server.stop() == 0
    log = server.log.read_text(encoding="utf-8")
    assert f"http://127.0.0.1:{server.port}" in log and "Đã dừng" in log
    secret = web.project.root / "var" / "web-secret.key"
    assert secret.stat().st_mode & 0o777 == 0o600


def test_a_port_in_use_is_one_line_and_exit_2(web):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from loa.scheduler.cli import main; main()", "--config",
                               str(web.project.config), "web", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--port" in done.stderr


def test_the_secret_key_is_made_once_with_mode_0600(bare):
    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app

    bare.ok("init")
    first = create_app(load_config(bare.config)).secret_key
    path = bare.root / "var" / "web-secret.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert create_app(load_config(bare.config)).secret_key == first
