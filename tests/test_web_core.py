"""The workspace's skeleton: sign in, the home page with this week's posts, the needs-attention panel, languages."""
from __future__ import annotations

from support.web import campaign_today, csrf, login


def test_signing_in_shows_the_week_with_the_user_and_the_attention_panel(web):
    assert web.client.get("/").status_code == 302
    web.login("bien-tap")
    page = web.client.get("/").get_data(as_text=True)
    assert "bien-tap" in page and 'id="attention"' in page and "htmx.min.js" in page


def test_vietnamese_by_default_english_on_request(web, monkeypatch):
    monkeypatch.delenv("LOA_LANG")
    login(web.client, "lanh-dao")
    assert "Tuần này" in web.client.get("/").get_data(as_text=True)
    assert "This week" in web.client.get("/?lang=en").get_data(as_text=True)
    assert "This week" in web.client.get("/").get_data(as_text=True)  # the choice is kept (a cookie)
    assert "Đăng nhập" in web.app.test_client().get("/login").get_data(as_text=True)


def test_this_weeks_posts_are_listed_and_a_draft_due_needs_attention(web):
    campaign_today(web.project, title="Bài <b>hôm nay</b>")
    web.login("bien-tap")
    page = web.client.get("/").get_data(as_text=True)
    assert "Bài &lt;b&gt;hôm nay&lt;/b&gt;" in page and "<b>hôm nay" not in page
    assert 'href="/posts/1"' in page  # the card and the attention item lead to the post


def test_logout_ends_the_session(web):
    token = web.login("quan-tri")
    assert web.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert web.client.get("/").status_code == 302
    assert csrf(web.client, "/login")


def test_the_attention_list_is_reused_briefly_and_recomputed_after_a_change(web, monkeypatch):
    from loa.scheduler.web import layout

    calls = []
    real = layout.AttentionCache.get

    def counting(self, language):
        calls.append(language)
        return real(self, language)

    monkeypatch.setattr(layout.AttentionCache, "get", counting)
    token = web.login("lanh-dao")
    cache = web.app.extensions["loa_attention"]
    computed = cache.reports["en"][0]
    web.client.get("/")
    web.client.get("/")
    assert len(calls) == 3 and cache.reports["en"][0] == computed  # asked three times, computed once
    web.client.post("/logout", data={"csrf_token": token})
    assert cache.reports == {}
    monkeypatch.setattr(layout, "ATTENTION_SECONDS", 0.0)
    web.login("lanh-dao")
    first = cache.reports["en"][0]
    web.client.get("/")
    assert cache.reports["en"][0] > first
