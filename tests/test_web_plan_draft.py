"""A new campaign from a plan in the workspace: the plan uploaded, what was found (with the plan's line) and what is
missing shown, the drafted campaign file edited in the page, then the same review and ``apply`` as an uploaded
campaign file. Bad uploads get the page again with one message (422) and nothing is kept under their own name."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import re
from pathlib import Path

import pytest

PLANS = Path(__file__).parent / "plans"
SAMPLE = PLANS / "ke-hoach-tuan-le-hoc-tap-suot-doi-2024.txt"
TEXTAREA = re.compile(r'<textarea id="campaign-text"[^>]*>(.*?)</textarea>', re.S)
PLACEHOLDER = re.compile(r"«[^»\n]*»")


def _upload(web, data: bytes, name: str, **extra):
    return web.post("/campaigns/plan", {"file": (io.BytesIO(data), name), **extra},
                    content_type="multipart/form-data")


def _drafted(web, data: bytes | None = None, name: str = "ke-hoach.txt") -> tuple[str, str]:
    """Upload the sample plan (or ``data``); returns the drafted page's address and its HTML."""
    response = _upload(web, SAMPLE.read_bytes() if data is None else data, name)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    address = response.headers["Location"]
    page = web.client.get(address)
    assert page.status_code == 200
    return address, page.get_data(as_text=True)


def _text_of(page: str) -> str:
    found = TEXTAREA.search(page)
    assert found, "no campaign file on the page"
    return html.unescape(found.group(1))


def _review(web, address: str, text: str, name: str = "ke-hoach.txt"):
    plan_id = address.split("?")[0].rsplit("/", 1)[1]
    return web.post(f"/campaigns/plan/{plan_id}/review", {"text": text, "name": name})


def _ready(text: str, *, start: dt.date) -> str:
    """The officer's edits: every placeholder filled, the week moved to ``start`` (the sample plan is of 2024)."""
    filled = PLACEHOLDER.sub("Đã điền", text)
    end = start + dt.timedelta(days=6)
    filled = re.sub(r"(?m)^start = .*$", f"start = {start.isoformat()}", filled, count=1)
    return re.sub(r"(?m)^end = .*$", f"end = {end.isoformat()}", filled, count=1)


def test_the_campaigns_page_offers_a_new_campaign_from_a_plan(web):
    web.login("bien-tap")
    page = web.client.get("/campaigns").get_data(as_text=True)
    card = page.split('id="from-plan"')[1].split("</section>")[0]
    assert 'action="/campaigns/plan"' in card and 'enctype="multipart/form-data"' in card
    assert 'accept=".docx,.pdf,.txt,.md"' in card and 'name="csrf_token"' in card
    assert web.client.get("/campaigns/plan").status_code == 200


def test_the_sample_plan_shows_what_was_found_with_its_line_and_what_is_missing(web):
    web.login("bien-tap")
    address, page = _drafted(web)
    digest = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert f"/campaigns/plan/{digest}.txt" in address
    kept = web.project.root / "var" / "uploads"
    assert [p.name for p in kept.iterdir()] == [f"{digest}.txt"]  # by its hash, never its own name
    shown = html.unescape(page)
    found = shown.split('id="plan-found"')[1].split("</section>")[0]
    theme_row = found.split('class="fact-theme"')[1].split("</tr>")[0]
    assert "Phát triển văn hóa đọc thúc đẩy học tập suốt đời" in theme_row
    plan_lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    line = int(re.search(r"Line (\d+)<", theme_row).group(1))
    assert "Chủ đề của Tuần lễ" in plan_lines[line - 1] or "Chủ đề của Tuần lễ" in theme_row
    assert "Chủ đề của Tuần lễ" in theme_row.split('class="quote"')[1]  # the plan's own line, quoted
    assert "01/10/2024 – 07/10/2024" in found
    text = _text_of(page)
    assert 'theme = "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"' in text
    assert "start = 2024-10-01" in text and "end = 2024-10-07" in text
    assert web.project.rows("campaigns") == 0  # nothing imported by reading a plan


