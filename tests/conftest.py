"""Shared fixtures: a throw-away loa project (config.toml + SQLite database) driven through the real CLI."""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from loa.scheduler.cli import cli

SAMPLE = resources.files("loa.assets") / "campaigns" / "hoc-tap-suot-doi-2024.toml"


@dataclass
class Project:
    """A folder with a config.toml, where ``run`` invokes ``loa --config <it> ...`` in-process."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def db_path(self) -> Path:
        return self.root / "var" / "loa.db"

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, ["--config", str(self.config), *args], env=env, catch_exceptions=False)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = self.run(*args, env=env)
        assert result.exit_code == 0, f"loa {' '.join(args)} -> {result.exit_code}\n{result.output}"
        return result

    def needs_a_person(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """``loa status`` or ``loa run --until-idle`` when something is left for a person: exit 3, output complete."""
        result = self.run(*args, env=env)
        assert result.exit_code == 3, f"loa {' '.join(args)} -> {result.exit_code}, expected 3\n{result.output}"
        return result

    def json(self, *args: str) -> Any:
        """The command's --json output; it must exit 0, but ``loa status`` exits 3 when something needs a person:
        its exit code must then be the one its report gives (``health.exit``)."""
        if args[:1] != ("status",):
            return json.loads(self.ok(*args, "--json").stdout)
        result = self.run(*args, "--json")
        assert result.exit_code in (0, 3), f"loa {' '.join(args)} --json -> {result.exit_code}\n{result.output}"
        report = json.loads(result.stdout)
        assert result.exit_code == report["health"]["exit"], report["health"]
        return report

    def fails(self, *args: str, code: int = 2) -> str:
        """Run a command that must fail with ``code``; returns its one-line error message."""
        result = self.run(*args)
        assert result.exit_code == code, f"expected exit {code}, got {result.exit_code}\n{result.output}"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, f"error should be one line, got:\n{result.stderr}"
        assert "Traceback" not in result.output
        return lines[0]

    def rows(self, table: str) -> int:
        with sqlite3.connect(self.db_path) as connection:
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def sql(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        connection = sqlite3.connect(self.db_path)
        try:
            with connection:
                return connection.execute(statement, params).fetchall()
        finally:
            connection.close()

    def counts(self) -> dict[str, int]:
        return {table: self.rows(table) for table in ("campaigns", "posts", "deliveries", "outreach_entries")}

    def set_channel(self, name: str, settings: str) -> None:
        """Replace the ``[channels.NAME]`` table of config.toml with ``settings`` (its lines, without header)."""
        text = self.config.read_text(encoding="utf-8")
        table = re.compile(rf"^\[channels\.{re.escape(name)}\]\n(?:(?!\[).*\n?)*", re.M)
        assert table.search(text), name
        # a function, not a replacement string: a backslash in the settings stays a backslash
        replaced = table.sub(lambda _: f"[channels.{name}]\n{settings.strip()}\n\n", text, count=1)
        self.config.write_text(replaced, encoding="utf-8")

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path


@pytest.fixture(scope="session")
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' own cache folder (parsed locale files, config summaries), not the one in the user's home."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> None:
    """Tests read English messages unless they test the language; the environment must not leak in."""
    monkeypatch.setenv("LOA_LANG", "en")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    for name in ("LOA_CONFIG", "LOA_DATABASE_URL", "LOA_DEBUG", "LOA_USER", "LOA_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)
    from loa.posts import i18n

    monkeypatch.setattr(i18n, "_language", None)


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """An empty folder, as the working directory: nothing initialised yet."""
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)


@pytest.fixture
def project(bare: Project) -> Project:
    """An initialised project with the shipped config.toml (channels portal and facebook)."""
    bare.ok("init")
    return bare


def wordpress_channel(server, extra: str = "", *, via: Any = None) -> str:
    """Settings of a portal channel on a test WordPress (its password in LOA_PORTAL_PASSWORD), maybe ``via`` a proxy."""
    return (f'adapter = "wordpress"\nurl = "{(via or server).url}"\nusername = "{server.username}"\n'
            f'password_env = "LOA_PORTAL_PASSWORD"\n{extra}')


FACEBOOK_TOKEN = "EAAB-test-page-token"


@pytest.fixture
def page_settings() -> str:
    """More lines for the facebook channel of ``page`` (a module overrides this fixture: ``timeout = 1``...)."""
    return ""


@pytest.fixture
def page(project: Project, monkeypatch: pytest.MonkeyPatch, page_settings: str):
    """The project's facebook channel on a Graph API double (its token in LOA_FACEBOOK_TOKEN): (project, graph)."""
    from support.facebook import GraphDouble

    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", FACEBOOK_TOKEN)
    with GraphDouble(token=FACEBOOK_TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph) + page_settings)
        yield project, graph
        graph.release.set()  # an answer the test held back is let go, so the double stops at once


