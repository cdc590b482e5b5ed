"""Who wrote, changed and approved each post (``--by``, ``LOA_USER``, the login name), ``[web]
approver_must_differ``, and ``loa post send-back`` with the approver's comment: in the database, ``post show``,
``queue``, the outreach log export and the report."""
from __future__ import annotations

import csv
import datetime as dt
import getpass

import pytest
from conftest import campaign_toml
from docx import Document
from openpyxl import load_workbook
from support.organization import fill_organization

AT = "2031-10-01 08:00"


@pytest.fixture
def campaign(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=0))
    project.ok("campaign", "import", str(path), "--by", "lan")
    return project


def add(project, *extra: str, title: str = "Khai mạc") -> int:
    result = project.ok("post", "add", "--campaign", "tuan-le", "--at", AT, "--title", title, "--body", "Nội dung",
                        *extra)
    return int(result.stdout.split()[2])


def who(project, post_id: int) -> tuple:
    return project.sql("SELECT created_by, edited_by, approved_by, approved_at IS NOT NULL, review_comment "
                       "FROM posts WHERE id=?", post_id)[0]


def entries(project, post_id: int) -> list[tuple]:
    return project.sql("SELECT kind, json_extract(detail, '$.by') FROM outreach_entries WHERE post_id=? "
                       "AND kind != 'rendered' ORDER BY id", post_id)


def must_differ(project) -> None:
    text = project.config.read_text(encoding="utf-8")
    assert text.count("\n[web]\n") == 1  # the shipped config.toml leaves it to the default
    project.config.write_text(text.replace("\n[web]\n", "\n[web]\napprover_must_differ = true\n"), encoding="utf-8")


def test_by_is_recorded_on_add_edit_reschedule_and_approve(campaign):
    post_id = add(campaign, "--by", "lan")
    assert who(campaign, post_id) == ("lan", "lan", None, 0, None)
    campaign.ok("post", "edit", str(post_id), "--title", "Khai mạc tuần lễ", "--by", "minh")
    campaign.ok("post", "reschedule", str(post_id), "2031-10-02 09:00", "--by", "hoa")
    campaign.ok("post", "edit", str(post_id), "--at", "2031-10-02 10:00", "--channels", "portal", "--by", "hoa")
    assert who(campaign, post_id) == ("lan", "minh", None, 0, None)  # a new time is not a change of content
    campaign.ok("post", "approve", str(post_id), "--by", "truong-phong")
    assert who(campaign, post_id) == ("lan", "minh", "truong-phong", 1, None)
    assert entries(campaign, post_id) == [("queued", "lan"), ("edited", "minh"), ("rescheduled", "hoa"),
                                          ("edited", "hoa"), ("approved", "truong-phong")]
    shown = campaign.json("post", "show", str(post_id))
    assert (shown["created_by"], shown["edited_by"], shown["approved_by"]) == ("lan", "minh", "truong-phong")
    assert shown["approved_at"].endswith("+07:00") and shown["review_comment"] is None
    assert [(h["kind"], h["by"]) for h in shown["history"] if h["kind"] != "rendered"] == entries(campaign, post_id)
    text = campaign.ok("--lang", "vi", "post", "show", str(post_id)).stdout
    assert "Người soạn" in text and "lan" in text and "Người duyệt" in text and "truong-phong (" in text
    assert "duyệt · truong-phong" in text  # the history says who did each thing


def test_loa_user_then_the_login_name(campaign, monkeypatch):
    monkeypatch.setenv("LOA_USER", "  thu  ")
    post_id = add(campaign)
    assert who(campaign, post_id)[:2] == ("thu", "thu")
    campaign.ok("post", "edit", str(post_id), "--body", "Nội dung mới", "--by", "minh")  # --by wins
    assert who(campaign, post_id)[1] == "minh"
    monkeypatch.delenv("LOA_USER")
    other = add(campaign, title="Bài hai")
    assert who(campaign, other)[0] == getpass.getuser()
    monkeypatch.setenv("LOA_USER", "a\tb")
    error = campaign.fails("post", "approve", str(other))
    assert error.startswith("error: LOA_USER:") and who(campaign, other)[2] is None