def test_edit_review_and_apply_imports_the_edited_draft_and_keeps_every_edit_on_the_way(web):
    web.login("bien-tap")
    address, page = _drafted(web)
    drafted = _text_of(page)
    start = dt.date.today() + dt.timedelta(days=10)
    edited = _ready(drafted, start=start).replace(
        'theme = "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"', 'theme = "Đọc sách mỗi ngày"')
    assert "Đọc sách mỗi ngày" in edited
    review = _review(web, address, edited.replace("\n", "\r\n"))  # as a browser sends a textarea
    shown = html.unescape(review.get_data(as_text=True))
    assert review.status_code == 200 and 'id="plan-counts"' in shown, shown[:3000]
    assert "added" in shown.split('id="plan-counts"')[1].split("</ul>")[0]
    assert web.project.rows("campaigns") == 0  # a review changes nothing
    digest = hashlib.sha256(edited.encode()).hexdigest()
    back = web.client.get(html.unescape(re.search(r'<a href="([^"]+)" id="plan-back"', shown).group(1)))
    assert _text_of(back.get_data(as_text=True)) == edited  # back from the review: her edits, not the draft
    applied = web.post("/campaigns/upload/apply", {"file": digest, "name": "ke-hoach.toml"})
    assert applied.status_code == 302, applied.get_data(as_text=True)[:2000]
    [(slug, theme, first)] = web.project.sql("SELECT slug, theme, start_date FROM campaigns")
    assert theme == "Đọc sách mỗi ngày" and str(first) == start.isoformat()
    assert web.project.rows("posts") >= 1
    assert web.project.sql("SELECT DISTINCT status, created_by FROM posts") == [("draft", "bien-tap")]
    listed = web.client.get("/campaigns").get_data(as_text=True)
    assert f"<code>{slug}</code>" in listed


def test_a_loader_error_shows_its_line_on_the_same_page_with_the_text_kept(web):
    web.login("bien-tap")
    address, page = _drafted(web)
    edited = _ready(_text_of(page), start=dt.date.today() + dt.timedelta(days=10))
    broken = re.sub(r"(?m)^end = .*$", "end = 2024-13-45", edited, count=1)
    line = broken.split("\n").index("end = 2024-13-45") + 1
    response = _review(web, address, broken)
    shown = response.get_data(as_text=True)
    assert response.status_code == 422 and 'role="alert"' in shown
    alert = html.unescape(shown.split('id="plan-error"')[1].split("</div>")[0])
    assert f"Line {line}:" in alert and "end = 2024-13-45" in alert
    assert "ke-hoach.toml" in alert and "var/uploads" not in shown
    assert _text_of(shown) == broken  # never lose her edits
    assert 'id="plan-found"' in shown  # still the plan's page, with what was found
    assert web.project.rows("campaigns") == 0


def test_an_unfilled_placeholder_is_refused_with_its_line_and_the_text_kept(web):
    web.login("bien-tap")
    address, page = _drafted(web)
    text = _ready(_text_of(page), start=dt.date.today() + dt.timedelta(days=10))
    with_placeholder = text.replace('theme = "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"',
                                    'theme = "«CHƯA CÓ TRONG KẾ HOẠCH: chủ đề»"')
    assert with_placeholder != text
    line = with_placeholder.split("\n").index('theme = "«CHƯA CÓ TRONG KẾ HOẠCH: chủ đề»"') + 1
    response = _review(web, address, with_placeholder)
    shown = response.get_data(as_text=True)
    assert response.status_code == 422
    alert = html.unescape(shown.split('id="plan-error"')[1].split("</div>")[0])
    assert f"line {line}" in alert and "«CHƯA CÓ TRONG KẾ HOẠCH: chủ đề»" in alert
    assert _text_of(shown) == with_placeholder
    # a «…» in a comment is a note, not a placeholder: the same text with it commented out goes to the review
    commented = with_placeholder.replace('theme = "«', '# theme = "«')
    assert _review(web, address, commented).status_code == 200


