"""`loa post add|show|edit|reschedule|approve|cancel` and the outreach entries each change writes."""
from __future__ import annotations

import datetime as dt
import getpass

import pytest
from conftest import campaign_toml


@pytest.fixture
def campaign(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=0))
    project.ok("campaign", "import", str(path))
    return project


def add(project, *extra, at="2031-10-01 08:00", title="Khai mạc", body="Nội dung"):
    result = project.ok("post", "add", "--campaign", "tuan-le", "--at", at, "--title", title, "--body", body, *extra)
    return int(result.stdout.split()[2])  # "Queued post 7 as a draft..."


def kinds(project, post_id):
    return [k for (k,) in project.sql("SELECT kind FROM outreach_entries WHERE post_id=? ORDER BY id", post_id)]


def test_add_queues_a_draft_on_the_campaign_channels(campaign):
    post_id = add(campaign, "--banner-headline", "Đọc sách", "--banner-subline", "01–07/10", "--template", "ngan")
    post = campaign.json("post", "show", str(post_id))
    assert post["status"] == "draft" and post["title"] == "Khai mạc" and post["body"] == "Nội dung"
    assert post["publish_at"] == "2031-10-01T08:00:00+07:00"
    assert post["banner"] == {"headline": "Đọc sách", "subline": "01–07/10"}
    assert post["template"] == "ngan"
    assert [(d["channel"], d["status"]) for d in post["deliveries"]] == [("portal", "pending"), ("facebook", "pending")]
    assert [h["kind"] for h in post["history"]] == ["queued", "rendered"]


def test_add_with_channels_and_vietnamese_date(campaign):
    post_id = add(campaign, "--channels", "facebook", at="02/10/2031 19:30")
    post = campaign.json("post", "show", str(post_id))
    assert post["publish_at"] == "2031-10-02T19:30:00+07:00"
    assert [d["channel"] for d in post["deliveries"]] == ["facebook"]


def test_add_refuses_bad_input_and_writes_nothing(campaign):
    before = campaign.counts()
    assert "--at" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "mai", "--title", "t", "--body", "b")
    assert "--at" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-02-30 08:00",
                                    "--title", "t", "--body", "b")
    assert "--at" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2020-01-01 08:00",
                                    "--title", "t", "--body", "b")
    assert "--channels" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00",
                                          "--title", "t", "--body", "b", "--channels", "portal,zalo")
    assert "--title" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00",
                                       "--title", "  ", "--body", "b")
    assert "--campaign" in campaign.fails("post", "add", "--campaign", "khac", "--at", "2031-10-01 08:00",
                                          "--title", "t", "--body", "b")
    assert "--title" in campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00",
                                       "--body", "b")
    assert campaign.counts() == before


def test_add_in_the_past_needs_allow_past_and_outside_dates_warns(campaign):
    result = campaign.ok("post", "add", "--campaign", "tuan-le", "--at", "2020-01-01 08:00", "--title", "t",
                         "--body", "b", "--allow-past")
    assert "warning" in result.stderr and "outside" in result.stderr


def test_edit_changes_fields_and_returns_an_approved_post_to_draft(campaign):
    post_id = add(campaign)
    campaign.ok("post", "approve", str(post_id))
    campaign.ok("post", "edit", str(post_id), "--title", "Khai mạc Tuần lễ", "--at", "2031-10-01 09:00")
    post = campaign.json("post", "show", str(post_id))
    assert post["title"] == "Khai mạc Tuần lễ" and post["status"] == "draft"
    assert post["publish_at"] == "2031-10-01T09:00:00+07:00"
    assert post["revision"] == 2
    assert [h["kind"] for h in post["history"][-2:]] == ["edited", "rendered"]
    entry = post["history"][-2]
    assert entry["detail"] == {"fields": ["title", "publish_at"], "approval_reset": True, "by": getpass.getuser()}
    due = campaign.sql("SELECT DISTINCT due_at, available_at FROM deliveries WHERE post_id=?", post_id)
    assert due == [("2031-10-01 02:00:00.000000", "2031-10-01 02:00:00.000000")]


def test_edit_keep_approval(campaign):
    post_id = add(campaign)
    campaign.ok("post", "approve", str(post_id))
    campaign.ok("post", "edit", str(post_id), "--body", "Sửa lỗi chính tả", "--keep-approval")
    assert campaign.json("post", "show", str(post_id))["status"] == "approved"


def test_edit_channels_cancels_dropped_and_revives_readded(campaign):
    post_id = add(campaign)
    campaign.ok("post", "edit", str(post_id), "--channels", "facebook")
    statuses = {d["channel"]: d["status"] for d in campaign.json("post", "show", str(post_id))["deliveries"]}
    assert statuses == {"portal": "cancelled", "facebook": "pending"}
    campaign.ok("post", "edit", str(post_id), "--channels", "portal,facebook")
    statuses = {d["channel"]: d["status"] for d in campaign.json("post", "show", str(post_id))["deliveries"]}
    assert statuses == {"portal": "pending", "facebook": "pending"}


