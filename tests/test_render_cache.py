"""The render cache and the banner pool: a banner is drawn once while nothing it shows changed (`campaign import
--json` counts banners drawn and reused), whatever draws it gives the same bytes, and a damaged entry is drawn again.

Each loa command is a process of its own; these tests run commands in-process, so they forget what a process
remembers (themes, fonts, fingerprints) before each command, as a new process would.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

from conftest import Project, future_day

HEADLINES = ("Ngày sách Việt Nam", "Đọc sách cùng con", "Thư viện số cho mọi người", "Học tập suốt đời")


def campaign_file(project: Project, slug: str = "doc-sach", *, headlines: tuple[str, ...] = HEADLINES,
                  theme_of: dict[int, str] | None = None, name: str = "Tuần lễ đọc sách",
                  banners: bool = True) -> Path:
    """Posts 1..n on portal and facebook (two banner sizes each), post k with the headline ``headlines[k-1]``."""
    start = future_day()
    lines = ["[campaign]", f'slug = "{slug}"', f'name = "{name}"', f"start = {start.isoformat()}",
             f"end = {start.isoformat()}", 'channels = ["portal", "facebook"]', 'hashtags = ["#VanHoaDoc"]', ""]
    for number, headline in enumerate(headlines, start=1):
        theme = f', theme = "{theme_of[number]}"' if theme_of and number in theme_of else ""
        lines += ["[[posts]]", "day = 1", f'time = "08:{number:02d}"', f'title = "Bài số {number}"',
                  f'body = "Nội dung bài số {number}."']
        lines += [f'banner = {{ headline = "{headline}"{theme} }}', ""] if banners else [""]
    return project.write(f"{slug}.toml", "\n".join(lines))


def new_process() -> None:
    """What a new `loa` process would not remember: loaded themes and fonts, and their fingerprints."""
    from loa.posts.render import cache, fonts, themes

    for cached in (themes.load_theme, fonts.font_path, fonts.load_font, fonts.covered_codepoints,
                   cache.theme_fingerprint, cache.code_fingerprint):
        cached.cache_clear()


def imported(project: Project, path: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, int]:
    new_process()
    result = project.ok("campaign", "import", str(path), *args, "--json", env=env)
    return json.loads(result.stdout)["banners"]


def banner_rows(project: Project, slug: str) -> dict[tuple[int, str], tuple[str, str]]:
    """(post number, file name) -> (sha256, media path) of the campaign's banners."""
    rows = project.sql("SELECT p.seq, r.name, r.sha256, r.media_path FROM renders r JOIN posts p ON p.id = r.post_id "
                       "JOIN campaigns c ON c.id = p.campaign_id WHERE c.slug = ? AND r.kind = 'banner'", slug)
    return {(seq, name): (sha, path) for seq, name, sha, path in rows}


def media(project: Project) -> Path:
    return project.root / "var" / "media"


def own_theme(project: Project, *, font_from: str | None = None) -> Path:
    """A copy of the shipped theme khuyen-hoc as the office's theme "mine" ([render] themes = "themes"), with its
    headline font in its own folder (BeVietnamPro-ExtraBold.ttf, or the bytes of ``font_from`` under that name)."""
    folder = project.root / "themes" / "mine"
    shutil.copytree(Path(str(resources.files("loa.assets") / "themes" / "khuyen-hoc")), folder)
    fonts = Path(str(resources.files("loa.assets") / "fonts"))
    shutil.copyfile(fonts / (font_from or "BeVietnamPro-ExtraBold.ttf"), folder / "BeVietnamPro-ExtraBold.ttf")
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text.replace("[render]\n", '[render]\nthemes = "themes"\n', 1), encoding="utf-8")
    return folder


