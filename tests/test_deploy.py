"""Deploying as the department's administrator does (issue 19): the shipped server config in a read-only
"/etc/loa", loa run the way its unit confines it — an unprivileged system user, umask 0027, only the state folder
writable, no writable+executable memory — against PostgreSQL; the sample week imported and published exactly once,
every file 0640 and folder 0750, nothing written beside the config. And the shipped units pass
``systemd-analyze verify`` once installed, and agree with the server config.

Creating the system user needs root. CI runs the suite as root: there a non-root run FAILS (support.servers); on a
developer's machine it is skipped, and the run's last line says so.
"""
from __future__ import annotations

import configparser
import contextlib
import http.client
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import signal
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.browser import free_port
from support.servers import require_server

ROOT = Path(__file__).resolve().parent.parent
LOA = Path(sys.executable).parent / "loa"  # the venv's entry point, as /opt/loa/.venv/bin/loa on a server
SERVER_CONFIG = ROOT / "assets" / "config.server.toml"
UNITS = ROOT / "assets" / "systemd"
SAMPLE = ROOT / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
INSTALLED_LOA = "/opt/loa/.venv/bin/loa"  # where the shipped units expect it
# Runs a program with the kernel's refusal of writable+executable memory (PR_SET_MDWE, Linux 6.3+), what the
# units' MemoryDenyWriteExecute=yes asks for; exits 97 when the kernel cannot do it.
NO_WRITE_EXECUTE = """import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit(97)
os.execv(sys.argv[1], sys.argv[1:])
"""


def _kernel_refuses_write_execute() -> bool:
    probe = subprocess.run([sys.executable, "-c", NO_WRITE_EXECUTE, sys.executable, "-c",
                            "import mmap; mmap.mmap(-1, 4096, prot=7)"], capture_output=True, timeout=60)
    return probe.returncode not in (0, 97)  # the W+X mapping was refused: the rule holds


@pytest.fixture
def service_user():
    """A system user like the unit's ``loa``: no home, no shell, its own group; removed afterwards."""
    require_server(None if os.geteuid() == 0 else
                   "the deployment test needs root to create a system user (CI runs the tests as root)")
    name = f"loa-ci-{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True, timeout=60)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True, timeout=60)
        subprocess.run(["groupdel", name], capture_output=True, timeout=60)  # if userdel left the group