def test_import_records_the_person_running_it(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2))
    project.ok("campaign", "import", str(path), "--by", "lan")
    assert project.sql("SELECT created_by, edited_by, approved_by FROM posts ORDER BY id") == [("lan", "lan", None)] * 2
    assert project.sql("SELECT DISTINCT json_extract(detail, '$.by') FROM outreach_entries "
                       "WHERE kind != 'rendered'") == [("lan",)]  # rendered: what the change drew, not a person's act
    changed = path.read_text(encoding="utf-8").replace("Nội dung bài số 2.", "Nội dung đã sửa.")
    path.write_text(changed, encoding="utf-8")
    project.ok("campaign", "import", str(path), "--replace", "--approve", "--by", "minh")
    rows = project.sql("SELECT title, created_by, edited_by, approved_by, approved_at IS NOT NULL FROM posts "
                       "ORDER BY id")
    assert rows == [("Bài số 1", "lan", "lan", None, 0), ("Bài số 2", "lan", "minh", "minh", 1)]
    post_id = project.sql("SELECT id FROM posts WHERE title = 'Bài số 2'")[0][0]
    assert ("edited", "minh") in entries(project, post_id) and ("approved", "minh") in entries(project, post_id)


def test_correct_records_the_corrector_and_the_approval_again(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))
    project.ok("campaign", "import", str(path), "--approve", "--by", "lan")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("publish", str(post_id))
    project.ok("post", "correct", str(post_id), "--body", "Số liệu đúng: 12.", "--by", "minh")
    assert who(project, post_id)[:2] == ("lan", "minh")
    assert ("correction", "minh") in entries(project, post_id)


def test_must_differ_refuses_the_author_and_the_last_editor(campaign):
    must_differ(campaign)
    mine, edited, other = add(campaign, "--by", "lan"), add(campaign, "--by", "lan"), add(campaign, "--by", "lan")
    campaign.ok("post", "edit", str(edited), "--title", "Đã sửa", "--by", "minh")
    before = campaign.counts()
    error = campaign.fails("post", "approve", str(other), str(mine), "--by", "lan")
    assert f"post {other}" in error and "lan" in error and "approver_must_differ" in error
    error = campaign.fails("post", "approve", str(edited), "--by", "minh")  # the last change was theirs
    assert f"post {edited}" in error
    assert campaign.counts() == before  # all or nothing: no post approved, no entry written
    assert campaign.sql("SELECT count(*) FROM posts WHERE status = 'approved'") == [(0,)]
    campaign.ok("post", "approve", str(mine), str(other), "--by", "truong-phong")
    assert who(campaign, mine)[2] == "truong-phong"
    error = campaign.fails("campaign", "import", str(campaign.root / "c.toml"), "--replace", "--approve")
    assert error.startswith("error: --approve:")


def test_without_must_differ_an_author_may_approve(campaign):
    post_id = add(campaign, "--by", "lan")
    campaign.ok("post", "approve", str(post_id), "--by", "lan")
    assert who(campaign, post_id)[2] == "lan"


def test_send_back_with_a_comment_shown_until_the_next_edit(campaign):
    post_id = add(campaign, "--by", "lan")
    campaign.ok("post", "approve", str(post_id), "--by", "truong-phong")
    out = campaign.ok("--lang", "vi", "post", "send-back", str(post_id), "--comment", " sửa lại đoạn 2 ",
                      "--by", "truong-phong").stdout
    assert f"Đã trả bài {post_id} về nháp" in out
    shown = campaign.json("post", "show", str(post_id))
    assert shown["status"] == "draft" and shown["review_comment"] == "sửa lại đoạn 2"
    sent = [h for h in shown["history"] if h["kind"] == "sent_back"]
    assert sent[0]["by"] == "truong-phong" and sent[0]["detail"]["comment"] == "sửa lại đoạn 2"
    assert sent[0]["detail"]["from"] == "approved"
    text = campaign.ok("--lang", "vi", "post", "show", str(post_id)).stdout
    assert "Góp ý của người duyệt: sửa lại đoạn 2" in text and "trả về nháp kèm góp ý" in text
    queue = campaign.ok("--lang", "vi", "queue").stdout
    assert "✎" in queue and "góp ý" in queue
    assert campaign.json("queue")["posts"][0]["review_comment"] == "sửa lại đoạn 2"
    campaign.ok("post", "reschedule", str(post_id), "2031-10-02 08:00")  # not an edit of its content
    assert who(campaign, post_id)[4] == "sửa lại đoạn 2"
    campaign.ok("post", "edit", str(post_id), "--body", "Đoạn 2 đã sửa.", "--by", "lan")
    shown = campaign.json("post", "show", str(post_id))
    assert shown["review_comment"] is None and shown["edited_by"] == "lan"
    assert [h["detail"]["comment"] for h in shown["history"] if h["kind"] == "sent_back"] == ["sửa lại đoạn 2"]
    assert "✎" not in campaign.ok("queue").stdout