def facebook_channel(graph) -> str:
    """Settings of a Facebook channel on the Graph API double (its token in LOA_FACEBOOK_TOKEN)."""
    return (f'adapter = "facebook"\npage_id = "{graph.page_id}"\ntoken_env = "LOA_FACEBOOK_TOKEN"\n'
            f'graph_url = "{graph.url}"\napi_version = "v25.0"')


def future_day(days: int = 30) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def campaign_toml(slug: str = "tuan-le", *, start: dt.date | None = None, days: int = 7, posts: int = 3,
                  extra_campaign: str = "", post_lines: str = "") -> str:
    """A valid campaign file starting ``start`` (default: 30 days ahead), with ``posts`` posts on days 1..n."""
    start = start or future_day()
    end = start + dt.timedelta(days=days - 1)
    text = f"""
[campaign]
slug = "{slug}"
name = "Tuần lễ hưởng ứng học tập suốt đời"
theme = "Phát triển văn hóa đọc"
start = {start.isoformat()}
end = {end.isoformat()}
channels = ["portal", "facebook"]
hashtags = ["#HocTapSuotDoi"]
{extra_campaign}
"""
    for n in range(1, posts + 1):
        text += f"""
[[posts]]
day = {min(n, days)}
time = "08:{n % 60:02d}"
title = "Bài số {n}"
body = "Nội dung bài số {n}."
{post_lines}
"""
    return text.lstrip()


PLAIN_THEME = """
name = "Plain"
decor = "none"
safe_margin = 0.06

[colours]
background = "#000000"
accent = "#000000"
headline = "#FFFFFF"
subline = "#FFFFFF"
kicker = "#FFFFFF"
footer = "#FFFFFF"
"""


@pytest.fixture
def own_assets(project: Project) -> Project:
    """The project with its own themes/ and templates/ folders declared in config.toml, and a plain theme."""
    text = project.config.read_text(encoding="utf-8")
    assert '\ntheme = "khuyen-hoc"\n' in text
    project.config.write_text(text.replace('\ntheme = "khuyen-hoc"\n',
                                           '\ntheme = "khuyen-hoc"\nthemes = "themes"\ntemplates = "templates"\n', 1),
                              encoding="utf-8")
    (project.root / "themes" / "plain").mkdir(parents=True)
    (project.root / "themes" / "plain" / "theme.toml").write_text(PLAIN_THEME, encoding="utf-8")
    (project.root / "templates").mkdir()
    return project


@pytest.fixture
def campaign(own_assets: Project) -> Project:
    """``own_assets`` with an empty campaign ``tuan-le`` (October 2031) to add posts to."""
    path = own_assets.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=0))
    own_assets.ok("campaign", "import", str(path))
    return own_assets


def template_failure(project: Project, name: str, source: str | None = None) -> str:
    """Queue a facebook post with the user template ``name`` (written when ``source`` is given): it must fail with
    one line and write nothing. Returns the message."""
    folder = project.root / "templates" / "facebook"
    folder.mkdir(exist_ok=True)
    if source is not None:
        (folder / f"{name}.txt.j2").write_text(source, encoding="utf-8")
    before = project.counts()
    message = project.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", "x",
                            "--body", "y", "--template", name, "--channels", "facebook")
    assert project.counts() == before
    return message


from support.servers import pytest_terminal_summary, require_server  # noqa: E402,F401 - the hook lives there

SERVER_FIXTURES = ("wordpress", "postgres", "browser")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), the tests of one real server run in one worker, so each server
    starts once per run instead of once per worker."""
    for item in items:
        for name in SERVER_FIXTURES:
            if name in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(name))
                break


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL on 127.0.0.1 for the session."""
    from support.postgres import PostgresServer, binaries

    require_server(None if binaries() else
                   "PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wordpress():
    """A real WordPress on 127.0.0.1 for the session."""
    from support.wordpress import WordPressServer, available

    require_server(available())
    server = WordPressServer().start()
    yield server
    server.stop()


# -- the daemon -------------------------------------------------------------------------------------------------------
FAST_DAEMON = {"retry_base_seconds": 0.2, "retry_max_seconds": 1, "max_attempts": 3, "sweep_seconds": 0.2,
               "heartbeat_seconds": 1, "lease_seconds": 5, "shutdown_seconds": 10}


def fast_daemon(project: Project, **settings: Any) -> None:
    """A ``[daemon]`` section with test-sized waits (retries in fractions of a second, short leases)."""
    values = {**FAST_DAEMON, **settings}
    lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in values.items())
    text = project.config.read_text(encoding="utf-8")
    if "\n[daemon]\n" in text:  # the shipped config has the section, its keys commented out
        text = text.replace("\n[daemon]\n", f"\n[daemon]\n{lines}\n", 1)
    else:
        text += f"\n[daemon]\n{lines}\n"
    project.config.write_text(text, encoding="utf-8")


