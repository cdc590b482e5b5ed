"""A campaign's life cycle: `loa campaign cancel`, `loa post cancel --campaign`, `loa campaign archive [--undo]` and
`--archived` on the listings; archived campaigns stay reportable."""
from __future__ import annotations

import datetime as dt

import pytest

from conftest import campaign_toml, delivery_states
from support.organization import fill_organization


@pytest.fixture
def two(project):
    """Campaigns `tuan-le` (3 approved posts, the first published on the portal) and `khac` (2 drafts)."""
    project.ok("campaign", "import", str(project.write("a.toml", campaign_toml(posts=3))), "--approve")
    project.ok("campaign", "import", str(project.write("b.toml", campaign_toml("khac", posts=2))))
    first = project.json("queue", "--campaign", "tuan-le")["posts"][0]["id"]
    project.ok("publish", str(first), "--channel", "portal")
    return project


def ids_of(project, slug):
    return [p["id"] for p in project.json("queue", "--campaign", slug, "--from", "2000-01-01")["posts"]]


def test_cancelling_a_campaign_stops_everything_not_sent_and_keeps_what_went_out(two):
    project = two
    first, *rest = ids_of(project, "tuan-le")
    result = project.ok("campaign", "cancel", "tuan-le")
    assert result.stdout.splitlines() == [f"Cancelled 3 posts: {first}, {', '.join(map(str, rest))}.",
                                          "Campaign tuan-le cancelled: nothing more will be sent."]
    states = delivery_states(project)
    assert states[(first, "portal")] == "published"  # what went out stays out
    assert {states[(post, channel)] for post in rest for channel in ("portal", "facebook")} == {"cancelled"}
    assert states[(first, "facebook")] == "cancelled"
    assert {status for (status,) in project.sql(
        "SELECT p.status FROM posts p JOIN campaigns c ON c.id=p.campaign_id WHERE c.slug='khac'")} == {"draft"}
    campaign = next(c for c in project.json("campaign", "list")["campaigns"] if c["slug"] == "tuan-le")
    assert campaign["cancelled_at"] is not None and campaign["archived_at"] is None
    assert project.sql("SELECT count(*) FROM outreach_entries WHERE kind='campaign_cancelled'") == [(1,)]
    again = project.ok("campaign", "cancel", "tuan-le").stdout
    assert "Campaign tuan-le was already cancelled." in again
    assert project.sql("SELECT count(*) FROM outreach_entries WHERE kind='campaign_cancelled'") == [(1,)]


def test_a_send_that_may_have_gone_out_becomes_unknown_and_is_named(two):
    project = two
    _, second, _ = ids_of(project, "tuan-le")
    project.sql("UPDATE deliveries SET maybe_sent=1, status='retry_wait' WHERE post_id=? AND channel='facebook'",
                second)
    result = project.ok("campaign", "cancel", "tuan-le")
    assert f"post {second} may already be on facebook" in result.stderr
    assert delivery_states(project)[(second, "facebook")] == "unknown"


def test_a_post_being_sent_refuses_the_whole_cancellation(two):
    project = two
    _, second, third = ids_of(project, "tuan-le")
    project.sql("UPDATE deliveries SET status='sending' WHERE post_id=? AND channel='portal'", second)
    before = project.sql("SELECT * FROM deliveries ORDER BY id"), project.rows("outreach_entries")
    message = project.fails("campaign", "cancel", "tuan-le")
    assert message.startswith("error: ID:") and str(second) in message
    assert (project.sql("SELECT * FROM deliveries ORDER BY id"), project.rows("outreach_entries")) == before
    assert project.sql("SELECT cancelled_at FROM campaigns WHERE slug='tuan-le'") == [(None,)]


