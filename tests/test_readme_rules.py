"""README rules that had no test of their own, one test each, checked through what a user sees."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import SAMPLE, campaign_toml
from docx import Document
from docx.oxml.ns import qn

from loa.posts.i18n import t
from support.organization import fill_organization


def test_start_date_with_pace_counts_from_midnight_of_that_date(project):
    """README: `--pace N` puts post k at k×N seconds after 00:00 of the start date (in the campaign's timezone)."""
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--pace", "90")
    times = [dt.datetime.fromisoformat(p["publish_at"]) for p in project.json("queue")["posts"]]
    midnight = dt.datetime(2031, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=7)))  # the sample is Can Tho time
    assert times == [midnight + dt.timedelta(seconds=90 * k) for k in range(1, len(times) + 1)]


@pytest.mark.parametrize("option", ["--from", "--to"])
@pytest.mark.parametrize("day, accepted", [("1970-01-01", True), ("2999-12-31", True), ("31/12/2999", True),
                                           ("1969-12-31", False), ("3000-01-01", False), ("01/01/3000", False)])
def test_dates_are_in_the_years_1970_to_2999(project, option, day, accepted):
    if accepted:
        project.ok("queue", option, day)
    else:
        assert project.fails("queue", option, day).startswith(f"error: {option}")


@pytest.mark.parametrize("day", ["1969-12-31", "3000-01-01"])
def test_a_campaign_start_outside_the_years_is_refused_and_nothing_queued(project, day):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1)))
    assert "--start" in project.fails("campaign", "import", str(path), "--start", day)
    assert project.counts()["posts"] == 0


def test_docx_page_numbers_start_on_page_2(project):
    """README (Decree 30): page numbers from page 2 — a PAGE field in the header, none on the first page."""
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("so-trang", start=dt.date(2031, 10, 1)))),
               "--approve")
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("report", "--campaign", "so-trang", "-o", str(project.root / "r.docx"))
    section = Document(project.root / "r.docx").sections[0]
    assert section.different_first_page_header_footer is True

    def fields(header) -> list[str]:
        return [node.text.strip() for node in header._element.iter(qn("w:instrText"))]

    assert fields(section.header) == ["PAGE"]
    assert fields(section.first_page_header) == [] and fields(section.first_page_footer) == []


def test_the_report_caps_its_lists_at_200_and_goes_per_week_for_a_long_campaign(project):
    """README: the DOCX lists the first 200 publications and says how many in all; the XLSX lists every one; a
    campaign longer than 14 days is tabulated per week."""
    from openpyxl import load_workbook
    from sqlalchemy import select

    from loa.posts.db import open_database
    from loa.posts.models import Delivery
    from loa.posts.outreach import record

    posts = 205
    text = campaign_toml("dai-han", start=dt.date(2031, 10, 1), days=92, posts=0)
    text += "".join(f'\n[[posts]]\nday = {1 + n % 92}\ntime = "08:00"\ntitle = "Tin {n}"\nbody = "Nội dung {n}."\n'
                    f'channels = ["portal"]\n' for n in range(posts))
    project.ok("campaign", "import", str(project.write("dai.toml", text)), "--approve")
    db = open_database(f"sqlite:///{project.db_path}")
    try:
        with db.transaction() as session:
            for delivery in session.scalars(select(Delivery)):
                record(session, "published", campaign_id=delivery.post.campaign_id, post=delivery.post,
                       channel="portal", delivery_id=delivery.id, at=delivery.due_at,
                       detail={"remote_id": f"r{delivery.id}", "permalink": f"https://portal.example.vn/{delivery.id}",
                               "attempt": 1})
    finally:
        db.dispose()
    docx_path, xlsx_path = project.root / "r.docx", project.root / "r.xlsx"
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("--lang", "vi", "report", "--campaign", "dai-han", "-o", str(docx_path), "--date", "2032-01-05")
    project.ok("report", "--campaign", "dai-han", "--format", "xlsx", "-o", str(xlsx_path), "--date", "2032-01-05")
    document = Document(docx_path)
    links = next(table for table in document.tables if any("portal.example.vn" in c.text for c in table._cells))
    assert len({row.cells[4].text for row in links.rows[1:]}) == 200  # the first 200 links, no more
    body = "\n".join(p.text for p in document.paragraphs)
    assert "205" in body
    periods = next(table for table in document.tables if table.rows[0].cells[0].text.strip().lower() == "tuần")
    # 92 days from Wednesday 1 October 2031: 14 weeks, each with a post (205 posts spread over every day)
    assert periods.rows[1].cells[0].text.startswith("Tuần 1 (01/10")
    assert len(periods.rows) == 1 + 14 + 1  # header, the weeks, the total
    detail = load_workbook(xlsx_path, read_only=True).worksheets[1]
    assert sum(1 for row in detail.iter_rows(min_row=2) if any(c.value for c in row)) >= posts


