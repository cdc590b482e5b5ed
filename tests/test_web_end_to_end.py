"""The issue's whole story in a real headless Chromium, against ``loa web`` and ``loa run`` as processes: an editor
writes a post with a photo and watches the banner follow the headline, but cannot approve; the leader approves it;
the card is moved to another day (today, a few seconds ahead); ``loa run`` publishes it to the static-site portal;
the card turns green; the report downloaded from the workspace opens in python-docx and names the post.
Screenshots (week, editor, a 390 px page) go to var/test-artefacts/ and $LOA_ARTEFACTS for a person to look at."""
from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
from selenium.webdriver.common.by import By

from support.browser import phone_width, screenshot, sign_in, wait_for
from support.organization import inline_organization
from support.photos import phone_photo
from support.web import PASSWORDS

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the shipped config's timezone, which the campaign below inherits
LOA = Path(sys.executable).with_name("loa")
TITLE = "Ngày hội đọc sách <b>toàn tỉnh</b> năm 2026"


def _campaign(project, first: dt.date, last: dt.date) -> None:
    project.write("ngay-hoi.toml", f"""
        [campaign]
        slug = "ngay-hoi"
        name = "Ngày hội đọc sách"
        start = {first.isoformat()}
        end = {last.isoformat()}
        channels = ["portal"]
        {inline_organization()}
        """)
    project.ok("campaign", "import", "ngay-hoi.toml")


def _card(browser, day: dt.date, post_id: int):
    found = browser.find_elements(By.CSS_SELECTOR, f'.day[data-day="{day.isoformat()}"] #post-{post_id}:not(.busy)')
    return found[0] if found else None


def _banner_src(browser) -> str | None:
    # read in one step: htmx swaps the preview while we look
    return browser.execute_script("const i = document.getElementById('banner-preview'); return i && i.src")


def _fetch_status(browser, path: str) -> int:
    """A POST from the page itself, with its session and its CSRF token (as htmx would send it)."""
    return browser.execute_async_script("""
        const [path, done] = arguments;
        const token = document.querySelector('input[name=csrf_token]').value;
        fetch(path, {method: 'POST', headers: {'X-CSRF-Token': token}, credentials: 'same-origin'})
            .then(r => done(r.status), e => done(String(e)));""", path)


def _no_horizontal_scroll(browser) -> bool:
    return browser.execute_script("return document.documentElement.scrollWidth") <= 390


