"""A post's page in the workspace: what each channel will receive, the history, and each action by role — the same
functions and the same messages as ``loa post …``, ``loa retry`` and ``loa publish``."""
from __future__ import annotations

import datetime as dt
import html

import pytest

from support.web import csrf, login


def _campaign(web, title: str = "Ngày hội đọc sách", *, days_ahead: int = 3, channels: str = '"portal"') -> None:
    start = dt.date.today() + dt.timedelta(days=days_ahead)
    web.project.write("c.toml", f"""
        [campaign]
        slug = "doc-sach"
        name = "Văn hóa đọc"
        start = {start.isoformat()}
        end = {start.isoformat()}
        channels = [{channels}]

        [[posts]]
        day = 1
        time = "08:30"
        title = '{title}'
        body = "Đoạn một.\\n\\nĐoạn hai."

        [posts.banner]
        headline = "Ngày hội đọc sách"
        """)
    web.project.ok("campaign", "import", "c.toml", "--by", "bien-tap")


def _status(web, post_id: int = 1) -> str:
    return web.project.sql("SELECT status FROM posts WHERE id = ?", post_id)[0][0]


def _text(page: str) -> str:
    return html.unescape(page)


def test_the_page_shows_each_channels_text_the_banner_and_the_history(web):
    _campaign(web, channels='"portal", "facebook"')
    web.login("bien-tap")
    response = web.client.get("/posts/1")
    page = _text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Ngày hội đọc sách" in page and "facebook.txt" in page and "portal.html" in page
    assert 'sandbox=""' in page and "srcdoc=" in page  # the portal's HTML in a sandboxed frame, never run here
    assert "Đoạn hai." in page
    banner = web.client.get("/posts/1/media/banner-facebook.png")
    assert banner.status_code == 200 and banner.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert web.client.get("/posts/1/media/..%2Fconfig.toml").status_code == 404
    assert web.client.get("/posts/1/media/facebook.txt").status_code == 404  # a text is on the page, not a file
    # an editor sees no approver's buttons
    assert "/posts/1/approve" not in page and "/posts/1/send-back" not in page and "/posts/1/cancel" in page


def test_an_editor_cannot_approve_send_back_retry_publish_correct_or_take_down(web):
    _campaign(web)
    token = web.login("bien-tap")
    before = web.project.sql("SELECT status, approved_by FROM posts")
    entries = web.project.rows("outreach_entries")
    for action in ("approve", "send-back", "retry", "publish", "unpublish", "correct"):
        response = web.client.post(f"/posts/1/{action}", data={"csrf_token": token, "comment": "x"})
        assert response.status_code == 403, action
    assert web.client.get("/posts/1/correct").status_code == 403
    assert web.project.sql("SELECT status, approved_by FROM posts") == before
    assert web.project.rows("outreach_entries") == entries


def test_an_approver_approves_and_is_recorded(web):
    _campaign(web)
    web.login("lanh-dao")
    response = web.post("/posts/1/approve")
    assert response.status_code == 302
    assert web.project.sql("SELECT status, approved_by FROM posts") == [("approved", "lanh-dao")]
    page = web.client.get("/posts/1").get_data(as_text=True)
    assert "Approved 1 posts: 1." in page  # the CLI's message, flashed
    assert "/posts/1/approve" not in page and "lanh-dao" in page
    kinds = [row[0] for row in web.project.sql("SELECT kind FROM outreach_entries WHERE post_id = 1")]
    assert "approved" in kinds


def test_approver_must_differ_refuses_with_the_clis_words(web):
    text = web.project.config.read_text(encoding="utf-8")
    web.project.config.write_text(text.replace("\n[web]\n", "\n[web]\napprover_must_differ = true\n", 1),
                                  encoding="utf-8")
    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app

    _campaign(web)
    app = create_app(load_config(web.project.config), testing=True)
    client = app.test_client()
    token = login(client, "lanh-dao")
    web.project.sql("UPDATE posts SET created_by = 'lanh-dao'")
    response = client.post("/posts/1/approve", data={"csrf_token": token})
    assert response.status_code == 422
    cli = web.project.fails("post", "approve", "1", "--by", "lanh-dao")
    message = _text(response.get_data(as_text=True)).split('id="action-error">')[1].split("<")[0]
    assert message and message in cli
    assert _status(web) == "draft"


