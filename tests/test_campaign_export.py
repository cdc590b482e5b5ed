"""`loa campaign export SLUG [-o FILE]`: the campaign as it stands in the queue, as a campaign file that imports
back to the same queue."""
from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import campaign_toml
from loa.posts.campaign_export import export_campaign
from loa.posts.campaign_file import load_campaign_file
from loa.posts.campaigns import import_campaign
from loa.posts.db import open_database
from loa.posts.models import Post

START = dt.date(2031, 10, 1)
LONG_BODY = "Sáng 01/10, Sở tổ chức lễ khai mạc.\n\nĐại biểu dự: \"Ban Tuyên giáo\", Sở GD&ĐT.\nHết."


def test_export_is_the_queue_as_it_stands(project):
    path = project.write("c.toml", campaign_toml(start=START, posts=3))
    project.ok("campaign", "import", str(path))
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "edit", str(ids[0]), "--body", LONG_BODY, "--banner-headline", "Khai mạc")
    project.ok("post", "reschedule", str(ids[1]), "2031-10-02 10:15")
    project.ok("post", "cancel", str(ids[2]))
    project.ok("post", "add", "--campaign", "tuan-le", "--at", "2031-10-05 09:00", "--title", "Thêm tay",
               "--body", "Bài của cán bộ.", "--channels", "facebook")
    text = project.ok("campaign", "export", "tuan-le").stdout
    assert 'body = """\nSáng 01/10, Sở tổ chức lễ khai mạc.\n\nĐại biểu dự: \\"Ban Tuyên giáo\\"' in text  # readable
    assert text.count("[[posts]]\n") == 3 and "[posts.banner]\nheadline = \"Khai mạc\"" in text
    document = tomllib.loads(text)
    assert document["campaign"]["slug"] == "tuan-le" and document["campaign"]["start"] == START
    posts = document["posts"]
    assert [p["title"] for p in posts] == ["Bài số 1", "Bài số 2", "Thêm tay"]  # the cancelled one is left out
    assert [p["key"] for p in posts] == [f"id-{ids[0]}", f"id-{ids[1]}", f"id-{ids[1] + 2}"]
    assert posts[0]["body"] == LONG_BODY and posts[0]["banner"] == {"headline": "Khai mạc"}
    assert (posts[1]["day"], posts[1]["time"]) == (2, dt.time(10, 15))
    assert posts[2]["channels"] == ["facebook"] and "channels" not in posts[0]


def test_export_to_a_file_reimports_as_no_change(project):
    path = project.write("c.toml", campaign_toml(start=START, posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    first = project.json("queue")["posts"][0]["id"]
    project.ok("post", "edit", str(first), "--title", "Sửa trong lịch", "--keep-approval")
    out = project.root / "ban-xuat.toml"
    result = project.ok("campaign", "export", "tuan-le", "-o", str(out))
    assert result.stdout == "" and str(out) in result.stderr
    assert not list(project.root.glob(".loa-tmp-*"))
    before = project.sql("SELECT id, title, body, publish_at, status, revision FROM posts ORDER BY id")
    again = project.ok("campaign", "import", str(out), "--replace")
    assert "Unchanged: 3 post(s)." in again.stdout and "Changed" not in again.stdout
    assert project.sql("SELECT id, title, body, publish_at, status, revision FROM posts ORDER BY id") == before
    # the export's keys are adopted: the officer's retitled post is found by its key from now on
    assert project.sql("SELECT key FROM posts WHERE id=?", first) == [(f"id-{first}",)]


def test_export_of_an_unknown_campaign_or_to_a_missing_folder_is_one_line(project):
    assert "nope" in project.fails("campaign", "export", "nope")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=START, posts=1))))
    message = project.fails("campaign", "export", "tuan-le", "-o", str(project.root / "khong-co" / "x.toml"))
    assert "-o" in message and "the folder to write the file in does not exist" in message
    assert not (project.root / "khong-co").exists()


