"""A real SMTP server for the e-mail channel's tests: aiosmtpd on 127.0.0.1 in a background thread.

It records every message (envelope, bytes, whether the session was encrypted, who logged in) and can be told to
misbehave as real servers do: a chosen reply to MAIL, to some RCPT or to the end of DATA (``reply``), the connection
dropped right after DATA's terminator (``drop_after_data``), an answer held back until released (``stall_data``).
``security``: "starttls" (STARTTLS required before AUTH), "tls" (implicit TLS) or "none"; the certificate is
self-signed for 127.0.0.1/localhost, made with the ``openssl`` command, and its file is ``cert_file``.

    python -m tests.support.smtp        # start one by hand, print its port, stop on Enter
"""
from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    encrypted: bool
    login: str | None

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Faults:
    mail: str | None = None  # the reply to MAIL FROM, e.g. "550 5.7.1 sender not allowed"
    rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply
    data: list[str] = field(default_factory=list)  # replies to the end of DATA, one per message, in order
    drop_after_data: set[int] = field(default_factory=set)  # the Nth DATA (1-based): message kept, connection cut
    stall_data: set[int] = field(default_factory=set)  # the Nth DATA: message kept, answer held until ``release``


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (the client trusts it through ``ca_file``)."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.owner = server

    async def handle_MAIL(self, server: SMTP, session, envelope, address: str, mail_options: list[str]) -> str:
        if self.owner.faults.mail:
            return self.owner.faults.mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session, envelope, address: str, rcpt_options: list[str]) -> str:
        if address in self.owner.faults.rcpt:
            return self.owner.faults.rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session, envelope) -> str:
        owner = self.owner
        with owner.lock:
            owner.data_count += 1
            number = owner.data_count
            reply = owner.faults.data.pop(0) if owner.faults.data else "250 2.0.0 Ok: queued"
            if reply.startswith("250"):
                login = session.auth_data if isinstance(session.auth_data, str) else None  # set by _authenticate
                owner.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                               session.ssl is not None
                                               or server.transport.get_extra_info("ssl_object") is not None, login))
        owner.data_seen.set()
        if number in owner.faults.stall_data:
            owner.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, owner.release.wait, 120)
        if number in owner.faults.drop_after_data:
            server.transport.abort()  # the message was taken; the client never hears so
            return "250 OK (never heard)"
        return reply


class SmtpServer:
    def __init__(self, *, security: str = "starttls", users: dict[str, str] | None = None) -> None:
        self.security = security
        self.users = users or {}
        self.faults = Faults()
        self.received: list[Received] = []
        self.data_count = 0
        self.lock = threading.Lock()
        self.data_seen, self.stalled, self.release = threading.Event(), threading.Event(), threading.Event()
        self.folder = Path(tempfile.mkdtemp(prefix="loa-smtp-"))
        self.cert_file: Path | None = None
        self.port = free_port()
        self.controller: Controller | None = None
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)

    def _authenticate(self, server: SMTP, session, envelope, mechanism: str, auth_data) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self.users.get(user) == password
        self.logins.append((user, accepted))
        # handled=False: aiosmtpd itself answers 535 to a refused login
        return AuthResult(success=accepted, handled=False, auth_data=user if accepted else None)

    def start(self) -> SmtpServer:
        context = None
        if self.security != "none":
            cert, key = make_certificate(self.folder)
            self.cert_file = cert
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
        options = dict(hostname="127.0.0.1", port=self.port, server_hostname="mail.test.local", ident="loa test ESMTP",
                       # implicit TLS: aiosmtpd does not count the socket's own TLS, and every byte is encrypted
                       auth_require_tls=self.security == "starttls", authenticator=self._authenticate,
                       auth_exclude_mechanism=["CRAM-MD5"])
        if self.security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif self.security == "tls":
            options.update(ssl_context=context)
        self.controller = Controller(_Handler(self), **options)
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        shutil.rmtree(self.folder, ignore_errors=True)  # the certificate and key the server was started with

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    with SmtpServer(security="none") as running:
        print(f"SMTP on 127.0.0.1:{running.port}; Enter stops it")
        input()
