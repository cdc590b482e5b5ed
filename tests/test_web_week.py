"""The week at a glance (home), the month, and moving a card: what an officer sees, and the queue after a move."""
from __future__ import annotations

import datetime as dt
import html
import io
import re

from PIL import Image

NEXT_MONDAY = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())


def _campaign(project, slug: str = "tuan-sau", *, posts: str, channels: str = '["portal", "facebook"]') -> None:
    project.write(f"{slug}.toml", f"""
        [campaign]
        slug = "{slug}"
        name = "Chiến dịch {slug}"
        start = {NEXT_MONDAY.isoformat()}
        end = {(NEXT_MONDAY + dt.timedelta(days=13)).isoformat()}
        channels = {channels}
        """ + posts)
    project.ok("campaign", "import", f"{slug}.toml")


def _post(day: int, time: str, title: str, extra: str = "") -> str:
    return f"""
        [[posts]]
        day = {day}
        time = "{time}"
        title = "{title}"
        body = "Nội dung."
        {extra}
        """


def _at(project, post_id: int) -> str:
    return project.json("post", "show", str(post_id))["publish_at"]


def _card(page: str, post_id: int) -> str:
    found = re.search(rf'<li class="wcard[^"]*" id="post-{post_id}".*?(?=<li class="wcard|</ol>|\Z)', page, re.S)
    assert found, f"no card for post {post_id}"
    return found.group(0)


