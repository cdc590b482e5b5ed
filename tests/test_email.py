"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): batches in Bcc, the banner inline, a
deterministic Message-ID, STARTTLS / implicit TLS with AUTH only after TLS, faults (4xx, 5xx, a connection cut after
DATA, a kill -9 mid-list) and the password kept out of everything."""
from __future__ import annotations

import datetime as dt
import json
import signal
from pathlib import Path

import pytest
from conftest import Project, campaign_toml, delivery_states, fast_daemon, spawn_loa

from support.smtp import SmtpServer

PASSWORD = "mật-khẩu-Thư-9f2c71"
USER = "vanthu@so.gov.vn"


def staff(count: int) -> list[str]:
    return [f"canbo{n:03d}@so.gov.vn" for n in range(1, count + 1)]


def email_channel(server: SmtpServer, *, to: list[str] | None = None, extra: str = "",
                  security: str | None = None) -> str:
    lines = [f'adapter = "email"', f'smtp_host = "127.0.0.1"', f"port = {server.port}",
             f'security = "{security or server.security}"', f'from = "Văn thư Sở <{USER}>"']
    if server.cert_file is not None:
        lines.append(f'ca_file = "{server.cert_file}"')
    if server.users:
        lines += [f'username = "{USER}"', 'password_env = "LOA_MAIL_PASSWORD"']
    if to is not None:
        lines.append(f"to = {json.dumps(to)}")
    return "\n".join(lines) + ("\n" + extra if extra else "")


def add_channel(project: Project, settings: str) -> None:
    text = project.config.read_text(encoding="utf-8")
    if "[channels.email]" in text:
        project.set_channel("email", settings)
    else:
        project.config.write_text(text + f"\n[channels.email]\n{settings}\n", encoding="utf-8")


def queue_email(project: Project, posts: int = 1, *, now: bool = True, banner: bool = True) -> list[int]:
    lines = 'channels = ["email"]\n' + ('banner = { headline = "Đọc sách mỗi ngày" }' if banner else "")
    text = campaign_toml("thu-can-bo", start=dt.date.today() if now else dt.date(2031, 10, 1), posts=posts, days=1,
                         post_lines=lines)
    path = project.write("thu.toml", text)
    args = ["--start", "now", "--pace", "0.5"] if now else []
    project.ok("campaign", "import", str(path), *args, "--approve")
    return [p["id"] for p in project.json("queue", "--campaign", "thu-can-bo")["posts"]]


@pytest.fixture
def mail(project: Project, monkeypatch: pytest.MonkeyPatch, request):
    """(project, server): an SMTP server with STARTTLS and a login, the project's channel ``email`` on it."""
    security = getattr(request, "param", "starttls")
    monkeypatch.setenv("LOA_MAIL_PASSWORD", PASSWORD)
    with SmtpServer(security=security, users={USER: PASSWORD}) as server:
        add_channel(project, email_channel(server, to=staff(5), extra="batch_size = 2"))
        yield project, server


def steps_of(project: Project) -> dict[str, str]:
    return dict(project.sql("SELECT step, status FROM delivery_steps"))


# -- publishing ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mail", ["starttls", "tls"], indirect=True)
def test_a_post_with_a_banner_goes_to_every_batch_through_loa_run(mail):
    project, server = mail
    fast_daemon(project)
    post, = queue_email(project)
    result = project.ok("run", "--until-idle")
    assert delivery_states(project)[(post, "email")] == "published", result.output
    assert [r.rcpt_tos for r in server.received] == [staff(5)[0:2], staff(5)[2:4], staff(5)[4:5]]
    assert all(r.encrypted and r.login == USER and r.mail_from == USER for r in server.received)
    assert server.logins == [(USER, True)]  # one connection, one login for the whole list
    first = server.received[0].message
    assert first["Subject"] == "Bài số 1" and first["To"].addresses[0].addr_spec == USER and first["Bcc"] is None
    assert "canbo" not in server.received[0].data.decode()  # nobody sees the list
    html = first.get_body(("html",))
    banner, = [part for part in html.iter_parts() if part.get_content_maintype() == "image"] if \
        html.get_content_type() == "multipart/related" else [p for p in first.walk() if p["Content-ID"]]
    cid = banner["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in first.get_body(("html",)).get_content()
    assert banner.get_content().startswith(b"\x89PNG")
    assert "Nội dung bài số 1." in first.get_body(("plain",)).get_content()
    ids = [r.message["Message-ID"] for r in server.received]
    delivery, = project.sql("SELECT id FROM deliveries WHERE channel='email'")[0]
    assert [i.split(".")[:3] for i in ids] == [["<loa", f"d{delivery}", f"b{n}"] for n in (1, 2, 3)]
    assert all(i.endswith("@so.gov.vn>") for i in ids)
    (remote,), = project.sql("SELECT remote_id FROM deliveries WHERE channel='email'")
    assert remote == ids[0]
    (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='published'")
    assert json.loads(detail)["recipients"] == 5 and json.loads(detail)["batches"] == 3
