"""`loa campaign import`: atomic queueing, duplicates, --replace, --start, --pace, --approve, past posts."""
from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import SAMPLE, campaign_toml, future_day

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def test_sample_campaign_rebased_to_now_and_paced(project):
    # the clock stands still half a minute before midnight in Can Tho (16:59:30 UTC, still the day before there
    # in UTC terms): exact times, no race with the wall clock, and the campaign's day is the local one
    instant = dt.datetime(2031, 3, 5, 23, 59, 30, tzinfo=HCM)
    with time_machine.travel(instant, tick=False):
        result = project.ok("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "60", "--approve")
        posts = project.json("queue")["posts"]
        show = project.json("campaign", "show", "hoc-tap-suot-doi-2024")
    assert "hoc-tap-suot-doi-2024" in result.stdout
    assert len(posts) >= 14
    assert {p["status"] for p in posts} == {"approved"}
    times = [dt.datetime.fromisoformat(p["publish_at_utc"].replace("Z", "+00:00")) for p in posts]
    # post k goes out k x 60 s after the start ("now", counted from the next whole second), to the second
    start = instant + dt.timedelta(seconds=1)
    assert times == [start + dt.timedelta(seconds=60 * k) for k in range(1, len(posts) + 1)]
    assert posts[0]["publish_at"] == "2031-03-06T00:00:31+07:00"  # the first one already on the next local day
    assert (show["start"], show["end"]) == ("2031-03-05", "2031-03-11")
    # each post's own channels: the sample has portal-only and facebook-only posts
    assert {tuple(d["channel"] for d in p["deliveries"]) for p in posts} == {
        ("portal", "facebook"), ("portal",), ("facebook",)}


def test_start_date_rebases_days_and_keeps_times(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    posts = project.json("queue")["posts"]
    first, last = local(posts[0]["publish_at"]), local(posts[-1]["publish_at"])
    assert (first.date(), first.strftime("%H:%M")) == (dt.date(2031, 10, 1), "07:30")
    assert last.date() == dt.date(2031, 10, 7)
    assert {p["status"] for p in posts} == {"draft"}
    assert project.json("campaign", "show", "hoc-tap-suot-doi-2024")["start"] == "2031-10-01"


def test_start_accepts_vietnamese_date_format(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "01/10/2031")
    assert local(project.json("queue")["posts"][0]["publish_at"]).date() == dt.date(2031, 10, 1)


def test_past_campaign_is_refused_naming_the_first_past_post(project):
    message = project.fails("campaign", "import", str(SAMPLE))
    assert str(SAMPLE) in message and "post 1 (Phát động Tuần lễ hưởng ứng học tập suố…)" in message and "--allow-past" in message
    assert project.counts() == {"campaigns": 0, "posts": 0, "deliveries": 0, "outreach_entries": 0}


def test_allow_past_imports_last_years_plan_as_is(project):
    project.ok("campaign", "import", str(SAMPLE), "--allow-past")
    posts = project.json("queue")["posts"]  # past-due posts are still "not done", so they are listed
    assert local(posts[0]["publish_at"]) == dt.datetime(2024, 10, 1, 7, 30, tzinfo=HCM)


def test_same_slug_twice_is_refused_and_changes_nothing(project):
    path = project.write("c.toml", campaign_toml())
    project.ok("campaign", "import", str(path))
    counts = project.counts()
    message = project.fails("campaign", "import", str(path))
    assert "tuan-le" in message and "--replace" in message
    assert project.counts() == counts


def test_replace_applies_the_files_changes_to_the_same_posts_and_keeps_published_ones(project):
    """The details of the merge are in test_campaign_merge.py; this is the officer's ordinary week."""
    path = project.write("c.toml", campaign_toml(posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    # the portal copy of post 1 went out (the daemon arrives later; here we record it as it will)
    project.sql("UPDATE deliveries SET status='published', permalink='http://portal/1' "
                "WHERE post_id=? AND channel='portal'", ids[0])
    changed = campaign_toml(posts=3).replace("Nội dung bài số 3.", "Nội dung mới của bài số 3.")
    project.write("c.toml", changed)
    result = project.ok("campaign", "import", str(path), "--replace")
    assert "Re-import: 1 changed, 0 cancelled, 0 kept as the officer changed them, 0 already published" \
        in result.stdout
    posts = project.json("queue", "--from", "2000-01-01", "--to", "2100-01-01")["posts"]
    assert [p["id"] for p in posts] == ids  # the same posts: no new ids, nothing cancelled
    assert [p["status"] for p in posts] == ["approved", "approved", "draft"]
    assert {d["channel"]: d["status"] for d in posts[0]["deliveries"]} == {"portal": "published", "facebook": "pending"}
    assert project.json("post", "show", str(ids[2]))["body"] == "Nội dung mới của bài số 3."
    kinds = [k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE post_id=? ORDER BY id", ids[2])]
    assert kinds == ["queued", "rendered", "approved", "edited", "rendered"]


def test_import_is_atomic_when_a_late_post_is_bad(project):
    text = campaign_toml(posts=30) + '\n[[posts]]\nday = 1\ntime = "09:00"\ntitle = "x"\nbody = "y"\n' \
                                     'channels = ["zalo"]\n'
    path = project.write("c.toml", text)
    message = project.fails("campaign", "import", str(path))
    assert "post 31 (x): channels: no channel 'zalo'" in message and "zalo" in message
    assert f"{path}:" in message
    assert project.counts()["posts"] == 0


def test_import_is_atomic_when_the_database_refuses_midway(project, monkeypatch):
    """A failure while writing (after 1000 posts went in) rolls everything back.

    Patched on purpose: a real full disk is in test_real_faults.py; this one fails exactly after the first chunk
    was written, a moment a disk cannot be aimed at."""
    from loa.posts import campaigns

    path = project.write("c.toml", campaign_toml(posts=2500))
    calls = []

    def fail_on_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(*args, **kwargs)

    original = campaigns._queue_chunk
    monkeypatch.setattr(campaigns, "_queue_chunk", fail_on_second_chunk)
    result = project.run("campaign", "import", str(path))
    assert result.exit_code == 1 and "disk full" in result.stderr
    assert project.counts() == {"campaigns": 0, "posts": 0, "deliveries": 0, "outreach_entries": 0}


def test_posts_outside_the_campaign_dates_are_a_warning(project):
    path = project.write("c.toml", campaign_toml(days=2, posts=1) +
                         '\n[[posts]]\nday = 5\ntime = "08:00"\ntitle = "Muộn"\nbody = "Sau chiến dịch"\n')
    result = project.ok("campaign", "import", str(path))
    assert "warning" in result.stderr and "post 2 (Muộn):" in result.stderr
    assert project.rows("posts") == 2


def test_at_with_and_without_offset(project):
    start = future_day()
    path = project.write("c.toml", campaign_toml(posts=0, extra_campaign='timezone = "Europe/Paris"') + f"""
[[posts]]
at = {start.isoformat()}T09:00:00
title = "Giờ địa phương"
body = "Theo múi giờ của chiến dịch"

[[posts]]
at = {start.isoformat()}T09:00:00+07:00
title = "Có độ lệch"
body = "Giờ Việt Nam"
""")
    project.ok("campaign", "import", str(path))
    posts = {p["title"]: p for p in project.json("queue")["posts"]}
    paris = ZoneInfo("Europe/Paris")
    assert local(posts["Giờ địa phương"]["publish_at"]) == dt.datetime.combine(start, dt.time(9), paris)
    assert posts["Giờ địa phương"]["timezone"] == "Europe/Paris"
    assert local(posts["Có độ lệch"]["publish_at"]) == dt.datetime.combine(start, dt.time(9), HCM)


def test_rebase_across_a_dst_change_keeps_the_wall_clock_time(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 3, 1), days=3, posts=1,
                                                 extra_campaign='timezone = "Europe/Berlin"'))
    # Europe/Berlin moves to summer time on the last Sunday of March 2032 (28 March)
    project.ok("campaign", "import", str(path), "--start", "2032-03-28")
    post = project.json("queue")["posts"][0]
    assert post["publish_at"] == "2032-03-28T08:01:00+02:00"
    assert post["publish_at_utc"] == "2032-03-28T06:01:00Z"


def test_text_is_stored_in_nfc(project):
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Học tập suốt đời")
    path = project.write("c.toml", campaign_toml(posts=1).replace("Bài số 1", nfd))
    project.ok("campaign", "import", str(path))
    assert project.json("queue")["posts"][0]["title"] == unicodedata.normalize("NFC", "Học tập suốt đời")


def test_import_writes_queued_entries(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=3))), "--approve")
    kinds = project.sql("SELECT kind, count(*) FROM outreach_entries GROUP BY kind ORDER BY kind")
    assert kinds == [("approved", 3), ("imported", 1), ("queued", 3), ("rendered", 3)]