def test_a_banner_is_drawn_once_and_an_unchanged_re_import_draws_nothing(project):
    path = campaign_file(project)
    assert imported(project, path) == {"drawn": 8, "reused": 0}  # four posts, portal and facebook sizes
    first = banner_rows(project, "doc-sach")
    for sha, relative in first.values():
        assert hashlib.sha256((media(project) / relative).read_bytes()).hexdigest() == sha
    # the same file again: nothing changed, nothing rendered
    assert imported(project, path, "--replace") == {"drawn": 0, "reused": 0}
    # a new name re-renders every text; the banners do not show the name: taken from the cache, not drawn
    renamed = campaign_file(project, name="Tuần lễ văn hóa đọc")
    assert imported(project, renamed, "--replace") == {"drawn": 0, "reused": 8}
    assert banner_rows(project, "doc-sach") == first
    # the same posts in another campaign (same dates and hashtags): the same banners, from the cache
    other = campaign_file(project, "doc-sach-2")
    assert imported(project, other) == {"drawn": 0, "reused": 8}
    assert banner_rows(project, "doc-sach-2") == first


def test_a_changed_headline_draws_only_that_posts_banners(project):
    imported(project, campaign_file(project))
    before = banner_rows(project, "doc-sach")
    changed = campaign_file(project, headlines=(*HEADLINES[:2], "Thư viện số cho mọi nhà", HEADLINES[3]))
    assert imported(project, changed, "--replace") == {"drawn": 2, "reused": 0}
    after = banner_rows(project, "doc-sach")
    assert {key for key in after if after[key] != before[key]} == {(3, "banner-portal.png"),
                                                                   (3, "banner-facebook.png")}


def test_a_changed_theme_file_draws_again_exactly_the_banners_of_that_theme(project):
    folder = own_theme(project)
    mine = {1: "mine", 3: "mine"}
    assert imported(project, campaign_file(project, theme_of=mine)) == {"drawn": 8, "reused": 0}
    theme = folder / "theme.toml"
    text = theme.read_text(encoding="utf-8")
    assert 'accent = "' in text
    theme.write_text(text.replace('accent = "', 'accent = "#123456" #', 1), encoding="utf-8")
    assert imported(project, campaign_file(project, "doc-sach-2", theme_of=mine)) == {"drawn": 4, "reused": 4}
    before, after = banner_rows(project, "doc-sach"), banner_rows(project, "doc-sach-2")
    assert {number for number, _ in before if before[number, _] != after[number, _]} == {1, 3}


def test_a_changed_font_file_draws_again_the_banners_that_use_it(project):
    folder = own_theme(project)
    mine = {2: "mine"}
    assert imported(project, campaign_file(project, theme_of=mine)) == {"drawn": 8, "reused": 0}
    # the theme's headline font replaced by other glyphs under the same file name
    shutil.copyfile(Path(str(resources.files("loa.assets") / "fonts" / "BeVietnamPro-Regular.ttf")),
                    folder / "BeVietnamPro-ExtraBold.ttf")
    assert imported(project, campaign_file(project, "doc-sach-2", theme_of=mine)) == {"drawn": 2, "reused": 6}
    before, after = banner_rows(project, "doc-sach"), banner_rows(project, "doc-sach-2")
    assert {number for number, _ in before if before[number, _] != after[number, _]} == {2}


def test_a_damaged_or_missing_cache_entry_is_drawn_again(project):
    imported(project, campaign_file(project))
    rows = banner_rows(project, "doc-sach")
    cut_short = media(project) / rows[1, "banner-portal.png"][1]
    cut_short.write_bytes(cut_short.read_bytes()[:1000])  # a crash or a full disk left half of the file
    (media(project) / rows[2, "banner-facebook.png"][1]).unlink()
    notes = {json.loads(note.read_text(encoding="utf-8"))["media_path"]: note
             for note in (media(project) / ".banners").rglob("*.json")}
    assert len(notes) == 8
    notes[rows[3, "banner-portal.png"][1]].write_text("{not json", encoding="utf-8")
    notes[rows[4, "banner-facebook.png"][1]].unlink()
    # four banners damaged (two files, two notes), four whole
    assert imported(project, campaign_file(project, "doc-sach-2")) == {"drawn": 4, "reused": 4}
    assert banner_rows(project, "doc-sach-2") == rows  # drawn again: the very same bytes
    for sha, relative in rows.values():
        assert hashlib.sha256((media(project) / relative).read_bytes()).hexdigest() == sha
    assert imported(project, campaign_file(project, "doc-sach-3")) == {"drawn": 0, "reused": 8}


