"""Start-up (issue 17): `loa --help` imports no heavy library, every command still loads when used, and the table
of commands that `--help` lists without importing them is the commands the modules define."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from loa.scheduler.cli import cli
from loa.scheduler.cli.lazy import COMMANDS

LOA = str(Path(sys.executable).with_name("loa"))
CLI_FOLDER = Path(__file__).resolve().parent.parent / "scheduler" / "cli"
HEAVY = ("sqlalchemy", "pydantic", "pydantic_core", "rich", "PIL", "openpyxl", "matplotlib", "docx", "jinja2", "flask",
         "alembic", "lxml", "fpdf", "pypdfium2", "requests", "apscheduler")


def environment(**more: str) -> dict[str, str]:
    found = {**os.environ, "LOA_LANG": "en", "COLUMNS": "80", **more}
    for name in ("LOA_CONFIG", "LOA_DATABASE_URL"):
        found.pop(name, None)
    return found


def run(*args: str, env: dict[str, str] | None = None,
        python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *python, LOA] if python else [LOA]
    return subprocess.run([*command, *args], env=environment(**(env or {})), capture_output=True, text=True,
                          timeout=60, check=False)


def imported_modules(stderr: str) -> set[str]:
    return {match.group(1) for match in re.finditer(r"^import time:.*\|\s*(\S+)$", stderr, re.MULTILINE)}


def test_help_imports_no_heavy_library(tmp_path):
    result = run("--help", python=("-X", "importtime"), env={"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "queue" in result.stdout and "report" in result.stdout
    modules = imported_modules(result.stderr)
    assert "click" in modules and "loa.posts.i18n" in modules  # the walk sees the imports at all
    assert sorted(name for name in modules if name.split(".")[0] in HEAVY) == []
    # nor any command's module: `--help` lists them from the table
    assert sorted(name for name in modules if name.startswith("loa.scheduler.cli.") and name.split(".")[3] in
                  {entry.module.rsplit(".", 1)[-1] for entry in COMMANDS.values()}) == []


def test_version_imports_no_heavy_library():
    result = run("--version", python=("-X", "importtime"))
    assert result.returncode == 0 and result.stdout.startswith("loa, version ")
    assert sorted(name for name in imported_modules(result.stderr) if name.split(".")[0] in HEAVY) == []


def decorated_commands() -> dict[str, tuple[str, str, str]]:
    """Every ``@cli.command(NAME, help=KEY)`` and ``@cli.group(...)`` in scheduler/cli: name -> (module, function,
    help key), read from the source, so a module nobody imports is seen too."""
    found: dict[str, tuple[str, str, str]] = {}
    for path in sorted(CLI_FOLDER.glob("*.py")):
        module = "loa.scheduler.cli" if path.stem == "__init__" else f"loa.scheduler.cli.{path.stem}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                        and isinstance(decorator.func.value, ast.Name) and decorator.func.value.id == "cli"
                        and decorator.func.attr in ("command", "group")):
                    name = ast.literal_eval(decorator.args[0])
                    keys = [ast.literal_eval(k.value) for k in decorator.keywords if k.arg == "help"]
                    assert name not in found, f"{name} is defined twice"
                    found[name] = (module, node.name, keys[0] if keys else "")
    return found


def test_the_table_lists_exactly_the_commands_defined():
    """A command added with @cli.command but not to lazy.COMMANDS would be missing from `loa` (and the reverse)."""
    defined = decorated_commands()
    assert len(defined) >= 18
    assert {name: tuple(entry) for name, entry in COMMANDS.items()} == defined


def test_every_command_of_the_table_loads_as_itself():
    context = click.Context(cli)
    for name, entry in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None and command.name == name and command.help == entry.help, name
    assert cli.list_commands(context) == sorted(COMMANDS)


# every command's module loaded first, then the help of the root and of each command, one after the other
LOADED = """
import click, sys
from loa.scheduler.cli import cli
context = click.Context(cli)
for name in ["", *cli.list_commands(context)]:
    cli.get_command(context, name)
for name in ["", *cli.list_commands(context)]:
    try:
        cli.main([name, "--help"] if name else ["--help"])
    except SystemExit as stop:
        assert stop.code == 0, name
    print("\f", flush=True)
