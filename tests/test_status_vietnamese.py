"""`loa status`'s attention list and `loa channels check` speak the officer's language: reasons and what to do in
Vietnamese, durations as people say them ("hơn 6 tiếng"), statuses by their Vietnamese names, and every network
failure as a sentence naming the channel and the address, never an exception's class name."""
from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from hypothesis import given, strategies as st

from conftest import delivery_states, fast_daemon, make_due, queue_now

VI = {"LOA_LANG": "vi"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_attention_reasons_and_hints_are_vietnamese(project):
    fast_daemon(project, grace_minutes=360)
    (project.root / "blocked").write_text("a file where the site folder should be")
    project.set_channel("portal", 'adapter = "static-site"\npath = "blocked"')
    project.set_channel("facebook", 'adapter = "dry-run"\nkind = "facebook"\npath = "var/dry-run/facebook"\n'
                                    'after = "portal"')
    late, failing = queue_now(project, 2, pace=60)
    make_due(project, late, ago=dt.timedelta(hours=7))  # loa was not running when it fell due
    make_due(project, failing)
    assert project.run("run", "--until-idle", env=VI).exit_code == 3  # failed and missed are left
    assert delivery_states(project)[(failing, "portal")] == "failed"
    report = project.run("status", "--json", env=VI)
    assert report.exit_code == 3
    items = {(i["post"], i["channel"], i["status"]): i for i in json.loads(report.stdout)["attention"]["items"]}
    missed = items[(late, "portal", "missed")]
    assert missed["reason"].startswith("quá giờ đăng hơn 6 tiếng (loa không chạy")
    assert missed["hint"] == f'đặt giờ mới: loa post reschedule {late} "<giờ mới>", hoặc đăng ngay: loa retry {late}'
    failed = items[(failing, "portal", "failed")]
    assert failed["reason"].startswith("không ghi được vào thư mục trang") and failed["hint"] == \
        f"gửi lại: loa retry {failing}"
    waiting = items[(failing, "facebook", "waiting")]
    assert waiting["reason"] == "chờ kênh portal (đang lỗi)"
    assert waiting["hint"] == "xử lý kênh portal trước (đang lỗi)"
    assert waiting["status"] == "waiting"  # the code stays for machines; people read the words above


def test_english_stays_complete(project):
    fast_daemon(project, grace_minutes=90)
    late, = queue_now(project, 1)
    make_due(project, late, ago=dt.timedelta(hours=3))
    project.ok("run", "--once")
    item, = [i for i in project.json("status")["attention"]["items"] if i["channel"] == "portal"]
    assert item["reason"].startswith("overdue by more than 1 hour 30 minutes (loa was not running")
    assert item["hint"] == f"loa post reschedule {late} WHEN, or loa retry {late}"


def spoken_minutes(text: str, units: dict[str, int]) -> int:
    """The number of minutes a duration_text says, read back."""
    pairs = re.findall(r"(\d+) (\S+)", text)
    assert pairs and " ".join(f"{n} {u}" for n, u in pairs) == text, text
    return sum(int(n) * units[u] for n, u in pairs)


@given(st.floats(min_value=0, max_value=90 * 24 * 3600, allow_nan=False))
def test_durations_are_said_in_the_largest_units(seconds):
    from loa.posts import i18n
    from loa.scheduler.spoken import duration_text

    minutes = max(0, round(seconds / 60))
    for language, units in (("vi", {"phút": 1, "tiếng": 60, "ngày": 1440}),
                            ("en", {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440})):
        i18n.set_language(language)
        try:
            text = duration_text(seconds)
            said = spoken_minutes(text, units)
        finally:
            i18n.set_language(None)
        # whole minutes below a day; beyond a day the minutes are dropped (nobody says "2 ngày 3 tiếng 7 phút")
        assert said == minutes if minutes < 1440 else 0 <= minutes - said < 60
        assert minutes == 0 or not re.search(r"(^| )0 ", text), text  # no "6 tiếng 0 phút"


@pytest.mark.parametrize("error, sentence", [
    (requests.exceptions.SSLError("x"), "chứng chỉ bảo mật"),
    (requests.ConnectTimeout("x"), "máy chủ không trả lời"),
    (requests.ReadTimeout("x"), "không trả lời kịp"),
    (requests.exceptions.ChunkedEncodingError(ConnectionResetError(104, "reset")), "bị ngắt giữa chừng"),
    (requests.ConnectionError(ConnectionRefusedError(111, "refused")), "từ chối kết nối"),
    (requests.ConnectionError("Failed to resolve 'x.invalid' ([Errno -2] Name or service not known)"),
     "không tìm thấy máy chủ"),
    (requests.exceptions.MissingSchema("x"), "địa chỉ không hợp lệ"),
    (requests.TooManyRedirects("x"), "chuyển hướng quá nhiều"),
])
def test_network_failures_are_sentences(error, sentence):
    from loa.posts import i18n
    from loa.scheduler.publishers import network_problem

    i18n.set_language("vi")
    try:
        text = network_problem(error)
    finally:
        i18n.set_language(None)
    assert sentence in text and "Error" not in text and "Timeout" not in text


def check(project, *names: str, env: dict[str, str] | None = None):
    return project.run("channels", "check", *names, env={**VI, **(env or {})})


def test_check_verdicts_of_the_shipped_channels_are_vietnamese(project):
    result = check(project)
    assert result.exit_code == 0
    assert f"portal: hoạt động tốt: thư mục {project.root / 'var' / 'site'}" in result.stdout
    assert "facebook: hoạt động tốt: chạy thử, không gửi gì (bản ghi ở" in result.stdout
    assert "OK" not in result.stdout and "dry run" not in result.stdout


def test_a_missing_token_names_the_variable(project):
    project.set_channel("facebook", 'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_FB_TOKEN"')
    result = check(project, "facebook")
    assert result.exit_code == 2
    # the secrets file ([secrets] file) may hold it too: the message says both places (issue 19 point 9)
    assert ("facebook: chưa đặt LOA_FB_TOKEN trong môi trường (hoặc tệp bí mật): mã truy cập Trang Facebook"
            in result.stderr)
    assert "is not set" not in result.stderr


def wordpress_portal(project, url: str, extra: str = "") -> None:
    project.set_channel("portal", f'adapter = "wordpress"\nurl = "{url}"\nusername = "tt"\n'
                                  f'password_env = "LOA_PORTAL_PASSWORD"\n{extra}')


def test_an_unreachable_portal_says_where_and_why(project):
    url = f"http://127.0.0.1:{closed_port()}"
    wordpress_portal(project, url)
    result = check(project, "portal", env={"LOA_PORTAL_PASSWORD": "abcd efgh"})
    assert result.exit_code == 2
    assert f"portal: không kết nối được tới {url}: máy chủ từ chối kết nối" in result.stderr
    assert "ConnectionError" not in result.stderr


class Site(BaseHTTPRequestHandler):
    """Not a WordPress: an ordinary page for every address, or (``slow``) no answer at all for a while."""
    slow = threading.Event()

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.slow.is_set():
            threading.Event().wait(3)  # longer than the channel's timeout: the answer comes too late
            return
        body = "<html><body>Trang chủ</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Site.slow.clear()
    server.shutdown()
    server.server_close()


def test_a_site_that_is_not_wordpress(project, site):
    wordpress_portal(project, site)
    result = check(project, "portal", env={"LOA_PORTAL_PASSWORD": "abcd"})
    assert result.exit_code == 2
    assert f"portal: {site} không trả lời như một trang WordPress" in result.stderr


def test_a_site_that_does_not_answer_in_time(project, site):
    Site.slow.set()
    wordpress_portal(project, site, "timeout = 0.5")
    result = check(project, "portal", env={"LOA_PORTAL_PASSWORD": "abcd"})
    assert result.exit_code == 2
    assert f"portal: không kết nối được tới {site}: máy chủ không trả lời kịp" in result.stderr
    assert "ReadTimeout" not in result.stderr
