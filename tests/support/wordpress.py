"""A throw-away WordPress: Debian's wordpress package, served by ``php -S`` on 127.0.0.1, on a private MariaDB.

    python -m tests.support.wordpress       # start one by hand, print URL, user, app password; stop on Enter

What ``start()`` does (about 3-5 s):

* a private MariaDB: ``mariadb-install-db`` into a temporary folder, then ``mariadbd --no-defaults`` with its
  own socket and a free port on 127.0.0.1 (no system service, no /etc/mysql settings);
* a host-specific Debian config file ``/etc/wordpress/config-loa-test-<random>.php`` (database, WP_HOME,
  ``WP_ENVIRONMENT_TYPE=local`` so application passwords work over plain HTTP, no cron, no mail, no calls to
  wordpress.org). Debian's wp-config.php picks it because a small router script sets
  ``$_SERVER['WORDPRESS_CONFIG']`` on every request, instead of the file named after the Host header
  (``config-127.0.0.1.php``): so an existing config-127.0.0.1.php is never touched and several servers can run
  at once (each with its own database, port and uploads folder);
* ``wp_install()`` and an application password, from a PHP script run with ``php`` (no HTTP round trips);
* ``php -S 127.0.0.1:PORT -t /usr/share/wordpress router.php``. Uploads go to the temporary folder (options
  upload_path / upload_url_path), and the router serves them under /wp-content/uploads/.

``stop()`` stops php -S (its whole process group: PHP_CLI_SERVER_WORKERS forks workers) and mariadbd, removes
the config file and the temporary folder. Permalinks are plain, so the REST API is at ``/?rest_route=/...``
(see ``rest()``); ``/wp-json/...`` does not answer.
"""
from __future__ import annotations

import base64
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
APT_HINT = "apt-get install wordpress mariadb-server php-cli php-mysql; .ci/run installs them"


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def available() -> str | None:
    """None when a WordPressServer can start here, otherwise why not."""
    missing = [name for name in ("php", "mariadbd", "mariadb-install-db") if _binary(name) is None]
    if _binary("mariadb") is None and _binary("mysql") is None:
        missing.append("mariadb (client)")
    if not (WORDPRESS / "wp-load.php").is_file():
        missing.append(str(WORDPRESS / "wp-load.php"))
    if missing:
        return f"WordPress test server: missing {', '.join(missing)} ({APT_HINT})"
    probe = subprocess.run([_binary("php"), "-r", 'exit(extension_loaded("mysqli") ? 0 : 1);'],
                           capture_output=True, timeout=30)
    if probe.returncode != 0:
        return f"WordPress test server: PHP has no mysqli extension ({APT_HINT})"
    if not os.access(CONFIG_DIR, os.W_OK):
        return f"WordPress test server: {CONFIG_DIR} is not writable (run as root)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("mysql")
        except KeyError:
            return "WordPress test server: no 'mysql' user to run mariadbd as (apt-get install mariadb-server)"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({path.name}: none)"
    # the server's own [ERROR] lines first: its advice at the end would push the cause out of the tail
    errors = [line for line in text.splitlines() if "[ERROR]" in line][:10]
    return f"--- {path.name} ---\n" + "\n".join([*errors, *(["…"] if errors else []), *text.splitlines()[-lines:]])


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


ROUTER = r"""<?php
// php -S router: picks this server's Debian config file, serves the uploads kept outside the document root.
$_SERVER['WORDPRESS_CONFIG'] = %(config_name)s;
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (str_starts_with($path, '/wp-content/uploads/')) {
    $base = realpath(%(uploads)s);
    $file = realpath($base . substr($path, strlen('/wp-content/uploads')));
    if ($file === false || !str_starts_with($file, $base . '/') || !is_file($file)) {
        http_response_code(404);
        return true;
    }
    $types = ['png' => 'image/png', 'jpg' => 'image/jpeg', 'jpeg' => 'image/jpeg', 'gif' => 'image/gif',
              'webp' => 'image/webp', 'pdf' => 'application/pdf', 'svg' => 'image/svg+xml'];
    $extension = strtolower(pathinfo($file, PATHINFO_EXTENSION));
    header('Content-Type: ' . ($types[$extension] ?? 'application/octet-stream'));
    header('Content-Length: ' . filesize($file));
    readfile($file);
    return true;
}
return false;
"""

