"""Full and read-only disks, truncated files, leftovers of a killed process: what the officer's site shows stays whole.

A full or read-only static-site folder pauses the channel (kind ``target``) with the reason, its deliveries keep
their attempts, and `loa channels check` resumes it once the folder takes files again; a banner or photo cut short
earlier is written again because it is trusted only on its sha256; `.loa-tmp-*` files of a dead process go at the
next start, a live one's stay. The disks are real: a tmpfs mounted for the test (we run as root).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from conftest import SAMPLE, require_server

SLUG = "hoc-tap-suot-doi-2024"


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small RAM disk at ``folder`` for the test, unmounted afterwards whatever happens."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    require_server(f"cannot mount a tmpfs to make a full disk ({mounted.stderr.strip()}): needs root"
                   if mounted.returncode else None)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True, capture_output=True)


def fill(folder: Path, *, leave: int) -> Path:
    """A filler file that leaves about ``leave`` bytes free on ``folder``'s disk."""
    space = os.statvfs(folder)
    filler = folder / "filler.bin"
    with open(filler, "wb") as stream:
        stream.write(b"\0" * max(0, space.f_bavail * space.f_frsize - leave))
    return filler


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def portal_banner(project, post_id: int) -> tuple[str, Path]:
    (digest, media_path), = project.sql("SELECT sha256, media_path FROM renders WHERE post_id = ? AND kind = 'banner'"
                                        " AND name = 'banner-portal.png'", post_id)
    return digest, project.root / "var" / "media" / media_path


def delivery(project, post_id: int, channel: str = "portal") -> tuple[str, int]:
    (status, attempts), = project.sql("SELECT status, attempts FROM deliveries WHERE post_id = ? AND channel = ?",
                                      post_id, channel)
    return status, attempts


def paused(project) -> dict[str, dict]:
    return {p["channel"]: p for p in project.json("status")["paused"]}


def leftovers(folder: Path) -> list[Path]:
    return list(folder.rglob(".loa-tmp-*"))


