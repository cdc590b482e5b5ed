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
