"""A third-party package adds a publisher through the `loa.publishers` entry points; loa uses it unchanged."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import campaign_toml

LOA = str(Path(sys.executable).with_name("loa"))

PLUGIN = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=69"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "loa-echo"
        version = "0.1"

        [project.entry-points."loa.publishers"]
        echo = "loa_echo:EchoPublisher"
    """,
    "loa_echo/__init__.py": '''
        """Publishes by writing the text into a folder: the smallest possible loa publisher."""
        from typing import Literal

        from loa.scheduler.config import ChannelSettings
        from loa.scheduler.publishers import ChannelHealth, Published, Publisher


        class EchoSettings(ChannelSettings):
            adapter: Literal["echo"]
            path: str


        class EchoPublisher(Publisher):
            adapter = "echo"
            Settings = EchoSettings

            def _file(self, outgoing):
                return self.base_dir / self.settings.path / f"{outgoing.slug}.txt"

            def publish(self, outgoing):
                self._file(outgoing).parent.mkdir(parents=True, exist_ok=True)
                self._file(outgoing).write_text(outgoing.text, encoding="utf-8")
                return Published(outgoing.slug, self._file(outgoing).as_uri())

            def find_existing(self, outgoing):
                return Published(outgoing.slug, None) if self._file(outgoing).exists() else None

            def check(self):
                return ChannelHealth(True, "OK: echo")
    ''',
}


def test_a_plugin_package_adds_an_adapter(tmp_path):
    package = tmp_path / "loa-echo"
    for name, text in PLUGIN.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(package)],
                   check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site), "LOA_LANG": "en"}
    env.pop("LOA_CONFIG", None)
    project = tmp_path / "project"
    project.mkdir()

    def loa(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([LOA, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result

    loa("init")
    config = project / "config.toml"
    config.write_text(config.read_text() + '\n[channels.echo]\nadapter = "echo"\nkind = "facebook"\npath = "echoed"\n')
    (project / "c.toml").write_text(campaign_toml(posts=1).replace('["portal", "facebook"]', '["echo"]'))
    loa("campaign", "import", "c.toml", "--approve")
    post = json.loads(loa("queue", "--json").stdout)["posts"][0]
    loa("publish", str(post["id"]))
    echoed = (project / "echoed").glob("loa-*.txt")
    assert [p.read_text(encoding="utf-8") for p in echoed][0].startswith("BÀI SỐ 1")
    channels = {c["name"]: c for c in json.loads(loa("channels", "list", "--json").stdout)["channels"]}
    assert channels["echo"]["adapter"] == "echo"
    assert "echo: OK: echo" in loa("channels", "check", "echo").stdout