def test_post_cancel_campaign_cancels_its_posts_but_not_the_campaign(two):
    project = two
    drafts = ids_of(project, "khac")
    result = project.ok("post", "cancel", "--campaign", "khac")
    assert result.stdout.strip() == f"Cancelled 2 posts: {drafts[0]}, {drafts[1]}."
    assert project.sql("SELECT cancelled_at FROM campaigns WHERE slug='khac'") == [(None,)]
    assert "give post IDs or --campaign" in project.fails("post", "cancel", "1", "--campaign", "khac")
    assert project.fails("post", "cancel", "--campaign", "nope").startswith("error: --campaign: no campaign 'nope'; available: ")


def test_archiving_hides_a_finished_campaign_from_the_listings_but_not_from_the_report(two):
    project = two
    message = project.fails("campaign", "archive", "tuan-le")  # posts still to send: refused, nothing changed
    assert "still has 3 posts to send" in message and "loa campaign cancel tuan-le" in message
    assert project.sql("SELECT archived_at FROM campaigns WHERE slug='tuan-le'") == [(None,)]
    project.ok("campaign", "cancel", "tuan-le")
    project.sql("UPDATE deliveries SET status='failed' WHERE channel='facebook' AND post_id IN "
                "(SELECT p.id FROM posts p JOIN campaigns c ON c.id=p.campaign_id WHERE c.slug='tuan-le')")
    project.sql("UPDATE posts SET status='approved' WHERE id=?", ids_of(project, "tuan-le")[0])
    assert "still has 1 posts" in project.fails("campaign", "archive", "tuan-le")
    project.sql("UPDATE posts SET status='done' WHERE id=?", ids_of(project, "tuan-le")[0])
    failed = [i for i in project.json("status")["attention"]["items"] if i["status"] == "failed"]
    assert failed and {i["campaign"] for i in failed} == {"tuan-le"}

    assert project.ok("campaign", "archive", "tuan-le").stdout.startswith("Campaign tuan-le archived")
    assert [c["slug"] for c in project.json("campaign", "list")["campaigns"]] == ["khac"]
    assert {c["slug"] for c in project.json("campaign", "list", "--archived")["campaigns"]} == {"tuan-le", "khac"}
    assert "archived" in project.ok("campaign", "list", "--archived").stdout
    assert {p["campaign"] for p in project.json("queue", "--from", "2000-01-01")["posts"]} == {"khac"}
    assert {p["campaign"] for p in project.json("queue", "--from", "2000-01-01", "--archived")["posts"]} == \
        {"khac", "tuan-le"}
    assert project.json("queue", "--campaign", "tuan-le", "--from", "2000-01-01")["posts"]  # named: shown
    status = project.json("status")
    assert not [i for i in status["attention"]["items"] if i["campaign"] == "tuan-le"]
    assert status["deliveries"]["published"] == 0 and status["deliveries"]["failed"] == 0
    shown = project.json("status", "--archived")
    assert shown["deliveries"]["published"] == 1 and [i for i in shown["attention"]["items"] if i["status"] == "failed"]
    # still reportable, still in the log
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    assert project.ok("report", "--campaign", "tuan-le", "--format", "html", "-o", "r.html")
    link, = project.sql("SELECT permalink FROM deliveries WHERE status='published'")[0]
    assert link in (project.root / "r.html").read_text(encoding="utf-8")  # the published post is reported
    assert [e for e in project.json("log", "--campaign", "tuan-le")["entries"] if e["kind"] == "campaign_archived"]

    assert "already archived" in project.ok("campaign", "archive", "tuan-le").stdout
    assert project.ok("campaign", "archive", "tuan-le", "--undo").stdout.strip() == \
        "Campaign tuan-le is no longer archived."
    assert {c["slug"] for c in project.json("campaign", "list")["campaigns"]} == {"tuan-le", "khac"}
    assert "not archived" in project.ok("campaign", "archive", "tuan-le", "--undo").stdout


def test_unknown_campaigns_are_one_line(project):
    for command in (("campaign", "cancel", "nope"), ("campaign", "archive", "nope")):
        assert project.fails(*command).startswith("error: SLUG: no campaign 'nope'; ")