def test_send_back_needs_a_comment_and_the_editor_sees_it_until_the_next_edit(web):
    _campaign(web)
    web.project.ok("post", "approve", "1", "--by", "lanh-dao")
    approver = web.app.test_client()
    token = login(approver, "lanh-dao")
    refused = approver.post("/posts/1/send-back", data={"csrf_token": token, "comment": "   "})
    assert refused.status_code == 422 and _status(web) == "approved"
    cli = web.project.fails("post", "send-back", "1", "--comment", " ")
    assert _text(refused.get_data(as_text=True)).split('class="field-error">')[1].split("<")[0] in cli
    sent = approver.post("/posts/1/send-back", data={"csrf_token": token, "comment": "Sửa lại đoạn 2 <b>gấp</b>"})
    assert sent.status_code == 302 and _status(web) == "draft"
    web.login("bien-tap")
    page = web.client.get("/posts/1").get_data(as_text=True)
    assert 'id="review-comment"' in page and "Sửa lại đoạn 2 &lt;b&gt;gấp&lt;/b&gt;" in page
    web.project.ok("post", "edit", "1", "--body", "Đoạn một.\n\nĐoạn hai đã sửa.", "--by", "bien-tap")
    page = web.client.get("/posts/1").get_data(as_text=True)
    assert 'id="review-comment"' not in page
    assert "Sửa lại đoạn 2 &lt;b&gt;gấp&lt;/b&gt;" in page  # kept in the history


def test_cancel_by_an_editor_and_a_second_cancel_says_so(web):
    _campaign(web)
    web.login("bien-tap")
    assert web.post("/posts/1/cancel").status_code == 302
    assert _status(web) == "cancelled"
    page = _text(web.client.get("/posts/1").get_data(as_text=True))
    assert "/posts/1/cancel" not in page


def test_publish_now_then_correct_then_take_down(web):
    _campaign(web)
    web.project.ok("post", "approve", "1", "--by", "lanh-dao")
    web.login("lanh-dao")
    published = web.post("/posts/1/publish")
    assert published.status_code == 302
    assert web.project.sql("SELECT status FROM deliveries WHERE action = 'publish'") == [("published",)]
    page = _text(web.client.get("/posts/1").get_data(as_text=True))
    assert "/posts/1/correct" in page and "/posts/1/unpublish" in page
    assert "Đoạn hai." in _text(web.client.get("/posts/1/correct").get_data(as_text=True))
    nothing = web.post("/posts/1/correct", {"title": "Ngày hội đọc sách", "body": "Đoạn một.\r\n\r\nĐoạn hai.",
                                            "banner_headline": "Ngày hội đọc sách"})
    assert nothing.status_code == 422  # nothing changed: the CLI's refusal
    corrected = web.post("/posts/1/correct", {"title": "Ngày hội đọc sách (đính chính)",
                                              "body": "Đoạn một.\r\n\r\nĐoạn hai, đã sửa."})
    assert corrected.status_code == 302
    assert web.project.sql("SELECT status, title, body FROM posts") == [
        ("draft", "Ngày hội đọc sách (đính chính)", "Đoạn một.\n\nĐoạn hai, đã sửa.")]
    assert web.project.sql("SELECT action, status FROM deliveries WHERE action = 'update'") == [("update", "pending")]
    taken = web.post("/posts/1/unpublish", {"channel": "portal"})
    assert taken.status_code == 302
    assert web.project.sql("SELECT status FROM deliveries WHERE action = 'delete'") == [("pending",)]
    again = web.post("/posts/1/unpublish", {"channel": "portal"})
    assert again.status_code == 422
    assert _text(again.get_data(as_text=True)).split('id="action-error">')[1].split("<")[0] in \
        web.project.fails("post", "unpublish", "1")


