"""`loa campaign diff FILE` and `loa campaign import FILE --replace --dry-run`: the re-import's plan, and nothing
changed; `--json` on both; the campaign's dates never move without a word."""
from __future__ import annotations

import datetime as dt
import json

from conftest import SAMPLE, campaign_toml

START = dt.date(2031, 10, 1)


def week(**replacements: str) -> str:
    content = campaign_toml(start=START, posts=4)
    for old, new in replacements.items():
        assert old in content, old
        content = content.replace(old, new)
    return content


def database_bytes(project) -> dict[str, bytes]:
    """The SQLite file and its journal, if any: what "changes nothing" means, byte for byte."""
    return {path.name: path.read_bytes() for path in project.db_path.parent.glob("loa.db*")}


def a_busy_week(project) -> list[int]:
    """Imported and approved; then the officer edits post 2, post 1 goes out on the portal. The next file:
    post 1 and 2 changed, post 3 moved, post 4 renamed (so gone, and a new one added)."""
    path = project.write("c.toml", week())
    project.ok("campaign", "import", str(path), "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "edit", str(ids[1]), "--body", "Cán bộ viết lại.")
    project.sql("UPDATE deliveries SET status='published' WHERE post_id=? AND channel='portal'", ids[0])
    next_week = week(**{"Nội dung bài số 1.": "Sửa bài đã đăng.", "Nội dung bài số 2.": "Tệp viết lại.",
                        'time = "08:03"': 'time = "09:30"', 'title = "Bài số 4"': 'title = "Bài năm"'})
    project.write("c.toml", next_week)
    return ids


def test_diff_prints_every_part_of_the_plan_and_changes_nothing(project):
    ids = a_busy_week(project)
    before = database_bytes(project)
    result = project.ok("campaign", "diff", str(project.root / "c.toml"))
    assert database_bytes(project) == before
    out = result.stdout
    assert f"Campaign tuan-le ← {project.root / 'c.toml'}" in out
    assert "Conflicts: changed both in the file and in the queue (1):" in out
    assert "body: file “Tệp viết lại.” | queue “Cán bộ viết lại.”" in out
    assert "Already published, not changed (1):" in out and "went out on portal: the file's change (body)" in out
    assert "Added (1):" in out and "+ day 4, 04/10/2031 08:04  Bài năm" in out
    assert "Changed by the file (1):" in out and "time: 03/10/2031 08:03 → 03/10/2031 09:30" in out
    assert "Cancelled, no longer in the file (1):" in out and f"- #{ids[3]} day 4, 04/10/2031 08:04  Bài số 4" in out
    assert "dates move" not in out  # the dates did not move


def test_diff_and_dry_run_as_json(project):
    ids = a_busy_week(project)
    before = database_bytes(project)
    plan = project.json("campaign", "diff", str(project.root / "c.toml"))
    assert plan["counts"] == {"add": 1, "change": 1, "cancel": 1, "keep": 0, "unchanged": 0, "published": 1,
                              "conflict": 1}
    by_action = {p["action"]: p for p in plan["posts"]}
    assert by_action["conflict"]["post_id"] == ids[1]
    assert by_action["conflict"]["conflicts"]["body"] == {"file": "Tệp viết lại.", "queue": "Cán bộ viết lại.",
                                                          "base": "Nội dung bài số 2."}
    assert by_action["change"]["changes"] == {"publish_at": {"from": "2031-10-03T08:03:00+07:00",
                                                             "to": "2031-10-03T09:30:00+07:00"}}
    assert by_action["published"]["channels"] == ["portal"] and by_action["published"]["day"] == 1
    assert by_action["add"]["post_id"] is None and by_action["add"]["at"] == "2031-10-04T08:04:00+07:00"
    # the dry run settles the conflict as the import would, and still writes nothing
    dry = project.json("campaign", "import", str(project.root / "c.toml"), "--replace", "--dry-run",
                       "--prefer", "queue")
    assert dry["dry_run"] is True and dry["done"] is False
    assert dry["counts"]["conflict"] == 0 and dry["counts"]["keep"] == 1
    assert database_bytes(project) == before


def test_a_dry_run_with_conflicts_is_refused_like_the_import(project):
    a_busy_week(project)
    before = database_bytes(project)
    result = project.run("campaign", "import", str(project.root / "c.toml"), "--replace", "--dry-run")
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "1 conflict" in result.stderr and "Conflicts" in result.stdout
    assert database_bytes(project) == before


def test_import_json_says_what_was_done(project):
    a_busy_week(project)
    done = project.json("campaign", "import", str(project.root / "c.toml"), "--replace", "--prefer", "file")
    assert done["done"] is True and done["dry_run"] is False
    assert (done["queued"], done["changed"], done["cancelled"]) == (1, 2, 1)
    assert done["counts"]["published"] == 1


def test_a_rebase_says_the_dates_moved(project):
    path = project.write("c.toml", week())
    first = project.ok("campaign", "import", str(path), "--start", "2031-11-03")
    assert "The campaign's dates are moved from 01/10/2031–07/10/2031 (the file's) to 03/11/2031–09/11/2031." \
        in first.stdout
    again = project.ok("campaign", "import", str(path), "--replace", "--start", "2031-11-10")
    assert "The campaign's dates move from 03/11/2031–09/11/2031 to 10/11/2031–16/11/2031." in again.stdout
    assert "Changed by the file (4):" in again.stdout  # every post moved with them
    back = project.ok("campaign", "import", str(path), "--replace")  # no --start: the file's own dates
    assert "The campaign's dates move from 10/11/2031–16/11/2031 to 01/10/2031–07/10/2031." in back.stdout
    assert project.json("campaign", "show", "tuan-le")["start"] == "2031-10-01"
    plain = project.ok("campaign", "import", str(path), "--replace")
    assert "dates move" not in plain.stdout


def test_a_first_import_without_rebase_prints_no_plan(project):
    result = project.ok("campaign", "import", str(project.write("c.toml", week())))
    assert result.stdout.splitlines() == ["Queued 4 posts of campaign tuan-le (0 approved)."]


def test_diff_of_a_campaign_not_yet_queued_lists_every_post_as_added(project):
    plan = project.json("campaign", "diff", str(SAMPLE), "--start", "2031-10-01")
    assert plan["new_campaign"] is True and plan["counts"]["add"] == len(plan["posts"]) >= 14
    assert plan["dates"]["moved"] is True and project.rows("posts") == 0


def test_a_duplicate_key_is_refused_naming_both_lines(project):
    content = week().replace('title = "Bài số 1"', 'key = "a"\ntitle = "Bài số 1"').replace(
        'title = "Bài số 3"', 'key = "a"\ntitle = "Bài số 3"')
    path = project.write("c.toml", content)
    message = project.fails("campaign", "import", str(path))
    lines = content.splitlines()
    second = [n for n, line in enumerate(lines, start=1) if line == 'key = "a"'][1]
    first_header = [n for n, line in enumerate(lines, start=1) if line == "[[posts]]"][0]
    assert message.startswith(f"error: {path}:{second}: post 3 (Bài số 3): post key:")
    assert f"post 1 (line {first_header})" in message
    assert project.rows("posts") == 0


def test_the_plan_speaks_vietnamese_by_default(project):
    a_busy_week(project)
    out = project.run("campaign", "diff", str(project.root / "c.toml"), env={"LOA_LANG": "vi"}).stdout
    assert "Xung đột: sửa cả trong tệp lẫn trong lịch (1):" in out
    assert "nội dung: tệp “Tệp viết lại.” | lịch “Cán bộ viết lại.”" in out
    assert json.loads(project.run("campaign", "diff", str(project.root / "c.toml"), "--json").stdout)["counts"]


def test_a_change_of_the_campaign_is_said_and_its_texts_are_rendered_again(project):
    path = project.write("c.toml", week())
    project.ok("campaign", "import", str(path), "--approve")
    first = project.json("queue")["posts"][0]["id"]
    project.write("c.toml", week(**{'"#HocTapSuotDoi"': '"#DocSachMoiNgay"'}))
    result = project.ok("campaign", "import", str(path), "--replace")
    assert "The campaign's hashtags changes: #HocTapSuotDoi → #DocSachMoiNgay" in result.stdout
    texts = [content for (content,) in project.sql("SELECT content FROM renders WHERE post_id=? AND kind='text'",
                                                   first)]
    assert texts and all("#DocSachMoiNgay" in text and "#HocTapSuotDoi" not in text for text in texts)
    assert project.json("post", "show", str(first))["status"] == "approved"  # its own text did not change


def test_approve_on_a_re_import_approves_what_it_adds_and_changes(project):
    path = project.write("c.toml", week())
    project.ok("campaign", "import", str(path))
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.write("c.toml", campaign_toml(start=START, posts=5).replace("Nội dung bài số 1.", "Sửa."))
    project.ok("campaign", "import", str(path), "--replace", "--approve")
    statuses = dict(project.sql("SELECT id, status FROM posts"))
    assert [statuses[i] for i in ids] == ["approved", "draft", "draft", "draft"]  # unchanged drafts stay drafts
    assert statuses[max(statuses)] == "approved"


def test_posts_imported_before_loa_kept_bases_are_matched_not_duplicated(project):
    """A database from before schema 0005 has no base: the same file matches its posts (and gives them one); a
    difference is a conflict, since nobody can tell which side made it."""
    path = project.write("c.toml", week())
    project.ok("campaign", "import", str(path))
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.sql("UPDATE posts SET imported = NULL")
    result = project.ok("campaign", "import", str(path), "--replace")
    assert "Unchanged: 4 post(s)." in result.stdout and project.rows("posts") == 4
    assert project.sql("SELECT count(*) FROM posts WHERE imported IS NOT NULL") == [(4,)]
    project.sql("UPDATE posts SET imported = NULL")
    project.write("c.toml", week(**{"Nội dung bài số 1.": "Sửa."}))
    refused = project.run("campaign", "import", str(path), "--replace", "--json")
    assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1
    plan = json.loads(refused.stdout)
    assert plan["done"] is False and plan["counts"]["conflict"] == 1
    (conflict,) = [p for p in plan["posts"] if p["action"] == "conflict"]
    assert conflict["post_id"] == ids[0] and conflict["reason"] == "unknown_base"
    assert conflict["conflicts"]["body"] == {"file": "Sửa.", "queue": "Nội dung bài số 1.", "base": None}