def _image_only_pdf() -> bytes:
    """A one-page PDF that is a picture of text, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(image).text((20, 20), "KE HOACH so 15/KH-SKHCN", fill="black")
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


@pytest.mark.parametrize("data, name", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "ke-hoach.png"),           # wrong kind
    (b"", "ke-hoach.docx"),                                         # empty
    (b"Hello, this is a shopping list: milk, eggs.\n" * 20, "ghi-chu.txt"),  # not a plan
    (b"PK\x03\x04 not really a docx", "ke-hoach.docx"),              # unreadable
    (None, "scan.pdf"),                                              # image-only PDF
], ids=["wrong-kind", "empty", "not-a-plan", "unreadable-docx", "image-only-pdf"])
def test_a_bad_upload_gets_the_page_again_with_one_message(web, data, name):
    web.login("bien-tap")
    response = _upload(web, _image_only_pdf() if data is None else data, name)
    shown = response.get_data(as_text=True)
    assert response.status_code == 422, shown[:2000]
    alert = html.unescape(shown.split('id="plan-error"')[1].split("</div>")[0])
    assert alert.count("<p") == 1 and "Traceback" not in shown and "var/uploads" not in alert
    assert 'type="file"' in shown  # the upload form again
    assert web.project.rows("campaigns") == 0
    uploads = web.project.root / "var" / "uploads"
    assert not uploads.exists() or all(re.fullmatch(r"[0-9a-f]{64}\.\w+", p.name) for p in uploads.iterdir())


def test_too_big_and_missing_uploads_and_a_forged_address_are_refused(web, monkeypatch):
    from loa.scheduler.web import plan_draft

    web.login("bien-tap")
    monkeypatch.setattr(plan_draft, "MAX_PLAN_BYTES", 1024)
    too_big = _upload(web, SAMPLE.read_bytes(), "ke-hoach.txt")
    assert too_big.status_code == 422 and "too large" in too_big.get_data(as_text=True)
    assert web.post("/campaigns/plan", {}).status_code == 422
    for forged in ("..%2F..%2Fconfig.toml", "0" * 64 + ".toml", "0" * 64 + ".txt"):
        assert web.client.get(f"/campaigns/plan/{forged}").status_code in (404, 422)
    assert web.post(f"/campaigns/plan/{'0' * 64}.txt/review", {"text": "x"}).status_code == 422
    assert not (web.project.root / "var" / "uploads").exists()


def test_the_uploaded_name_is_shown_escaped_and_the_text_is_size_limited(web, monkeypatch):
    from loa.scheduler.web import plan_draft

    web.login("bien-tap")
    address, page = _drafted(web, name='<img src=x onerror=alert(1)>.txt')
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.txt" in page
    monkeypatch.setattr(plan_draft, "MAX_TEXT_BYTES", 100)
    response = _review(web, address, "# " + "x" * 200)
    assert response.status_code == 422 and "too long" in response.get_data(as_text=True)
    assert _text_of(response.get_data(as_text=True)) == "# " + "x" * 200


def test_signing_in_and_the_csrf_token_are_required(web):
    anonymous = web.client.get("/campaigns/plan")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    web.login("bien-tap")
    refused = web.client.post("/campaigns/plan", data={"file": (io.BytesIO(SAMPLE.read_bytes()), "k.txt")},
                              content_type="multipart/form-data")
    assert refused.status_code == 403
    assert not (web.project.root / "var" / "uploads").exists()


def test_in_a_real_browser_upload_edit_the_theme_review_apply_and_see_the_campaign(live_web, browser):
    """Headless Chromium, as the officer does it; screenshots of the found/missing page at desktop and phone width
    (var/test-artefacts/ of the test's project, and $LOA_ARTEFACTS when set)."""
    from selenium.webdriver.common.by import By
    from support.browser import phone_width, screenshot, sign_in, wait_for
    from support.web import PASSWORDS

    web, server = live_web
    artefacts = web.project.root / "var" / "test-artefacts"
    browser.delete_all_cookies()
    sign_in(browser, server.url, "bien-tap", PASSWORDS["bien-tap"])
    browser.get(server.url + "/campaigns")
    card = browser.find_element(By.ID, "from-plan")
    card.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(SAMPLE))
    card.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: browser.find_elements(By.ID, "campaign-text"), what="the drafted campaign file")
    assert "Chủ đề" in browser.find_element(By.ID, "plan-found").text  # Vietnamese by default
    assert browser.execute_script("return document.documentElement.scrollWidth") <= 1366
    screenshot(browser, artefacts, "plan-draft-desktop")
    phone_width(browser)
    try:
        browser.refresh()
        wait_for(lambda: browser.execute_script("return document.readyState") == "complete", what="the page")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        screenshot(browser, artefacts, "plan-draft-phone")
    finally:
        phone_width(browser, False)
    start = dt.date.today() + dt.timedelta(days=10)
    textarea = browser.find_element(By.ID, "campaign-text")
    edited = _ready(textarea.get_property("value"), start=start).replace(
        'theme = "Phát triển văn hóa đọc thúc đẩy học tập suốt đời"', 'theme = "Mỗi ngày một trang sách"')
    assert "Mỗi ngày một trang sách" in edited
    browser.execute_script("arguments[0].value = arguments[1]", textarea, edited)
    browser.find_element(By.CSS_SELECTOR, "#plan-edit button[type=submit]").click()
    wait_for(lambda: browser.find_elements(By.ID, "plan-counts"), what="the reviewed change")
    assert web.project.rows("campaigns") == 0
    browser.find_element(By.CSS_SELECTOR, "form[action='/campaigns/upload/apply'] button[type=submit]").click()
    wait_for(lambda: browser.current_url.endswith("/campaigns"), what="the campaign list after apply")
    [(slug, theme)] = web.project.sql("SELECT slug, theme FROM campaigns")
    assert theme == "Mỗi ngày một trang sách"
    assert slug in browser.find_element(By.CSS_SELECTOR, "main table").text
