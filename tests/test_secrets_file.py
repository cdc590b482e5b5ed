"""[secrets] file (issue 19 point 2): the commands that need a secret read the service's environment file, refused
unless only its owner (the user running loa, or root) can read it; root is kept out of another user's state."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import FACEBOOK_TOKEN, Project, campaign_toml, facebook_channel
from loa.scheduler.secrets_file import parse_environment

from support.facebook import GraphDouble
from support.servers import require_server


@pytest.fixture(autouse=True)
def environment_restored():
    """The file's values go into os.environ (as for a real command): each test leaves it as it found it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def secrets_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def name_secrets_file(project: Project, value: str) -> None:
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(f'[secrets]\nfile = "{value}"\n\n{text}', encoding="utf-8")


@pytest.fixture
def page(project: Project, monkeypatch: pytest.MonkeyPatch):
    """The facebook channel on a Graph API double, its token only in the secrets file beside config.toml."""
    monkeypatch.delenv("LOA_FACEBOOK_TOKEN", raising=False)
    with GraphDouble(token=FACEBOOK_TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph))
        name_secrets_file(project, "secrets.env")
        secrets_file(project.root / "secrets.env", f"# the service's secrets\nLOA_FACEBOOK_TOKEN={FACEBOOK_TOKEN}\n")
        yield project, graph


# -- what the file says, as systemd's EnvironmentFile= reads it -----------------------------------------------------

SYSTEMD_FORMS = [
    ("A=1", {"A": "1"}),
    ("  A = spaced value   \n", {"A": "spaced value"}),
    ("# comment\n; comment too\n\nA=1\n", {"A": "1"}),
    ("export A=1", {"A": "1"}),
    ("A=x # not a comment", {"A": "x # not a comment"}),
    ("A='single $HOME \\n'", {"A": "single $HOME \\n"}),
    ('A="double \\"q\\" \\$HOME \\\\ \\n"', {"A": 'double "q" $HOME \\ \\n'}),
    ('A="two\nlines"', {"A": "two\nlines"}),
    ("A=con\\\ntinued", {"A": "continued"}),
    ("A=\"x\" 'y' z", {"A": "xyz"}),
    ("A=", {"A": ""}),
    ("A=1\nA=2", {"A": "2"}),
    ("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}),
    ("A=abcd efgh ijkl mnop", {"A": "abcd efgh ijkl mnop"}),
]


@pytest.mark.parametrize(("text", "expected"), SYSTEMD_FORMS, ids=[form[0] for form in SYSTEMD_FORMS])
def test_the_file_reads_as_systemd_reads_it(text, expected):
    assert parse_environment(text, "secrets.env") == expected


BAD_LINES = [("A=1\ns3cr3t words\n", 2, "not a NAME=VALUE line"), ("1A=s3cr3t", 1, "not a variable name"),
             ("A-B=s3cr3t", 1, "not a variable name"), ("A=1\nB=\"s3cr3t\n\n", 2, "never closed"),
             ("LOA_DATABASE_URL=postgresql://loa:s3cr3t@db/loa", 1, "PGPASSWORD"),
             ("A=1\nB=s3cr3t\0x\n", 2, "not UTF-8 text")]


@pytest.mark.parametrize(("text", "line", "words"), BAD_LINES, ids=[bad[0] for bad in BAD_LINES])
def test_a_bad_line_is_named_never_shown(project, text, line, words):
    name_secrets_file(project, "secrets.env")
    secrets_file(project.root / "secrets.env", text)
    message = project.fails("channels", "list")
    assert f"{project.root / 'secrets.env'}:{line}: " in message and words in message
    assert "s3cr3t" not in message


# -- read when a secret is needed ------------------------------------------------------------------------------------

def test_channels_find_their_secrets_in_the_file(page):
    project, graph = page
    assert project.json("channels", "list")["channels"][1]["secrets"] == {"LOA_FACEBOOK_TOKEN": True}
    assert "facebook: OK" in project.ok("channels", "check", "facebook").stdout
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=1))), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    assert "published" in project.ok("publish", str(post_id), "--channel", "facebook").stdout
    assert any(request.token_in == ["bearer"] for request in graph.requests)


