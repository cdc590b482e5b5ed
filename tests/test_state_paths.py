"""``[paths] state`` (or ``$LOA_STATE_DIR``): what loa writes — the database, media, the static site, dry-run
records, the workspace's key — lives under the state folder, so the config can sit in a read-only /etc/loa
(issue 19 point 1). What loa only reads (themes, templates, a recipient list) stays relative to the config file.
Without it, everything is relative to the config file, as before. An unwritable state folder is refused in one
line: tests/test_deploy.py (it needs another user than root)."""
from __future__ import annotations

from pathlib import Path

from conftest import queue_now


def with_state(project, value: str) -> None:
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(f'[paths]\nstate = "{value}"\n\n{text}', encoding="utf-8")


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def test_what_loa_writes_goes_under_the_state_folder(bare):
    bare.root.joinpath("config.toml").write_text(
        (Path(__file__).parent.parent / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with_state(bare, "state")  # relative: to the config file's folder, not the working folder
    bare.ok("init")
    queue_now(bare, posts=2, pace=0.2)
    bare.ok("run", "--until-idle")
    state = bare.root / "state"
    written = files_under(state)
    assert "var/loa.db" in written and "var/site/index.html" in written
    assert sum(name.startswith("var/site/posts/") and name.endswith(".html") for name in written) == 2
    assert sum(name.startswith("var/dry-run/facebook/") for name in written) == 2
    assert (state / "var" / "media").is_dir()  # the banners' folder (this campaign has none)
    assert not (bare.root / "var").exists()  # nothing beside the config


def test_the_environment_wins_and_every_path_agrees(project, tmp_path, monkeypatch):
    """``$LOA_STATE_DIR`` over ``[paths] state``; the full load and the summary ``loa queue`` reads agree."""
    from loa.scheduler.config import load_config
    from loa.scheduler.config_summary import cached_summary, remember, read_config_text
    from loa.scheduler.dispatch import publisher_for

    with_state(project, "/nonexistent/in-the-file")
    elsewhere = tmp_path / "srv" / "loa"
    monkeypatch.setenv("LOA_STATE_DIR", str(elsewhere))
    project.config.write_text(project.config.read_text(encoding="utf-8").replace(
        "[render]\n", '[render]\nthemes = "my-themes"\n', 1), encoding="utf-8")
    config = load_config(project.config)
    remember(project.config, read_config_text(project.config), config)
    summary = cached_summary(project.config)
    assert summary is not None
    assert config.database_url == summary.database_url == f"sqlite:///{elsewhere.resolve()}/var/loa.db"
    assert config.path_of(config.document.render.media) == elsewhere.resolve() / "var" / "media"
    assert config.path_of(config.document.web.secret_key_file) == elsewhere.resolve() / "var" / "web-secret.key"
    assert publisher_for(config, "portal").folder == elsewhere.resolve() / "var" / "site"
    # what loa only reads stays by the config
    assert config.input_path_of(config.document.render.themes) == project.root.resolve() / "my-themes"
    assert summary.render_folder("themes") == project.root / "my-themes"
    assert publisher_for(config, "portal").inputs_dir == project.root.resolve()
    monkeypatch.delenv("LOA_STATE_DIR")
    assert load_config(project.config).database_url == "sqlite:////nonexistent/in-the-file/var/loa.db"
    assert cached_summary(project.config).database_url == "sqlite:////nonexistent/in-the-file/var/loa.db"


def test_without_a_state_folder_paths_stay_by_the_config(project):
    from loa.scheduler.config import load_config

    config = load_config(project.config)
    assert config.state_dir is None and config.base_dir == project.root.resolve()
    assert config.database_url == f"sqlite:///{project.root.resolve()}/var/loa.db"
    assert project.db_path.exists()


def test_a_state_path_that_is_a_file_is_refused_in_one_line(project):
    (project.root / "a-file").write_text("", encoding="utf-8")
    with_state(project, "a-file")
    line = project.fails("queue")
    assert "config.toml:2" in line and "state" in line and "a-file is not a folder" in line