"""


@pytest.fixture(scope="module")
def loaded_help() -> dict[str, str]:
    """Each help page as a process that loaded every command's module shows it: command name ("" for loa) -> page."""
    result = subprocess.run([sys.executable, "-c", LOADED], env=environment(), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    pages = result.stdout.split("\f\n")
    return dict(zip(["", *sorted(COMMANDS)], pages, strict=False))


def test_root_help_from_the_table_reads_as_with_every_command_loaded(loaded_help):
    """The command list drawn from the table (nothing imported) is the one the loaded commands give."""
    fresh = run("--help")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == loaded_help[""]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_help_works_in_a_fresh_process(name, loaded_help):
    """Each command loads alone, with all its subcommands (``campaign draft`` lives in its own module)."""
    fresh = run(name, "--help")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.startswith(f"Usage: loa {name} ")
    assert fresh.stdout == loaded_help[name]


def test_options_after_the_command_still_reach_a_lazy_command(tmp_path):
    """--lang after the command name is moved before it (global_options), which needs the command's options."""
    result = run("queue", "--lang", "vi", "--help")
    assert result.returncode == 0 and result.stdout.startswith("Cách dùng: loa queue ")


def test_a_mistyped_command_suggests_the_lazy_ones():
    result = run("queeu")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: loa: there is no command 'queeu'; did you mean queue?"


def test_the_parsed_catalogue_is_cached_and_a_bad_cache_is_ignored(tmp_path):
    """`loa --help` reads its strings from a JSON copy of the locale file; a damaged copy or a cache folder that
    cannot be written changes nothing the user sees."""
    first = run("--help", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert first.returncode == 0 and first.stderr == ""
    copies = list((tmp_path / "loa").glob("catalogue-en-*.json"))
    assert len(copies) == 1
    assert '"help.loa": "loa schedules' in copies[0].read_text(encoding="utf-8")
    assert run("--help", env={"XDG_CACHE_HOME": str(tmp_path)}).stdout == first.stdout
    copies[0].write_text('{"help.loa": 1', encoding="utf-8")  # cut short
    assert run("--help", env={"XDG_CACHE_HOME": str(tmp_path)}).stdout == first.stdout
    copies[0].write_text('["not", "a", "catalogue"]', encoding="utf-8")
    assert run("--help", env={"XDG_CACHE_HOME": str(tmp_path)}).stdout == first.stdout
    copies[0].unlink()
    for number in range(1, 6):  # another version's copies: never read, the oldest removed
        stale = tmp_path / "loa" / f"catalogue-en-{number}.2.json"
        stale.write_text('{"help.loa": "stale"}', encoding="utf-8")
        os.utime(stale, (number, number))
    assert run("--help", env={"XDG_CACHE_HOME": str(tmp_path)}).stdout == first.stdout
    kept = {path.name for path in (tmp_path / "loa").glob("catalogue-en-*.json")}
    assert kept == {"catalogue-en-3.2.json", "catalogue-en-4.2.json", "catalogue-en-5.2.json", copies[0].name}
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    unwritable = run("--help", env={"XDG_CACHE_HOME": str(blocked)})
    assert unwritable.returncode == 0 and unwritable.stderr == "" and unwritable.stdout == first.stdout


# --- `loa queue` on SQLite: the standard library's sqlite3 and the config's summary, the same rows and output ------

@pytest.fixture
def varied(project):
    """Two campaigns (one archived), posts in every state, deliveries published, failed and corrected."""
    from conftest import SAMPLE, campaign_toml

    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--pace", "90", "--approve")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("tuan-le", posts=4))))
    project.ok("campaign", "import", str(project.write("d.toml", campaign_toml("cu", posts=2))))
    ids = [row[0] for row in project.sql("SELECT id FROM posts ORDER BY id")]
    project.ok("post", "send-back", str(ids[-3]), "--comment", "Sửa tiêu đề")
    project.sql("UPDATE campaigns SET archived_at = '2030-01-01 00:00:00.000000' WHERE slug = 'cu'")
    project.sql("UPDATE posts SET status = 'done' WHERE id IN (?, ?)", ids[0], ids[1])
    project.sql("UPDATE posts SET status = 'cancelled' WHERE id = ?", ids[2])
    project.sql("UPDATE deliveries SET status = 'published', permalink = 'https://example.org/' || post_id "
                "WHERE post_id IN (?, ?)", ids[0], ids[1])
    project.sql("UPDATE deliveries SET status = 'failed' WHERE post_id = ? AND channel = 'facebook'", ids[3])
    # a correction of a published post: not a publication, never listed
    project.sql("INSERT INTO deliveries (post_id, channel, status, due_at, available_at, attempts, updated_at, "
                "action) SELECT post_id, channel, 'pending', due_at, available_at, 0, updated_at, 'update' "
                "FROM deliveries WHERE post_id = ? AND channel = 'portal'", ids[0])
    # a post on one channel only, its delivery id lower than its sibling's would be
    project.sql("DELETE FROM deliveries WHERE post_id = ? AND channel = 'portal'", ids[4])
    return project


FILTERS = [{}, {"archived": True}, {"campaign": "cu"}, {"campaign": "hoc-tap-suot-doi-2024"},
           {"status": "done"}, {"status": "published"}, {"status": "failed", "channel": "facebook"},
           {"status": "cancelled"}, {"channel": "portal"}, {"status": "da duyet"}, {"status": "sending"}]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()) or "none")
