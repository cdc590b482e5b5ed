"""The wheel carries everything loa reads at run time: locales, fonts, themes, templates, the sample, migrations."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_the_data_files(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("loa-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        template = archive.read("assets/config.toml").decode("utf-8")
    for required in ("assets/locales/vi.toml", "assets/locales/en.toml",
                     "assets/campaigns/hoc-tap-suot-doi-2024.toml", "posts/migrations/env.py",
                     "posts/migrations/script.py.mako", "posts/migrations/versions/0001_initial.py",
                     "posts/migrations/versions/0002_renders.py", "posts/migrations/versions/0003_daemon.py",
                     "scheduler/cli/__init__.py", "assets/systemd/loa.service", "assets/systemd/loa-web.service",
                     "assets/fonts/BeVietnamPro-ExtraBold.ttf", "assets/fonts/OFL.txt", "assets/channel_kinds.toml",
                     "assets/themes/khuyen-hoc/theme.toml", "assets/themes/hanh-chinh/theme.toml",
                     "assets/themes/khoa-hoc/theme.toml", "assets/templates/portal/article.html.j2",
                     "assets/templates/facebook/post.txt.j2", "assets/web/templates/base.html",
                     "assets/web/static/loa.css", "assets/web/static/htmx.min.js", "assets/web/static/htmx.LICENSE",
                     "scheduler/web/__init__.py"):
        assert required in names, required
    assert template == (ROOT / "config.toml").read_text(encoding="utf-8")  # the file itself, not a symlink
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    # installed as <venv>/share/doc/loa/README.md, the page the systemd units' Documentation= names
    readme = next(name for name in names if name.endswith(".data/data/share/doc/loa/README.md"))
    assert archive_text(wheel, readme) == (ROOT / "README.md").read_text(encoding="utf-8")
    for unit in ("loa.service", "loa-web.service"):
        text = (ROOT / "assets" / "systemd" / unit).read_text(encoding="utf-8")
        assert "\nDocumentation=file:/opt/loa/.venv/share/doc/loa/README.md\n" in text
        assert "\nExecStart=/opt/loa/.venv/bin/loa " in text  # the same venv


def archive_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode("utf-8")


def test_the_systemd_unit_runs_the_daemon_and_restarts_it_on_failure():
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd units
    unit.read(ROOT / "assets" / "systemd" / "loa.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].split()[-1] == "run" and "--config" in service["ExecStart"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    from scheduler.config import DaemonSection

    # systemd must wait longer than loa lets in-flight sends finish, or it kills them mid-send
    assert float(service["TimeoutStopSec"]) > DaemonSection().shutdown_seconds
    assert "secrets.env" in service["EnvironmentFile"] and unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_workspace_unit_serves_loa_web_beside_the_daemon():
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "assets" / "systemd" / "loa-web.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].split()[-1] == "web" and "--config" in service["ExecStart"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    # its one writable folder: the state folder systemd makes for user loa (tests/test_deploy.py checks the rest)
    assert service["StateDirectory"] == "loa" and unit["Install"]["WantedBy"] == "multi-user.target"