@pytest.fixture
def server_root():
    """A temporary "/" for the deployment: not under pytest's tmp_path, which is private to root (0700)."""
    folder = Path(tempfile.mkdtemp(prefix="loa-deploy-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _not_traversable(path: Path) -> Path | None:
    """The first folder above ``path`` that other users cannot enter, or None."""
    for folder in reversed(path.parents):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file's mode, size and time, every folder's mode (a folder's time changes with SQLite's -wal/-shm,
    made and removed again by a reader)."""
    return {str(path.relative_to(folder)): (info.st_mode, 0, 0) if stat.S_ISDIR(info.st_mode) else
            (info.st_mode, info.st_size, info.st_mtime_ns) for path in [folder, *folder.rglob("*")]
            if (info := path.lstat())}


def _loa_for_others(folder: Path) -> tuple[Path, Path]:
    """This venv's Python and loa, as another user can run them. The checkout and the venv must be readable by
    others (a clone in /tmp or /work is); the test opens up no folder outside its own. When the interpreter itself
    is private (pyenv's, under /root), a thin venv of the system's same Python in ``folder`` reads this venv's
    packages (no install: a .pth line), so nothing outside the temporary folders changes."""
    packages = Path(sysconfig.get_paths()["purelib"])
    blocker = _not_traversable(LOA) or _not_traversable(packages / "x") or _not_traversable(SAMPLE)
    assert blocker is None, f"{blocker} is not open to other users: clone loa where a system user can read it"
    stdlib = Path(sysconfig.get_paths()["stdlib"]) / "os.py"
    if _not_traversable(Path(sys.executable).resolve()) is None and _not_traversable(stdlib) is None:
        return Path(sys.executable), LOA
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    assert system.exists(), (f"{sys.executable} is private to its owner and there is no {system}: make the venv "
                             "with a Python other users can run")
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(folder)], check=True, capture_output=True,
                   timeout=120)
    thin = folder / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (thin / "loa-checkout.pth").write_text(f"import site; site.addsitedir({str(packages)!r})\n", encoding="utf-8")
    script = folder / "bin" / "loa"
    body = LOA.read_text(encoding="utf-8").split("\n", 1)[1]  # the entry point, under the thin venv's shebang
    script.write_text(f"#!{folder / 'bin' / 'python'}\n{body}", encoding="utf-8")
    script.chmod(0o755)
    return folder / "bin" / "python", script


class Server:
    """A read-only "/etc/loa" holding a config, a state folder owned by the service user (what StateDirectory=loa
    makes), and loa run as the unit runs it."""

    def __init__(self, root: Path, user: str, config_text: str) -> None:
        self.user = user
        self.python, self.loa_script = _loa_for_others(root / "venv")
        self.etc = root / "etc" / "loa"
        self.etc.mkdir(parents=True)
        self.config = self.etc / "config.toml"
        self.config.write_text(config_text, encoding="utf-8")
        self.config.chmod(0o444)
        # the secrets file the config and the units name, as the README makes it: the service user's, 0600
        secrets_file = self.etc / "secrets.env"
        secrets_file.write_text("# what EnvironmentFile= gives the units\nLOA_FACEBOOK_TOKEN=EAAB-unused\n",
                                encoding="utf-8")
        shutil.chown(secrets_file, user, user)
        secrets_file.chmod(0o600)
        self.etc.chmod(0o555)  # owned by root and read-only, as ProtectSystem=strict leaves /etc
        self.state = root / "var" / "lib" / "loa"
        self.state.mkdir(parents=True)
        shutil.chown(self.state, user, user)
        self.state.chmod(0o750)
        self.confined = _kernel_refuses_write_execute()

    def command(self, *args: str, env: dict[str, str]) -> list[str]:
        # the unit's environment: nothing inherited but what it sets (EnvironmentFile= would add the secrets)
        settings = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "LOA_LANG": "en",
                    "PYTHONDONTWRITEBYTECODE": "1", **env}
        wrapper = [str(self.python), "-c", NO_WRITE_EXECUTE] if self.confined else []
        return ["runuser", "-u", self.user, "--", "env", "-i", *(f"{k}={v}" for k, v in settings.items()),
                "sh", "-c", 'umask 0027 && exec "$@"', "sh", *wrapper, str(self.loa_script),
                "--config", str(self.config), *args]

    @contextlib.contextmanager
    def serving(self, *args: str, env: dict[str, str]) -> Iterator[int]:
        """``loa web`` running as the service user until the block ends (then SIGTERM, as systemctl stop)."""
        port = int(args[args.index("--port") + 1])
        process = subprocess.Popen(self.command(*args, env=env), cwd=self.state, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
        try:
            yield port
        finally:
            # SIGTERM to loa itself (runuser's child: env, sh and the wrapper exec into it), as systemctl stop sends
            try:
                children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text(encoding="ascii").split()
            except FileNotFoundError:  # runuser is gone: loa web exited by itself (its error is below)
                children = []
            for child in children:
                os.kill(int(child), signal.SIGTERM)
            _, errors = process.communicate(timeout=60)
        assert children and process.returncode == 0, errors.decode(errors="replace")

    def loa(self, *args: str, env: dict[str, str], code: int = 0) -> subprocess.CompletedProcess[str]:
        command = self.command(*args, env=env)
        done = subprocess.run(command, cwd=self.state, capture_output=True, text=True, timeout=600)
        assert done.returncode == code, f"loa {' '.join(args)}: {done.returncode}\n{done.stdout}{done.stderr}"
        return done


def test_the_sample_week_publishes_once_as_the_service_user(service_user, server_root, postgres):
    # the shipped server config byte for byte, not a test's variant
    server = Server(server_root, service_user, SERVER_CONFIG.read_text(encoding="utf-8"))
    state = server.state
    database_url = postgres.create_database(f"deploy_{secrets.token_hex(4)}")
    before = _snapshot(server_root / "etc")
    # the state folder as [paths] state puts it on the server (LOA_STATE_DIR wins over it), the database as the
    # admin's secrets file would name it
    env = {"LOA_STATE_DIR": str(state), "LOA_DATABASE_URL": database_url}
    server.loa("init", env=env)
    server.loa("campaign", "import", str(SAMPLE), "--start", "now", "--pace", "0.2", "--approve", env=env)
    server.loa("run", "--until-idle", env=env)

    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as connection:
        rows = connection.execute("SELECT channel, status, attempts, count(*) FROM deliveries "
                                  "GROUP BY channel, status, attempts ORDER BY channel").fetchall()
    assert {(status, attempts) for _, status, attempts, _ in rows} == {("published", 1)}, rows
    counts = {channel: count for channel, _, _, count in rows}
    sample = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))
    expected = {name: sum(name in post.get("channels", sample["campaign"]["channels"]) for post in sample["posts"])
                for name in ("facebook", "portal")}
    assert counts == expected and expected["facebook"] > 0
    # exactly once on each channel, under the state folder (the config's relative paths), one file per post
    assert len(list((state / "site" / "posts").glob("*.html"))) == counts["portal"]
    assert len(list((state / "dry-run" / "facebook").glob("*.json"))) == counts["facebook"]
    assert any((state / "media").rglob("*.png"))  # the banners

    owner = {path.lstat().st_uid for path in [state, *state.rglob("*")]}
    assert owner == {_uid(service_user)}
    modes = {f"{'d' if path.is_dir() else 'f'} {stat.S_IMODE(path.lstat().st_mode):o}"
             for path in state.rglob("*") if not path.is_symlink()}
    assert modes == {"d 750", "f 640"}, modes
    assert _snapshot(server_root / "etc") == before  # nothing written beside the config

    # the workspace as loa-web.service runs it: it serves, and its key is made in the state folder, 0600
    with server.serving("web", "--port", str(free_port()), env=env) as port:
        page = _get(f"http://127.0.0.1:{port}/login")
    assert page.status == 200
    key = state / "web-secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_uid == _uid(service_user)
    assert _snapshot(server_root / "etc") == before


def _get(url: str, *, timeout: float = 60) -> http.client.HTTPResponse:
    """The first answer of a server still starting (connection refused until it listens)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=10)  # noqa: S310 - 127.0.0.1 only
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _uid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_uid


def _installed_units(folder: Path) -> list[Path]:
    """The shipped units as an administrator installs them, with ExecStart at this venv's loa (verify needs it)."""
    installed = []
    for unit in sorted(UNITS.glob("*.service")):
        target = folder / unit.name
        target.write_text(unit.read_text(encoding="utf-8").replace(INSTALLED_LOA, str(LOA)), encoding="utf-8")
        installed.append(target)
    return installed


def _unit(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign] - keys are case-sensitive in systemd units
    parser.read(path, encoding="utf-8")
    return parser["Service"]


def _systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    require_server(None if found else "systemd-analyze is not installed (apt-get install systemd); .ci/run installs it")
    return found  # type: ignore[return-value]


def test_the_installed_units_verify(tmp_path):
    analyze = _systemd_analyze()
    units = _installed_units(tmp_path)
    assert [unit.name for unit in units] == ["loa-web.service", "loa.service"]
    done = subprocess.run([analyze, "verify", *map(str, units)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "loa" not in done.stderr, done.stderr
    # the check has teeth: an ExecStart that is not there is refused
    units[1].write_text(units[1].read_text(encoding="utf-8").replace(str(LOA), "/nonexistent/loa"), encoding="utf-8")
    broken = subprocess.run([analyze, "verify", str(units[1])], capture_output=True, text=True, timeout=120)
    assert broken.returncode != 0 and "/nonexistent/loa" in broken.stderr


def test_the_units_are_confined(tmp_path):
    """``systemd-analyze security`` rated the units 8.5 EXPOSED before issue 19; they stay at or below 2 (OK)."""
    analyze = _systemd_analyze()
    for unit in _installed_units(tmp_path):
        done = subprocess.run([analyze, "security", "--offline=yes", str(unit)], capture_output=True, text=True,
                              timeout=120)
        level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
        assert level and float(level.group(1)) <= 2.0, done.stdout[-400:]


def test_the_units_and_the_server_config_work_together():
    from loa.scheduler.cli import PRIVATE_UMASK

    config = tomllib.loads(SERVER_CONFIG.read_text(encoding="utf-8"))
    for unit in sorted(UNITS.glob("*.service")):
        service = _unit(unit)
        # the one folder it may write is the config's state folder, made for the service's user
        assert f"/var/lib/{service['StateDirectory']}" == config["paths"]["state"] == service["WorkingDirectory"]
        assert service["User"] == service["Group"] == "loa" and service["ProtectSystem"] == "strict"
        assert int(service["UMask"], 8) == PRIVATE_UMASK
        # a missing secrets file stops the start (no "-": it would be ignored silently)
        assert service["EnvironmentFile"] == "/etc/loa/secrets.env" == f"/etc/loa/{config['secrets']['file']}"
        assert service["ExecStart"].startswith(f"{INSTALLED_LOA} --config /etc/loa/config.toml ")
        assert "ReadWritePaths" not in service  # StateDirectory= is the only writable place
        assert service["RestartPreventExitStatus"] == "2"  # bad input: restarting cannot fix it
    # systemd waits longer than the daemon waits for sends in flight on any channel loa ships, at their defaults
    from loa.scheduler.config import known_adapters, settings_model
    from loa.scheduler.publishers import CONNECT_TIMEOUT

    timeouts = [field.default for name in known_adapters() if (model := settings_model(name)) is not None
                and (field := model.model_fields.get("timeout")) is not None]
    assert len(timeouts) >= 6
    assert float(_unit(UNITS / "loa.service")["TimeoutStopSec"]) > max(timeouts) + CONNECT_TIMEOUT
    # nothing the server config names for writing lies outside the state folder
    assert config["render"]["media"] == "media" and config["web"]["secret_key_file"] == "web-secret.key"
    assert [channel["path"] for channel in config["channels"].values()] == ["site", "dry-run/facebook"]


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_a_database_beside_a_read_only_config_is_one_line(service_user, server_root):
    """Issue 19's first failure: the desktop config.toml in /etc/loa put the database in /etc/loa/var ("unable to
    open database file", no path named, restarted every 10 s). Now: the folder named, exit 2, nothing written."""
    server = Server(server_root, service_user, (ROOT / "config.toml").read_text(encoding="utf-8"))
    before = _snapshot(server_root)
    line = _one_line(server.loa("init", env={}, code=2))
    assert f"loa cannot write in {server.etc}/var (no permission to write here)" in line, line
    assert _snapshot(server_root) == before


def test_an_unwritable_state_or_media_folder_is_one_line(service_user, server_root):
    server = Server(server_root, service_user, SERVER_CONFIG.read_text(encoding="utf-8"))
    env = {"LOA_STATE_DIR": str(server.state), "LOA_DATABASE_URL": "sqlite:///loa.db"}  # relative: to the state
    shutil.chown(server.state, "root", "root")  # not the service user's: a state folder made by hand, as root
    server.state.chmod(0o755)
    before = _snapshot(server_root)
    line = _one_line(server.loa("init", env=env, code=2))
    assert f"loa cannot write in {server.state} (no permission to write here)" in line, line
    assert _snapshot(server_root) == before

    postgres_env = {**env, "LOA_DATABASE_URL": "postgresql+psycopg://loa@127.0.0.1:9/loa"}  # never reached
    line = _one_line(server.loa("init", env=postgres_env, code=2))  # the state folder is checked first
    assert f"loa cannot write in {server.state} (no permission to write here)" in line, line
    assert _snapshot(server_root) == before

    shutil.chown(server.state, service_user, service_user)
    server.loa("init", env=env)
    media = server.state / "media"
    media.mkdir(mode=0o755)  # root's, as root's `campaign import` left it (issue 19 point 2)
    before = _snapshot(server_root)
    line = _one_line(server.loa("campaign", "import", str(SAMPLE), "--approve", env=env, code=2))
    assert f"loa cannot write in {media} (no permission to write here)" in line, line
    assert _snapshot(server_root) == before  # no post, no banner: the database file untouched too

    database = server.state / "loa.db"
    shutil.chown(database, "root", "root")  # root's `loa init` made it (issue 19 point 2): SQLite's bare
    before = _snapshot(server_root)         # "unable to open database file" named nothing
    line = _one_line(server.loa("status", env=env, code=2))
    assert f"loa cannot write in {database} (no permission to write here)" in line, line
    assert _snapshot(server_root) == before
