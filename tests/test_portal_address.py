"""The portal's real address (`base_url` of a static-site channel) in every link, and `loa preview` showing where a
dependent channel's text will carry the prerequisite's link."""
from __future__ import annotations

import datetime as dt
import json

from conftest import campaign_toml
from support.organization import fill_organization

BASE = "https://sokhcn.example.gov.vn/tin"
AFTER = 'after = { facebook = "portal" }'


def one_post(project) -> int:
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1, extra_campaign=AFTER))
    project.ok("campaign", "import", str(path), "--approve")
    return project.json("queue")["posts"][0]["id"]


def test_with_base_url_links_are_the_portals_real_address(project):
    project.set_channel("portal", f'adapter = "static-site"\npath = "var/site"\nbase_url = "{BASE}/"')
    post = one_post(project)
    project.ok("publish", str(post))
    (slug,), = project.sql("SELECT remote_id FROM deliveries WHERE channel='portal'")
    link = f"{BASE}/posts/{slug}.html"
    assert project.sql("SELECT permalink FROM deliveries WHERE channel='portal'") == [(link,)]
    record = json.loads(next((project.root / "var" / "dry-run" / "facebook").glob("*.json")).read_text("utf-8"))
    assert link in record["text"]  # the Facebook text carries the real address
    feed = (project.root / "var" / "site" / "feed.xml").read_text(encoding="utf-8")
    assert f'href="{link}"' in feed and f'href="{BASE}/index.html"' in feed
    shown = project.json("post", "show", str(post))
    assert [d["permalink"] for d in shown["deliveries"] if d["channel"] == "portal"] == [link]
    assert any(e.get("detail") and link in json.dumps(e["detail"]) for e in project.json("log")["entries"])
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("report", "--campaign", "tuan-le", "--format", "html", "-o", "r.html")
    assert link in (project.root / "r.html").read_text(encoding="utf-8")


def test_without_base_url_links_stay_local_paths(project):
    post = one_post(project)
    project.ok("publish", str(post), "--channel", "portal")
    (link,), = project.sql("SELECT permalink FROM deliveries WHERE channel='portal'")
    assert link.startswith("file://") and link.endswith(".html")


def test_a_base_url_that_is_not_a_web_address_is_one_line(project):
    for bad in ("ftp://sokhcn.example.gov.vn/tin", "sokhcn.example.gov.vn/tin", "https://u:p@host/tin",
                "https://host/tin?token=1"):
        project.set_channel("portal", f'adapter = "static-site"\npath = "var/site"\nbase_url = "{bad}"')
        message = project.fails("queue")
        assert "channel portal: base_url: must be an http:// or https:// address" in message
        assert bad not in message  # never echoed: it may hold a secret


def test_preview_shows_where_the_prerequisites_link_will_go(project):
    post = one_post(project)
    project.ok("preview", str(post), "--out", "before")
    text = (project.root / "before" / "facebook.txt").read_text(encoding="utf-8")
    assert "[link of portal, once it is published]" in text
    assert "\ue000" not in text  # never the internal placeholder
    project.ok("publish", str(post), "--channel", "portal")
    (link,), = project.sql("SELECT permalink FROM deliveries WHERE channel='portal'")
    project.ok("preview", str(post), "--out", "after")
    text = (project.root / "after" / "facebook.txt").read_text(encoding="utf-8")
    assert link in text and "once it is published" not in text