def test_the_environment_wins_over_the_file(page, monkeypatch):
    """A token tried for one run (LOA_X=… loa channels check) is the one used, not the file's."""
    project, _graph = page
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", FACEBOOK_TOKEN + "-tried")
    assert project.run("channels", "check", "facebook").exit_code == 2
    secrets_file(project.root / "secrets.env", f"LOA_FACEBOOK_TOKEN={FACEBOOK_TOKEN}-old\n")
    monkeypatch.setenv("LOA_FACEBOOK_TOKEN", FACEBOOK_TOKEN)
    assert "facebook: OK" in project.ok("channels", "check", "facebook").stdout


def test_a_relative_path_is_the_config_folders(page, tmp_path_factory, monkeypatch):
    project, _graph = page
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    assert "facebook: OK" in project.ok("channels", "check", "facebook").stdout


def test_a_missing_secret_says_where_it_may_be_set(page):
    project, _graph = page
    secrets_file(project.root / "secrets.env", "# nothing yet\n")
    result = project.run("channels", "check", "facebook")
    assert result.exit_code == 2
    assert ("facebook: LOA_FACEBOOK_TOKEN is not set in the environment (or the secrets file): the Facebook Page "
            "token") in result.stderr


def test_commands_without_secrets_do_not_read_it(project):
    """An officer who cannot read the file still lists the queue and adds posts on SQLite."""
    name_secrets_file(project, "/nonexistent/secrets.env")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=2))))
    assert len(project.json("queue")["posts"]) == 2
    assert "/nonexistent/secrets.env" in project.fails("channels", "list")


UNSET = [
    ("facebook", 'adapter = "facebook"\npage_id = "1"\ntoken_env = "LOA_X_TOKEN"\ngraph_url = "http://127.0.0.1:9"',
     "LOA_X_TOKEN is not set in the environment (or the secrets file): the Facebook Page token"),
    ("telegram", 'adapter = "telegram"\ntoken_env = "LOA_X_TOKEN"\nchat_id = "@sokhcn_tin"\n'
                 'api_url = "http://127.0.0.1:9"',
     "LOA_X_TOKEN is not set in the environment (or the secrets file): the Telegram bot token"),
    ("email", 'adapter = "email"\nsmtp_host = "127.0.0.1"\nport = 9\nusername = "tin"\npassword_env = "LOA_X_PASSWORD"\n'
              'from = "tin@so.gov.vn"\nto = ["canbo@so.gov.vn"]',
     "LOA_X_PASSWORD is not set in the environment (or the secrets file): the mail password"),
    ("http", 'adapter = "http"\nurl = "http://127.0.0.1:9/api"\nid_path = "id"\nsecrets = { token = "LOA_X_TOKEN" }\n'
             'headers = { X-Api-Token = "{{ secrets.token }}" }',
     "LOA_X_TOKEN is not set in the environment (or the secrets file): secrets.token of this channel"),
    ("zalo", 'adapter = "zalo"\napp_id = "42"\nsecret_key_env = "LOA_X_KEY"\ntoken_file = "zalo.json"\n'
             'oa_url = "http://127.0.0.1:9"\noauth_url = "http://127.0.0.1:9"',
     "in LOA_ZALO_REFRESH_TOKEN (in the environment or the secrets file)"),
]


@pytest.mark.parametrize(("adapter", "settings", "said"), UNSET, ids=[case[0] for case in UNSET])
def test_every_adapter_says_where_a_missing_secret_may_be_set(project, adapter, settings, said):
    """Issue 19 point 9: a variable to set, named with the file that may hold it — not a password to renew."""
    project.set_channel("facebook", settings)
    name_secrets_file(project, "secrets.env")
    secrets_file(project.root / "secrets.env", "# nothing for this channel yet\n")
    result = project.run("channels", "check", "facebook")
    assert result.exit_code == 2 and "facebook: " in result.stderr and said in result.stderr, result.stderr
    assert "application password for" not in result.stderr


# -- refused: one line naming the file, exit 2, nothing done -----------------------------------------------------

@pytest.fixture
def queued(page):
    project, graph = page
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=1))), "--approve")
    post_id = project.json("queue")["posts"][0]["id"]
    return project, graph, post_id