def test_send_back_needs_a_comment_and_a_post_not_gone_out(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2))
    project.ok("campaign", "import", str(path), "--approve")
    first, second = [p["id"] for p in project.json("queue")["posts"]]
    before = project.counts()
    assert project.fails("post", "send-back", str(second), "--comment", "  ").startswith("error: --comment:")
    assert project.run("post", "send-back", str(second)).exit_code == 2  # --comment is required
    assert project.counts() == before
    project.ok("publish", str(first))
    before = project.counts()
    error = project.fails("post", "send-back", str(first), "--comment", "sửa lại")
    assert error.startswith("error: ID:") and str(first) in error
    assert project.counts() == before
    assert project.sql("SELECT status, review_comment FROM posts WHERE id=?", second) == [("approved", None)]


def test_the_report_and_the_log_export_name_the_approver(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=2))
    project.ok("campaign", "import", str(path), "--by", "lan")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "approve", *map(str, ids), "--by", "truong-phong")
    project.ok("publish", str(ids[0]))
    docx_path, xlsx_path = project.root / "r.docx", project.root / "r.xlsx"
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    for target in (docx_path, xlsx_path):
        project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(target), "--date", "2031-10-08")
    document = Document(str(docx_path))
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    links = next(rows for rows in tables if "Liên kết" in rows[0])
    assert links[0][-1] == "Người duyệt" and {row[-1] for row in links[1:]} == {"truong-phong"}
    detail = load_workbook(xlsx_path)["Chi tiết"]
    header = [cell.value for cell in detail[1]]
    assert header[-1] == "Người duyệt"
    assert {row[-1] for row in detail.iter_rows(min_row=2, values_only=True)} == {"truong-phong"}
    html = project.root / "r.html"
    project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(html), "--date", "2031-10-08")
    assert "Người duyệt" in html.read_text(encoding="utf-8")
    export = project.root / "log.csv"
    project.ok("log", "export", "--campaign", "tuan-le", "--format", "csv", "-o", str(export))
    with export.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    approved = [row for row in rows if row["Kind code"] == "approved"]
    assert len(approved) == 2 and {row["By"] for row in approved} == {"truong-phong"}


def test_a_report_without_any_recorded_approver_has_no_approver_column(project):
    path = project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=1))
    project.ok("campaign", "import", str(path), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    project.sql("UPDATE posts SET approved_by = NULL")  # approved before loa recorded who
    project.ok("publish", str(post_id))
    target = project.root / "r.docx"
    fill_organization(project.config)  # the shipped config.toml holds placeholders
    project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(target), "--date", "2031-10-08")
    headers = [[cell.text for cell in table.rows[0].cells] for table in Document(str(target)).tables]
    assert not any("Người duyệt" in row for row in headers)


def test_must_differ_refuses_an_approver_nobody_can_name(campaign, monkeypatch):
    must_differ(campaign)
    post_id = add(campaign, "--by", "lan")

    def no_login() -> str:
        raise OSError("no user entry")  # as in a container without one

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert campaign.fails("post", "approve", str(post_id)).startswith("error: --by:")
    assert who(campaign, post_id)[2] is None
    campaign.ok("post", "approve", str(post_id), "--by", "truong-phong")
