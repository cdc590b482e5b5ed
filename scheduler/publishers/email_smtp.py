"""The e-mail channel's SMTP conversation pieces: logging in (UTF-8 passwords too), RCPT without re-parsing, DATA's
dot-stuffing, closing, and the server's answers and network failures in the officer's words."""
from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl

from loa.posts.i18n import t

from . import PermanentError, TransientError
from .email_message import valid_address


def login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib encodes credentials as ASCII; a password with Vietnamese letters goes as UTF-8 over AUTH PLAIN
    (RFC 4616), which every server that offers PLAIN takes."""
    if user.isascii() and password.isascii():
        smtp.login(user, password)
        return
    if not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, answer = smtp.docmd("AUTH", "PLAIN " + token)
    if code not in (235, 503):
        raise smtplib.SMTPAuthenticationError(code, answer)


def rcpt(smtp: smtplib.SMTP, address: str) -> tuple[int, bytes]:
    """RCPT TO, as smtplib's ``rcpt`` sends it. An address loa checked needs no quoting, and smtplib would parse each
    one again with email.utils, which takes longer than the command itself (a list of hundreds, every post)."""
    if not valid_address(address):
        return smtp.rcpt(address)
    smtp.putcmd("rcpt", f"TO:<{address}>")
    return smtp.getreply()


def answer_line(code: int, answer: bytes | str) -> str:
    """The server's reply as one short line (its own words, quoted)."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {' '.join(text.split())}"[:200]


def refusal(code: int, answer: bytes, what: str) -> Exception:
    if 400 <= code < 500:
        return TransientError(f"{what}: {answer_line(code, answer)}")
    return PermanentError(f"{what}: {answer_line(code, answer)}")


def dot_stuffed(payload: bytes) -> bytes:
    """DATA's body: CRLF line ends, a leading dot doubled, the terminating line (as smtplib.SMTP.data does). Byte
    counts and replaces rather than smtplib's regular expressions, which take milliseconds over a banner's lines."""
    data = payload
    line_ends = data.count(b"\r\n")
    if data.count(b"\n") != line_ends or data.count(b"\r") != line_ends:  # a lone CR or LF: made CRLF first
        data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = data.replace(b"\r\n.", b"\r\n..")  # every line but the first starts after a CRLF
    if data.startswith(b"."):
        data = b"." + data
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def server_name(smtp: smtplib.SMTP) -> str:
    first = (smtp.ehlo_resp or b"").decode("utf-8", "replace").splitlines()[:1]
    return " ".join((first[0] if first else "").split())[:80] or "?"


def close(smtp: smtplib.SMTP | None, *, quit: bool = False) -> None:
    if smtp is None:
        return
    try:
        if quit and smtp.sock is not None:
            smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        smtp.close()


def tls_words(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return t("check.net_tls") + f" ({exc.verify_message})"
    return t("check.net_tls")


def network_words(exc: BaseException) -> str:
    """Why the connection failed, in the officer's words (the same sentences as for web channels)."""
    if isinstance(exc, ssl.SSLError):
        return tls_words(exc)
    if isinstance(exc, socket.gaierror):
        return t("check.net_unknown_host")
    if isinstance(exc, ConnectionRefusedError):
        return t("check.net_refused")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return t("check.net_too_slow")
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, smtplib.SMTPServerDisconnected)):
        return t("check.net_broken")
    return t("check.net_no_connection")