def refused(project: Project, post_id: int, graph: GraphDouble, path: Path | None = None) -> str:
    before = project.sql("SELECT status, attempts, updated_at FROM deliveries ORDER BY id")
    message = project.fails("publish", str(post_id))
    assert project.sql("SELECT status, attempts, updated_at FROM deliveries ORDER BY id") == before
    assert graph.requests == []
    assert f"error: {path or project.root / 'secrets.env'}: " in message and FACEBOOK_TOKEN not in message
    return message


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o610])
def test_a_file_others_may_read_is_refused(queued, mode):
    project, graph, post_id = queued
    (project.root / "secrets.env").chmod(mode)
    assert f"mode {mode:04o}" in refused(project, post_id, graph)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_private_file_is_read(page, mode):
    project, _graph = page
    (project.root / "secrets.env").chmod(mode)
    assert "facebook: OK" in project.ok("channels", "check", "facebook").stdout


def test_a_missing_file_is_refused(queued):
    project, graph, post_id = queued
    (project.root / "secrets.env").unlink()
    assert "does not exist" in refused(project, post_id, graph)


def test_a_folder_or_a_fifo_is_refused(queued):
    project, graph, post_id = queued
    path = project.root / "secrets.env"
    path.unlink()
    path.mkdir(mode=0o700)
    assert "not a regular file" in refused(project, post_id, graph)
    path.rmdir()
    os.mkfifo(path, 0o600)
    assert "not a regular file" in refused(project, post_id, graph)  # and the open did not wait for a writer


def test_a_link_is_judged_by_the_file_it_points_to(queued, tmp_path_factory):
    project, graph, post_id = queued
    target = secrets_file(tmp_path_factory.mktemp("etc") / "real.env", f"LOA_FACEBOOK_TOKEN={FACEBOOK_TOKEN}\n", 0o644)
    (project.root / "secrets.env").unlink()
    (project.root / "secrets.env").symlink_to(target)
    assert "mode 0644" in refused(project, post_id, graph, target)  # the file that was judged
    target.chmod(0o600)
    assert "facebook: OK" in project.ok("channels", "check", "facebook").stdout


# -- another user's files ------------------------------------------------------------------------------------------

@contextmanager
def system_user(role: str) -> Iterator[pwd.struct_passwd]:
    """A system user made for the test (as the service's ``loa`` user is), removed after."""
    require_server(None if os.geteuid() == 0 else "making a system user needs root (CI runs the tests as root)")
    name = f"loa-{role}-{secrets.token_hex(3)}"
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True, timeout=60)
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], check=False, capture_output=True, timeout=60)
        subprocess.run(["groupdel", name], check=False, capture_output=True, timeout=60)


@pytest.fixture
def service_user():
    with system_user("svc") as entry:
        yield entry


def test_a_file_of_another_user_is_refused(queued, service_user):
    project, graph, post_id = queued
    os.chown(project.root / "secrets.env", service_user.pw_uid, service_user.pw_gid)
    message = refused(project, post_id, graph)
    assert f"belongs to {service_user.pw_name}" in message and "root" in message


def chown_tree(root: Path, uid: int, gid: int) -> None:
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            os.lchown(Path(folder) / name, uid, gid)
    os.chown(root, uid, gid)


def test_root_is_sent_to_the_user_who_owns_the_state(project, service_user):
    """root's commands in the service user's folder would leave root-owned files (issue 19 point 2)."""
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=1))))
    chown_tree(project.root, service_user.pw_uid, service_user.pw_gid)
    before = sorted(str(path) for path in project.root.rglob("*"))
    user = service_user.pw_name
    for args in (("status",), ("queue",), ("campaign", "import", str(project.root / "c.toml"), "--replace"),
                 ("render", "1")):
        message = project.fails(*args)
        assert message == (f"error: {project.db_path} belongs to {user}; files root made there would be root's: "
                           f"run it as {user}: sudo -u {user} loa --config {project.config} {' '.join(args)}")
    assert sorted(str(path) for path in project.root.rglob("*")) == before  # no -wal, -shm, media folder made
    assert all(path.stat().st_uid == service_user.pw_uid for path in project.root.rglob("*"))


def test_root_in_a_fresh_folder_of_another_user_is_refused_before_anything_is_made(bare, service_user):
    os.chown(bare.root, service_user.pw_uid, service_user.pw_gid)
    message = bare.fails("init")
    assert f"{bare.root} belongs to {service_user.pw_name}" in message
    assert list(bare.root.iterdir()) == []


# -- PostgreSQL's password (issue 19 point 2: `loa status` said "fe_sendauth: no password supplied") -------------

PG_PASSWORD = "pg-s3cret-Pass"