def test_sample_file_is_a_faithful_week(tmp_path):
    """The shipped sample covers the seven days of the 2024 plan, with Ngày Khuyến học on 02/10."""
    from loa.posts.campaign_file import load_campaign_file

    copy = tmp_path / "sample.toml"
    shutil.copy(SAMPLE, copy)
    campaign = load_campaign_file(copy, default_timezone="Asia/Ho_Chi_Minh", known_channels=["portal", "facebook"])
    assert (campaign.start, campaign.end) == (dt.date(2024, 10, 1), dt.date(2024, 10, 7))
    assert len(campaign.posts) >= 14
    assert {p.publish_at.date() for p in campaign.posts} == {dt.date(2024, 10, d) for d in range(1, 8)}
    assert any("Khuyến học" in p.title and p.publish_at.date() == dt.date(2024, 10, 2) for p in campaign.posts)
    assert any("Hội sách" in p.title for p in campaign.posts)
    assert all(p.banner and p.banner["headline"] for p in campaign.posts)


def test_replace_never_requeues_a_post_that_went_out_and_was_then_cancelled(project):
    path = project.write("c.toml", campaign_toml(posts=2))
    project.ok("campaign", "import", str(path), "--approve")
    first = project.json("queue")["posts"][0]["id"]
    project.sql("UPDATE deliveries SET status='published' WHERE post_id=? AND channel='portal'", first)
    project.ok("post", "cancel", str(first))
    project.ok("campaign", "import", str(path), "--replace")
    titles = [p["title"] for p in project.json("queue")["posts"]]
    assert titles == ["Bài số 2"]  # "Bài số 1" went out on the portal: it is not queued again anywhere


