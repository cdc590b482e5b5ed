"""`loa campaign import FILE --replace` as a reviewed three-way merge, on SQLite and on a real PostgreSQL.

The base is what the file said at the last import: a field only the file changed is applied, a field only the
officer changed is kept, the same field changed both ways is a conflict that refuses the whole import; posts that
went out are never changed and are named.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import create_engine, text

from conftest import Project, campaign_toml
from loa.scheduler.config import config_template

START = dt.date(2031, 10, 1)
_names = itertools.count()


class Store:
    """The project and plain SQL on its database, whichever it is (``:name`` parameters)."""

    def __init__(self, project: Project, url: str) -> None:
        self.project, self.url = project, url

    def sql(self, statement: str, **params: object) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.begin() as connection:
                result = connection.execute(text(statement), params)
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def snapshot(self) -> list[list[tuple]]:
        """Every row a merge could touch, in a stable order."""
        return [self.sql(f"SELECT * FROM {table} ORDER BY id")
                for table in ("campaigns", "posts", "deliveries", "outreach_entries", "renders")]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.xdist_group("postgres"))])
def store(request, bare: Project) -> Store:
    if request.param == "sqlite":
        bare.ok("init")
        return Store(bare, f"sqlite:///{bare.db_path}")
    server = request.getfixturevalue("postgres")
    url = server.create_database(f"loa_merge_{next(_names)}")
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    bare.ok("init")
    return Store(bare, url)


def week(posts: int = 3, **replacements: str) -> str:
    """The test week (October 2031), with texts of the file replaced: ``{"Nội dung bài số 2.": "..."}``."""
    content = campaign_toml(start=START, posts=posts)
    for old, new in replacements.items():
        assert old in content, old
        content = content.replace(old, new)
    return content


def first_import(store: Store, content: str | None = None, *args: str) -> list[int]:
    path = store.project.write("c.toml", content or week())
    store.project.ok("campaign", "import", str(path), "--approve", *args)
    return [post_id for (post_id,) in store.sql("SELECT id FROM posts ORDER BY seq")]


def reimport(store: Store, content: str, *args: str):
    path = store.project.write("c.toml", content)
    return store.project.run("campaign", "import", str(path), "--replace", *args)


def post(store: Store, post_id: int) -> dict:
    return store.project.json("post", "show", str(post_id))


def test_a_change_made_in_the_file_only_is_applied_to_the_same_post(store):
    ids = first_import(store)
    result = reimport(store, week(**{"Nội dung bài số 2.": "Nội dung đã sửa trong tệp."}))
    assert result.exit_code == 0, result.output
    assert "Changed by the file (1):" in result.stdout
    assert "“Nội dung bài số 2.” → “Nội dung đã sửa trong tệp.”" in result.stdout
    assert [i for (i,) in store.sql("SELECT id FROM posts ORDER BY seq")] == ids  # no new post, no new id
    changed = post(store, ids[1])
    assert changed["body"] == "Nội dung đã sửa trong tệp."
    assert changed["status"] == "draft"  # changed text needs a new approval
    edited = [h for h in changed["history"] if h["kind"] == "edited"]
    assert len(edited) == 1 and edited[0]["detail"]["fields"] == ["body"]
    assert edited[0]["detail"]["file"].endswith("c.toml") and edited[0]["detail"]["approval_reset"] is True
    assert changed["history"][-1]["kind"] == "rendered"  # its texts say the new body
    assert {post(store, i)["status"] for i in (ids[0], ids[2])} == {"approved"}


def test_changes_made_in_the_queue_only_are_kept(store):
    ids = first_import(store)
    project = store.project
    project.ok("post", "edit", str(ids[0]), "--title", "Tiêu đề cán bộ sửa")
    project.ok("post", "reschedule", str(ids[1]), "2031-10-02 10:30")
    project.ok("post", "cancel", str(ids[2]))
    before = store.snapshot()[1]
    result = reimport(store, week())  # the same file again
    assert result.exit_code == 0, result.output
    assert "Kept as the officer changed them (3):" in result.stdout
    assert post(store, ids[0])["title"] == "Tiêu đề cán bộ sửa"
    assert post(store, ids[1])["publish_at"] == "2031-10-02T10:30:00+07:00"
    assert post(store, ids[1])["status"] == "approved"  # a reschedule keeps the approval, and so does the import
    assert post(store, ids[2])["status"] == "cancelled"
    assert store.snapshot()[1] == before  # not a column of any post was written


def test_different_fields_changed_on_each_side_merge(store):
    ids = first_import(store)
    store.project.ok("post", "edit", str(ids[0]), "--title", "Tiêu đề mới của cán bộ")
    result = reimport(store, week(**{"Nội dung bài số 1.": "Nội dung mới của tệp."}))
    assert result.exit_code == 0, result.output
    merged = post(store, ids[0])
    assert (merged["title"], merged["body"]) == ("Tiêu đề mới của cán bộ", "Nội dung mới của tệp.")


def test_the_same_field_changed_both_ways_refuses_the_whole_import(store):
    ids = first_import(store)
    store.project.ok("post", "edit", str(ids[1]), "--body", "Cán bộ viết lại.")
    before = store.snapshot()
    result = reimport(store, week(**{"Nội dung bài số 2.": "Tệp viết lại.", "Nội dung bài số 3.": "Tệp sửa bài 3."}))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "c.toml" in lines[0] and "1 conflict" in lines[0]
    assert "--prefer file|queue" in lines[0] and "loa campaign diff" in lines[0]
    assert "Conflicts: changed both in the file and in the queue (1):" in result.stdout
    assert f"#{ids[1]} day 2" in result.stdout
    assert "body: file “Tệp viết lại.” | queue “Cán bộ viết lại.”" in result.stdout
    assert store.snapshot() == before  # not even the file-only change of post 3 went in


@pytest.mark.parametrize("prefer, body", [("file", "Tệp viết lại."), ("queue", "Cán bộ viết lại.")])
def test_prefer_settles_every_conflict_one_way(store, prefer, body):
    ids = first_import(store)
    store.project.ok("post", "edit", str(ids[1]), "--body", "Cán bộ viết lại.")
    result = reimport(store, week(**{"Nội dung bài số 2.": "Tệp viết lại.", "Nội dung bài số 3.": "Tệp sửa bài 3."}),
                      "--prefer", prefer)
    assert result.exit_code == 0, result.output
    assert f"(--prefer {prefer})" in result.stdout
    assert post(store, ids[1])["body"] == body
    assert post(store, ids[2])["body"] == "Tệp sửa bài 3."  # what was no conflict merges either way
    # settled: the same file again is no conflict any more
    assert reimport(store, week(**{"Nội dung bài số 2.": "Tệp viết lại.", "Nội dung bài số 3.": "Tệp sửa bài 3."})
                    ).exit_code == 0


def test_a_post_the_officer_cancelled_and_the_file_changed_is_a_conflict(store):
    ids = first_import(store)
    store.project.ok("post", "cancel", str(ids[0]))
    changed = week(**{"Nội dung bài số 1.": "Tệp sửa bài đã hủy."})
    result = reimport(store, changed)
    assert result.exit_code == 2 and "cancelled in the queue, but changed in the file" in result.stdout
    assert post(store, ids[0])["status"] == "cancelled"
    assert reimport(store, changed, "--prefer", "file").exit_code == 0
    revived = post(store, ids[0])
    assert (revived["status"], revived["body"]) == ("draft", "Tệp sửa bài đã hủy.")
    assert {d["status"] for d in revived["deliveries"]} == {"pending"}


def test_a_new_post_is_added_and_a_post_gone_from_the_file_is_cancelled(store):
    ids = first_import(store)
    fewer = week(posts=4).replace('title = "Bài số 2"', 'title = "Bài mới"')  # post 2 gone, "Bài mới" and 4 new
    result = reimport(store, fewer)
    assert result.exit_code == 0, result.output
    assert "Added (2):" in result.stdout and "Cancelled, no longer in the file (1):" in result.stdout
    assert post(store, ids[1])["status"] == "cancelled"
    assert {d["status"] for d in post(store, ids[1])["deliveries"]} == {"cancelled"}
    titles = dict(store.sql("SELECT title, status FROM posts WHERE id > :last", last=ids[-1]))
    assert titles == {"Bài mới": "draft", "Bài số 4": "draft"}
    history = [h["kind"] for h in post(store, ids[1])["history"]]
    assert history[-1] == "cancelled"


def test_a_post_gone_from_the_file_that_the_officer_changed_is_a_conflict(store):
    ids = first_import(store)
    store.project.ok("post", "edit", str(ids[2]), "--title", "Cán bộ giữ bài này")
    result = reimport(store, week(posts=2))
    assert result.exit_code == 2 and "no longer in the file, but changed in the queue" in result.stdout
    assert reimport(store, week(posts=2), "--prefer", "queue").exit_code == 0
    assert post(store, ids[2])["status"] == "draft"
    # from now on it is the officer's own post: another re-import leaves it alone
    assert reimport(store, week(posts=2)).exit_code == 0
    assert post(store, ids[2])["status"] == "draft"


def test_posts_that_went_out_are_never_changed_and_are_named(store):
    ids = first_import(store)
    store.sql("UPDATE deliveries SET status='published', permalink='http://portal/1' "
              "WHERE post_id=:id AND channel='portal'", id=ids[0])
    store.sql("UPDATE deliveries SET maybe_sent=:yes, status='retry_wait' WHERE post_id=:id AND channel='facebook'",
              id=ids[2], yes=True)  # an answer lost: it may be on the page
    before = [store.sql("SELECT * FROM posts WHERE id=:id", id=i) for i in (ids[0], ids[2])]
    content = week(posts=2, **{"Nội dung bài số 1.": "Tệp sửa bài đã đăng."})  # post 3 gone from the file
    result = reimport(store, content)
    assert result.exit_code == 0, result.output
    assert "Already published, not changed (2):" in result.stdout
    assert f"#{ids[0]} day 1, 01/10/2031 08:01  Bài số 1" in result.stdout
    assert "went out on portal: the file's change (body) is not applied" in result.stdout
    assert f"#{ids[2]} day 3, 03/10/2031 08:03  Bài số 3" in result.stdout
    assert "went out on facebook: no longer in the file, left as it is" in result.stdout
    assert [store.sql("SELECT * FROM posts WHERE id=:id", id=i) for i in (ids[0], ids[2])] == before
    assert post(store, ids[0])["body"] == "Nội dung bài số 1."


def test_keys_match_posts_whose_title_and_day_changed(store):
    keyed = week().replace('title = "Bài số 1"', 'key = "khai-mac"\ntitle = "Bài số 1"')
    ids = first_import(store, keyed)
    moved = keyed.replace("day = 1\n", "day = 4\n").replace('title = "Bài số 1"', 'title = "Khai mạc tuần lễ"')
    result = reimport(store, moved)
    assert result.exit_code == 0, result.output
    assert "Added" not in result.stdout and "Cancelled" not in result.stdout
    shown = post(store, ids[0])
    assert (shown["title"], shown["publish_at"]) == ("Khai mạc tuần lễ", "2031-10-04T08:01:00+07:00")


def test_a_keyed_file_adopts_the_posts_imported_without_keys(store):
    ids = first_import(store)
    keyed = week().replace('title = "Bài số 2"', 'key = "hai"\ntitle = "Bài số 2"')
    assert reimport(store, keyed).exit_code == 0
    assert store.sql("SELECT id, key FROM posts WHERE key IS NOT NULL") == [(ids[1], "hai")]
    # from now on the key finds it, whatever its title
    assert reimport(store, keyed.replace('title = "Bài số 2"', 'title = "Bài hai"')).exit_code == 0
    assert post(store, ids[1])["title"] == "Bài hai"


def test_same_title_on_the_same_day_pairs_in_order(store):
    twice = week(posts=3).replace("day = 2\n", "day = 1\n").replace('"Bài số 2"', '"Bản tin"').replace(
        '"Bài số 1"', '"Bản tin"')
    ids = first_import(store, twice)
    result = reimport(store, twice.replace("Nội dung bài số 2.", "Bản tin thứ hai, sửa."))
    assert result.exit_code == 0, result.output
    assert post(store, ids[1])["body"] == "Bản tin thứ hai, sửa." and post(store, ids[0])["body"] == "Nội dung bài số 1."


def test_posts_added_by_hand_are_never_cancelled_by_a_re_import(store):
    first_import(store)
    store.project.ok("post", "add", "--campaign", "tuan-le", "--at", "2031-10-05 09:00", "--title", "Thêm tay",
                     "--body", "Bài của cán bộ.")
    (added,) = store.sql("SELECT id FROM posts WHERE title='Thêm tay'")[0]
    result = reimport(store, week())
    assert result.exit_code == 0 and "Cancelled" not in result.stdout
    assert post(store, added)["status"] == "draft"
