"""The e-mail channel's pieces that do not talk to a server: the recipient list (``to`` or ``to_file``), the batches,
the message itself (HTML with a plain-text alternative, the banner inline, photos attached) and its Message-ID.
"""
from __future__ import annotations

import csv
import datetime as dt
import email.policy
import email.utils
import hashlib
import html
import io
import re
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from loa.posts.errors import UserError
from loa.posts.i18n import t

from . import Outgoing

# What loa accepts as an address: local@domain with a dot in the domain (or localhost, for a test server).
# Deliberately narrower than RFC 5322: quoted local parts and IP literals are typos in a staff list, not addresses.
ADDRESS = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@"
                     r"(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}|localhost)\Z")
MAX_FILE_BYTES = 5_000_000  # a staff list is a few thousand lines; more is the wrong file
POLICY = email.policy.SMTP  # CRLF line ends, non-ASCII headers encoded: what goes on the wire


def valid_address(value: str) -> bool:
    local = value.split("@", 1)[0]
    return bool(ADDRESS.match(value)) and not local.startswith(".") and not local.endswith(".") and ".." not in local


def sender_address(value: str) -> tuple[str, str]:
    """``"Văn thư Sở <vanthu@so.gov.vn>"`` or a bare address -> (display name, address); ValueError when unusable."""
    name, address = email.utils.parseaddr(value)
    if not address or not valid_address(address):
        raise ValueError(t("email.err_sender", value=value))
    return name, address


