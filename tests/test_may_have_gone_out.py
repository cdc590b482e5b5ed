"""A send whose answer was lost (a read timeout, a reset, a 5xx on a create) "may have gone out": until a lookup
settles it, edit, reschedule, re-import and cancel treat it exactly like a post being sent or of unknown outcome.
A failure that shows the request never left (connection refused) does not."""
from __future__ import annotations

import socket

import pytest
import requests
from conftest import delivery_states, fast_daemon, make_due, queue_now, wordpress_channel

from support.proxy import FaultProxy

TOKEN = "EAAB-maybe-sent-token"


@pytest.fixture
def page_settings() -> str:
    return "\ntimeout = 1"  # a post the double makes and answers 3 s later is a lost answer


@pytest.fixture
def page(page):
    project, graph = page
    # retries an hour away: nothing is retried inside one `loa run --once`; a test makes a retry due itself
    fast_daemon(project, retry_base_seconds=3600, retry_max_seconds=7200, max_attempts=4)
    return project, graph


def retry_due(project, post: int) -> None:
    """The next attempt falls due now (as if the backoff had passed)."""
    project.sql("UPDATE deliveries SET available_at=due_at WHERE post_id=? AND status='retry_wait'", post)


def creates(graph) -> int:
    """Posts on the Page, whatever loa heard of them (the double makes a post before it holds its answer back)."""
    return len(graph.published_posts())


def lose_the_answer(project, graph) -> int:
    """One post whose Facebook create succeeds on the Page but whose answer never reaches loa, and whose lookup
    right after fails too: loa cannot know. Returns the post id (its portal copy is published)."""
    post, = queue_now(project, 1, pace=0.2, slug="mat-tra-loi")
    make_due(project, post)
    graph.stall_seconds = 3
    graph.fail_next("GET", "/posts", code=2)  # the lookup right after the timeout: the service is down
    project.ok("run", "--once")
    graph.stall_seconds = 0
    assert creates(graph) == 1
    assert delivery_states(project)[(post, "facebook")] == "retry_wait"
    assert project.sql("SELECT maybe_sent FROM deliveries WHERE post_id=? AND channel='facebook'", post) == [(1,)]
    return post


def test_edit_and_reschedule_are_refused_while_a_lost_answer_is_unsettled(page):
    project, graph = page
    post = lose_the_answer(project, graph)
    error = project.fails("post", "edit", str(post), "--title", "Tiêu đề mới")
    assert f"post {post}" in error and "may have" in error and "facebook" in error
    error = project.fails("post", "reschedule", str(post), "01/01/2031 08:00")
    assert "may have" in error and "facebook" in error
    shown = project.json("post", "show", str(post))
    assert shown["title"] == "Bài số 1"
    assert {d["channel"]: d["may_have_gone_out"] for d in shown["deliveries"]} == {"portal": True, "facebook": True}
    # the retry looks first, finds the post the Page made, and records it: one post, with the text that went out
    retry_due(project, post)
    project.ok("run", "--until-idle")
    assert delivery_states(project)[(post, "facebook")] == "published" and creates(graph) == 1
    published, = graph.published_posts()
    assert published.message.startswith("BÀI SỐ 1\n\nNội dung bài số 1.")
    assert project.sql("SELECT maybe_sent FROM deliveries WHERE post_id=? AND channel='facebook'", post) == [(0,)]


def test_a_replace_import_keeps_the_post_that_may_have_gone_out(page):
    project, graph = page
    post = lose_the_answer(project, graph)
    path = project.root / "mat-tra-loi.toml"
    result = project.ok("campaign", "import", str(path), "--start", "now", "--pace", "0.2", "--approve", "--replace")
    # named, with the channel it may be on, and left alone
    assert f"! #{post} day 1" in result.stdout and "facebook" in result.stdout, result.stdout
    assert "1 already published and left alone" in result.stdout
    ids = [p["id"] for p in project.json("queue", "--campaign", "mat-tra-loi", "--status", "approved")["posts"]]
    assert ids == [post]  # not cancelled and made again under a new id
    retry_due(project, post)
    project.ok("run", "--until-idle")
    assert creates(graph) == 1