@pytest.fixture
def planned(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    return project


def test_a_full_site_folder_pauses_the_channel_and_never_keeps_half_a_banner(planned):
    project = planned
    site = project.root / "var" / "site"
    digest, _ = portal_banner(project, 1)
    with tmpfs(site, "8m"):
        filler = fill(site, leave=64 * 1024)  # less than the banner (about 180 KB): the copy fails halfway
        result = project.run("publish", "1", "--channel", "portal")
        assert result.exit_code == 1 and "Traceback" not in result.output
        pause = paused(project)["portal"]
        assert pause["kind"] == "target" and "full" in pause["reason"] and str(site) in pause["reason"]
        assert delivery(project, 1) == ("retry_wait", 0)  # waits with its channel, keeps its attempts
        assert not (site / "media" / f"{digest}.png").exists() and not leftovers(site)

        still_full = project.run("channels", "check", "portal")
        assert still_full.exit_code == 2 and "portal" in still_full.stderr
        assert "portal" in paused(project)

        filler.unlink()
        checked = project.ok("channels", "check", "portal")
        assert "portal" in checked.output and "portal" not in paused(project)

        project.ok("publish", "1", "--channel", "portal")
        banner = site / "media" / f"{digest}.png"
        assert sha256(banner) == digest
        assert delivery(project, 1) == ("published", 1)
        assert not leftovers(site)


def test_a_full_site_folder_makes_no_due_delivery_unknown_or_failed(project):
    """The daemon's path: every due portal delivery waits with its paused channel, none is unknown or failed."""
    project.ok("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "1", "--approve")
    site = project.root / "var" / "site"
    with tmpfs(site, "8m"):
        fill(site, leave=16 * 1024)
        deadline = time.monotonic() + 60
        while not project.sql("SELECT 1 FROM deliveries WHERE channel = 'portal' AND due_at <= "
                              "strftime('%Y-%m-%d %H:%M:%f', 'now') LIMIT 1 OFFSET 1"):
            assert time.monotonic() < deadline, "two portal deliveries should be due by now"
            time.sleep(0.2)
        ran = project.run("run", "--once")
        statuses = dict(project.sql("SELECT status, count(*) FROM deliveries WHERE channel = 'portal' GROUP BY status"))
        assert not {"unknown", "failed", "sending"} & set(statuses), statuses
        assert paused(project)["portal"]["kind"] == "target"
        assert "Traceback" not in ran.output
        assert not project.sql("SELECT 1 FROM deliveries WHERE status IN ('unknown', 'failed', 'sending')")


def test_a_read_only_site_folder_pauses_the_channel_until_it_is_writable(planned):
    project = planned
    site = project.root / "var" / "site"
    with tmpfs(site, "8m"):
        project.ok("publish", "1", "--channel", "portal")
        remount(site, "ro")
        try:
            result = project.run("publish", "2", "--channel", "portal")
            assert result.exit_code == 1 and "Traceback" not in result.output
            pause = paused(project)["portal"]
            assert pause["kind"] == "target" and "cannot be written" in pause["reason"]
            assert delivery(project, 2) == ("retry_wait", 0)
            refused = project.run("channels", "check", "portal")
            assert refused.exit_code == 2 and "cannot be written" in refused.stderr
        finally:
            remount(site, "rw")
        project.ok("channels", "check", "portal")
        assert "portal" not in paused(project)
        project.ok("publish", "2", "--channel", "portal")
        assert delivery(project, 2) == ("published", 1)


def test_a_read_only_dry_run_folder_pauses_that_channel(planned):
    project = planned
    records = project.root / "var" / "dry-run" / "facebook"
    with tmpfs(records, "8m"):
        remount(records, "ro")
        try:
            project.run("publish", "1", "--channel", "facebook")
            assert paused(project)["facebook"]["kind"] == "target"
            assert delivery(project, 1, "facebook") == ("retry_wait", 0)
        finally:
            remount(records, "rw")
        project.ok("channels", "check", "facebook")
        project.ok("publish", "1", "--channel", "facebook")
        assert delivery(project, 1, "facebook")[0] == "published"


def test_a_banner_cut_short_earlier_is_copied_again(planned):
    """A truncated banner of an earlier crash has the right name: a retry must not trust it."""
    project = planned
    digest, source = portal_banner(project, 1)
    media = project.root / "var" / "site" / "media"
    media.mkdir(parents=True)
    (media / f"{digest}.png").write_bytes(source.read_bytes()[:1000])
    project.ok("publish", "1", "--channel", "portal")
    assert sha256(media / f"{digest}.png") == digest


def test_a_rendered_banner_cut_short_is_written_again(planned):
    """The media folder is content-addressed too: rendering again repairs a banner a full disk cut short."""
    project = planned
    digest, stored = portal_banner(project, 1)
    stored.write_bytes(stored.read_bytes()[:1000])
    project.ok("render", "1")
    assert sha256(stored) == digest


def test_a_log_photo_cut_short_is_written_again(planned, tmp_path):
    project = planned
    photo = tmp_path / "treo-bang-ron.png"
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo)
    args = ("log", "add", "--campaign", SLUG, "--kind", "offline", "--count", "3", "--title", "Treo băng rôn",
            "--photo", str(photo), "--json")
    first = json.loads(project.ok(*args).stdout)["detail"]
    kept = project.root / "var" / "media" / first["photo"]
    kept.write_bytes(kept.read_bytes()[:100])  # what a full disk left before loa wrote atomically
    project.ok(*args)
    assert sha256(kept) == first["photo_sha256"] == sha256(photo)


def test_temp_files_of_a_killed_process_are_cleaned_at_the_next_start(planned):
    project = planned
    site, media = project.root / "var" / "site", project.root / "var" / "media"
    (site / "media").mkdir(parents=True)
    hour_ago = time.time() - 3600
    dead = [site / ".loa-tmp-abc.html", site / "media" / ".loa-tmp-def.png", media / ".loa-tmp-ghi.png"]
    for path in dead:
        path.write_bytes(b"half a file")
        os.utime(path, (hour_ago, hour_ago))
    live = [site / ".loa-tmp-now.html", media / ".loa-tmp-now.png"]  # a process writing them right now
    for path in live:
        path.write_bytes(b"being written")
    project.ok("channels", "check", "portal")  # the static site's publisher is made: its folder
    assert [p.exists() for p in dead] == [False, False, True]
    project.ok("run", "--once")  # the daemon's start: the media folder
    assert not dead[2].exists()
    assert all(p.exists() for p in live)