def test_an_editor_writes_a_leader_approves_loa_run_publishes_and_the_report_names_it(live_web, browser, tmp_path):
    web, server = live_web
    project = web.project
    artefacts = project.root / "var" / "test-artefacts"
    # written first for the day after tomorrow; moved later to today (local), due a few seconds ahead
    today = dt.datetime.now(TZ).date()
    first_day = today + dt.timedelta(days=2)
    _campaign(project, today - dt.timedelta(days=1), today + dt.timedelta(days=7))
    browser.set_script_timeout(10)
    browser.delete_all_cookies()

    # -- the editor writes the post, with a photo, and watches the banner follow the headline
    sign_in(browser, server.url, "bien-tap", PASSWORDS["bien-tap"])
    browser.get(f"{server.url}/posts/new?campaign=ngay-hoi&day={first_day.isoformat()}")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#preview article"), what="the first preview")
    browser.find_element(By.NAME, "title").send_keys(TITLE)
    browser.find_element(By.NAME, "body").send_keys(
        "Sáng nay, Sở Khoa học và Công nghệ khai mạc Ngày hội đọc sách.\n\nĐoạn hai: mời bà con đến dự.")
    browser.find_element(By.NAME, "images").send_keys(str(phone_photo(tmp_path / "anh-ngay-hoi.jpg", (800, 600))))
    headline = browser.find_element(By.NAME, "banner_headline")
    headline.send_keys("Ngày hội đọc sách")
    first_banner = wait_for(lambda: _banner_src(browser), what="the banner in the preview")
    headline.send_keys(" – Vững bước tương lai")
    wait_for(lambda: (_banner_src(browser) or first_banner) != first_banner,
             what="the banner to change as the headline is typed")
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, artefacts, "e2e-editor-desktop")
    browser.find_element(By.CSS_SELECTOR, ".editor-form button[type=submit]").click()
    wait_for(lambda: "/posts/" in browser.current_url and "/new" not in browser.current_url,
             what="the post page after saving")
    post_id = int(browser.current_url.rstrip("/").rsplit("/", 1)[1])
    row = project.sql("SELECT status, created_by, images FROM posts WHERE id=?", post_id)[0]
    assert row[:2] == ("draft", "bien-tap") and "anh-ngay-hoi" in row[2]
    assert TITLE in browser.find_element(By.TAG_NAME, "h1").text  # as text, not markup

    # -- the editor cannot approve: no button, and the server refuses the request the button would send
    actions = browser.find_element(By.CSS_SELECTOR, "section.actions")
    assert not actions.find_elements(By.CSS_SELECTOR, f'form[action$="/posts/{post_id}/approve"]')
    assert _fetch_status(browser, f"/posts/{post_id}/approve") == 403
    assert project.sql("SELECT status FROM posts WHERE id=?", post_id)[0][0] == "draft"

    # -- the leader approves it on the post page
    browser.delete_all_cookies()
    sign_in(browser, server.url, "lanh-dao", PASSWORDS["lanh-dao"])
    browser.get(f"{server.url}/posts/{post_id}")
    browser.find_element(By.CSS_SELECTOR, f'form[action$="/posts/{post_id}/approve"] button').click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "h1 .badge.status-approved"), what="the approved badge")
    assert project.sql("SELECT status, approved_by FROM posts WHERE id=?", post_id)[0] == ("approved", "lanh-dao")
    phone_width(browser)
    try:
        browser.refresh()
        wait_for(lambda: browser.execute_script("return document.readyState") == "complete", what="the post page")
        assert browser.execute_script("return window.innerWidth") == 390
        assert _no_horizontal_scroll(browser)
        screenshot(browser, artefacts, "e2e-post-phone")
    finally:
        phone_width(browser, False)

    # -- the card moves to another day (today, a few seconds ahead) with its "Dời lịch" form, from the keyboard
    browser.get(f"{server.url}/?day={first_day.isoformat()}")
    card = wait_for(lambda: _card(browser, first_day, post_id), what="the card on its first day")
    card.find_element(By.CSS_SELECTOR, ".move summary").click()
    field = card.find_element(By.NAME, "at")
    field.clear()
    due = (dt.datetime.now(TZ) + dt.timedelta(seconds=8)).replace(microsecond=0)
    today = due.date()  # (past midnight meanwhile: tomorrow, still another day)
    field.send_keys(f"{due:%d/%m/%Y %H:%M:%S}\n")

    def moved() -> bool:
        refusal = browser.execute_script(
            "const e = document.querySelector(arguments[0]); return e && e.textContent", f"#post-{post_id} .move-error")
        assert not refusal, f"the move was refused: {refusal}"
        return _moment(project, post_id) == due

    wait_for(moved, what="the post rescheduled in the queue")
    assert project.sql("SELECT status FROM posts WHERE id=?", post_id)[0][0] == "approved"  # a move keeps it
    browser.get(f"{server.url}/?day={today.isoformat()}")
    assert wait_for(lambda: _card(browser, today, post_id), what="the card in today's column")

    # -- `loa run` publishes it to the static-site portal; the card turns green
    log = (project.root / "var" / "loa-run.log").open("w", encoding="utf-8")
    run = subprocess.Popen([str(LOA), "--config", str(project.config), "run"], stdout=log, stderr=subprocess.STDOUT,
                           env={**os.environ, "LOA_LANG": "vi", "PYTHONUNBUFFERED": "1"})
    try:
        page = wait_for(lambda: list((project.root / "var" / "site" / "posts").glob("*.html")), seconds=40,
                        what=f"the portal page (log: {log.name})")
        assert "Ngày hội đọc sách" in page[0].read_text(encoding="utf-8")

        def green():
            browser.get(f"{server.url}/?day={today.isoformat()}")
            card = _card(browser, today, post_id)
            # the panel (its list is reused for 10 s) has seen the running daemon by now, too
            seen = not browser.find_elements(By.CSS_SELECTOR, "#attention .item.status-stopped")
            return card if seen and card and card.find_elements(By.CSS_SELECTOR, ".mark-ok") else None

        card = wait_for(green, seconds=25, what="the card turning green, and `loa run` seen running")
        assert "status-card-done" in card.get_attribute("class")
        assert not card.find_elements(By.CSS_SELECTOR, ".mark:not(.mark-ok)")
        screenshot(browser, artefacts, "e2e-week-desktop")
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            code = run.wait(timeout=30)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait(timeout=10)
            raise AssertionError("loa run did not stop on SIGTERM within 30 s") from None
        finally:
            log.close()
    assert code == 0, (project.root / "var" / "loa-run.log").read_text(encoding="utf-8")

    # -- the report, downloaded with the session's cookie, opens and names the post
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    request = urllib.request.Request(f"{server.url}/reports/ngay-hoi.docx", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert "attachment" in response.headers["Content-Disposition"]
        document = docx.Document(io.BytesIO(response.read()))
    words = "\n".join([p.text for p in document.paragraphs]
                      + [cell.text for table in document.tables for r in table.rows for cell in r.cells])
    assert TITLE in words
    assert "lanh-dao" in words  # and who approved it
    assert server.stop() == 0


def _moment(project, post_id: int) -> dt.datetime:
    stored = project.json("post", "show", str(post_id))["publish_at"]
    return dt.datetime.fromisoformat(stored).astimezone(TZ)