def test_edit_of_a_published_post_is_refused(campaign):
    post_id = add(campaign)
    campaign.sql("UPDATE deliveries SET status='published' WHERE post_id=? AND channel='portal'", post_id)
    before = campaign.counts()
    message = campaign.fails("post", "edit", str(post_id), "--title", "Khác")
    assert "portal" in message
    assert campaign.counts() == before
    assert campaign.json("post", "show", str(post_id))["title"] == "Khai mạc"


def test_edit_with_nothing_to_change_is_an_error(campaign):
    post_id = add(campaign)
    assert "--title" in campaign.fails("post", "edit", str(post_id))
    assert "--title" in campaign.fails("post", "edit", str(post_id), "--title", "Khai mạc")


def test_reschedule_keeps_approval_and_revives_missed_deliveries(campaign):
    post_id = add(campaign)
    campaign.ok("post", "approve", str(post_id))
    campaign.sql("UPDATE deliveries SET status='missed' WHERE post_id=? AND channel='facebook'", post_id)
    campaign.ok("post", "reschedule", str(post_id), "03/10/2031 07:45")
    post = campaign.json("post", "show", str(post_id))
    assert post["status"] == "approved" and post["publish_at"] == "2031-10-03T07:45:00+07:00"
    assert {d["status"] for d in post["deliveries"]} == {"pending"}
    assert [h["kind"] for h in post["history"][-2:]] == ["rescheduled", "rendered"]  # the texts carry the date
    assert post["history"][-2]["detail"]["to"] == "2031-10-03T07:45:00+07:00"


def test_reschedule_refuses_the_past_and_bad_times(campaign):
    post_id = add(campaign)
    assert "WHEN" in campaign.fails("post", "reschedule", str(post_id), "2020-01-01 08:00")
    assert "WHEN" in campaign.fails("post", "reschedule", str(post_id), "hôm qua")
    assert "ID" in campaign.fails("post", "reschedule", "999", "2031-10-01 08:00")


def test_approve_ids_and_whole_campaign(campaign):
    ids = [add(campaign, title=f"Bài {n}") for n in range(3)]
    result = campaign.ok("post", "approve", str(ids[0]))
    assert str(ids[0]) in result.stdout
    assert "Already approved" in campaign.ok("post", "approve", str(ids[0])).stdout
    campaign.ok("post", "approve", "--campaign", "tuan-le")
    assert {p["status"] for p in campaign.json("queue")["posts"]} == {"approved"}
    assert kinds(campaign, ids[0]) == ["queued", "rendered", "approved"]


def test_approve_is_all_or_nothing(campaign):
    good = add(campaign)
    assert "999" in campaign.fails("post", "approve", str(good), "999")
    assert campaign.json("post", "show", str(good))["status"] == "draft"
    cancelled = add(campaign, title="Hủy")
    campaign.ok("post", "cancel", str(cancelled))
    assert "cancelled" in campaign.fails("post", "approve", str(good), str(cancelled))
    assert campaign.json("post", "show", str(good))["status"] == "draft"
    assert "ID" in campaign.fails("post", "approve")


def test_cancel_stops_what_has_not_gone_out(campaign):
    post_id = add(campaign)
    campaign.ok("post", "approve", str(post_id))
    campaign.sql("UPDATE deliveries SET status='published' WHERE post_id=? AND channel='portal'", post_id)
    campaign.ok("post", "cancel", str(post_id))
    post = campaign.json("post", "show", str(post_id))
    assert post["status"] == "cancelled"
    assert {d["channel"]: d["status"] for d in post["deliveries"]} == {"portal": "published",
                                                                        "facebook": "cancelled"}
    assert kinds(campaign, post_id) == ["queued", "rendered", "approved", "cancelled"]
    assert "cancelled" in campaign.fails("post", "edit", str(post_id), "--title", "x")


def test_cancel_refuses_a_post_being_sent(campaign):
    post_id = add(campaign)
    campaign.sql("UPDATE deliveries SET status='sending' WHERE post_id=? AND channel='facebook'", post_id)
    assert "facebook" in campaign.fails("post", "cancel", str(post_id))
    assert campaign.json("post", "show", str(post_id))["status"] == "draft"


def test_show_unknown_and_malformed_ids(campaign):
    assert "999" in campaign.fails("post", "show", "999")
    assert "abc" in campaign.fails("post", "show", "abc")


def test_show_table(campaign):
    post_id = add(campaign, "--banner-headline", "Đọc sách")
    out = campaign.ok("post", "show", str(post_id)).stdout
    assert "Khai mạc" in out and "Nội dung" in out and "Đọc sách" in out and "portal" in out
    assert "Wednesday, 01/10/2031 08:00" in out


def test_reschedule_of_a_post_that_went_out_is_refused(campaign):
    post_id = add(campaign)
    campaign.sql("UPDATE deliveries SET status='published' WHERE post_id=? AND channel='portal'", post_id)
    before = campaign.json("post", "show", str(post_id))
    assert "portal" in campaign.fails("post", "reschedule", str(post_id), "2031-10-05 08:00")
    assert campaign.json("post", "show", str(post_id)) == before
