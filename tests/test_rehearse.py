"""Rehearsals that leave no trace: `loa run --dry-run` rehearses every delivery (those that wait for another channel
included, with a simulated link), and `loa campaign rehearse FILE|SLUG` runs a whole campaign at once in a
throw-away copy of the queue."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

from conftest import SAMPLE, campaign_toml, fast_daemon

SLUG = "hoc-tap-suot-doi-2024"


def dump(project) -> list[str]:
    """Every table's rows (and the schema), as SQL text: equal dumps mean an untouched database."""
    connection = sqlite3.connect(project.db_path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def records(project, folder: str) -> dict[str, dict]:
    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((project.root / folder).glob("*.json"))}


def test_dry_run_rehearses_every_delivery_of_the_sample_campaign(project):
    fast_daemon(project)
    project.ok("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "0.05", "--approve")
    (total,), = project.sql("SELECT count(*) FROM deliveries")
    (waiting,), = project.sql("SELECT count(*) FROM deliveries WHERE wait_for IS NOT NULL")
    assert waiting > 0  # the sample's Facebook posts wait for the portal article
    before = dump(project)
    result = project.ok("run", "--dry-run", "--until-idle")
    assert result.stderr.count(" rehearsed ") == total  # every delivery, not only those that wait for nobody
    assert dump(project) == before
    facebook = records(project, "var/dry-run/facebook")
    linked = [r for r in facebook.values() if "[simulated link] file://" in r["text"]]
    assert len(linked) == waiting
    portal_records = {p.as_uri() for p in (project.root / "var" / "dry-run" / "portal").glob("*.json")}
    for record in linked:  # the link is the portal rehearsal's own record, marked as simulated
        link = record["text"].split("[simulated link] ", 1)[1].split()[0]
        assert link in portal_records


def test_rehearsing_a_campaign_of_the_queue_leaves_the_database_identical(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "3600")
    ids = [p["id"] for p in project.json("queue", "--campaign", SLUG)["posts"]]
    project.ok("post", "approve", *map(str, ids[1:]))  # the first stays a draft
    out = ids[3]  # a post for the portal and Facebook
    project.ok("publish", str(out), "--channel", "portal")  # gone out on the portal; Facebook still to come
    project.ok("post", "cancel", str(ids[2]))
    portal_link, = project.sql("SELECT permalink FROM deliveries WHERE post_id=? AND channel='portal'", out)[0]
    (open_deliveries,), = project.sql(
        "SELECT count(*) FROM deliveries d JOIN posts p ON p.id=d.post_id "
        "WHERE d.status='pending' AND p.status IN ('draft','approved')")
    before = dump(project)
    started = dt.datetime.now(dt.timezone.utc)
    report = project.json("campaign", "rehearse", SLUG, "--pace", "60")
    assert dump(project) == before  # queue, outreach log, everything: byte for byte
    assert report["rehearsed"] == report["total"] == open_deliveries
    lines = report["deliveries"]
    assert ids[2] not in {line["post"] for line in lines}  # cancelled: nothing to rehearse
    assert {line["draft"] for line in lines if line["post"] == ids[0]} == {True}
    assert not any(line["draft"] for line in lines if line["post"] != ids[0])
    # rebased to now, the open posts 60 s apart, each post's channels together
    moments = sorted({dt.datetime.fromisoformat(line["at"]) for line in lines})
    assert abs((moments[0] - started).total_seconds()) < 5
    assert [(b - a).total_seconds() for a, b in zip(moments, moments[1:])] == [60.0] * (len(moments) - 1)
    facebook = records(project, f"var/rehearsal/{SLUG}/facebook")
    published_one = [r for r in facebook.values() if r["post"] == out]
    assert len(published_one) == 1 and portal_link in published_one[0]["text"]  # the real link, not simulated
    assert "[simulated link]" not in published_one[0]["text"]
    assert any("[simulated link] file://" in r["text"] for r in facebook.values() if r["post"] != out)
    assert report["media"] == str(project.root / "var" / "rehearsal" / SLUG / "media")
    assert list((project.root / "var" / "rehearsal" / SLUG / "media").rglob("*.png"))


def test_rehearsing_a_campaign_file_shows_the_timeline_and_writes_no_queue(project):
    before = dump(project)
    folder = project.root / "var" / "rehearsal" / SLUG
    folder.mkdir(parents=True)
    (folder / "old.json").write_text("{}")  # the last rehearsal's: replaced, never mixed in
    result = project.ok("campaign", "rehearse", str(SAMPLE), env={"COLUMNS": "160"})  # wide: no outcome wraps
    assert dump(project) == before
    lines = result.stdout.splitlines()
    assert lines[0] == f"Rehearsal of campaign {SLUG}: 31/31 deliveries rehearsed, nothing sent"
    assert sum(line.rstrip().endswith("rehearsed (simulated link of portal)") for line in lines) == 12
    narrow = project.ok("campaign", "rehearse", str(SAMPLE), env={"COLUMNS": "80"}).stdout.splitlines()
    assert max(map(len, narrow[1:-3])) <= 80  # the timeline fits a terminal; the folders below are whole paths
    assert not (folder / "old.json").exists()
    assert len(list(folder.glob("*/*.json"))) == 31  # one record per delivery, in a folder per channel
    assert lines[-3:] == [f"Texts that would be sent (a folder per channel, JSON files): {folder}",
                          f"Banners: {folder / 'media'}",
                          "The real queue, the outreach log and the reports are unchanged."]
    assert not (project.root / "var" / "media").exists() or not list((project.root / "var" / "media").iterdir())


def test_a_delivery_waiting_for_a_failed_one_is_shown_as_unable_to_go(project):
    path = project.write("c.toml", campaign_toml(posts=3, extra_campaign='after = { facebook = "portal" }'))
    project.ok("campaign", "import", str(path), "--approve")
    first, = project.sql("SELECT post_id FROM deliveries WHERE wait_for='portal' ORDER BY id LIMIT 1")[0]
    project.sql("UPDATE deliveries SET status='failed' WHERE post_id=? AND channel='portal'", first)
    report = project.json("campaign", "rehearse", "tuan-le")
    stuck = [line for line in report["deliveries"] if line["outcome"] == "waiting"]
    assert [(line["post"], line["channel"]) for line in stuck] == [(first, "facebook")]
    assert stuck[0]["error"] == "waiting for portal (failed)"
    assert report["rehearsed"] == report["total"] - 1


def test_bad_rehearsals_are_one_line_and_write_nothing(project):
    message = project.fails("campaign", "rehearse", "nope")
    assert message.startswith("error: SLUG:")
    assert "--pace" in project.fails("campaign", "rehearse", str(SAMPLE), "--pace", "-1")
    assert not (project.root / "var" / "rehearsal").exists()
