"""`loa post unpublish` (gỡ bài) and corrections on the Graph API double and the local channels: no approval for a
take-down, the same claim/retry/log path as a publication, an already-deleted post counts as done."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import campaign_toml, two_facebook_posts


@pytest.fixture
def on_page(page):
    """Two posts, both published on the portal (static site) and the Page (Graph double): (project, graph, ids)."""
    project, graph = page
    ids = two_facebook_posts(project)
    for post_id in ids:
        project.ok("publish", str(post_id))
    return project, graph, ids


def change(project, post_id, channel, action):
    return next(c for c in project.json("post", "show", str(post_id))["changes"]
                if (c["channel"], c["action"]) == (channel, action))


def test_a_take_down_needs_no_approval_and_removes_the_post_everywhere(on_page):
    project, graph, ids = on_page
    site = project.root / "var" / "site"
    remote = {d["channel"]: d["remote_id"] for d in project.json("post", "show", str(ids[1]))["deliveries"]}
    out = project.ok("post", "unpublish", str(ids[1])).stdout
    assert "portal, facebook" in out
    sent = project.ok("publish", str(ids[1])).stdout
    assert "portal: taken down" in sent and "facebook: taken down" in sent
    delete = [r for r in graph.requests if r.method == "DELETE"]
    assert [r.path.rsplit("/", 1)[1] for r in delete] == [remote["facebook"]]
    assert [p.id for p in graph.deleted] == [remote["facebook"]] and len(graph.posts) == 1
    assert not (site / "posts" / f"{remote['portal']}.html").exists()
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Bài số 2" not in index and "Bài số 1" in index
    assert "Bài số 2" not in (site / "feed.xml").read_text(encoding="utf-8")
    assert json.loads((site / "loa-site.json").read_text(encoding="utf-8")).keys() == {
        project.json("post", "show", str(ids[0]))["deliveries"][0]["remote_id"]}
    shown = project.json("post", "show", str(ids[1]))
    assert [(c["action"], c["status"]) for c in shown["changes"]] == [("delete", "published")] * 2
    assert [h["kind"] for h in shown["history"]].count("taken_down") == 2
    # taken down is taken down: a second request is refused in one line, nothing added
    assert "already taken down" in project.fails("post", "unpublish", str(ids[1]))
    assert "not published" in project.fails("post", "correct", str(ids[1]), "--title", "X")


def test_a_take_down_retried_after_a_500_that_had_already_deleted_is_one_outcome(on_page):
    project, graph, ids = on_page
    project.ok("post", "unpublish", str(ids[1]), "--channel", "facebook")
    graph.fail_next("DELETE", code=1)  # the double deletes the post, then answers 500
    failed = project.run("publish", str(ids[1]))
    assert failed.exit_code == 1 and "code 1" in failed.stderr
    assert len(graph.deleted) == 1 and change(project, ids[1], "facebook", "delete")["status"] == "retry_wait"
    second = project.run("publish", str(ids[1]))  # the retry: the post is gone (400, 100/33), which is done
    assert second.exit_code == 0 and "facebook: taken down" in second.stdout, second.output
    deletes = [r for r in graph.requests if r.method == "DELETE"]
    assert [r.status for r in deletes] == [500, 400] and deletes[1].response["error"]["error_subcode"] == 33
    row = change(project, ids[1], "facebook", "delete")
    assert row["status"] == "published" and row["last_error"] is None
    kinds = [h["kind"] for h in project.json("post", "show", str(ids[1]))["history"]]
    assert kinds.count("taken_down") == 1 and kinds.count("attempt") == 1 and "failed" not in kinds
    assert len(graph.deleted) == 1


def test_a_post_deleted_by_hand_counts_as_taken_down(on_page):
    project, graph, ids = on_page
    remote = project.json("post", "show", str(ids[0]))["deliveries"][1]["remote_id"]
    graph.deleted.append(next(p for p in graph.posts if p.id == remote))
    graph.posts = [p for p in graph.posts if p.id != remote]  # someone removed it on Facebook meanwhile
    project.ok("post", "unpublish", str(ids[0]), "--channel", "facebook")
    assert "facebook: taken down" in project.ok("publish", str(ids[0])).stdout
    assert change(project, ids[0], "facebook", "delete")["status"] == "published"


def test_a_take_down_refused_by_the_platform_is_shown_in_status(on_page):
    project, graph, ids = on_page
    project.ok("post", "unpublish", str(ids[1]), "--channel", "facebook")
    graph.fail_next("DELETE", code=100, message="(#100) Invalid parameter")
    project.run("publish", str(ids[1]))
    assert change(project, ids[1], "facebook", "delete")["status"] == "failed"
    items = project.json("status")["attention"]["items"]
    item = next(i for i in items if i["post"] == ids[1])
    assert item["channel"] == "facebook" and item["status"] == "failed" and item["reason"].startswith("take-down:")
    assert "Invalid parameter" in item["reason"]
    # `loa retry` sends it again, with no approval (the post was done)
    project.ok("retry", str(ids[1]), "--channel", "facebook")
    assert "facebook: taken down" in project.ok("publish", str(ids[1])).stdout


def test_a_facebook_correction_edits_the_message_of_the_same_post(on_page):
    project, graph, ids = on_page
    before = {p.id for p in graph.posts}
    project.ok("post", "correct", str(ids[0]), "--body", "Số liệu đã đính chính: 1.200 người.")
    assert not [r for r in graph.requests if r.method == "POST" and r.path.count("/") == 2 and
                not r.path.endswith(("/photos", "/feed"))]  # nothing before approval
    project.ok("post", "approve", str(ids[0]))
    assert "facebook: corrected" in project.ok("publish", str(ids[0])).stdout
    remote = project.json("post", "show", str(ids[0]))["deliveries"][1]["remote_id"]
    edit = [r for r in graph.requests if r.method == "POST" and r.path.endswith(f"/{remote}")]
    assert len(edit) == 1 and "1.200 người" in edit[0].form["message"] and edit[0].response == {"success": True}
    assert {p.id for p in graph.posts} == before  # one post, with the new text: never a second one
    assert "1.200 người" in next(p for p in graph.posts if p.id == remote).message


def test_a_facebook_correction_after_a_500_is_sent_again_and_lands_once(on_page):
    project, graph, ids = on_page
    project.ok("post", "correct", str(ids[1]), "--title", "Bài số 2 (sửa)", "--body", "Đúng là 15.")
    project.ok("post", "approve", str(ids[1]))
    graph.fail_next("POST", code=2)  # the edit is made, then the answer is a 500
    assert project.run("publish", str(ids[1])).exit_code == 1
    assert change(project, ids[1], "facebook", "update")["status"] == "retry_wait"
    assert "facebook: corrected" in project.ok("publish", str(ids[1]), "--channel", "facebook").stdout
    assert len(graph.posts) == 2 and len(graph.edits) == 2 and {m for _, m in graph.edits} == {graph.edits[0][1]}


def test_a_take_down_on_a_channel_that_cannot_is_refused_naming_it(on_page, monkeypatch):
    from loa.scheduler.publishers.facebook import FacebookPublisher

    project, graph, ids = on_page
    monkeypatch.setattr(FacebookPublisher, "supports", frozenset({"update"}))
    before = project.counts(), project.sql("SELECT * FROM deliveries")
    error = project.fails("post", "unpublish", str(ids[0]))
    assert "facebook" in error and "cannot take a post down" in error
    assert (project.counts(), project.sql("SELECT * FROM deliveries")) == before


def test_a_take_down_cancels_what_has_not_gone_out_on_that_channel(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))
    project.ok("campaign", "import", str(path), "--approve")
    (post_id,) = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("publish", str(post_id), "--channel", "portal")
    assert "not published" in project.fails("post", "unpublish", str(post_id), "--channel", "facebook")
    out = project.ok("post", "unpublish", str(post_id)).stdout
    assert "portal" in out and "facebook" in out  # facebook: its publication is stopped
    shown = project.json("post", "show", str(post_id))
    assert {d["channel"]: d["status"] for d in shown["deliveries"]} == {"portal": "published",
                                                                          "facebook": "cancelled"}
    project.ok("publish", str(post_id))
    assert project.json("post", "show", str(post_id))["status"] == "done"
    assert not list((project.root / "var" / "dry-run").rglob("*.json"))  # nothing ever went to facebook


def test_an_interrupted_take_down_is_sent_again_by_recovery(on_page):
    """A daemon killed mid-send leaves a take-down "sending": it is idempotent, so recovery sends it again."""
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.dispatch import send_claimed
    from loa.scheduler.recovery import reconcile_abandoned

    project, graph, ids = on_page
    project.ok("post", "unpublish", str(ids[0]), "--channel", "facebook")
    row = change(project, ids[0], "facebook", "delete")
    (delivery_id,), = project.sql("SELECT id FROM deliveries WHERE post_id=? AND action='delete'", ids[0])
    remote = project.json("post", "show", str(ids[0]))["deliveries"][1]["remote_id"]
    gone = next(p for p in graph.posts if p.id == remote)  # the DELETE landed; the process died before recording
    graph.posts.remove(gone)
    graph.deleted.append(gone)
    project.sql("UPDATE deliveries SET status='sending', lease_owner='gone:1:x', attempts=1, "
                "lease_expires_at='2000-01-01 00:00:00' WHERE id=?", delivery_id)
    config = load_config(project.config)
    db = open_database(config.database_url)
    try:
        outcomes = reconcile_abandoned(db, config, "me:2:y", {})
        assert [(o.status, o.delivery_id) for o in outcomes] == [("retry_wait", delivery_id)]
        assert not [r for r in graph.requests if r.method == "GET" and "/posts" in r.path and r.query.get("since")]
        project.sql("UPDATE deliveries SET status='sending', lease_owner='me:2:y', "
                    "lease_expires_at='2100-01-01 00:00:00' WHERE id=?", delivery_id)
        outcome = send_claimed(db, config, delivery_id, "me:2:y")
    finally:
        db.dispose()
    assert (outcome.status, outcome.action) == ("published", "delete") and row["status"] == "pending"
    assert [r.status for r in graph.requests if r.method == "DELETE"] == [400]  # already gone: done
    assert change(project, ids[0], "facebook", "delete")["status"] == "published" and len(graph.deleted) == 1
    kinds = [h["kind"] for h in project.json("post", "show", str(ids[0]))["history"]]
    assert kinds.count("taken_down") == 1 and "unknown" not in kinds


def test_figures_are_read_only_for_publications_still_up(on_page):
    project, graph, ids = on_page
    project.ok("post", "correct", str(ids[0]), "--body", "Đã sửa.")
    project.ok("post", "approve", str(ids[0]))
    project.ok("publish", str(ids[0]))

    def read():
        return sorted((r["post"], r["channel"]) for r in
                      project.json("metrics", "refresh", "--campaign", "tuan-le")["readings"])

    everything = [(ids[0], "facebook"), (ids[0], "portal"), (ids[1], "facebook"), (ids[1], "portal")]
    assert read() == everything  # a correction is no second publication to read
    project.ok("post", "unpublish", str(ids[1]), "--channel", "facebook")
    project.ok("publish", str(ids[1]))
    assert read() == [r for r in everything if r != (ids[1], "facebook")]
    assert project.json("status")["deliveries"]["published"] == 4  # publications only


def test_the_daemon_takes_a_done_post_down_without_approval(on_page):
    from conftest import fast_daemon

    project, graph, ids = on_page
    fast_daemon(project)
    assert project.json("post", "show", str(ids[1]))["status"] == "done"
    project.ok("post", "unpublish", str(ids[1]))
    project.ok("run", "--until-idle")
    shown = project.json("post", "show", str(ids[1]))
    assert [c["status"] for c in shown["changes"]] == ["published", "published"] and shown["status"] == "done"
    assert len(graph.deleted) == 1 and len(graph.posts) == 1


def test_the_outreach_log_lists_them_by_kind_in_vietnamese(on_page):
    project, graph, ids = on_page
    project.ok("post", "unpublish", str(ids[1]), "--channel", "facebook")
    project.ok("publish", str(ids[1]))
    entries = project.json("log", "--kind", "taken_down")["entries"]
    assert [(e["post_id"], e["channel"]) for e in entries] == [(ids[1], "facebook")]
    assert "đã gỡ bài" in project.ok("--lang", "vi", "log", "--kind", "taken_down").stdout
    export = project.root / "nhat-ky.csv"
    project.ok("log", "export", "--format", "csv", "-o", str(export), "--kind", "taken_down")
    assert export.read_text(encoding="utf-8-sig").count("taken_down") == 1


def test_the_graph_double_edits_and_deletes_as_the_contract_says():
    import requests

    from support.facebook import GraphDouble

    with GraphDouble(token="t") as graph:
        root, auth = f"{graph.url}/v25.0", {"Authorization": "Bearer t"}
        post = requests.post(f"{root}/{graph.page_id}/feed", data={"message": "Một"}, headers=auth, timeout=5).json()
        edited = requests.post(f"{root}/{post['id']}", data={"message": "Hai"}, headers=auth, timeout=5)
        assert edited.json() == {"success": True} and graph.posts[0].message == "Hai"
        assert requests.delete(f"{root}/{post['id']}", headers=auth, timeout=5).json() == {"success": True}
        for again in (requests.delete(f"{root}/{post['id']}", headers=auth, timeout=5),
                      requests.post(f"{root}/{post['id']}", data={"message": "Ba"}, headers=auth, timeout=5)):
            error = again.json()["error"]
            assert again.status_code == 400 and (error["code"], error["error_subcode"]) == (100, 33)
        other = requests.post(f"{root}/{graph.page_id}/feed", data={"message": "Bốn"}, headers=auth, timeout=5).json()
        graph.permissions.discard("pages_manage_posts")
        refused = requests.delete(f"{root}/{other['id']}", headers=auth, timeout=5)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == 10 and len(graph.posts) == 1
        graph.permissions.add("pages_manage_posts")
        graph.fail_next("DELETE", code=1)  # a 500 that had already deleted
        assert requests.delete(f"{root}/{other['id']}", headers=auth, timeout=5).status_code == 500
        assert graph.posts == [] and [p.id for p in graph.deleted] == [post["id"], other["id"]]
