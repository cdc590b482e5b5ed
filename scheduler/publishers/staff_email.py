"""``email``: one e-mail per post to a list of staff, through SMTP with STARTTLS or implicit TLS.

The list goes in batches (Bcc, ``batch_size`` addresses each), and every batch is a recorded step of the delivery:
begun just before DATA, sent after the server's 250. A batch is never sent twice by loa: after a crash or a lost
answer it is ``unknown`` until a person settles it (``loa retry`` sends it again; leaving it keeps it as it is),
while the batches that never began still go. The password only ever comes from the variable ``password_env`` names.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.scheduler.config import ENV_NAME, ChannelSettings

from . import (AuthError, CannotTell, ChannelHealth, ChannelUnavailable, Metrics, Outgoing, PermanentError,
               Published, Publisher, SecretUnset, TransientError)
from .email_message import batches, build_message, message_id, read_recipients, sender_address, unique, \
    valid_address
from .email_smtp import (answer_line, close, dot_stuffed, login, network_words, rcpt, refusal, server_name,
                         tls_words)
from .email_steps import LIST_STEP, MemorySteps, step_name

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
HOST = r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^::1$"


class EmailChannel(ChannelSettings):
    adapter: Literal["email"]
    smtp_host: Annotated[str, Field(pattern=HOST)]
    port: Annotated[int, Field(ge=1, le=65535)] | None = None  # 587 for starttls, 465 for tls, 25 for none
    # "none" (no encryption) only for a relay on this machine: a password never crosses a network in clear
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: Annotated[str, Field(min_length=1)] | None = None
    password_env: Annotated[str, Field(pattern=ENV_NAME)] | None = None
    # TOML key ``from`` ("Văn thư Sở <vanthu@so.gov.vn>" or a bare address); ``from`` is a Python keyword
    sender: str = Field(alias="from")
    to: list[str] = []
    to_file: str | None = None  # relative to config.toml's folder; read at every send, so edits count at once
    batch_size: Annotated[int, Field(ge=1, le=100)] = 50
    list_unsubscribe: Annotated[str, Field(pattern=r"^(mailto:[^\s<>]+@[^\s<>]+|https://[^\s<>]+)$")] | None = None
    reply_to: str | None = None
    timeout: Annotated[float, Field(gt=0, le=600)] = 60  # seconds for each answer of the server
    ca_file: str | None = None  # a certificate authority of your own (PEM), relative to config.toml's folder

    def channel_kind(self) -> str:
        return self.kind or "email"

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        sender_address(value)
        return value

    @field_validator("to")
    @classmethod
    def _to(cls, value: list[str]) -> list[str]:
        for address in value:
            if not valid_address(address.strip()):
                raise ValueError(t("email.err_bad_address", address=address[:200]))
        return unique(address.strip() for address in value)

    @field_validator("reply_to")
    @classmethod
    def _reply_to(cls, value: str | None) -> str | None:
        if value is not None:
            sender_address(value)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> EmailChannel:
        if not self.to and not self.to_file:
            raise ValueError(t("email.err_no_list"))
        if self.security == "none" and self.smtp_host.lower() not in LOCAL_HOSTS:
            raise ValueError(t("email.err_plain_remote", host=self.smtp_host))
        if (self.username is None) != (self.password_env is None):
            raise ValueError(t("email.err_login_pair"))
        return self

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


class UnknownBatches(CannotTell):
    """Some batch may or may not have reached the server: the delivery becomes ``unknown`` at once (no retry would
    tell more), and a person settles it."""


class EmailPublisher(Publisher):
    adapter = "email"
    Settings = EmailChannel

    def __init__(self, channel: str, settings: Any, *, base_dir: Any) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.name, self.address = sender_address(settings.sender)
        self.domain = self.address.rsplit("@", 1)[1]
        self._memory_steps: dict[int, MemorySteps] = {}  # a rehearsal or check without a database
        self._tls: ssl.SSLContext | None = None

    # -- the list -----------------------------------------------------------------------------------------------
    def recipients(self) -> list[str]:
        """``to`` and ``to_file`` together. A problem with the file pauses the channel (a setting to fix)."""
        found = list(self.settings.to)
        if self.settings.to_file:
            try:
                found += read_recipients(self.inputs_dir / self.settings.to_file, shown_as=self.settings.to_file)
            except UserError as exc:
                raise ChannelUnavailable(str(exc)) from None
        return unique(found)

    def _steps(self, delivery_id: int) -> Any:
        if self.coordination is not None:
            return self.coordination.steps(delivery_id)
        return self._memory_steps.setdefault(delivery_id, MemorySteps())

    # -- the server ---------------------------------------------------------------------------------------------
    def _password(self) -> str | None:
        import os

        if self.settings.password_env is None:
            return None
        password = os.environ.get(self.settings.password_env, "")
        if not password:
            raise SecretUnset(t("email.password_unset", variable=self.settings.password_env))
        return password

    def _tls_context(self) -> ssl.SSLContext:
        """Made once per publisher (the daemon keeps one per channel): loading the system's certificate authorities
        takes tens of milliseconds, more than a batch's SMTP commands."""
        if self._tls is None:
            cafile = str(self.inputs_dir / self.settings.ca_file) if self.settings.ca_file else None
            try:
                self._tls = ssl.create_default_context(cafile=cafile)
            except (OSError, ssl.SSLError) as exc:
                raise ChannelUnavailable(t("email.ca_unreadable", path=self.settings.ca_file, error=exc)) from None
        return self._tls

    def connect(self) -> smtplib.SMTP:
        """A logged-in connection. Raises TransientError (network, 4xx), AuthError (login refused) or
        ChannelUnavailable (TLS refused by either side): never a clear-text login to a remote server."""
        settings, where = self.settings, f"{self.settings.smtp_host}:{self.settings.effective_port}"
        password = self._password()
        smtp: smtplib.SMTP | None = None
        try:
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.effective_port, timeout=settings.timeout,
                                        context=self._tls_context())
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.effective_port, timeout=settings.timeout)
            smtp.ehlo()
            if settings.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise ChannelUnavailable(t("email.no_starttls", server=where))
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
            if settings.username is not None:
                login(smtp, settings.username, password or "")
            return smtp
        except smtplib.SMTPAuthenticationError as exc:
            close(smtp)
            raise AuthError(t("email.login_refused", user=settings.username, server=where,
                              answer=answer_line(exc.smtp_code, exc.smtp_error))) from None
        except smtplib.SMTPResponseException as exc:
            close(smtp)
            if 400 <= exc.smtp_code < 500:
                raise TransientError(t("email.server_busy", server=where,
                                       answer=answer_line(exc.smtp_code, exc.smtp_error))) from None
            raise ChannelUnavailable(t("email.server_refused", server=where,
                                       answer=answer_line(exc.smtp_code, exc.smtp_error))) from None
        except smtplib.SMTPNotSupportedError:
            close(smtp)
            raise ChannelUnavailable(t("email.no_login", server=where)) from None
        except ssl.SSLError as exc:
            close(smtp)
            raise ChannelUnavailable(t("email.tls_refused", server=where, error=tls_words(exc))) from None
        except (OSError, smtplib.SMTPException) as exc:
            close(smtp)
            raise TransientError(t("email.cannot_connect", server=where, why=network_words(exc))) from None
        except BaseException:
            close(smtp)
            raise

    # -- Publisher ----------------------------------------------------------------------------------------------
    def publish(self, outgoing: Outgoing) -> Published:
        steps = self._steps(outgoing.delivery_id)
        records = steps.records()
        smtp: smtplib.SMTP | None = None
        with steps.kept_open():
            plan = self._plan(records, steps)
            message = build_message(outgoing, sender=self.settings.sender, reply_to=self.settings.reply_to,
                                    list_unsubscribe=self.settings.list_unsubscribe, text_is_html=self.text_is_html)
            # flattened and dot-stuffed once for every batch: only the Message-ID line, put first, differs
            body = dot_stuffed(message.as_bytes(policy=message.policy))
            try:
                for number, recipients in enumerate(plan, start=1):
                    name = step_name(number)
                    status, detail = records.get(name, (None, None))
                    if status == "sent":
                        continue
                    if status is not None:  # begun before a crash, or its answer lost: never sent twice by loa
                        if status == "sending":
                            steps.unknown(name, {**(detail or {}), "at": _now()})
                        continue
                    if smtp is None:
                        smtp = self.connect()
                    header = f"Message-ID: {message_id(outgoing, number, self.domain)}\r\n".encode("ascii")
                    smtp = self._send_batch(smtp, steps, name, recipients, header + body)
            finally:
                close(smtp, quit=True)
        return self._outcome(outgoing, plan, steps.records())

    def _plan(self, records: dict[str, tuple[str, Any]], steps: Any) -> list[list[str]]:
        """The batches, frozen at the first attempt: a list edited meanwhile never shifts a batch onto another's
        recipients (which would send some people the post twice and others never)."""
        recorded = records.get(LIST_STEP, (None, None))[1]
        if recorded and isinstance(recorded.get("batches"), list):
            return recorded["batches"]
        plan = batches(self.recipients(), self.settings.batch_size)
        steps.sent(LIST_STEP, {"batches": plan, "at": _now()})
        return plan

    def _send_batch(self, smtp: smtplib.SMTP, steps: Any, name: str, recipients: list[str],
                    data: bytes) -> smtplib.SMTP | None:
        """One SMTP transaction for a batch; ``data`` is the message as DATA sends it (dot-stuffed, terminated).
        Returns the connection to go on with (None once it broke)."""
        where = f"{self.settings.smtp_host}:{self.settings.effective_port}"
        code, answer = smtp.mail(self.address)
        if code != 250:
            smtp.rset()
            raise refusal(code, answer, t("email.sender_refused", sender=self.address, server=where))
        accepted, refused, later = [], [], []
        for address in recipients:
            code, answer = rcpt(smtp, address)
            if code in (250, 251):
                accepted.append(address)
            elif 400 <= code < 500:
                later.append(f"{address} ({answer_line(code, answer)})")
            else:
                refused.append(f"{address} ({answer_line(code, answer)})")
        if later:  # nothing went out yet: the whole batch waits, so nobody gets it twice
            smtp.rset()
            raise TransientError(t("email.recipients_later", count=len(later), first=later[0]))
        if not accepted:
            smtp.rset()
            steps.sent(name, {"delivered": 0, "refused": refused[:50], "refused_count": len(refused), "at": _now()})
            return smtp
        steps.begin(name, {"recipients": len(accepted), "at": _now()})
        try:
            code, answer = smtp.docmd("DATA")
            if code != 354:
                steps.forget(name)
                smtp.rset()
                raise refusal(code, answer, t("email.data_refused", server=where))
        except (OSError, smtplib.SMTPServerDisconnected) as exc:  # nothing of the message went out yet
            steps.forget(name)
            close(smtp)
            raise TransientError(t("email.cannot_connect", server=where, why=network_words(exc))) from None
        try:
            smtp.send(data)
            code, answer = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            # the message went out and the answer was lost: the staff may have it. Never sent again by loa.
            steps.unknown(name, {"recipients": len(accepted), "why": network_words(exc), "at": _now()})
            close(smtp)
            return None
        if code != 250:
            steps.forget(name)  # the server said it did not take the message
            raise refusal(code, answer, t("email.message_refused", server=where))
        steps.sent(name, {"delivered": len(accepted), "refused": refused[:50], "refused_count": len(refused),
                          "at": _now()})
        return smtp

    def _outcome(self, outgoing: Outgoing, plan: list[list[str]],
                 records: dict[str, tuple[str, dict[str, Any] | None]]) -> Published:
        names = [step_name(n) for n in range(1, len(plan) + 1)]
        open_ = [n for n, name in enumerate(names, start=1) if records.get(name, (None, None))[0] != "sent"]
        details = [records.get(name, (None, None))[1] or {} for name in names]
        delivered = sum(int(d.get("delivered", 0)) for d in details)
        refused = [r for d in details for r in d.get("refused", [])]
        if open_:
            raise UnknownBatches(t("email.batches_unknown", batches=", ".join(map(str, open_)), total=len(plan),
                                   sent=len(plan) - len(open_), channel=self.channel,
                                   post=outgoing.post_id))
        if not delivered:
            raise PermanentError(t("email.all_refused", count=len(refused), first=refused[0] if refused else "-"))
        detail = {"batches": len(plan), "recipients": delivered,
                  "refused_count": sum(int(d.get("refused_count", 0)) for d in details)}
        if refused:
            detail["refused"] = refused[:20]
        return Published(message_id(outgoing, 1, self.domain), None, detail=detail)

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        """From the recorded batches, not the server (SMTP cannot be asked what it delivered). Every batch sent:
        the e-mail went out. Nothing left to send but a batch whose outcome is unknown: cannot tell (raised).
        Otherwise None: ``publish`` sends the batches that never began, and never one that did."""
        steps = self._steps(outgoing.delivery_id)
        records = steps.records()
        plan = (records.get(LIST_STEP, (None, None))[1] or {}).get("batches")
        if not plan:
            return None
        names = [step_name(n) for n in range(1, len(plan) + 1)]
        if any(name not in records for name in names):
            return None
        changed = False
        for name in names:  # a batch begun before a crash: its answer is lost for good
            status, detail = records[name]
            if status == "sending":
                steps.unknown(name, {**(detail or {}), "at": _now()})
                changed = True
        return self._outcome(outgoing, plan, steps.records() if changed else records)

    def check(self) -> ChannelHealth:
        """Connect, secure, log in, offer the sender (then RSET: nothing is sent), and read the list."""
        where = f"{self.settings.smtp_host}:{self.settings.effective_port}"
        try:
            smtp = self.connect()
        except (TransientError, AuthError, ChannelUnavailable) as exc:
            return ChannelHealth(False, str(exc))
        try:
            server = server_name(smtp)
            code, answer = smtp.mail(self.address)
            smtp.rset()
            if code != 250:
                return ChannelHealth(False, t("email.sender_refused", sender=self.address, server=where)
                                     + f" ({answer_line(code, answer)})")
        except (OSError, smtplib.SMTPException) as exc:
            return ChannelHealth(False, t("email.cannot_connect", server=where, why=network_words(exc)))
        finally:
            close(smtp, quit=True)
        try:
            count = len(self.recipients())
        except ChannelUnavailable as exc:
            return ChannelHealth(False, str(exc))
        return ChannelHealth(True, t("email.ok", server=server, count=count, sender=self.address),
                             account=self.address)

    def metrics(self, remote_id: str) -> Metrics:
        return Metrics.none(t("email.no_metrics"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()