def test_the_week_shows_its_own_posts_with_badges_and_channel_marks(web):
    _campaign(web.project, posts=_post(1, "08:00", "Bài thứ hai") + _post(3, "14:30", "Bài thứ tư")
              + _post(8, "09:00", "Bài tuần sau"))
    web.project.ok("post", "approve", "2")
    web.project.ok("post", "send-back", "1", "--comment", "Sửa lại đoạn 2", "--by", "lanh-dao")
    web.login("bien-tap")
    page = web.client.get(f"/?day={(NEXT_MONDAY + dt.timedelta(days=4)).isoformat()}").get_data(as_text=True)
    assert "Bài thứ hai" in page and "Bài thứ tư" in page and "Bài tuần sau" not in page
    monday, wednesday = _card(page, 1), _card(page, 2)
    assert 'class="badge status-draft"' in monday and 'class="badge status-approved"' in wednesday
    assert "status-approved" in wednesday and "08:00" in monday and "14:30" in wednesday
    assert "Sửa lại đoạn 2" in monday and "comment-mark" in monday and "comment-mark" not in wednesday
    for card in (monday, wednesday):  # a mark per channel, its state in words (not colour alone)
        # channels by the names people read (tests/test_channel_names.py)
        assert re.search(r'class="mark mark-wait" title="Web portal: [^"]+">', card)
        assert "Facebook Page" in card and 'class="sr-only">: ' in card
    # each card sits in its own day's column
    column = re.search(rf'data-day="{NEXT_MONDAY.isoformat()}".*?</section>', page, re.S).group(0)
    assert 'id="post-1"' in column and 'id="post-2"' not in column
    following = web.client.get(f"/?day={(NEXT_MONDAY + dt.timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert "Bài tuần sau" in following and "Bài thứ hai" not in following


def test_the_filter_shows_one_campaign_and_hides_archived_ones(web):
    _campaign(web.project, "mot", posts=_post(1, "08:00", "Bài chiến dịch một"))
    _campaign(web.project, "hai", posts=_post(2, "08:00", "Bài chiến dịch hai"))
    web.login("bien-tap")
    day = f"day={NEXT_MONDAY.isoformat()}"
    both = web.client.get(f"/?{day}").get_data(as_text=True)
    assert "Bài chiến dịch một" in both and "Bài chiến dịch hai" in both
    one = web.client.get(f"/?{day}&campaign=mot").get_data(as_text=True)
    assert "Bài chiến dịch một" in one and "Bài chiến dịch hai" not in one
    assert '<option value="mot" selected>' in one
    unknown = web.client.get(f"/?{day}&campaign=khong-co")
    assert unknown.status_code == 422 and "khong-co" in unknown.get_data(as_text=True)


def test_the_month_counts_posts_per_day_and_links_to_the_week(web):
    _campaign(web.project, posts=_post(1, "08:00", "A") + _post(1, "10:00", "B") + _post(2, "08:00", "C"))
    web.project.ok("post", "approve", "2")
    web.login("bien-tap")
    page = web.client.get(f"/month?month={NEXT_MONDAY:%Y-%m}").get_data(as_text=True)
    cell = re.search(rf'data-day="{NEXT_MONDAY.isoformat()}">(.*?)</td>', page, re.S).group(1)
    assert "2 posts" in cell and "1 drafts" in cell and f"/?day={NEXT_MONDAY.isoformat()}" in cell
    tuesday = NEXT_MONDAY + dt.timedelta(days=1)
    assert "1 posts" in re.search(rf'data-day="{tuesday.isoformat()}">(.*?)</td>', page, re.S).group(1)
    assert web.client.get("/month?month=2024-13").status_code == 422


def test_moving_by_the_form_and_by_the_drag_endpoint(web):
    _campaign(web.project, posts=_post(1, "08:00", "Bài dời lịch"))
    web.project.ok("post", "approve", "1")
    web.login("bien-tap")  # an editor may move a post (the approval stays: the text is unchanged)
    wednesday = NEXT_MONDAY + dt.timedelta(days=2)
    response = web.post("/posts/1/move", {"at": f"{wednesday:%d/%m/%Y} 8h30"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/?day={wednesday.isoformat()}#post-1"
    assert _at(web.project, 1).startswith(f"{wednesday.isoformat()}T08:30")
    # the drag: the same endpoint, the card back as a fragment, the time of day kept
    friday = NEXT_MONDAY + dt.timedelta(days=4)
    response = web.post("/posts/1/move", {"at": f"{friday.isoformat()} 08:30:00"}, headers={"X-Loa-Fragment": "card"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and fragment.startswith('<li class="wcard')
    assert f'data-at="{friday.isoformat()}T08:30:00+07:00"' in fragment
    assert _at(web.project, 1) == f"{friday.isoformat()}T08:30:00+07:00"
    assert web.project.json("post", "show", "1")["status"] == "approved"
    kinds = [e["kind"] for e in web.project.json("post", "show", "1")["history"]]
    assert kinds.count("rescheduled") == 2
    page = web.client.get(f"/?day={friday.isoformat()}").get_data(as_text=True)
    assert 'id="post-1"' in re.search(rf'data-day="{friday.isoformat()}".*?</section>', page, re.S).group(0)


def test_a_refused_move_shows_the_clis_words_and_changes_nothing(web):
    _campaign(web.project, posts=_post(1, "08:00", "Bài không dời được"))
    web.login("bien-tap")
    before, entries = _at(web.project, 1), web.project.rows("outreach_entries")
    cli = web.project.fails("post", "reschedule", "1", "01/01/2020 08:00")
    message = cli.split("WHEN: ", 1)[1]
    response = web.post("/posts/1/move", {"at": "01/01/2020 08:00"})
    assert response.status_code == 422 and message in html.unescape(response.get_data(as_text=True))
    assert message in html.unescape(_card(response.get_data(as_text=True), 1))  # beside the card, its form open
    response = web.post("/posts/1/move", {"at": "ngày mai"}, headers={"X-Loa-Fragment": "card"})
    assert response.status_code == 422
    assert web.project.fails("post", "reschedule", "1", "ngày mai").split("WHEN: ", 1)[1] in html.unescape(
        response.get_data(as_text=True))
    assert _at(web.project, 1) == before and web.project.rows("outreach_entries") == entries
    web.project.ok("post", "cancel", "1")
    response = web.post("/posts/1/move", {"at": f"{NEXT_MONDAY:%d/%m/%Y} 09:00"})
    assert response.status_code == 422
    assert web.project.fails("post", "reschedule", "1", f"{NEXT_MONDAY:%d/%m/%Y} 09:00").split(
        "ID: ", 1)[1] in html.unescape(response.get_data(as_text=True))
    assert web.client.post("/posts/1/move", data={"at": "01/01/2030 08:00"}).status_code == 403  # no CSRF token


def test_markup_in_a_title_or_comment_shows_as_text(web):
    _campaign(web.project, posts=_post(1, "08:00", '\\"><img src=x onerror=alert(1)><script>alert(2)</script>'))
    web.project.ok("post", "send-back", "1", "--comment", "<script>alert(3)</script>", "--by", "lanh-dao")
    web.login("bien-tap")
    page = web.client.get(f"/?day={NEXT_MONDAY.isoformat()}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(2)" in page and "&lt;script&gt;alert(3)" in page


def test_a_card_shows_a_thumbnail_of_its_banner(web):
    _campaign(web.project, posts=_post(1, "08:00", "Bài có banner", 'banner = { headline = "Học tập suốt đời" }'))
    web.login("bien-tap")
    card = _card(web.client.get(f"/?day={NEXT_MONDAY.isoformat()}").get_data(as_text=True), 1)
    source = re.search(r'<img class="thumb" src="([^"]+)"', card).group(1)
    response = web.client.get(source)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.width <= 320 and image.height <= 200
    assert web.client.get("/posts/999/thumb").status_code == 404


DRAG = """
const [card, day] = arguments;
const data = new DataTransfer();
card.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: data}));
day.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: data}));
day.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data}));
card.dispatchEvent(new DragEvent("dragend", {bubbles: true, dataTransfer: data}));
"""


def test_in_a_browser_a_card_dragged_to_another_day_moves_there_and_phones_get_stacked_days(live_web, browser):
    from selenium.webdriver.common.by import By

    from support.browser import phone_width, screenshot, sign_in, wait_for
    from support.web import PASSWORDS

    web, server = live_web
    _campaign(web.project, posts=_post(1, "08:00", "Khai mạc Tuần lễ học tập suốt đời",
                                       'banner = { headline = "Học tập suốt đời" }')
              + _post(1, "10:00", "Bài thứ hai trong ngày") + _post(3, "09:00", "Tọa đàm"))
    web.project.ok("post", "approve", "2")
    artefacts = web.project.root / "var" / "test-artefacts"
    browser.delete_all_cookies()
    sign_in(browser, server.url, "bien-tap", PASSWORDS["bien-tap"])
    browser.get(f"{server.url}/?day={NEXT_MONDAY.isoformat()}")
    wednesday = (NEXT_MONDAY + dt.timedelta(days=2)).isoformat()

    def in_column(day: str, post_id: int):
        cards = browser.find_elements(By.CSS_SELECTOR, f'.day[data-day="{day}"] #post-{post_id}:not(.busy)')
        return cards[0] if cards else None

    browser.execute_script(DRAG, browser.find_element(By.ID, "post-1"),
                           browser.find_element(By.CSS_SELECTOR, f'.day[data-day="{wednesday}"]'))
    card = wait_for(lambda: in_column(wednesday, 1), what="the card in Wednesday's column")
    assert card.get_attribute("data-at") == f"{wednesday}T08:00:00+07:00"  # the time of day kept
    assert _at(web.project, 1) == f"{wednesday}T08:00:00+07:00"
    # it sits before Wednesday's 09:00 post; and stays there after a reload
    order = [c.get_attribute("id") for c in browser.find_elements(By.CSS_SELECTOR, f'.day[data-day="{wednesday}"] .wcard')]
    assert order == ["post-1", "post-3"]
    browser.refresh()
    assert wait_for(lambda: in_column(wednesday, 1), what="the moved card after a reload")
    screenshot(browser, artefacts, "week-desktop")
    phone_width(browser)
    try:
        browser.refresh()
        wait_for(lambda: browser.execute_script("return document.readyState") == "complete", what="the page")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        # on a phone: the form, from the keyboard
        card = browser.find_element(By.ID, "post-2")
        card.find_element(By.CSS_SELECTOR, ".move summary").click()
        field = card.find_element(By.NAME, "at")
        field.clear()
        thursday = NEXT_MONDAY + dt.timedelta(days=3)
        field.send_keys(f"{thursday:%d/%m/%Y} 9h15\n")
        wait_for(lambda: in_column(thursday.isoformat(), 2), what="the card moved by its form")
        assert _at(web.project, 2) == f"{thursday.isoformat()}T09:15:00+07:00"
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, artefacts, "week-phone")
        browser.get(f"{server.url}/month?month={NEXT_MONDAY:%Y-%m}")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, artefacts, "month-phone")
    finally:
        phone_width(browser, False)


def test_the_cli_reads_times_as_the_week_does(project):
    _campaign(project, posts=_post(1, "08:00", "Bài"))
    tuesday = NEXT_MONDAY + dt.timedelta(days=1)
    project.ok("post", "reschedule", "1", f"{tuesday:%d/%m/%Y} 9h")
    assert _at(project, 1) == f"{tuesday.isoformat()}T09:00:00+07:00"
    project.ok("post", "reschedule", "1", f"{tuesday.isoformat()} 14h05")
    assert _at(project, 1) == f"{tuesday.isoformat()}T14:05:00+07:00"
    assert "25h" in project.fails("post", "reschedule", "1", f"{tuesday:%d/%m/%Y} 25h")