@pytest.fixture(scope="module")
def password_postgres():
    """A PostgreSQL that asks for a password over TCP (scram-sha-256), as a department's server does."""
    from support.postgres import PostgresServer, binaries
    from support.servers import require_server

    require_server(None if binaries() else "PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer()
    password_file = server.root / "password"
    password_file.write_text(PG_PASSWORD + "\n", encoding="utf-8")
    data = server.root / "data"
    server._run("initdb", "-D", str(data), "-U", "loa", "--auth-host=scram-sha-256", "--auth-local=trust",
                f"--pwfile={password_file}", "--no-sync", "-E", "UTF8")
    options = f"-p {server.port} -k {server.root} -c listen_addresses=127.0.0.1 -c fsync=off"
    server._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(server.root / "log"), "-w", "start")
    try:
        yield server
    finally:
        server.stop()


def test_status_on_postgresql_takes_its_password_from_the_file(bare, password_postgres, monkeypatch):
    from loa.scheduler.config import config_template

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # no ~/.pgpass of the machine's helps
    url = password_postgres.url()
    bare.config.write_text(config_template().replace('url = "sqlite:///var/loa.db"', f'url = "{url}"'),
                           encoding="utf-8")
    assert "no password supplied" in bare.fails("init", code=1)
    name_secrets_file(bare, "secrets.env")
    secrets_file(bare.root / "secrets.env", f'PGPASSWORD="{PG_PASSWORD}"\n')
    bare.ok("init")
    result = bare.ok("status")
    assert PG_PASSWORD not in result.output
    (bare.root / "secrets.env").chmod(0o644)
    assert "mode 0644" in bare.fails("status")


# -- as the service's user, and as an officer who is not it (issue 19 point 2: `sudo -u loa loa …`) -----------------

def test_the_service_user_reads_its_file_and_an_officer_is_told_whom_to_run_as(service_user):
    """Real processes as real users: the service user's commands read the secrets file it owns (mode 0600, as
    the README has it made); another user gets one line naming the owner and the command to run instead."""
    from test_deploy import _loa_for_others  # the venv as another user can run it (a private pyenv Python too)

    root = Path(tempfile.mkdtemp(prefix="loa-secrets-"))
    root.chmod(0o755)
    try:
        with system_user("officer") as officer, GraphDouble(token=FACEBOOK_TOKEN) as graph:
            _python, loa = _loa_for_others(root / "venv")
            etc, state = root / "etc", root / "state"
            etc.mkdir(mode=0o755)
            state.mkdir(mode=0o750)
            shutil.chown(state, service_user.pw_uid, service_user.pw_gid)
            config = etc / "config.toml"
            config.write_text(f'[paths]\nstate = "{state}"\n\n[secrets]\nfile = "secrets.env"\n\n'
                              f'[channels.portal]\nadapter = "static-site"\npath = "site"\n\n'
                              f'[channels.facebook]\n{facebook_channel(graph)}\n', encoding="utf-8")
            config.chmod(0o644)
            secrets_file(etc / "secrets.env", f"LOA_FACEBOOK_TOKEN={FACEBOOK_TOKEN}\n")
            os.chown(etc / "secrets.env", service_user.pw_uid, service_user.pw_gid)

            def loa_as(user: str, *args: str) -> subprocess.CompletedProcess[str]:
                environment = ["PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C.UTF-8", "LOA_LANG=en",
                               f"XDG_CACHE_HOME={root / 'cache' / user}"]
                return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *environment, str(loa),
                                       "--config", str(config), *args], cwd=root, capture_output=True, text=True,
                                      timeout=300, check=False)

            (root / "cache").mkdir(mode=0o777)
            init = loa_as(service_user.pw_name, "init")
            assert init.returncode == 0, init.stderr
            checked = loa_as(service_user.pw_name, "channels", "check", "facebook")
            assert checked.returncode == 0 and "facebook: OK" in checked.stdout, checked.stderr
            refused = loa_as(officer.pw_name, "channels", "check", "facebook")
            svc = service_user.pw_name
            assert refused.returncode == 2 and refused.stderr == (
                f"error: {etc / 'secrets.env'}: the secrets file cannot be read by {officer.pw_name}: it is {svc}'s; "
                f"run it as {svc}: sudo -u {svc} loa --config {config} channels check facebook\n")
            assert FACEBOOK_TOKEN not in checked.stdout + checked.stderr + refused.stdout + refused.stderr
            assert len(graph.requests) == 1  # the service user's check only
    finally:
        shutil.rmtree(root, ignore_errors=True)