def test_the_light_listing_is_list_queue(varied, filters):
    import datetime as dt

    from loa.posts.db import open_database
    from loa.posts.listing import list_queue
    from loa.posts.queue_sqlite import list_queue_sqlite

    database = open_database(f"sqlite:///{varied.db_path}")
    ranges = [{}, {"since": dt.datetime(2031, 10, 1, 0, 3, tzinfo=dt.timezone(dt.timedelta(hours=7)))},
              {"until": dt.datetime(2031, 10, 2, tzinfo=dt.timezone.utc)}]
    try:
        for moments in ranges:
            with database.session() as session:
                expected = list_queue(session, **filters, **moments)
            light = list_queue_sqlite(varied.db_path, busy_timeout_s=5, **filters, **moments)
            assert light == expected, moments
        assert any(filters) or len(expected) > 5
    finally:
        database.dispose()


def full_path_only(monkeypatch):
    """`loa queue` as before: SQLAlchemy whatever the database (the light read is never tried)."""
    from loa.scheduler.cli import queue

    monkeypatch.setattr(queue, "sqlite_file", lambda url: None)


@pytest.mark.parametrize("args", [(), ("--json",), ("--archived",), ("--status", "published", "--channel", "portal"),
                                  ("--campaign", "tuan-le", "--json"), ("--from", "1/10/2031", "--to", "2/10/2031")])
def test_queue_prints_the_same_on_both_paths(varied, monkeypatch, args):
    from loa.scheduler.cli import queue

    answers = []
    light_read = queue.list_queue_sqlite
    monkeypatch.setattr(queue, "list_queue_sqlite", lambda *a, **k: answers.append(light_read(*a, **k)) or answers[-1])
    light = varied.ok("queue", *args, env={"COLUMNS": "100"}).stdout
    assert len(answers) == 1 and answers[0] is not None  # the light read answered
    full_path_only(monkeypatch)
    assert varied.ok("queue", *args, env={"COLUMNS": "100"}).stdout == light
    assert len(light) > 150


def test_queue_errors_read_as_before(varied, monkeypatch):
    light = [varied.fails("queue", "--campaign", "tuan-l"), varied.fails("queue", "--channel", "portl")]
    full_path_only(monkeypatch)
    assert [varied.fails("queue", "--campaign", "tuan-l"), varied.fails("queue", "--channel", "portl")] == light
    assert "tuan-le" in light[0] and "portal" in light[1]


def test_queue_in_a_process_imports_neither_sqlalchemy_nor_pydantic(varied):
    """The config's summary was kept by the commands before; the listing is read with sqlite3."""
    result = run("--config", str(varied.config), "queue", python=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    assert "\n20 posts.\n" in result.stdout and "hoc-tap-suot-doi-2024" in result.stdout
    modules = imported_modules(result.stderr)
    assert "loa.posts.queue_sqlite" in modules
    assert sorted(name for name in modules if name.split(".")[0] in ("sqlalchemy", "pydantic", "alembic")) == []


def test_a_changed_config_is_read_again(varied):
    assert "portal" in varied.ok("queue").stdout
    varied.config.write_text(varied.config.read_text(encoding="utf-8").replace("[channels.portal]", "[channels.web]"),
                             encoding="utf-8")
    assert "portal" in varied.fails("queue", "--channel", "portal") and "web" in varied.fails("queue", "--channel", "x")
    varied.config.write_text(varied.config.read_text(encoding="utf-8") + "\n[render]\nmedia = 5\n", encoding="utf-8")
    assert "config.toml:" in varied.fails("queue")


def test_a_render_folder_become_a_file_is_still_refused(varied):
    """The summary of an unchanged config.toml does not skip the checks of the disk."""
    varied.ok("queue")
    media = varied.root / "var" / "media"
    shutil.rmtree(media, ignore_errors=True)
    media.write_text("", encoding="utf-8")
    line = varied.fails("queue")
    assert "[render]: media:" in line and "is not a folder" in line


def test_an_older_database_is_refused_as_before(varied, monkeypatch):
    """The light read answers only at the newest schema revision; an older one goes the way it always went."""
    from alembic import command
    from sqlalchemy import create_engine

    from loa.posts.db import SCHEMA_HEAD, alembic_config

    engine = create_engine(f"sqlite:///{varied.db_path}")
    with engine.begin() as connection:  # one migration back, with Alembic
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "-1")
    engine.dispose()
    assert varied.sql("SELECT version_num FROM alembic_version") != [(SCHEMA_HEAD,)]
    light = varied.fails("queue")
    full_path_only(monkeypatch)
    assert varied.fails("queue") == light


def test_a_plugin_channel_is_validated_every_time(project):
    """A plugin's settings may change with the plugin: a config.toml with such a channel is never summarised."""
    from typing import Literal

    from loa.scheduler.config import ChannelSettings, load_config
    from loa.scheduler.config_summary import _cache_file, cached_summary, read_config_text, remember

    class EchoSettings(ChannelSettings):
        adapter: Literal["echo"]

    text = read_config_text(project.config)
    config = load_config(project.config)
    _cache_file(project.config.resolve()).unlink(missing_ok=True)
    config.channels["portal"] = EchoSettings(adapter="echo")
    remember(project.config, text, config)
    assert cached_summary(project.config) is None
    remember(project.config, text, load_config(project.config))  # loa's own channels only
    assert cached_summary(project.config).channel_names == ["portal", "facebook"]
