"""What reaches a WordPress site is escaped unless it is loa's own HTML: a channel whose kind is plain text (a valid
config) sends the text escaped into paragraphs, and titles never carry markup (an administrator's posts are not
filtered by WordPress)."""
from __future__ import annotations

import requests
from conftest import delivery_states, fast_daemon, make_due, queue_now, wordpress_channel


def test_plain_text_kind_on_wordpress_is_escaped(project, wordpress, monkeypatch):
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    project.set_channel("portal", wordpress_channel(wordpress, 'kind = "telegram"'))
    fast_daemon(project)
    post, = queue_now(project, 1, pace=0.2, slug="wp-xss", post_lines='channels = ["portal"]')
    project.ok("post", "edit", str(post), "--title", "Tin <b>nóng</b> & mới",
               "--body", "<img src=x onerror=alert(1)>\nDòng hai", "--keep-approval")
    make_due(project, post)
    project.ok("publish", str(post))
    assert delivery_states(project)[(post, "portal")] == "published"
    (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE post_id=?", post)
    answer = requests.get(wordpress.rest(f"/wp/v2/posts/{remote}", context="edit"),
                          headers={"Authorization": wordpress.authorization()}, timeout=30)
    answer.raise_for_status()
    stored = answer.json()
    assert "<img" not in stored["content"]["raw"] and "&lt;img src=x onerror=alert(1)&gt;" in stored["content"]["raw"]
    assert "<b>" not in stored["title"]["raw"] and "&lt;b&gt;nóng&lt;/b&gt;" in stored["title"]["raw"]