def test_the_pool_draws_the_same_bytes_as_one_process(bare, tmp_path):
    results = {}
    for workers in ("1", "2"):
        project = Project(tmp_path / f"workers-{workers}")
        project.root.mkdir()
        project.ok("init")
        counted = imported(project, campaign_file(project), env={"LOA_RENDER_WORKERS": workers})
        assert counted == {"drawn": 8, "reused": 0}
        rows = banner_rows(project, "doc-sach")
        results[workers] = {key: (sha, (media(project) / path).read_bytes()) for key, (sha, path) in rows.items()}
    assert results["1"] == results["2"]


@pytest.mark.parametrize("written", ["0", "two", "-1", "1000"])
def test_a_bad_worker_count_is_one_line_naming_the_variable_and_nothing_is_queued(project, written, monkeypatch):
    monkeypatch.setenv("LOA_RENDER_WORKERS", written)
    message = project.fails("campaign", "import", str(campaign_file(project)))
    assert message == "error: LOA_RENDER_WORKERS: must be a whole number of processes from 1 to 64"
    assert project.counts()["posts"] == 0
    assert not (media(project) / ".banners").exists()


def test_a_process_with_other_threads_draws_in_clean_workers_and_gets_the_same_bytes(project, monkeypatch):
    """`loa web` serves requests on threads: forking then could copy a lock some thread holds into a worker."""
    import threading

    from loa.posts.render import banner_pool

    methods = []
    real_context = banner_pool.multiprocessing.get_context
    monkeypatch.setattr(banner_pool.multiprocessing, "get_context",
                        lambda method: methods.append(method) or real_context(method))
    imported(project, campaign_file(project), env={"LOA_RENDER_WORKERS": "1"})  # drawn in this process
    alone = banner_rows(project, "doc-sach")
    monkeypatch.setenv("LOA_RENDER_WORKERS", "2")
    stop = threading.Event()
    server = threading.Thread(target=stop.wait, daemon=True)  # as a web server's thread waits for a request
    server.start()
    try:
        # another project, so nothing comes from the first one's cache
        other = Project(project.root / "other")
        other.root.mkdir()
        other.ok("init")
        imported(other, campaign_file(other))
    finally:
        stop.set()
        server.join()
    assert methods == ["forkserver"]
    with_thread = banner_rows(other, "doc-sach")
    assert with_thread == alone
    for key, (_, relative) in alone.items():
        assert (media(other) / with_thread[key][1]).read_bytes() == (media(project) / relative).read_bytes()


def test_moved_dates_draw_every_banner_again_once_before_the_write(project, monkeypatch):
    """The footer shows the campaign's dates: a --replace that moves them draws every banner anew, in worker
    processes, before the write transaction (apply_plan, post by post, then finds them drawn)."""
    from loa.posts.render import banner_pool

    path = campaign_file(project)
    imported(project, path)
    before = banner_rows(project, "doc-sach")
    pools = []
    real_context = banner_pool.multiprocessing.get_context
    monkeypatch.setattr(banner_pool.multiprocessing, "get_context",
                        lambda method: pools.append(method) or real_context(method))
    monkeypatch.setenv("LOA_RENDER_WORKERS", "2")
    moved = future_day(40).isoformat()
    assert imported(project, path, "--replace", "--start", moved) == {"drawn": 8, "reused": 0}
    assert len(pools) == 1  # all eight at once: one post's two banners would be drawn in the command's process
    after = banner_rows(project, "doc-sach")
    assert set(after) == set(before) and all(after[key] != before[key] for key in before)
    for sha, relative in after.values():
        assert hashlib.sha256((media(project) / relative).read_bytes()).hexdigest() == sha
    # back to the first dates: every banner is in the cache
    assert imported(project, path, "--replace") == {"drawn": 0, "reused": 8}
    assert banner_rows(project, "doc-sach") == before


def test_a_bad_worker_count_does_not_stop_an_import_without_banners(project, monkeypatch):
    monkeypatch.setenv("LOA_RENDER_WORKERS", "two")
    project.ok("campaign", "import", str(campaign_file(project, banners=False)))
    assert project.counts()["posts"] == 4
