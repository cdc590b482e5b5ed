"""The wheel installs loa under one namespace (loa.posts, loa.scheduler, loa.assets), so it never collides with PyPI's
unrelated `posts` and `scheduler` distributions, and the installed copy works on its own: no file from the checkout. The wheel carries everything loa reads at run time:
locales, fonts, themes, templates, the sample, migrations."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP_FOLDERS = ("posts", "scheduler", "assets")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # built from a copy of what the repository tracks: setuptools reuses a build/ folder it finds, so a checkout
    # with an old one (from before the loa namespace) would put its stale files in the wheel, and the build writes
    # build/ and *.egg-info where it runs
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file() and not name.startswith(("tests/", "bench/")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, source / name)  # a symlink's target (assets/config.toml)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, timeout=300)
    found, = out.glob("loa-*.whl")
    return found


def test_wheel_contains_the_data_files(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        template = archive.read("loa/assets/config.toml").decode("utf-8")
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
        assert "loa/" + required in names, required
    assert template == (ROOT / "config.toml").read_text(encoding="utf-8")  # the file itself, not a symlink
    assert not any(name.startswith(("tests/", "bench/", "loa/tests/")) for name in names)


def test_the_readme_is_installed_where_the_units_documentation_points(wheel):
    """<venv>/share/doc/loa/README.md: the page the systemd units' Documentation= names, in the venv they run."""
    with zipfile.ZipFile(wheel) as archive:
        readme = next(name for name in archive.namelist() if name.endswith(".data/data/share/doc/loa/README.md"))
        assert archive.read(readme).decode("utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")
    for unit in ("loa.service", "loa-web.service"):
        text = (ROOT / "assets" / "systemd" / unit).read_text(encoding="utf-8")
        assert "\nDocumentation=file:/opt/loa/.venv/share/doc/loa/README.md\n" in text
        assert "\nExecStart=/opt/loa/.venv/bin/loa " in text  # the same venv


def test_the_package_list_names_every_package_folder():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {"loa." + ".".join(init.parent.relative_to(ROOT).parts)
               for top in TOP_FOLDERS for init in (ROOT / top).rglob("__init__.py")}
    assert folders == listed


def test_the_wheel_installs_only_the_loa_namespace(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    stem = wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1]
    # .data: files installed beside the venv, not importable (the README, share/doc/loa)
    assert tops == {"loa", stem + ".dist-info", stem + ".data"}
    assert "loa/__init__.py" not in names  # a namespace: a plug-in package may add loa.something of its own
    for needed in ("loa/posts/migrations/env.py", "loa/assets/locales/vi.toml", "loa/assets/config.toml",
                   "loa/scheduler/cli/__init__.py"):
        assert needed in names
    assert any(name.startswith("loa/posts/migrations/versions/0001") for name in names)
    assert any(name.startswith("loa/assets/fonts/") for name in names)
    entry_points = next(zipfile.ZipFile(wheel).read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert "loa = loa.scheduler.cli:main" in entry_points
    assert "wordpress = loa.scheduler.publishers.wordpress:WordPressPublisher" in entry_points


def test_the_installed_wheel_works_without_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # the installed copy plus the venv's libraries, without the .pth files that point back at the checkout
    path = [str(target), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    script = ("import sys; sys.path[:0] = %r; from loa.scheduler.cli import main; "
              "import loa.posts.db as db; assert db.__file__.startswith(%r), db.__file__; "
              "sys.argv = ['loa'] + sys.argv[1:]; main()") % (path, str(target))
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")} | {"LOA_LANG": "en"}

    def loa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-I", "-c", script, *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=120)

    assert loa("--version").stdout.startswith("loa, version ")
    done = loa("--config", str(work / "config.toml"), "init")
    assert done.returncode == 0, done.stderr
    assert (work / "config.toml").is_file()
    status = loa("--config", str(work / "config.toml"), "db", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    # neither generic name is importable from the installed copy
    probe = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path[:0] = {path!r}; import posts"],
                           cwd=work, capture_output=True, text=True, timeout=60)
    assert "No module named 'posts'" in probe.stderr


def test_the_systemd_unit_runs_the_daemon_and_restarts_it_on_failure():
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys are case-sensitive in systemd units
    unit.read(ROOT / "assets" / "systemd" / "loa.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].split()[-1] == "run" and "--config" in service["ExecStart"]
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"
    from loa.scheduler.config import DaemonSection

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