def test_cancel_says_the_post_may_be_live_and_nothing_is_sent_after_it(page):
    project, graph = page
    post = lose_the_answer(project, graph)
    result = project.run("post", "cancel", str(post))
    assert result.exit_code == 0
    assert f"post {post} may already be on facebook" in result.stderr
    assert delivery_states(project)[(post, "facebook")] == "unknown"
    item, = [i for i in project.json("status")["attention"]["items"] if i["status"] == "unknown"]
    assert item["post"] == post and item["channel"] == "facebook" and "loa retry" in item["hint"]
    retry_due(project, post)
    project.ok("run", "--once")
    assert creates(graph) == 1 and delivery_states(project)[(post, "facebook")] == "unknown"


def test_a_lookup_that_still_cannot_tell_keeps_it_unsettled_and_gives_up_as_unknown(page):
    project, graph = page
    post = lose_the_answer(project, graph)
    graph.fail_next("GET", "/posts", code=2, times=20)  # every later lookup fails as well
    for _ in range(3):  # attempts 2, 3 and 4 of 4
        retry_due(project, post)
        project.ok("run", "--once")
    # never a second create: after the attempts, a person decides (unknown, not failed)
    assert creates(graph) == 1
    assert delivery_states(project)[(post, "facebook")] == "unknown"
    (error,), = project.sql("SELECT last_error FROM deliveries WHERE post_id=? AND channel='facebook'", post)
    assert "may already be on facebook" in error


def test_a_connection_refused_is_not_a_lost_answer(project, monkeypatch):
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
    with socket.socket() as closed:  # a port nobody listens on: the request never leaves
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    project.set_channel("facebook", 'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_FACEBOOK_TOKEN"\n'
                                    f'graph_url = "http://127.0.0.1:{port}"\ntimeout = 1')
    fast_daemon(project, retry_base_seconds=3600, retry_max_seconds=7200)
    post, = queue_now(project, 1, pace=0.2, slug="tu-choi", post_lines='channels = ["facebook"]')
    make_due(project, post)
    project.ok("run", "--once")
    assert delivery_states(project)[(post, "facebook")] == "retry_wait"
    assert project.sql("SELECT maybe_sent FROM deliveries WHERE post_id=? AND channel='facebook'", post) == [(0,)]
    project.ok("post", "edit", str(post), "--title", "Tiêu đề đã sửa")  # nothing can be out there: allowed


def test_wordpress_that_creates_and_answers_late_is_never_posted_twice(project, wordpress, monkeypatch):
    """The review's case: a short timeout, a site that makes the post and answers late, then a re-import."""
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    with FaultProxy(wordpress.url) as proxy:
        project.set_channel("portal", wordpress_channel(wordpress, "timeout = 1", via=proxy))
        fast_daemon(project, retry_base_seconds=3600, retry_max_seconds=7200, max_attempts=6)
        post, = queue_now(project, 1, pace=0.2, slug="wp-cham")
        make_due(project, post)
        proxy.stall_next("POST", "/wp/v2/posts", 4)  # made on the site; the answer comes after loa gave up
        proxy.answer_next("GET", "/wp/v2/posts", 502)  # and the lookup right after cannot tell either
        project.ok("run", "--once")
        assert delivery_states(project)[(post, "portal")] == "retry_wait"
        assert "may have" in project.fails("post", "edit", str(post), "--title", "Tiêu đề khác")
        path = project.root / "wp-cham.toml"
        project.ok("campaign", "import", str(path), "--start", "now", "--pace", "0.2", "--approve", "--replace")
        project.sql("UPDATE deliveries SET available_at=due_at WHERE status IN ('pending', 'retry_wait')")
        project.ok("run", "--until-idle")
        assert delivery_states(project)[(post, "portal")] == "published"
        (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='portal'", post)
        prefix = rest(wordpress, f"/wp/v2/posts/{remote}")["slug"].rsplit("-", 1)[0]
        on_the_site = []  # every portal delivery this database ever had, and WordPress's renamed duplicates
        for (delivery,) in project.sql("SELECT id FROM deliveries WHERE channel='portal'"):
            for slug in (f"{prefix}-{delivery}", f"{prefix}-{delivery}-2"):
                on_the_site += rest(wordpress, "/wp/v2/posts", slug=slug, status="any")
        assert [p["id"] for p in on_the_site] == [int(remote)]
        assert on_the_site[0]["title"]["raw"] == "Bài số 1"


def rest(wordpress, route, **params):
    answer = requests.get(wordpress.rest(route, context="edit", **params),
                          headers={"Authorization": wordpress.authorization()}, timeout=30)
    answer.raise_for_status()
    return answer.json()