def test_retry_with_nothing_to_retry_shows_the_clis_message(web):
    _campaign(web)
    web.project.ok("post", "approve", "1")
    web.login("lanh-dao")
    response = web.post("/posts/1/retry")
    assert response.status_code == 422
    message = _text(response.get_data(as_text=True)).split('id="action-error">')[1].split("<")[0]
    assert message in web.project.fails("retry", "1")
    web.project.sql("UPDATE deliveries SET status = 'failed', attempts = 5")
    assert web.post("/posts/1/retry").status_code == 302
    assert web.project.sql("SELECT status, attempts FROM deliveries") == [("pending", 0)]


def test_the_attention_panel_approves_a_draft_due_and_retries_a_failure_through_htmx(web):
    _campaign(web, days_ahead=1)
    web.project.sql("UPDATE posts SET publish_at = datetime('now', '+1 hour')")
    web.login("lanh-dao")
    page = web.client.get("/").get_data(as_text=True)
    assert 'hx-post="/posts/1/approve"' in page
    token = csrf(web.client)
    fragment = web.client.post("/posts/1/approve", data={"panel": "1"},
                               headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert fragment.status_code == 200 and 'id="attention"' in fragment.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True) and _status(web) == "approved"
    web.project.sql("UPDATE deliveries SET status = 'failed', last_error = 'boom'")
    page = web.client.get("/").get_data(as_text=True)
    assert 'hx-post="/posts/1/retry"' in page
    fragment = web.client.post("/posts/1/retry", data={"panel": "1", "channel": "portal"},
                               headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert fragment.status_code == 200 and web.project.sql("SELECT status FROM deliveries") == [("pending",)]
    refused = web.client.post("/posts/1/approve", data={"panel": "1"},
                              headers={"HX-Request": "true", "X-CSRF-Token": token})  # already approved: fine
    assert refused.status_code == 200
    nothing = web.client.post("/posts/1/retry", data={"panel": "1"},
                              headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert nothing.headers.get("X-Loa-Refused") == "422"  # shown in the panel (htmx swaps no 4xx)
    assert 'role="alert"' in nothing.get_data(as_text=True) and 'id="attention"' in nothing.get_data(as_text=True)
    # an editor sees no approve button in the panel
    web.project.sql("UPDATE posts SET status = 'draft'")
    editor = web.app.test_client()
    login(editor, "bien-tap")
    assert 'hx-post="/posts/1/approve"' not in editor.get("/").get_data(as_text=True)


@pytest.mark.parametrize("title", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_markup_in_a_title_shows_as_text_on_the_post_page_and_its_previews(web, title):
    _campaign(web, title=title, channels='"portal", "facebook"')
    web.login("lanh-dao")
    page = web.client.get("/posts/1").get_data(as_text=True)
    assert title not in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_correction_replaces_the_photos_and_a_decompression_bomb_is_refused(web, tmp_path):
    import io

    from support.photos import bomb, phone_photo

    _campaign(web)
    web.project.ok("post", "approve", "1")
    web.login("lanh-dao")
    assert web.post("/posts/1/publish").status_code == 302
    bad = web.post("/posts/1/correct", {"title": "Ngày hội đọc sách", "body": "Đoạn một.\n\nĐoạn hai.",
                                        "images": (io.BytesIO(bomb(tmp_path / "b.png").read_bytes()), "b.png")},
                   content_type="multipart/form-data")
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    assert web.project.sql("SELECT status, images FROM posts") == [("done", "null")]  # unchanged
    photo = phone_photo(tmp_path / "IMG 0001.jpg").read_bytes()
    good = web.post("/posts/1/correct", {"title": "Ngày hội đọc sách", "body": "Đoạn một.\n\nĐoạn hai.",
                                         "images": (io.BytesIO(photo), "IMG 0001.jpg")},
                    content_type="multipart/form-data")
    assert good.status_code == 302
    (images,) = web.project.sql("SELECT images FROM posts")[0]
    assert "IMG 0001" not in images and images.count('"sha256"') == 1
    shown = web.client.get("/posts/1/media/photo-0")
    assert shown.status_code == 200 and shown.data[:3] == b"\xff\xd8\xff"
    assert web.client.get("/posts/1/media/photo-7").status_code == 404
