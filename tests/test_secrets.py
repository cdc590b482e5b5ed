"""Secrets never leave the environment: not in any output, the database, the log or any file loa writes."""
from __future__ import annotations

import datetime as dt

from conftest import campaign_toml, facebook_channel, wordpress_channel

from support.facebook import GraphDouble

TOKEN = "EAAB-secret-token-7f3a9c"
PORTAL_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


def test_known_secrets_appear_nowhere(project, wordpress, monkeypatch):
    outputs: list[str] = []
    with GraphDouble(token=TOKEN) as graph:
        project.set_channel("portal", wordpress_channel(wordpress))
        project.set_channel("facebook", facebook_channel(graph))
        project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
            start=dt.date(2031, 10, 1), posts=3, post_lines='banner = { headline = "Đọc sách" }'))), "--approve")
        ids = [p["id"] for p in project.json("queue")["posts"]]

        def run(*args: str) -> None:
            result = project.run(*args)
            outputs.append(result.output)

        # right secrets: everything goes out
        monkeypatch.setenv("LOA_PORTAL_PASSWORD", wordpress.app_password)
        monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
        run("publish", str(ids[0]))
        run("channels", "check")
        run("channels", "list", "--json")
        # wrong secrets: refusals are reported, with the secret we sent nowhere in them
        monkeypatch.setenv("LOA_PORTAL_PASSWORD", PORTAL_PASSWORD)
        monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN + "-old")
        run("publish", str(ids[1]))
        run("channels", "check")
        graph.fail_next("POST", "/photos", code=190, subcode=463)
        monkeypatch.setenv("LOA_FACEBOOK_TOKEN", TOKEN)
        run("publish", str(ids[2]), "--channel", "facebook")
        for post_id in ids:
            run("post", "show", str(post_id), "--json")
        assert any("published" in out for out in outputs)
        assert not any(r.token_in != ["bearer"] for r in graph.requests)
    secrets = [TOKEN, PORTAL_PASSWORD, PORTAL_PASSWORD.replace(" ", ""), wordpress.app_password,
               wordpress.app_password.replace(" ", "")]
    files = [p for p in project.root.rglob("*") if p.is_file()]
    assert any(p.name == "loa.db" for p in files)
    for secret in secrets:
        for out in outputs:
            assert secret not in out
        for path in files:
            data = path.read_bytes()
            assert secret.encode() not in data, path


def test_values_of_the_secrets_file_appear_nowhere(project, monkeypatch, tmp_path_factory):
    """The secrets file's values (read into the environment by the commands that need them) are no more shown or
    stored than the environment's own: not in output, the database, the log, exports or any file loa writes."""
    import json
    import os

    folder = tmp_path_factory.mktemp("etc-loa")
    secrets = folder / "secrets.env"
    secrets.write_text(f'# the service\'s secrets\nexport LOA_FACEBOOK_TOKEN="{TOKEN}"\n'
                       f"LOA_PORTAL_PASSWORD='{PORTAL_PASSWORD}'\n", encoding="utf-8")
    secrets.chmod(0o600)
    for name in ("LOA_FACEBOOK_TOKEN", "LOA_PORTAL_PASSWORD"):
        monkeypatch.setenv(name, "")  # unset for the file to fill, and removed again after the test
    project.config.write_text(f'[secrets]\nfile = "{secrets}"\n\n' + project.config.read_text(encoding="utf-8"),
                              encoding="utf-8")
    outputs: list[str] = []
    with GraphDouble(token=TOKEN) as graph:
        project.set_channel("facebook", facebook_channel(graph))
        # a portal whose password the site refuses: the refusal is reported, the password nowhere in it
        project.set_channel("portal", 'adapter = "wordpress"\nurl = "http://127.0.0.1:9"\nusername = "tt"\n'
                                      'password_env = "LOA_PORTAL_PASSWORD"')
        project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
            start=dt.date(2031, 10, 1), posts=2, post_lines='banner = { headline = "Đọc sách" }'))), "--approve")
        ids = [p["id"] for p in project.json("queue")["posts"]]
        for args in (("publish", str(ids[0]), "--channel", "facebook"), ("publish", str(ids[1])),
                     ("channels", "check"), ("channels", "list"), ("channels", "list", "--json"), ("status",),
                     ("status", "--json"), ("log",), ("post", "show", str(ids[0]), "--json"),
                     ("campaign", "export", "tuan-le", "-o", str(project.root / "export.toml")),
                     ("run", "--once", "--log-format", "json")):
            outputs.append(project.run(*args).output)
        assert any(r.token_in == ["bearer"] for r in graph.requests)  # the file's token was the one sent
    assert json.loads(outputs[4])["channels"][1]["secrets"] == {"LOA_FACEBOOK_TOKEN": True}
    assert os.environ["LOA_FACEBOOK_TOKEN"] == TOKEN  # read as written, quotes and `export` taken off
    files = [p for p in project.root.rglob("*") if p.is_file()]
    assert any(p.name == "loa.db" for p in files) and any(p.name == "export.toml" for p in files)
    for secret in (TOKEN, PORTAL_PASSWORD, PORTAL_PASSWORD.replace(" ", "")):
        for out in outputs:
            assert secret not in out
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