CONFIG = r"""<?php
// Written by loa's tests/support/wordpress.py for a throw-away server; removed when it stops.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', %(db_password)s);
define('DB_HOST', %(db_host)s);
define('WP_HOME', %(url)s);
define('WP_SITEURL', %(url)s);
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
if (!function_exists('wp_mail')) {
    function wp_mail($to, $subject, $message, $headers = '', $attachments = array()) { return true; }
}
"""

SETUP = r"""<?php
// Installs WordPress and creates an application password; prints one JSON line after the marker.
$settings = json_decode($argv[1], true);
$_SERVER['HTTP_HOST'] = $settings['host'];
$_SERVER['WORDPRESS_CONFIG'] = $settings['config_name'];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
define('WP_INSTALLING', true);
require $settings['wordpress'] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$installed = wp_install($settings['title'], $settings['username'], $settings['email'], false, '',
                        wp_slash($settings['password']));
$user_id = $installed['user_id'];
update_option('permalink_structure', $settings['permalinks']);
update_option('upload_path', $settings['uploads']);
update_option('upload_url_path', $settings['url'] . '/wp-content/uploads');
update_option('uploads_use_yearmonth_folders', 0);
$created = WP_Application_Passwords::create_new_application_password($user_id, ['name' => 'loa-tests']);
if (is_wp_error($created)) {
    fwrite(STDERR, $created->get_error_message() . "\n");
    exit(1);
}
echo "\nLOA-SETUP:", json_encode(['user_id' => $user_id, 'app_password' => $created[0]]), "\n";
"""


