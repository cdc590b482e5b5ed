"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): batches in Bcc, the banner inline, a
deterministic Message-ID, STARTTLS / implicit TLS with AUTH only after TLS, faults (4xx, 5xx, a connection cut after
DATA, a kill -9 mid-list) and the password kept out of everything."""
from __future__ import annotations

import datetime as dt
import json
import re
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
    lines = ['adapter = "email"', 'smtp_host = "127.0.0.1"', f"port = {server.port}",
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
    if re.search(r"(?m)^\[channels\.email\]", text):  # a table, not the shipped config's commented-out example
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


# -- crashes and lost answers ----------------------------------------------------------------------------------------
def test_kill_9_mid_list_never_resends_a_batch_and_the_rest_still_goes(mail):
    project, server = mail
    fast_daemon(project, lease_seconds=600)  # a long lease: the restart must see its predecessor is dead
    post, = queue_email(project)
    server.faults.stall_data = {2}  # batch 2 reaches the server, its answer is held
    daemon = spawn_loa(project, "run")
    assert server.stalled.wait(60), "batch 2 never reached the server"
    daemon.send_signal(signal.SIGKILL)
    daemon.wait(timeout=30)
    assert steps_of(project) == {"list": "sent", "batch-1": "sent", "batch-2": "sending"}
    server.release.set()
    result = project.needs_a_person("run", "--until-idle")
    assert delivery_states(project)[(post, "email")] == "unknown", result.output
    assert steps_of(project) == {"list": "sent", "batch-1": "sent", "batch-2": "unknown", "batch-3": "sent"}
    assert [r.rcpt_tos for r in server.received] == [staff(5)[0:2], staff(5)[2:4], staff(5)[4:5]]
    status = project.json("status")["attention"]["items"]
    assert any("loa retry" in json.dumps(item) for item in status)
    # a person asked the administrator: batch 2 never arrived, so it goes again, and only it
    project.ok("retry", str(post), "--channel", "email")
    project.ok("run", "--until-idle")
    assert delivery_states(project)[(post, "email")] == "published"
    assert [r.rcpt_tos for r in server.received][3:] == [staff(5)[2:4]]
    assert server.received[3].message["Message-ID"] == server.received[1].message["Message-ID"]


def test_a_connection_cut_after_data_makes_only_that_batch_unknown(mail):
    project, server = mail
    post, = queue_email(project, now=False)
    server.faults.drop_after_data = {2}
    result = project.run("publish", str(post))
    assert delivery_states(project)[(post, "email")] == "unknown", result.output
    assert "batch 2 of 3" in result.output and f"loa retry {post} --channel email" in result.output
    assert steps_of(project) == {"list": "sent", "batch-1": "sent", "batch-2": "unknown", "batch-3": "sent"}
    assert len(server.received) == 3  # the server had all three; loa knows of two
    project.needs_a_person("run", "--until-idle")  # nothing is sent again on its own
    assert len(server.received) == 3 and delivery_states(project)[(post, "email")] == "unknown"


def test_a_4xx_at_the_end_of_data_is_retried_and_a_5xx_fails(mail):
    project, server = mail
    fast_daemon(project)
    first, second = queue_email(project, 2, now=False)
    server.faults.data = ["451 4.3.0 Mailbox temporarily unavailable"]
    result = project.run("publish", str(first))
    assert delivery_states(project)[(first, "email")] == "retry_wait", result.output
    assert "451 4.3.0" in result.output
    assert "batch-1" not in steps_of(project)  # the server said it did not take it: not a sent batch
    project.ok("publish", str(first))
    assert delivery_states(project)[(first, "email")] == "published"
    assert [r.rcpt_tos for r in server.received] == [staff(5)[0:2], staff(5)[2:4], staff(5)[4:5]]
    server.faults.mail = "550 5.7.1 Sender not allowed"
    result = project.run("publish", str(second))
    assert delivery_states(project)[(second, "email")] == "failed", result.output
    assert "550 5.7.1" in result.output and "from" in result.output


def test_a_refused_recipient_is_reported_and_the_rest_of_the_batch_goes(mail):
    project, server = mail
    post, = queue_email(project, now=False)
    server.faults.rcpt = {staff(5)[0]: "550 5.1.1 User unknown"}
    project.ok("publish", str(post))
    assert [r.rcpt_tos for r in server.received] == [staff(5)[1:2], staff(5)[2:4], staff(5)[4:5]]
    (detail,), = project.sql("SELECT detail FROM outreach_entries WHERE kind='published'")
    assert json.loads(detail)["refused_count"] == 1 and "5.1.1" in json.loads(detail)["refused"][0]


# -- channels check --------------------------------------------------------------------------------------------------
def check_line(project: Project) -> str:
    """The verdict ``loa channels check email`` prints: one line for the channel."""
    result = project.run("channels", "check", "email")
    lines = [line for line in result.output.strip().splitlines() if line.startswith("email")]
    assert len(lines) == 1, result.output
    assert (result.exit_code == 0) == ("OK:" in lines[0]), result.output
    return lines[0]


def test_check_gives_one_line_for_each_failure(mail, monkeypatch):
    project, server = mail
    assert "OK: mail.test.local" in check_line(project) and "5 recipient" in check_line(project)
    monkeypatch.setenv("LOA_MAIL_PASSWORD", "not-the-password")
    assert "refused the login of vanthu@so.gov.vn" in check_line(project)
    monkeypatch.setenv("LOA_MAIL_PASSWORD", PASSWORD)
    server.faults.mail = "553 5.7.1 Sender address rejected: not owned by user"
    assert "does not accept vanthu@so.gov.vn as the sender" in check_line(project)
    server.faults.mail = None
    add_channel(project, email_channel(server, to=staff(2), security="tls"))  # TLS spoken to a STARTTLS port
    assert "secure connection" in check_line(project)
    add_channel(project, email_channel(server, to=staff(2)).replace(f'ca_file = "{server.cert_file}"\n', ""))
    assert "certificate was refused" in check_line(project)
    with SmtpServer(security="none") as plain:
        add_channel(project, email_channel(plain, to=staff(2), security="starttls"))
        assert "does not offer encryption (STARTTLS)" in check_line(project)
    add_channel(project, email_channel(server, to=staff(2)).replace(f"port = {server.port}", "port = 9"))
    assert "cannot reach the mail server 127.0.0.1:9: the server refused the connection" in check_line(project)


def test_check_reads_the_list_from_a_csv_and_names_a_bad_line(mail):
    project, server = mail
    project.write("can-bo.csv", "Họ tên;Email;Phòng\nNguyễn Văn A;a@so.gov.vn;VP\nTrần Thị B;;VP\n"
                                "Lê C;c@so.gov.vn;KH\n")
    add_channel(project, email_channel(server, extra='to_file = "can-bo.csv"'))
    assert "2 recipient" in check_line(project)
    project.write("can-bo.csv", "a@so.gov.vn\n# ban giám đốc\nb@so.gov.vn\nc at so.gov.vn\n")
    line = check_line(project)
    assert "can-bo.csv:4:" in line and "«c at so.gov.vn» is not an e-mail address" in line


@pytest.mark.parametrize(("setting", "words"), [
    ('security = "none"\nsmtp_host = "mail.so.gov.vn"', "only for a mail server on this machine"),
    ('from = "văn thư"', "is not an e-mail address"),
    ('to = ["a@so.gov.vn", "b@"]', "«b@» is not an e-mail address"),
    ("batch_size = 500", "batch_size"),
])
def test_bad_settings_are_refused_in_one_line(project, setting, words):
    base = {"adapter": '"email"', "smtp_host": '"127.0.0.1"', "from": '"vanthu@so.gov.vn"', "to": '["a@so.gov.vn"]'}
    for line in setting.splitlines():
        key, value = line.split(" = ", 1)
        base[key] = value
    add_channel(project, "\n".join(f"{key} = {value}" for key, value in base.items()))
    line = project.fails("channels", "check", "email")
    assert words in line and "config.toml:" in line and "email" in line


def test_metrics_are_unavailable_with_the_reason(project, tmp_path):
    from loa.scheduler.publishers.staff_email import EmailChannel, EmailPublisher

    settings = EmailChannel.model_validate({"adapter": "email", "smtp_host": "127.0.0.1", "from": USER,
                                            "to": ["a@so.gov.vn"]})
    figures = EmailPublisher("email", settings, base_dir=tmp_path).metrics("<loa.d1.b1.x@so.gov.vn>")
    assert not figures.values and set(figures.unavailable.values()) == {"e-mail has no read figures"}


# -- secrets ---------------------------------------------------------------------------------------------------------
def test_the_password_appears_nowhere(mail, monkeypatch):
    project, server = mail
    first, second = queue_email(project, 2, now=False)
    outputs = [project.run("publish", str(first)).output, project.run("channels", "check").output,
               project.run("channels", "list", "--json").output]
    monkeypatch.setenv("LOA_MAIL_PASSWORD", "sai-" + PASSWORD)
    outputs += [project.run("publish", str(second)).output, project.run("channels", "check").output,
                project.run("status").output, project.run("log", "export", "-o", "log.csv").output]
    assert ("refused the login" in "".join(outputs)) and len(server.received) == 3
    for secret in (PASSWORD, "sai-" + PASSWORD):
        assert not any(secret in output for output in outputs)
        for path in Path(project.root).rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert all(secret.encode() not in r.data for r in server.received for secret in (PASSWORD,))
