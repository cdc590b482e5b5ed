"""A throw-away PostgreSQL server: Debian's postgresql binaries, a cluster in a temporary folder, 127.0.0.1 only.

    python -m tests.support.postgres        # start one by hand, print its URL, stop on Enter
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The newest installed server's bin folder (Debian: /usr/lib/postgresql/15/bin), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """``start()`` initialises and starts a cluster; ``stop()`` stops it and removes its files."""

    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="loa-pg-"))
        self.port = _free_port()
        # The server refuses to run as root: run it as the postgres user, in a folder that user owns.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", "loa", "--no-sync", "-E", "UTF8")
        self.resume()
        return self

    def halt(self) -> None:
        """Stop the server but keep its cluster: an outage, ended by ``resume()`` (same port, same data)."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        self.running = False

    def resume(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        self.running = True

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://loa@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="loa", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if getattr(self, "running", False):  # a halted server (an outage test that failed) has nothing to stop
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


if __name__ == "__main__":
    server = PostgresServer().start()
    print(server.url())
    try:
        input("PostgreSQL is running; press Enter to stop it. ")
    finally:
        server.stop()