def test_a_rate_limit_pause_ends_by_itself_at_the_time_given(project):
    """README: a rate-limit pause ends by itself at the time the platform gave (no `loa channels check` needed).
    The clock is moved with time-machine (in-process `loa run --once`), not waited for."""
    import time_machine
    from conftest import delivery_states, make_due, queue_now

    post, = queue_now(project, 1, slug="tam-dung")
    make_due(project, post)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    resume = now + dt.timedelta(hours=1)
    project.sql("INSERT INTO channel_states (channel, paused_reason, pause_kind, paused_at, resume_at, updated_at) "
                "VALUES ('facebook', 'HTTP 429', 'rate', ?, ?, ?)", now.isoformat(sep=" "),
                resume.isoformat(sep=" "), now.isoformat(sep=" "))
    project.ok("run", "--once")
    assert delivery_states(project) == {(post, "portal"): "published", (post, "facebook"): "pending"}
    with time_machine.travel(resume.replace(tzinfo=dt.timezone.utc) - dt.timedelta(minutes=1), tick=True):
        project.ok("run", "--once")  # a minute early: still paused
    assert delivery_states(project)[(post, "facebook")] == "pending"
    with time_machine.travel(resume.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=5), tick=True):
        project.ok("run", "--once")
    assert delivery_states(project)[(post, "facebook")] == "published"


def test_publish_checks_every_channels_secrets_before_claiming_anything(project, monkeypatch):
    """README: `loa publish` first checks that every channel's adapter is installed and its secrets are set (else
    exit 2, nothing claimed) — without --channel too (a mutant that skipped the check survived `make mutate`)."""
    monkeypatch.delenv("LOA_FACEBOOK_TOKEN", raising=False)
    project.set_channel("facebook", 'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_FACEBOOK_TOKEN"')
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("bi-mat", start=dt.date(2031, 10, 1),
                                                                              posts=1))), "--approve")
    before = project.sql("SELECT id, status, attempts, lease_owner FROM deliveries ORDER BY id")
    message = project.fails("publish", "1")
    assert "LOA_FACEBOOK_TOKEN" in message
    assert project.sql("SELECT id, status, attempts, lease_owner FROM deliveries ORDER BY id") == before


def test_publish_with_nothing_left_to_send_names_the_post(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("mot-lan", start=dt.date(2031, 10, 1),
                                                                              posts=1))), "--approve")
    project.ok("publish", "1", "--channel", "portal")  # the post stays approved: facebook has not gone out
    assert project.fails("publish", "1", "--channel", "portal") == f"error: ID: {t('err.nothing_to_publish', id=1)}"


def test_the_daemon_lifts_a_credentials_pause_when_its_health_check_passes(project, monkeypatch):
    """README: a credentials pause ends when `loa channels check` passes; the daemon also checks every
    `health_minutes`. Real time here (a spawned daemon), polled with a generous deadline."""
    import time

    from conftest import delivery_states, facebook_channel, fast_daemon, make_due, queue_now, spawn_loa

    from support.facebook import GraphDouble

    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", "EAAB-health")
    with GraphDouble(token="EAAB-health") as graph:
        project.set_channel("facebook", facebook_channel(graph))
        fast_daemon(project, health_minutes=0.01)  # every 0.6 s
        post, = queue_now(project, 1, slug="suc-khoe")
        make_due(project, post)
        project.sql("INSERT INTO channel_states (channel, paused_reason, pause_kind, paused_at, updated_at) "
                    "VALUES ('facebook', 'Graph 190: token expired', 'auth', '2031-01-01 00:00:00', "
                    "'2031-01-01 00:00:00')")
        daemon = spawn_loa(project, "run", "--log-format", "json")  # event codes, whatever the language
        try:
            deadline = time.monotonic() + 120
            while delivery_states(project)[(post, "facebook")] != "published":
                assert time.monotonic() < deadline, "the pause was never lifted"
                time.sleep(0.2)
        finally:
            daemon.terminate()
            assert daemon.wait(timeout=60) == 0
    import json

    records = [json.loads(line) for line in next(project.root.glob("loa-*.log")).read_text().splitlines()
               if line.startswith("{")]
    events = [record["event"] for record in records if record.get("channel") == "facebook"]
    assert events.index("resumed") < events.index("published")  # lifted by the check, then sent
    assert project.sql("SELECT paused_reason FROM channel_states WHERE channel='facebook'") == [(None,)]


def test_wordpress_tags_by_name_created_once(project, wordpress, monkeypatch):
    """README: the portal post gets `category` and `tags` by name (created when `create_terms = true`)."""
    import requests
    from conftest import wordpress_channel

    def rest(route, **params):
        answer = requests.get(wordpress.rest(route, **params), headers={"Authorization": wordpress.authorization()},
                              timeout=60)
        answer.raise_for_status()
        return answer.json()

    tags = ["Học tập suốt đời", "Thẻ loa kiểm thử"]
    project.set_channel("portal", wordpress_channel(wordpress, f"tags = {tags!r}\ncreate_terms = true"
                                                    .replace("'", '"')))
    monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
    project.ok("campaign", "import", str(project.write("the.toml", campaign_toml("the-tag", start=dt.date(2031, 10, 1),
                                                                                posts=2))), "--approve")
    seen = []
    for post in (1, 2):
        project.ok("publish", str(post), "--channel", "portal")
        (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE post_id=? AND channel='portal'", post)
        ids = rest(f"/wp/v2/posts/{remote}", context="edit")["tags"]
        seen.append(sorted(ids))
        assert sorted(rest(f"/wp/v2/tags/{i}")["name"] for i in ids) == sorted(tags)
    assert seen[0] == seen[1]  # the second post reuses the tags the first one created