def test_replace_keeps_recurring_titles_apart_by_day(project):
    text = campaign_toml(posts=3).replace('title = "Bài số 1"', 'title = "Bản tin"').replace(
        'title = "Bài số 2"', 'title = "Bản tin"')
    path = project.write("c.toml", text)
    project.ok("campaign", "import", str(path), "--approve")
    posts = project.json("queue")["posts"]
    first = posts[0]
    assert first["title"] == "Bản tin"
    project.sql("UPDATE deliveries SET status='published' WHERE post_id=?", first["id"])
    project.sql("UPDATE posts SET status='done' WHERE id=?", first["id"])
    # both bulletins change in the file: day 1's went out and is named; day 2's is changed
    project.write("c.toml", text.replace("Nội dung bài số 1.", "Bản tin mới.").replace("Nội dung bài số 2.",
                                                                                        "Bản tin mới 2."))
    result = project.ok("campaign", "import", str(path), "--replace")
    assert "Already published, not changed (1):" in result.stdout and f"#{first['id']} day 1" in result.stdout
    queued = project.json("queue")["posts"]
    assert [p["id"] for p in queued] == [p["id"] for p in posts[1:]]  # day 2's bulletin is the same post
    assert project.json("post", "show", str(queued[0]["id"]))["body"] == "Bản tin mới 2."
    assert project.json("post", "show", str(first["id"]))["body"] == "Nội dung bài số 1."


@pytest.mark.parametrize("pace", ["nan", "inf", "-1", "1e12"])
def test_pace_must_be_a_sensible_number(project, pace):
    path = project.write("c.toml", campaign_toml())
    assert "--pace" in project.fails("campaign", "import", str(path), "--pace", pace)
