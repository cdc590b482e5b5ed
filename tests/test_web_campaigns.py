"""Campaigns in the workspace: the list with counts, a new campaign from a form, and a campaign file uploaded, shown
as the reviewed change before anything is applied (``loa campaign diff`` then ``loa campaign import``)."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import io

from conftest import campaign_toml


def _upload(web, text: str, name: str = "chien-dich.toml"):
    return web.post("/campaigns/upload", {"file": (io.BytesIO(text.encode()), name)},
                    content_type="multipart/form-data")


def test_the_list_shows_counts_and_hides_archived_unless_asked(web):
    web.project.write("c.toml", campaign_toml(posts=3))
    web.project.ok("campaign", "import", "c.toml")
    web.login("bien-tap")
    page = html.unescape(web.client.get("/campaigns").get_data(as_text=True))
    assert "Tuần lễ hưởng ứng học tập suốt đời" in page and "tuan-le" in page
    row = page.split("<code>tuan-le</code>")[1].split("</tr>")[0]
    assert 'data-label="draft">3</td>' in row  # three drafts (English, as the tests run)
    web.project.sql("UPDATE campaigns SET archived_at = '2030-01-01 00:00:00'")
    assert "tuan-le" not in web.client.get("/campaigns").get_data(as_text=True)
    assert "tuan-le" in web.client.get("/campaigns?archived=1").get_data(as_text=True)


def test_a_new_campaign_from_the_form_is_imported_as_a_file_would_be(web):
    web.login("bien-tap")
    start = dt.date.today() + dt.timedelta(days=10)
    end = start + dt.timedelta(days=6)
    response = web.post("/campaigns/new", {"slug": "an-toan-giao-thong", "name": "An toàn giao thông",
                                           "start": start.isoformat(), "end": end.isoformat(),
                                           "channels": ["portal"], "theme": "Đội mũ bảo hiểm"})
    assert response.status_code == 302
    assert web.project.sql("SELECT slug, name, channels, theme FROM campaigns") == [
        ("an-toan-giao-thong", "An toàn giao thông", '["portal"]', "Đội mũ bảo hiểm")]
    bad = web.post("/campaigns/new", {"slug": "Sai Ma", "name": "x", "start": start.isoformat(),
                                      "end": start.isoformat(), "channels": ["portal"]})
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    reversed_dates = web.post("/campaigns/new", {"slug": "nguoc", "name": "x", "start": start.isoformat(),
                                                 "end": (start - dt.timedelta(days=1)).isoformat(),
                                                 "channels": ["portal"]})
    assert reversed_dates.status_code == 422
    assert web.project.rows("campaigns") == 1


def test_an_upload_is_reviewed_and_nothing_changes_until_apply(web):
    web.login("bien-tap")
    text = campaign_toml(posts=3)
    response = _upload(web, text, name="../../etc/evil name.toml")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and 'id="plan-counts"' in page
    assert "<strong>3</strong> added" in page
    assert web.project.rows("campaigns") == 0 and web.project.rows("posts") == 0
    digest = hashlib.sha256(text.encode()).hexdigest()
    kept = web.project.root / "var" / "uploads" / f"{digest}.toml"
    assert kept.is_file() and [p.name for p in kept.parent.iterdir()] == [kept.name]  # never the uploaded name
    applied = web.post("/campaigns/upload/apply", {"file": digest})
    assert applied.status_code == 302
    assert web.project.rows("posts") == 3
    assert web.project.sql("SELECT DISTINCT created_by FROM posts") == [("bien-tap",)]


def test_a_changed_upload_shows_what_changes_and_published_posts_are_skipped(web):
    start = dt.date.today() + dt.timedelta(days=5)
    web.project.write("c.toml", campaign_toml(start=start, posts=2))
    web.project.ok("campaign", "import", "c.toml")
    web.project.sql("UPDATE deliveries SET status = 'published' WHERE post_id = 1")
    web.project.sql("UPDATE posts SET status = 'done' WHERE id = 1")
    web.login("bien-tap")
    changed = campaign_toml(start=start, posts=3).replace("Nội dung bài số 2.", "Nội dung bài số 2, đã sửa.")
    assert changed != campaign_toml(start=start, posts=3)
    response = _upload(web, changed)
    page = html.unescape(response.get_data(as_text=True))
    expected = web.project.json("campaign", "diff", str(web.project.write("d.toml", changed)))["counts"]
    assert expected["add"] == 1 and expected["published"] + expected["change"] >= 1, expected
    for action, count in expected.items():
        if count and action != "unchanged":
            assert f"<strong>{count}</strong>" in page, action
    assert web.project.rows("posts") == 2  # nothing applied yet


def test_a_broken_file_is_refused_with_the_loaders_message(web):
    web.login("bien-tap")
    response = _upload(web, '[campaign]\nslug = "x"\n')
    assert response.status_code == 422 and 'role="alert"' in response.get_data(as_text=True)
    not_toml = _upload(web, "hello", name="a.txt")
    assert not_toml.status_code == 422
    forged = web.post("/campaigns/upload/apply", {"file": "../../config"})
    assert forged.status_code == 422
    assert web.project.rows("campaigns") == 0


def test_a_conflict_asks_which_version_wins_and_messages_name_the_uploaded_file(web):
    start = dt.date.today() + dt.timedelta(days=5)
    web.project.write("c.toml", campaign_toml(start=start, posts=1))
    web.project.ok("campaign", "import", "c.toml")
    web.project.ok("post", "edit", "1", "--title", "Tiêu đề sửa trong hàng đợi")
    web.login("bien-tap")
    changed = campaign_toml(start=start, posts=1).replace('title = "', 'title = "Tệp: ', 1)
    assert changed != campaign_toml(start=start, posts=1)
    page = web.client.post("/campaigns/upload", data={"csrf_token": _token(web), "file": (io.BytesIO(changed.encode()),
                                                      "ke-hoach.toml")}, content_type="multipart/form-data")
    text = html.unescape(page.get_data(as_text=True))
    assert 'name="prefer"' in text and "ke-hoach.toml" in text and "var/uploads" not in text
    digest = hashlib.sha256(changed.encode()).hexdigest()
    refused = web.post("/campaigns/upload/apply", {"file": digest, "name": "ke-hoach.toml", "replace": "1"})
    assert refused.status_code == 422 and "var/uploads" not in refused.get_data(as_text=True)
    assert web.project.sql("SELECT title FROM posts") == [("Tiêu đề sửa trong hàng đợi",)]
    applied = web.post("/campaigns/upload/apply", {"file": digest, "name": "ke-hoach.toml", "prefer": "file",
                                                       "replace": "1"})
    assert applied.status_code == 302
    # as `loa campaign import --replace --prefer file` does: the file's post replaces the queue's
    assert web.project.sql("SELECT title, status FROM posts ORDER BY id") == [
        ("Tiêu đề sửa trong hàng đợi", "cancelled"), ("Tệp: Bài số 1", "draft")]


def _token(web) -> str:
    from support.web import csrf

    return csrf(web.client)