# -- the round trip ---------------------------------------------------------------------------------------------------
LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵ ĐƯƠ\"'\\#=[]{}.,:-"
words = st.text(alphabet=LETTERS, min_size=1, max_size=30).map(str.strip).filter(bool)
bodies = st.lists(words, min_size=1, max_size=4).map(lambda lines: "\n".join(lines) + '"""').map(str.strip)
channel_lists = st.one_of(st.none(), st.permutations(["portal", "facebook"]).flatmap(
    lambda order: st.integers(1, 2).map(lambda n: order[:n])))
banners = st.one_of(st.none(), st.fixed_dictionaries({"headline": words}, optional={"subline": words}))
moments = st.tuples(st.integers(1, 9), st.times())  # day 8 and 9 fall after the campaign: still posts
posts = st.fixed_dictionaries({"title": words, "body": bodies, "moment": moments}, optional={
    "channels": channel_lists, "banner": banners, "template": st.sampled_from(["ngan"]),
    "key": st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)})
campaigns = st.fixed_dictionaries({
    # Berlin around its spring and autumn clock changes: local times that do not exist or happen twice
    "timezone": st.sampled_from(["Asia/Ho_Chi_Minh", "Europe/Berlin"]),
    "start": st.sampled_from([dt.date(2031, 3, 27), dt.date(2031, 10, 24), START]),
    "posts": st.lists(posts, max_size=5, unique_by=lambda p: p.get("key") or object()),
})
_slugs = itertools.count()


def campaign_file(data: dict, slug: str) -> str:
    document = {"campaign": {"slug": slug, "name": "Chiến dịch thử", "start": data["start"],
                             "end": data["start"] + dt.timedelta(days=6), "timezone": data["timezone"],
                             "channels": ["portal", "facebook"], "hashtags": ["#Thu"]},
                "posts": []}
    for post in data["posts"]:
        day, clock = post["moment"]
        table = {"day": day, "time": clock, "title": post["title"], "body": post["body"]}
        table.update({name: post[name] for name in ("channels", "banner", "template", "key")
                      if post.get(name) is not None})
        document["posts"].append(table)
    return tomli_w.dumps(document, multiline_strings=True)


def queue_of(database, slug: str) -> list[tuple]:
    from sqlalchemy import select

    from loa.posts.lookup import get_campaign
    from loa.posts.merge import queue_fields

    with database.session() as session:
        campaign = get_campaign(session, slug)
        rows = session.scalars(select(Post).where(Post.campaign_id == campaign.id).order_by(Post.seq))
        dates = (campaign.start_date, campaign.end_date, campaign.timezone)
        return [dates, *[(post.key or f"id-{post.id}", post.status, queue_fields(post)) for post in rows]]


@pytest.fixture(scope="module")
def two_databases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round-trip")
    first = open_database(f"sqlite:///{folder / 'first.db'}", create=True)
    second = open_database(f"sqlite:///{folder / 'second.db'}", create=True)
    yield folder, first, second
    first.dispose()
    second.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=campaigns)
def test_an_export_imports_into_an_empty_database_as_the_same_queue(two_databases, data):
    folder, first, second = two_databases
    slug = f"vong-{next(_slugs)}"  # each example its own campaign: empty as far as it is concerned
    source = folder / f"{slug}.toml"
    source.write_text(campaign_file(data, slug), encoding="utf-8")

    def load(path: Path):
        return load_campaign_file(path, default_timezone="Asia/Ho_Chi_Minh", known_channels=["portal", "facebook"])

    import_campaign(first, load(source), allow_past=True)
    with first.session() as session:
        exported = folder / f"{slug}-export.toml"
        exported.write_text(export_campaign(session, slug), encoding="utf-8")
    import_campaign(second, load(exported), allow_past=True)
    assert queue_of(second, slug)[0] == queue_of(first, slug)[0]
    assert [(key, fields) for key, _, fields in queue_of(second, slug)[1:]] == \
        [(key, fields) for key, _, fields in queue_of(first, slug)[1:]]
