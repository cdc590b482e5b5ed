"""`loa queue`: the schedule grouped by day in the campaign's timezone, with filters and stable JSON."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from conftest import campaign_toml, future_day

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def import_campaign(project, slug="tuan-le", **kwargs):
    path = project.write(f"{slug}.toml", campaign_toml(slug, **kwargs))
    project.ok("campaign", "import", str(path))


def test_table_is_grouped_by_day_with_a_column_per_channel(project):
    start = future_day()
    import_campaign(project, start=start, posts=3, days=2)
    out = project.ok("queue").stdout
    day1 = f"{start:%d/%m/%Y}"
    day2 = f"{start + dt.timedelta(days=1):%d/%m/%Y}"
    assert day1 in out and day2 in out and out.index(day1) < out.index(day2)
    assert "portal" in out and "facebook" in out and "pending" in out
    # the day label comes before that day's posts
    assert out.index(day1) < out.index("Bài số 1") < out.index(day2) < out.index("Bài số 2")


def test_vietnamese_table_by_default(project):
    import_campaign(project, start=dt.date(2031, 10, 1), posts=1)  # 01/10/2031 is a Wednesday
    out = project.run("queue", env={"LOA_LANG": ""}).stdout
    assert "Thứ Tư, 01/10/2031" in out and "Tiêu đề" in out and "chờ đăng" in out


def test_json_shape_is_stable(project):
    import_campaign(project, start=dt.date(2031, 10, 1), posts=1)
    data = project.json("queue")
    assert list(data) == ["posts"]
    post = data["posts"][0]
    assert post == {
        "id": post["id"], "campaign": "tuan-le", "title": "Bài số 1", "status": "draft",
        "publish_at": "2031-10-01T08:01:00+07:00", "publish_at_utc": "2031-10-01T01:01:00Z",
        "timezone": "Asia/Ho_Chi_Minh", "review_comment": None,
        "deliveries": [{"channel": "portal", "status": "pending", "permalink": None},
                       {"channel": "facebook", "status": "pending", "permalink": None}],
    }


def test_default_shows_everything_not_done_including_past_due(project):
    import_campaign(project, start=dt.date(2024, 10, 1), posts=0)
    project.ok("post", "add", "--campaign", "tuan-le", "--at", "2024-10-01 08:00", "--title", "Quá hạn",
               "--body", "x", "--allow-past")
    import_campaign(project, "sau", posts=3)
    ids = [p["id"] for p in project.json("queue")["posts"] if p["campaign"] == "sau"]
    project.sql("UPDATE posts SET status='done' WHERE id=?", ids[0])
    project.ok("post", "cancel", str(ids[1]))
    titles = [p["title"] for p in project.json("queue")["posts"]]
    assert titles == ["Quá hạn", "Bài số 3"]


def test_from_to_selects_any_range_history_included(project):
    import_campaign(project, start=dt.date(2031, 10, 1), posts=3, days=3)
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.sql("UPDATE posts SET status='done' WHERE id=?", ids[1])
    data = project.json("queue", "--from", "2031-10-02", "--to", "02/10/2031")
    assert [p["id"] for p in data["posts"]] == [ids[1]]
    assert len(project.json("queue", "--from", "2031-10-01")["posts"]) == 3
    assert [p["id"] for p in project.json("queue", "--to", "2031-10-01")["posts"]] == [ids[0]]


def test_range_days_are_whole_days_in_the_default_timezone(project):
    """A post at 23:30 in Ho Chi Minh City is 16:30 UTC the same day, and 00:30 the next day is still that next day."""
    import_campaign(project, start=dt.date(2031, 10, 1), posts=0)
    for at in ("2031-10-01 23:30", "2031-10-02 00:30"):
        project.ok("post", "add", "--campaign", "tuan-le", "--at", at, "--title", at, "--body", "x")
    assert [p["title"] for p in project.json("queue", "--from", "2031-10-01", "--to", "2031-10-01")["posts"]] == [
        "2031-10-01 23:30"]


def test_week_is_this_calendar_week(project):
    today = dt.datetime.now(HCM).date()
    monday = today - dt.timedelta(days=today.weekday())
    import_campaign(project, start=monday - dt.timedelta(days=3), days=14, posts=0)
    for offset, title in ((-1, "last sunday"), (0, "monday"), (6, "sunday"), (7, "next monday")):
        project.ok("post", "add", "--campaign", "tuan-le", "--at", f"{monday + dt.timedelta(days=offset)} 12:00",
                   "--title", title, "--body", "x", "--allow-past")
    assert [p["title"] for p in project.json("queue", "--week")["posts"]] == ["monday", "sunday"]


def test_status_filters_by_post_or_delivery_status(project):
    import_campaign(project, start=dt.date(2031, 10, 1), posts=3)
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "approve", str(ids[0]))
    project.sql("UPDATE deliveries SET status='failed' WHERE post_id=? AND channel='facebook'", ids[2])
    assert [p["id"] for p in project.json("queue", "--status", "approved")["posts"]] == [ids[0]]
    assert [p["id"] for p in project.json("queue", "--status", "failed")["posts"]] == [ids[2]]
    assert project.json("queue", "--status", "failed", "--channel", "portal")["posts"] == []
    assert "--status" in project.fails("queue", "--status", "lost")


def test_channel_filter_shows_that_channels_deliveries(project):
    import_campaign(project, start=dt.date(2031, 10, 1), posts=2)
    first = project.json("queue")["posts"][0]["id"]
    project.ok("post", "edit", str(first), "--channels", "facebook")
    posts = project.json("queue", "--channel", "portal")["posts"]
    assert len(posts) == 2  # the cancelled portal delivery of the first post is still history
    assert [d["channel"] for p in posts for d in p["deliveries"]] == ["portal", "portal"]
    assert "--channel" in project.fails("queue", "--channel", "zalo")


def test_campaign_filter(project):
    import_campaign(project, "mot", start=dt.date(2031, 10, 1), posts=2)
    import_campaign(project, "hai", start=dt.date(2031, 10, 1), posts=1)
    assert {p["campaign"] for p in project.json("queue", "--campaign", "hai")["posts"]} == {"hai"}
    assert "mot" in project.ok("queue").stdout  # several campaigns: a campaign column
    assert "khong-co" in project.fails("queue", "--campaign", "khong-co")


def test_times_shown_in_each_campaigns_timezone(project):
    import_campaign(project, "paris", start=dt.date(2031, 10, 1), posts=1, extra_campaign='timezone = "Europe/Paris"')
    post = project.json("queue")["posts"][0]
    assert post["publish_at"] == "2031-10-01T08:01:00+02:00" and post["publish_at_utc"] == "2031-10-01T06:01:00Z"
    assert "08:01" in project.ok("queue").stdout


def test_bad_ranges(project):
    assert "--from" in project.fails("queue", "--from", "2024-02-30")
    assert "--to" in project.fails("queue", "--from", "2031-10-02", "--to", "2031-10-01")
    assert "--week" in project.fails("queue", "--week", "--from", "2031-10-01")


def test_empty_queue_says_so(project):
    assert "Nothing in the queue" in project.ok("queue").stdout
    assert project.json("queue") == {"posts": []}
