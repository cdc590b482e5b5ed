"""`loa campaign list` and `loa campaign show`, as tables and as JSON."""
from __future__ import annotations

import datetime as dt

from conftest import campaign_toml


def test_list_and_show(project):
    assert project.json("campaign", "list") == {"campaigns": []}
    assert "No campaigns" in project.ok("campaign", "list").stdout
    project.ok("campaign", "import", str(project.write("a.toml", campaign_toml(
        "mot", start=dt.date(2031, 10, 1), posts=3, extra_campaign='plan_ref = "Kế hoạch số 12/KH-SKHCN"'))))
    project.ok("campaign", "import", str(project.write("b.toml", campaign_toml("hai", start=dt.date(2031, 9, 1),
                                                                               posts=1))), "--approve")
    ids = [p["id"] for p in project.json("queue", "--campaign", "mot")["posts"]]
    project.ok("post", "approve", str(ids[0]))
    project.ok("post", "cancel", str(ids[2]))

    campaigns = project.json("campaign", "list")["campaigns"]
    assert [c["slug"] for c in campaigns] == ["hai", "mot"]  # by start date
    mot = campaigns[1]
    assert mot == {
        "slug": "mot", "name": "Tuần lễ hưởng ứng học tập suốt đời", "theme": "Phát triển văn hóa đọc",
        "start": "2031-10-01", "end": "2031-10-07", "timezone": "Asia/Ho_Chi_Minh",
        "channels": ["portal", "facebook"], "posts": {"draft": 1, "approved": 1, "done": 0, "cancelled": 1},
        "next_post_at": "2031-10-01T08:01:00+07:00", "archived_at": None, "cancelled_at": None,
    }
    table = project.ok("campaign", "list").stdout
    assert "mot" in table and "hai" in table and "01/10–07/10/2031" in table

    show = project.json("campaign", "show", "mot")
    assert show["plan_ref"] == "Kế hoạch số 12/KH-SKHCN" and show["hashtags"] == ["#HocTapSuotDoi"]
    assert show["deliveries"] == {"portal": {"pending": 2, "cancelled": 1}, "facebook": {"pending": 2, "cancelled": 1}}
    assert show["source_file"].endswith("a.toml")
    out = project.ok("campaign", "show", "mot").stdout
    assert "Kế hoạch số 12/KH-SKHCN" in out and "portal" in out


def test_show_unknown_campaign(project):
    assert "SLUG" in project.fails("campaign", "show", "khong-co")