def queue_now(project: Project, posts: int = 3, *, pace: float = 0.5, slug: str = "tuan-le",
              extra_campaign: str = "", post_lines: str = "") -> list[int]:
    """Import ``posts`` approved posts, the first due now and one every ``pace`` seconds. Returns their ids."""
    path = project.write(f"{slug}.toml", campaign_toml(slug, start=dt.date.today(), posts=posts, days=1,
                                                       extra_campaign=extra_campaign, post_lines=post_lines))
    project.ok("campaign", "import", str(path), "--start", "now", "--pace", str(pace), "--approve")
    return [p["id"] for p in project.json("queue", "--campaign", slug)["posts"]]


def spawn_loa(project: Project, *args: str, env: dict[str, str] | None = None):
    """``loa --config ... ARGS`` as a separate process (daemons, kill -9), its stderr captured in a file."""
    import os
    import subprocess
    import sys

    log = (project.root / f"loa-{len(list(project.root.glob('loa-*.log')))}.log").open("wb")
    return subprocess.Popen([str(Path(sys.executable).parent / "loa"), "--config", str(project.config), *args],
                            cwd=project.root, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "LOA_LANG": "en", **(env or {})})


def delivery_states(project: Project) -> dict[tuple[int, str], str]:
    return {(post, channel): status for post, channel, status in
            project.sql("SELECT post_id, channel, status FROM deliveries")}


def make_due(project: Project, post_id: int, *, ago: dt.timedelta = dt.timedelta(0)) -> None:
    """Move a post (and its deliveries) so it fell due ``ago`` (default: just now)."""
    moment = (dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - ago).isoformat(sep=" ")
    project.sql("UPDATE deliveries SET due_at=?, available_at=? WHERE post_id=?", moment, moment, post_id)
    project.sql("UPDATE posts SET publish_at=? WHERE id=?", moment, post_id)


def two_facebook_posts(project: Project) -> list[int]:
    """Two approved posts for the Facebook double: the first with a banner (a photo post), the second text only."""
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
        start=dt.date(2031, 10, 1), posts=2))), "--approve")
    ids = [p["id"] for p in project.json("queue")["posts"]]
    project.ok("post", "edit", str(ids[0]), "--banner-headline", "Đọc sách mỗi ngày", "--keep-approval")
    return ids


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised project with one account per role, made once (argon2 hashing is slow on purpose)."""
    from loa.posts.accounts import add_user
    from loa.posts.db import open_database
    from support.web import ACCOUNTS, PASSWORDS

    root = tmp_path_factory.mktemp("web-template")
    result = CliRunner().invoke(cli, ["--config", str(root / "config.toml"), "init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    database = open_database(f"sqlite:///{root / 'var' / 'loa.db'}")
    try:
        for name, role in ACCOUNTS.items():
            add_user(database, name, role=role, password=PASSWORDS[name])
    finally:
        database.dispose()
    return root


@pytest.fixture
def web(bare: Project, web_template: Path):
    """The workspace on a fresh project with accounts bien-tap (editor), lanh-dao (approver), quan-tri (admin):
    a ``support.web.Web`` (``.project``, ``.app``, ``.client``, ``.login(name)`` → CSRF token)."""
    import shutil

    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app
    from support.web import Web

    shutil.copytree(web_template, bare.root, dirs_exist_ok=True)
    app = create_app(load_config(bare.config), testing=True)
    return Web(bare, app, app.test_client())


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the session (tests using it share one xdist worker: group "browser")."""
    from support.browser import chromium, missing

    require_server(missing())
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture
def live_web(web):
    """``loa web`` serving the ``web`` project as a real process: (web, server). Stopped after the test."""
    from support.browser import WebServer

    server = WebServer(web.project.config).start()
    yield web, server
    server.stop()
