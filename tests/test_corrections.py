"""`loa post correct` (đính chính) on the local channels: approved like any post, sent through the publication path,
one page rewritten in place, never a second post; refused in one line when it cannot be done."""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from conftest import campaign_toml
from support.organization import fill_organization

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(project):
    """A post published on both local channels (portal: static site, facebook: dry run), and a second one queued."""
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2,
                                                 post_lines='banner = { headline = "Đọc sách" }'))
    project.ok("campaign", "import", str(path), "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("publish", str(ids[0]))
    return project, ids


def site_pages(project):
    return sorted(p.name for p in (project.root / "var" / "site" / "posts").glob("*.html"))


def feed_titles(project):
    feed = ET.parse(project.root / "var" / "site" / "feed.xml").getroot()
    return [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]


def test_a_correction_waits_for_approval_then_rewrites_the_page_in_place(published):
    project, ids = published
    pages = site_pages(project)
    before = project.json("post", "show", str(ids[0]))
    out = project.ok("post", "correct", str(ids[0]), "--title", "Bài số 1 (đính chính)", "--body", "Số liệu đúng: 12.")
    assert "portal, facebook" in out.stdout and f"loa post approve {ids[0]}" in out.stdout
    shown = project.json("post", "show", str(ids[0]))
    assert shown["status"] == "draft" and shown["revision"] == before["revision"] + 1
    assert [(c["action"], c["channel"], c["status"]) for c in shown["changes"]] == \
        [("update", "portal", "pending"), ("update", "facebook", "pending")]
    # `loa queue` lists the publications, each channel once; the correction is in `post show`
    (row,) = [r for r in project.json("queue")["posts"] if r["id"] == ids[0]]
    assert row["status"] == "draft" and [(d["channel"], d["status"]) for d in row["deliveries"]] == \
        [("portal", "published"), ("facebook", "published")]
    # not approved: nothing goes out, by `loa publish` or the daemon's claim
    assert "approved" in project.fails("publish", str(ids[0]))
    page = project.root / "var" / "site" / "posts" / pages[0]
    assert "Bài số 1 (đính chính)" not in page.read_text(encoding="utf-8")
    project.ok("post", "approve", str(ids[0]))
    sent = project.ok("publish", str(ids[0])).stdout
    assert "portal: corrected file://" in sent and "facebook: corrected" in sent
    assert site_pages(project) == pages  # the same page, rewritten: never a second post
    text = page.read_text(encoding="utf-8")
    assert "Bài số 1 (đính chính)" in text and "Số liệu đúng: 12." in text
    assert "Bài số 1 (đính chính)" in (project.root / "var" / "site" / "index.html").read_text(encoding="utf-8")
    assert feed_titles(project) == ["Bài số 1 (đính chính)"]
    shown = project.json("post", "show", str(ids[0]))
    assert shown["status"] == "done"
    assert [c["status"] for c in shown["changes"]] == ["published", "published"]
    # the publications keep their own record: the link people have is unchanged
    assert [d["permalink"] for d in shown["deliveries"]] == [d["permalink"] for d in before["deliveries"]]
    kinds = [h["kind"] for h in shown["history"]]
    assert kinds.count("published") == 2 and kinds.count("corrected") == 2 and "correction" in kinds
    # dry run: what it would send, naming the post it changes
    record = json.loads(next((project.root / "var" / "dry-run").rglob(
        f"*-{project.sql('SELECT id FROM deliveries WHERE action=? AND channel=?', 'update', 'facebook')[0][0]}.json"))
        .read_text(encoding="utf-8"))
    assert record["action"] == "update" and record["title"] == "Bài số 1 (đính chính)"
    assert record["remote_id"] == before["deliveries"][1]["remote_id"]


def test_post_show_lists_corrections_in_words(published):
    project, ids = published
    said = project.ok("--lang", "vi", "post", "correct", str(ids[0]), "--body", "Số liệu đúng.").stdout
    assert "(nội dung)" in said and "body" not in said  # the fields in the officer's language
    project.ok("post", "approve", str(ids[0]))
    project.ok("publish", str(ids[0]))
    shown = project.ok("post", "show", str(ids[0])).stdout
    assert "portal · correction" in shown and "corrected · portal" in shown and "correction requested" in shown
    vietnamese = project.run("--lang", "vi", "post", "show", str(ids[0]), env={"COLUMNS": "200"}).stdout
    assert "đính chính" in vietnamese and "đã đính chính" in vietnamese
    row = vietnamese.split("portal · đính chính", 1)[1].splitlines()[0]
    assert "đã đính chính" in row and "đã đăng" not in row  # carried out, not "published"


def test_a_second_correction_resets_the_same_row(published):
    project, ids = published
    for body in ("Lần một.", "Lần hai."):
        project.ok("post", "correct", str(ids[0]), "--body", body)
        project.ok("post", "approve", str(ids[0]))
        project.ok("publish", str(ids[0]))
    rows = project.sql("SELECT channel, status, attempts FROM deliveries WHERE action='update' ORDER BY id")
    assert rows == [("portal", "published", 1), ("facebook", "published", 1)]
    assert len(site_pages(project)) == 1
    assert "Lần hai." in (project.root / "var" / "site" / "posts" / site_pages(project)[0]).read_text("utf-8")


def test_a_correction_reaches_a_channel_not_sent_yet_as_its_publication(published):
    project, ids = published
    project.ok("publish", str(ids[1]), "--channel", "portal")
    project.ok("post", "correct", str(ids[1]), "--title", "Đã sửa")
    shown = project.json("post", "show", str(ids[1]))
    assert [(c["action"], c["channel"]) for c in shown["changes"]] == [("update", "portal")]  # not on facebook
    project.ok("post", "approve", str(ids[1]))
    sent = project.ok("publish", str(ids[1])).stdout
    assert "portal: corrected" in sent and "facebook: published" in sent
    facebook = project.sql("SELECT id FROM deliveries WHERE post_id=? AND channel='facebook' AND action='publish'",
                           ids[1])[0][0]
    record = next((project.root / "var" / "dry-run").rglob(f"*-{facebook}.json"))
    assert json.loads(record.read_text("utf-8"))["title"] == "Đã sửa"


def test_the_daemon_sends_an_approved_correction(published):
    from conftest import fast_daemon

    project, ids = published
    fast_daemon(project)
    project.ok("post", "cancel", str(ids[1]))
    project.ok("post", "correct", str(ids[0]), "--title", "Tiêu đề đúng")
    project.ok("run", "--until-idle")  # a draft: the daemon leaves it alone
    assert {c["status"] for c in project.json("post", "show", str(ids[0]))["changes"]} == {"pending"}
    project.ok("post", "approve", str(ids[0]))
    project.ok("run", "--until-idle")
    assert {c["status"] for c in project.json("post", "show", str(ids[0]))["changes"]} == {"published"}
    assert feed_titles(project) == ["Tiêu đề đúng"]


def test_correcting_an_unpublished_post_is_refused_and_changes_nothing(published):
    project, ids = published
    before = project.sql("SELECT * FROM posts"), project.sql("SELECT * FROM deliveries"), project.counts()
    error = project.fails("post", "correct", str(ids[1]), "--title", "X")
    assert "not published" in error and f"loa post edit {ids[1]}" in error
    assert (project.sql("SELECT * FROM posts"), project.sql("SELECT * FROM deliveries"), project.counts()) == before


def test_a_correction_that_changes_nothing_is_refused(published):
    project, ids = published
    project.fails("post", "correct", str(ids[0]), "--title", "Bài số 1")
    assert project.rows("deliveries") == 4


def test_a_correction_is_refused_while_a_send_is_unsettled(published):
    project, ids = published
    project.sql("UPDATE deliveries SET status='unknown' WHERE post_id=? AND channel='facebook'", ids[0])
    assert "facebook" in project.fails("post", "correct", str(ids[0]), "--title", "X")
    assert project.rows("deliveries") == 4


def test_a_correction_on_a_channel_that_cannot_is_refused_naming_it(published, monkeypatch):
    from loa.scheduler.publishers.dry_run import DryRunPublisher

    project, ids = published
    monkeypatch.setattr(DryRunPublisher, "supports", frozenset())
    before = project.counts(), project.sql("SELECT title, status, revision FROM posts")
    error = project.fails("post", "correct", str(ids[0]), "--title", "X")
    assert "facebook" in error and "cannot correct" in error
    assert (project.counts(), project.sql("SELECT title, status, revision FROM posts")) == before


def test_body_file_on_correct(published):
    project, ids = published
    path = project.write("dinh-chinh.txt", "Dòng một.\n\nDòng hai: số liệu đúng.\n")
    project.ok("post", "correct", str(ids[0]), "--body-file", str(path))
    assert project.json("post", "show", str(ids[0]))["body"] == "Dòng một.\n\nDòng hai: số liệu đúng."


def test_the_report_counts_and_lists_corrections_and_take_downs(published):
    from docx import Document
    from openpyxl import load_workbook

    project, ids = published
    project.ok("post", "correct", str(ids[0]), "--title", "Bài số 1 (đính chính)")
    project.ok("post", "approve", str(ids[0]))
    project.ok("publish", str(ids[0]))
    project.ok("post", "unpublish", str(ids[0]), "--channel", "facebook")
    project.ok("publish", str(ids[0]))
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    out = {}
    for fmt in ("docx", "xlsx", "html"):
        out[fmt] = project.root / f"bao-cao.{fmt}"
        project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(out[fmt]), "--format", fmt)
    document = Document(out["docx"])
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2 lượt đính chính và 1 lượt gỡ bài" in text
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    listed = [row for row in rows if row[-1] in ("đính chính", "gỡ bài")]
    assert sorted((row[2], row[-1]) for row in listed) == [  # channels by their names (tests/test_channel_names.py)
        ("Cổng thông tin điện tử", "đính chính"), ("Trang Facebook", "gỡ bài"), ("Trang Facebook", "đính chính")]
    # publications are still counted once each: a correction is not a second post
    from loa.posts.db import open_database
    from loa.scheduler.report.figures import compute_figures

    db = open_database(f"sqlite:///{project.db_path}")
    with db.session() as session:
        figures = compute_figures(session, "tuan-le")
    db.dispose()
    assert (figures.published, figures.posts_published, figures.corrected, figures.taken_down) == (2, 1, 2, 1)
    assert len(figures.links) == 2 and figures.on_time + figures.late + figures.timing_unknown == 2
    html = out["html"].read_text(encoding="utf-8")
    assert "2 lượt đính chính và 1 lượt gỡ bài" in html and html.count("<td>gỡ bài</td>") == 1
    summary = {row[0]: row[1] for row in load_workbook(out["xlsx"])["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["đính chính"] == 2 and summary["gỡ bài"] == 1


def test_a_report_without_corrections_says_nothing_of_them(published):
    from docx import Document

    project, ids = published
    path = project.root / "bao-cao.docx"
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(path))
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "đính chính" not in text and "gỡ bài" not in text


def test_the_daemon_log_says_corrected_not_published(published):
    from conftest import fast_daemon

    project, ids = published
    fast_daemon(project)
    project.ok("post", "cancel", str(ids[1]))
    project.ok("post", "correct", str(ids[0]), "--title", "Tiêu đề đúng")
    project.ok("post", "approve", str(ids[0]))
    result = project.ok("run", "--until-idle", "--log-format", "json")
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    sent = [(e["event"], e["channel"], e.get("action")) for e in events if e.get("post") == ids[0]]
    assert sorted(sent) == [("corrected", "facebook", "update"), ("corrected", "portal", "update")]


def test_cancelling_a_correction_not_approved_keeps_the_published_text(published):
    project, ids = published
    project.ok("post", "correct", str(ids[0]), "--title", "Nhầm")
    project.ok("post", "cancel", str(ids[0]))
    shown = project.json("post", "show", str(ids[0]))
    assert [c["status"] for c in shown["changes"]] == ["cancelled", "cancelled"]
    assert [d["status"] for d in shown["deliveries"]] == ["published", "published"]
    assert not [i for i in project.json("status")["attention"]["items"] if i["post"] == ids[0]]