class WordPressServer:
    """``start()`` sets up MariaDB and WordPress and serves it; ``stop()`` stops everything and removes its files."""

    def __init__(self, username: str = "loa", password: str | None = None, title: str = "loa tests", *,
                 pretty_permalinks: bool = False) -> None:
        reason = available()
        if reason:
            raise RuntimeError(reason)
        self.root = Path(tempfile.mkdtemp(prefix="loa-wp-"))
        os.chmod(self.root, 0o755)  # mariadbd runs as mysql and must reach its folder
        self.port = _free_port()
        self.db_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.username = username
        self.password = password or secrets.token_urlsafe(12)
        self.email = f"{username}@example.invalid"
        self.title = title
        # plain permalinks: the REST API at /?rest_route=; pretty ones: also at /wp-json/ (php -S falls back to
        # index.php for paths that are not files)
        self.pretty_permalinks = pretty_permalinks
        self.app_password: str | None = None
        self.user_id: int | None = None
        self.config_name = f"loa-test-{secrets.token_hex(6)}"
        self.config_file = CONFIG_DIR / f"config-{self.config_name}.php"
        self.db_dir = self.root / "db"
        self.socket = self.db_dir / "mariadb.sock"
        self.uploads = self.root / "uploads"
        self._db_password = secrets.token_hex(12)
        self._mariadbd: subprocess.Popen | None = None
        self._php: subprocess.Popen | None = None
        self._logs: list = []
        self.db_user = "mysql" if os.geteuid() == 0 else None
        self._created_config = False

    # -- start ------------------------------------------------------------------------------------------------

    def start(self, timeout: float = 60) -> WordPressServer:
        deadline = time.monotonic() + timeout
        try:
            self._start_mariadb(deadline)
            self._create_database()
            self._write_files()
            self._install()
            self._start_php(deadline)
        except BaseException as error:
            report = self._log_tails()
            self.stop()
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise RuntimeError(f"WordPress test server did not start: {error}\n{report}") from error
        return self

    def _open_log(self, name: str):
        handle = open(self.root / name, "wb")
        self._logs.append(handle)
        return handle

    def _start_mariadb(self, deadline: float) -> None:
        self.db_dir.mkdir()
        user_args = []
        if self.db_user:
            entry = pwd.getpwnam(self.db_user)
            os.chown(self.db_dir, entry.pw_uid, entry.pw_gid)
            user_args = [f"--user={self.db_user}"]
        data = self.db_dir / "data"
        for attempt in (1, 2):
            # under a loaded machine (four test workers each bootstrapping a server) the bootstrap has been seen to
            # fail once; a second try in a fresh folder, with both logs kept, tells a flake from a broken install
            initialised = subprocess.run(
                [_binary("mariadb-install-db"), "--no-defaults", *user_args, f"--datadir={data}",
                 "--auth-root-authentication-method=socket", "--skip-test-db"],
                stdout=self._open_log(f"mariadb-install-db{'' if attempt == 1 else '-2'}.log"),
                stderr=subprocess.STDOUT, timeout=120)
            if initialised.returncode == 0:
                break
            shutil.rmtree(data, ignore_errors=True)
        else:
            raise RuntimeError(f"mariadb-install-db exited with {initialised.returncode}, twice")
        self._mariadbd = subprocess.Popen(
            [_binary("mariadbd"), "--no-defaults", *user_args, f"--datadir={data}", f"--socket={self.socket}",
             f"--port={self.db_port}", "--bind-address=127.0.0.1", f"--pid-file={self.db_dir / 'mariadbd.pid'}",
             f"--log-error={self.root / 'mariadbd.log'}", "--skip-name-resolve", "--skip-log-bin",
             "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=0",
             "--skip-innodb-doublewrite", "--character-set-server=utf8mb4"],
            stdin=subprocess.DEVNULL, stdout=self._open_log("mariadbd.out"), stderr=subprocess.STDOUT,
            start_new_session=True)
        self._wait_for_port(self.db_port, self._mariadbd, "mariadbd", deadline)

    def _sql(self, statements: str) -> None:
        client = _binary("mariadb") or _binary("mysql")
        subprocess.run([client, "--no-defaults", "-uroot", f"--socket={self.socket}", "-e", statements],
                       check=True, capture_output=True, timeout=60)

    def _create_database(self) -> None:
        try:
            self._sql(
                "CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
                f"CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '{self._db_password}';"
                f"CREATE USER 'wordpress'@'127.0.0.1' IDENTIFIED BY '{self._db_password}';"
                "GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"
                "GRANT ALL ON wordpress.* TO 'wordpress'@'127.0.0.1';")
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"creating the database failed: {error.stderr.decode(errors='replace')}") from error

    def _write_files(self) -> None:
        self.uploads.mkdir()
        (self.root / "router.php").write_text(ROUTER % {
            "config_name": _php_string(self.config_name), "uploads": _php_string(str(self.uploads))},
            encoding="utf-8")
        (self.root / "setup.php").write_text(SETUP, encoding="utf-8")
        if self.config_file.exists():  # a random name: never someone else's file
            raise RuntimeError(f"{self.config_file} exists already")
        self.config_file.write_text(CONFIG % {
            "db_password": _php_string(self._db_password), "db_host": _php_string(f"localhost:{self.socket}"),
            "url": _php_string(self.url)}, encoding="utf-8")
        self._created_config = True

    def _install(self) -> None:
        settings = {"host": f"127.0.0.1:{self.port}", "config_name": self.config_name, "wordpress": str(WORDPRESS),
                    "title": self.title, "username": self.username, "email": self.email,
                    "password": self.password, "uploads": str(self.uploads), "url": self.url,
                    "permalinks": "/%postname%/" if self.pretty_permalinks else ""}
        result = subprocess.run([_binary("php"), str(self.root / "setup.php"), json.dumps(settings)],
                                capture_output=True, timeout=120, cwd=self.root)
        (self.root / "setup.log").write_bytes(result.stdout + b"\n--- stderr ---\n" + result.stderr)
        marker = [line for line in result.stdout.decode(errors="replace").splitlines()
                  if line.startswith("LOA-SETUP:")]
        if result.returncode != 0 or not marker:
            raise RuntimeError(f"the WordPress setup script failed (exit {result.returncode}), see setup.log")
        answer = json.loads(marker[-1][len("LOA-SETUP:"):])
        self.user_id = int(answer["user_id"])
        self.app_password = answer["app_password"]

    def _start_php(self, deadline: float) -> None:
        environment = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4"}
        self._php = subprocess.Popen(
            [_binary("php"), "-S", f"127.0.0.1:{self.port}", "-t", str(WORDPRESS), str(self.root / "router.php")],
            stdin=subprocess.DEVNULL, stdout=self._open_log("php.log"), stderr=subprocess.STDOUT,
            cwd=self.root, env=environment, start_new_session=True)
        self._wait_for_port(self.port, self._php, "php -S", deadline)
        # The first request proves PHP reaches the database and finds the config file.
        while True:
            try:
                with urllib.request.urlopen(self.rest("/"), timeout=10) as response:
                    if json.load(response).get("url") == self.url:
                        return
            except urllib.error.HTTPError as error:  # PHP answers, but WordPress fails: no point waiting
                body = error.read(2000).decode(errors="replace")
                raise RuntimeError(f"{self.rest('/')} answered {error.code}: {body}") from error
            except (OSError, ValueError) as error:
                last = error
            if time.monotonic() > deadline:
                raise RuntimeError(f"the REST API at {self.rest('/')} does not answer: {last}")
            time.sleep(0.2)

    @staticmethod
    def _wait_for_port(port: int, process: subprocess.Popen, name: str, deadline: float) -> None:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} does not listen on 127.0.0.1:{port}")
            time.sleep(0.05)

    def _log_tails(self) -> str:
        names = ["mariadb-install-db.log", "mariadb-install-db-2.log", "mariadbd.log", "setup.log", "php.log"]
        return "\n".join(_tail(self.root / name) for name in names if (self.root / name).exists())

    # -- use --------------------------------------------------------------------------------------------------

    def rest(self, path: str, **query: str | int) -> str:
        """The URL of a REST route: ``rest("/wp/v2/posts?slug=x", status="any")``."""
        route, _, extra = path.partition("?")
        url = f"{self.url}/?rest_route={urllib.parse.quote(route or '/', safe='/')}"
        if extra:
            url += "&" + extra
        if query:
            url += "&" + urllib.parse.urlencode(query)
        return url

    def authorization(self, password: str | None = None, username: str | None = None) -> str:
        """The HTTP Basic ``Authorization`` header value for the application password (or the given one)."""
        pair = f"{username or self.username}:{password or self.app_password}"
        return "Basic " + base64.b64encode(pair.encode()).decode()

    # -- stop -------------------------------------------------------------------------------------------------

    @staticmethod
    def _terminate(process: subprocess.Popen | None, grace: float) -> None:
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # the group: php -S workers, mariadbd
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # stragglers (workers outliving their parent)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Forked workers are reparented when php -S dies; wait until the whole group is gone (reaped).
        until = time.monotonic() + 5
        while time.monotonic() < until:
            try:
                os.killpg(process.pid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.05)

    def stop(self) -> None:
        try:
            self._terminate(self._php, grace=5)
            self._php = None
            self._terminate(self._mariadbd, grace=30)
            self._mariadbd = None
        finally:
            for handle in self._logs:
                handle.close()
            self._logs = []
            if getattr(self, "_created_config", False):
                self.config_file.unlink(missing_ok=True)
                self._created_config = False
            shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":
    began = time.monotonic()
    server = WordPressServer().start()
    try:
        print(f"WordPress     {server.url}  (started in {time.monotonic() - began:.1f} s)")
        print(f"admin         {server.url}/wp-admin/  user {server.username}  password {server.password}")
        print(f"app password  {server.app_password}")
        print(f"REST          {server.rest('/wp/v2/users/me', context='edit')}")
        print(f"MariaDB       127.0.0.1:{server.db_port}, socket {server.socket} (mariadb -uroot as root)")
        input("WordPress is running; press Enter to stop it. ")
    finally:
        server.stop()
