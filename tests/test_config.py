"""config.toml: discovery order, validation with line numbers, secrets kept out, the shipped defaults."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loa.scheduler.cli import cli
from loa.scheduler.config import config_template, load_config

SHIPPED = Path(__file__).resolve().parent.parent / "config.toml"


def test_shipped_config_is_the_template_and_is_valid():
    assert SHIPPED.read_text(encoding="utf-8") == config_template()
    config = load_config(SHIPPED)
    assert config.channel_names == ["portal", "facebook"]
    assert config.channels["portal"].adapter == "static-site"
    assert config.channels["facebook"].adapter == "dry-run"
    assert config.timezone == "Asia/Ho_Chi_Minh"
    assert config.database_url == f"sqlite:///{SHIPPED.parent / 'var' / 'loa.db'}"


def test_config_found_by_option_then_environment_then_working_directory(bare, tmp_path, monkeypatch):
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.toml").write_text(config_template(), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "c")
    runner = CliRunner()

    def init_target(*args, env=None):
        out = runner.invoke(cli, [*args, "init"], env=env).stdout
        return next(name for name in ("a", "b", "c") if f"/{name}/var/loa.db" in out)

    assert init_target() == "c"
    assert init_target(env={"LOA_CONFIG": str(tmp_path / "b" / "config.toml")}) == "b"
    assert init_target("--config", str(tmp_path / "a" / "config.toml"),
                       env={"LOA_CONFIG": str(tmp_path / "b" / "config.toml")}) == "a"


def test_database_url_environment_variable_wins(bare, tmp_path, monkeypatch):
    bare.ok("init")
    monkeypatch.setenv("LOA_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert "other.db" in bare.ok("init").stdout


BAD_CONFIGS = [
    ("[database]\nurl = 5\n", "[database]: the address must be text", 2),
    ("[defaults]\ntimezone = \"Asia/Hanoi_City\"\n", "[defaults]: timezone: unknown timezone", 2),
    ("[organisation]\nagency = \"x\"\n", "organisation", 1),
    ("[channels.portal]\nadapter = \"static-site\"\npath = \"site\"\ncolour = \"red\"\n", "channel portal: there is no entry `colour`", 4),
    ("[channels.portal]\nadapter = \"myspace\"\n", 'channel portal: the publisher cannot be "myspace"; available: dry-run', 2),
    ("[channels.portal]\npath = \"x\"\n", "channel portal: the publisher (adapter) is missing", 1),
    ("[channels.fb]\nadapter = \"facebook\"\npage_id = \"123\"\ntoken = \"EAAB-secret\"\n", "channel fb: token: secrets do not belong", 4),
    ("[channels.fb]\nadapter = \"facebook\"\npage_id = \"123\"\n", "channel fb: the name of the environment variable holding the access token (token_env) is missing", 1),
    ("[channels.fb]\nadapter = \"facebook\"\npage_id = 123\ntoken_env = \"T\"\n", "channel fb: the page_id must be text in double quotes", 3),
    ("[channels.wp]\nadapter = \"wordpress\"\nurl = \"portal.gov.vn\"\nusername = \"u\"\npassword_env = \"P\"\n",
     "channel wp: address: must be an http", 3),
    ("[channels.wp]\nadapter = \"wordpress\"\nurl = \"https://p\"\nusername = \"u\"\npassword_env = \"P\"\n"
     "password = \"hunter2\"\n", "channel wp: password: secrets do not belong", 6),
    ("[channels.Portal]\nadapter = \"dry-run\"\n", "channel Portal: channel name", 1),
    ("[channels.fb]\nadapter = \"dry-run\"\nafter = \"portal\"\n", "channel fb: channel order: no channel 'portal'; channels in config.toml: fb", 3),
    ("[database\nurl = \"x\"\n", "] closing the section name", 1),
    ("[database]\nurl = \"postgresql+psycopg://loa:hunter2@db/loa\"\n", "[database]: address: no password", 2),
    ("[channels.fb]\nadapter = \"facebook\"\npage_id = \"1\"\ntoken_env = \"T\"\n"
     "graph_url = \"https://graph.facebook.com/?access_token=EAAB123\"\n", "channel fb: graph_url: must be an http", 5),
    ("[channels.a]\nadapter = \"dry-run\"\nafter = \"b\"\n[channels.b]\nadapter = \"dry-run\"\nafter = \"a\"\n",
     "channel a: channel order: channels wait for each other in a circle: a → b → a", 3),
    ("[channels.a]\nadapter = \"dry-run\"\nafter = \"a\"\n", "channel a: channel order: channels wait for each other in a circle: a → a", 3),
]


@pytest.mark.parametrize("text, key, line", BAD_CONFIGS)
def test_bad_config_names_file_key_and_line(bare, text, key, line):
    bare.config.write_text(text, encoding="utf-8")
    message = bare.fails("init")
    assert f"{bare.config}:{line}:" in message
    assert key in message
    assert not (bare.root / "var").exists()


@pytest.mark.parametrize("text", [
    "[channels.fb]\nadapter = \"facebook\"\npage_id = \"1\"\ntoken = \"EAAB-very-secret\"\n",
    "[channels.fb]\nadapter = \"facebook\"\npage_id = \"EAAB-very-secret\"\ntoken_env = \"T\"\n",
    "[database]\nurl = \"postgresql://loa:EAAB-very-secret@db:notaport/loa\"\n",
    "[channels.fb]\nadapter = \"facebook\"\npage_id = \"1\"\ntoken_env = \"T\"\n"
    "graph_url = \"https://graph.facebook.com/?access_token=EAAB-very-secret\"\n",
])
def test_secret_values_never_echoed(bare, text):
    bare.config.write_text(text, encoding="utf-8")
    message = bare.fails("init")
    assert "EAAB-very-secret" not in message and str(bare.config) in message


def test_unknown_database_driver_is_a_clean_error(bare):
    bare.config.write_text('[database]\nurl = "nosuchdb://x/y"\n', encoding="utf-8")
    assert "database.url" in bare.fails("init")


def test_config_file_that_is_not_utf8(bare):
    bare.config.write_bytes("[organization]\nagency = \"SỞ\"\n".encode("cp1258", errors="replace") + b"\xff\n")
    assert "UTF-8" in bare.fails("init")