def read_recipients(path: Path, *, shown_as: str) -> list[str]:
    """The addresses of ``to_file``: one a line (blank lines and ``#`` comments skipped), or a CSV whose header has a
    column ``email`` (commas or semicolons, as Excel writes them). A bad address is a one-line error naming the file
    and line; duplicates are dropped (case-insensitively), the order kept."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UserError(t("email.err_file_too_large", most=f"{MAX_FILE_BYTES // 1_000_000} MB"), where=shown_as)
        raw = path.read_bytes()
    except OSError as exc:
        from loa.posts.os_errors import os_error_text

        raise UserError(t("email.err_file_unreadable", error=os_error_text(exc)), where=shown_as) from None
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise UserError(t("email.err_file_encoding"), where=shown_as) from None
    lines = text.splitlines()
    first = next((n for n, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    if first is not None and _is_csv_header(lines[first]):
        found = _csv_addresses(lines, first, shown_as)
    else:
        found = [(n + 1, line.strip()) for n, line in enumerate(lines)
                 if line.strip() and not line.lstrip().startswith("#")]
    addresses = []
    for number, address in found:
        if not valid_address(address):
            raise UserError(t("email.err_bad_address", address=address[:200]), where=f"{shown_as}:{number}")
        addresses.append(address)
    if not addresses:
        raise UserError(t("email.err_no_recipients"), where=shown_as)
    return unique(addresses)


def _is_csv_header(line: str) -> bool:
    return any(cell.strip().strip('"').lower() == "email" for cell in re.split(r"[,;]", line))


def _csv_addresses(lines: list[str], header_at: int, shown_as: str) -> list[tuple[int, str]]:
    delimiter = ";" if lines[header_at].count(";") > lines[header_at].count(",") else ","
    rows = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(rows)]
    column = header.index("email")
    found = []
    for offset, row in enumerate(rows, start=1):
        number = header_at + offset + 1
        if not any(cell.strip() for cell in row):
            continue
        if column >= len(row):
            raise UserError(t("email.err_csv_short", column=column + 1), where=f"{shown_as}:{number}")
        if row[column].strip():  # a staff member without an address is skipped, not an error
            found.append((number, row[column].strip()))
    return found


def unique(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept


def batches(addresses: Sequence[str], size: int) -> list[list[str]]:
    return [list(addresses[start:start + size]) for start in range(0, len(addresses), size)]


def message_id(outgoing: Outgoing, batch: int, domain: str) -> str:
    """Deterministic per delivery and batch, and different per database (the slug carries the database's
    identity): a resent batch has the same Message-ID, which a mail server or a reader recognises."""
    tag = hashlib.sha256(outgoing.slug.encode()).hexdigest()[:12]
    return f"<loa.d{outgoing.delivery_id}.b{batch}.{tag}@{domain}>"


def build_message(outgoing: Outgoing, *, sender: str, reply_to: str | None, list_unsubscribe: str | None,
                  text_is_html: bool) -> EmailMessage:
    """One message for every batch (only the Message-ID changes): HTML with a plain-text alternative, the banners
    inline (multipart/related, by Content-ID), the photos attached. The recipients go only in the envelope (Bcc):
    ``To`` is the sender, so no member of staff sees the list."""
    body_html = outgoing.text if text_is_html else _text_as_html(outgoing.text)  # loa's sandbox escaped the HTML
    message = EmailMessage(policy=POLICY)
    message["Subject"] = outgoing.title
    message["From"] = sender
    message["To"] = sender
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc))
    if reply_to:
        message["Reply-To"] = reply_to
    if list_unsubscribe:
        message["List-Unsubscribe"] = f"<{list_unsubscribe}>"
    message["Auto-Submitted"] = "auto-generated"  # out-of-office replies are not sent back to a mailing
    tag = hashlib.sha256(outgoing.slug.encode()).hexdigest()[:12]
    cids = [f"banner{n}.d{outgoing.delivery_id}.{tag}@loa" for n in range(1, len(outgoing.banners) + 1)]
    footer = t("email.footer_unsubscribe", link=list_unsubscribe) if list_unsubscribe else ""
    plain = "\n\n".join(part for part in (outgoing.title, html_to_text(body_html) if text_is_html
                                          else outgoing.text.strip(), footer) if part)
    message.set_content(plain + "\n", cte="quoted-printable")
    message.add_alternative(_document(outgoing.title, body_html, cids, list_unsubscribe), subtype="html",
                            cte="quoted-printable")
    if outgoing.banners:
        page = message.get_payload()[1]
        for banner, cid in zip(outgoing.banners, cids):
            maintype, subtype = banner.mime.split("/", 1)
            page.add_related(banner.path.read_bytes(), maintype, subtype, cid=f"<{cid}>", filename=banner.name,
                             disposition="inline")
    for photo in outgoing.photos:
        maintype, subtype = photo.mime.split("/", 1)
        message.add_attachment(photo.path.read_bytes(), maintype, subtype, filename=photo.name)
    return message


def _document(title: str, body_html: str, cids: list[str], list_unsubscribe: str | None) -> str:
    """The HTML page around the rendered body: inline styles only (mail readers drop <style> and scripts)."""
    escaped_title = html.escape(title)
    images = "".join(f'<p><img src="cid:{cid}" alt="{escaped_title}" style="max-width:100%;height:auto"></p>\n'
                     for cid in cids)
    footer = ""
    if list_unsubscribe:
        footer = ('<hr><p style="font-size:12px;color:#666">'
                  + html.escape(t("email.footer_unsubscribe_html"))
                  + f' <a href="{html.escape(list_unsubscribe)}">{html.escape(list_unsubscribe)}</a></p>\n')
    return (f'<!DOCTYPE html>\n<html lang="vi">\n<head><meta charset="utf-8"><title>{escaped_title}</title></head>\n'
            '<body style="font-family:Arial,Helvetica,sans-serif;line-height:1.5;max-width:680px;margin:0 auto">\n'
            f"{images}<h1 style=\"font-size:20px\">{escaped_title}</h1>\n{body_html}\n{footer}</body>\n</html>\n")


def _text_as_html(text: str) -> str:
    """A plain-text render (a channel given another kind) as escaped paragraphs."""
    from loa.posts.render.text import text_as_html

    return str(text_as_html(text))


class _TextOf(HTMLParser):
    """The words of loa's rendered HTML for the plain-text part: paragraphs as blank lines, a link's address after
    its words, list items with a dash. Anything else (tags, comments) is dropped."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "ul", "ol", "table", "tr", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(value: str) -> str:
    parser = _TextOf()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
