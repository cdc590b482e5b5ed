"""A local double of the Telegram Bot API, following the wire contract loa was written against (CONTRACTS.md).

Standard library only: a ThreadingHTTPServer on 127.0.0.1 in a background thread, started and stopped by the tests
that use it. Routes ``/bot<token>/<method>`` for sendPhoto (multipart ``photo``), sendMediaGroup (``media`` JSON with
``attach://fN`` parts, 2–10 items), sendMessage, getMe and getChat. Every answer is ``{"ok": true, "result": ...}``
or ``{"ok": false, "error_code", "description", "parameters"?}`` with the HTTP status equal to ``error_code``.
Texts with ``parse_mode=HTML`` are parsed as Telegram does: only its few tags and the entities &lt; &gt; &amp;
&quot; &#N; are allowed, anything else is "can't parse entities"; lengths are counted after parsing.

    python -m tests.support.telegram        # start one by hand, print its URL, stop on Enter
"""
from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from support.facebook import parse_body

MAX_CAPTION, MAX_TEXT, MAX_PHOTO_BYTES = 1024, 4096, 10 * 1024 * 1024
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")
# Telegram's HTML parse mode: these tags only (span and tg-emoji need their attribute, not checked here)
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "tg-spoiler",
        "tg-emoji", "blockquote"}
ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")


class BotError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


CHAT_NOT_FOUND = (400, "Bad Request: chat not found")
UNAUTHORIZED = (401, "Unauthorized")
NOT_MEMBER = (403, "Forbidden: bot is not a member of the channel chat")


def too_many_requests(seconds: int) -> BotError:
    return BotError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


def parse_html(text: str) -> str:
    """The text as subscribers see it, or BotError 400 "can't parse entities" as Telegram answers."""
    out, index, open_tags = [], 0, []
    raw = text.encode("utf-8")
    while index < len(text):
        char = text[index]
        offset = len(text[:index].encode("utf-8"))
        if char == "<":
            match = TAG.match(text, index)
            if match is None or match.group(2).lower() not in TAGS:
                name = match.group(2) if match else text[index + 1:index + 2]
                raise BotError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte '
                                    f"offset {offset}")
            closing, name = match.group(1), match.group(2).lower()
            if closing:
                if not open_tags or open_tags.pop() != name:
                    raise BotError(400, f"Bad Request: can't parse entities: Unexpected end tag at byte offset "
                                        f"{offset}")
            else:
                open_tags.append(name)
            index = match.end()
        elif char == "&":
            match = ENTITY.match(text, index)
            if match is None:
                raise BotError(400, "Bad Request: can't parse entities: Can't find end of the entity starting at "
                                    f"byte offset {offset}")
            out.append(html.unescape(match.group()))
            index = match.end()
        else:
            out.append(char)
            index += 1
    if open_tags:
        raise BotError(400, f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
                            f'"{open_tags[-1]}" at byte offset {len(raw)}')
    return "".join(out)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class RecordedRequest:
    method: str  # the Bot API method: sendPhoto, getMe...
    http_method: str
    path: str  # as received, the token included: tests assert loa never shows it
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # part name -> sha256 of its bytes
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Message:
    message_id: int
    chat_id: int
    kind: str  # "photo" or "text"
    text: str  # as displayed (caption or text, entities parsed)
    photo_sha256: str | None = None
    media_group_id: str | None = None
    silent: bool = False


@dataclass
class Chat:
    id: int
    title: str
    username: str | None  # public channels have one (@username); private ones do not
    bot_member: bool = True


class BotDouble:
    """The Bot API for one bot and its chats, on http://127.0.0.1:PORT (``url`` once started)."""

    def __init__(self, token: str = "123456789:AAH-test-token-abcdefghijklmnop", *, bot_username: str = "loa_test_bot",
                 chats: list[Chat] | None = None) -> None:
        self.token, self.bot_username = token, bot_username
        self.chats = chats if chats is not None else [Chat(-1001234567890, "Sở KH&CN Cần Thơ", "sokhcn_cantho")]
        self.requests: list[RecordedRequest] = []
        self.messages: list[Message] = []
        self._failures: list[tuple[str, BotError, bool]] = []  # (method, error, after doing it)
        # seconds every answer takes (the network and Telegram's own work on a photo: ~0.1-0.5 s in real life);
        # the benchmark sets it so both paths it compares wait alike
        self.latency = 0.0
        self.stall_seconds = 0.0  # a send that posted answers only after this long (the kill -9 window)
        self.created = threading.Event()  # set the moment a send has posted, before its answer is held back
        self.release = threading.Event()  # set by a test to let a held answer go at once
        self._ids = itertools.count(38)
        self._groups = itertools.count(13_000_000_000_000_000)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> BotDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                double._serve(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> BotDouble:
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("BotDouble is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- scripting ------------------------------------------------------------------------------------------------
    def fail_next(self, method: str, code: int, description: str, *, retry_after: int | None = None,
                  after: bool = False, times: int = 1) -> None:
        """The next call(s) of ``method`` ("*": any) fail with this error; ``after``: the call is done first (a
        5xx from a gateway after Telegram posted the message)."""
        with self._lock:
            self._failures += [(method, BotError(code, description, retry_after), after)] * times

    def sent(self, method: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method]

    # --- HTTP -------------------------------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body = handler.rfile.read(int(headers.get("content-length") or 0))
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", split.path)
        record = RecordedRequest(match.group(2) if match else "", handler.command, split.path)
        stall = 0.0
        with self._lock:
            self.requests.append(record)
            try:
                form, _, files = parse_body(headers.get("content-type", ""), body)
                record.form = {**dict(parse_qsl(split.query)), **form}
                record.files = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
                if match is None:
                    raise BotError(404, "Not Found")
                if match.group(1) != self.token:
                    # the Bot API answers 401 to a well-formed token it does not know, 404 to a malformed one
                    raise BotError(*UNAUTHORIZED) if re.fullmatch(r"[0-9]+:[A-Za-z0-9_-]+", match.group(1)) \
                        else BotError(404, "Not Found")
                status, payload = 200, {"ok": True, "result": self._dispatch(record.method, record.form, files)}
                if record.method.startswith("send") and self.stall_seconds:
                    stall = self.stall_seconds
                    self.created.set()
            except BotError as error:
                status, payload = error.code, error.body()
            except (ValueError, UnicodeDecodeError) as error:
                status, payload = 400, BotError(400, f"Bad Request: {error}").body()
            record.status, record.response = status, payload
        if stall:
            self.release.wait(stall)
        if self.latency:
            time.sleep(self.latency)
        raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout, or a process the test killed)

    def _dispatch(self, method: str, form: dict[str, str], files: dict[str, bytes]) -> Any:
        failure = next((f for f in self._failures if f[0] in ("*", method)), None)
        if failure is not None:
            self._failures.remove(failure)
            if failure[2]:
                self._route(method, form, files)
            raise failure[1]
        return self._route(method, form, files)

    def _route(self, method: str, form: dict[str, str], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Loa", "username":
                    self.bot_username, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        routes = {"getChat": self._get_chat, "sendMessage": self._send_message, "sendPhoto": self._send_photo,
                  "sendMediaGroup": self._send_media_group}
        if method not in routes:
            raise BotError(404, "Not Found")
        return routes[method](form, files)

    # --- chats ------------------------------------------------------------------------------------------------------
    def _chat(self, form: dict[str, str]) -> Chat:
        wanted = form.get("chat_id", "")
        if not wanted:
            raise BotError(400, "Bad Request: chat_id is empty")
        chat = next((c for c in self.chats if str(c.id) == wanted or (c.username and wanted.lower() ==
                                                                       f"@{c.username.lower()}")), None)
        if chat is None:
            raise BotError(*CHAT_NOT_FOUND)
        if not chat.bot_member:
            raise BotError(*NOT_MEMBER)
        return chat

    @staticmethod
    def _chat_object(chat: Chat) -> dict[str, Any]:
        node: dict[str, Any] = {"id": chat.id, "title": chat.title, "type": "channel"}
        if chat.username:
            node["username"] = chat.username
        return node

    def _get_chat(self, form: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
        return self._chat_object(self._chat(form))

    # --- sending ----------------------------------------------------------------------------------------------------
    @staticmethod
    def _displayed(text: str, parse_mode: str | None) -> str:
        if parse_mode is None or parse_mode == "":
            return text
        if parse_mode.upper() != "HTML":
            raise BotError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        return parse_html(text)

    def _message(self, chat: Chat, kind: str, text: str, form: dict[str, str], photo: bytes | None = None,
                 group: str | None = None) -> dict[str, Any]:
        message = Message(next(self._ids), chat.id, kind, text,
                          hashlib.sha256(photo).hexdigest() if photo is not None else None, group,
                          form.get("disable_notification", "").lower() == "true")
        self.messages.append(message)
        node: dict[str, Any] = {"message_id": message.message_id, "sender_chat": self._chat_object(chat),
                                "chat": self._chat_object(chat), "date": 1_790_000_000}
        if kind == "photo":
            node["photo"] = [{"file_id": f"AgAC{message.message_id}", "file_unique_id": f"AQ{message.message_id}",
                              "width": 1080, "height": 1080, "file_size": len(photo or b"")}]
            if text:
                node["caption"] = text
        else:
            node["text"] = text
        if group:
            node["media_group_id"] = group
        return node

    @staticmethod
    def _image(data: bytes | None, what: str) -> bytes:
        if data is None:
            raise BotError(400, f"Bad Request: there is no {what} in the request")
        if len(data) > MAX_PHOTO_BYTES:
            raise BotError(400, "Bad Request: file is too big")
        if not data.startswith(IMAGE_MAGIC):
            raise BotError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        return data

    def _send_message(self, form: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._chat(form)
        text = self._displayed(form.get("text", ""), form.get("parse_mode"))
        if not text.strip():
            raise BotError(400, "Bad Request: message text is empty")
        if utf16_length(text) > MAX_TEXT:
            raise BotError(400, "Bad Request: message is too long")
        return self._message(chat, "text", text, form)

    def _send_photo(self, form: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
        chat = self._chat(form)
        photo = self._image(files.get("photo"), "photo")
        caption = self._displayed(form.get("caption", ""), form.get("parse_mode"))
        if utf16_length(caption) > MAX_CAPTION:
            raise BotError(400, "Bad Request: message caption is too long")
        return self._message(chat, "photo", caption, form, photo)

    def _send_media_group(self, form: dict[str, str], files: dict[str, bytes]) -> list[dict[str, Any]]:
        chat = self._chat(form)
        try:
            media = json.loads(form.get("media", ""))
        except ValueError:
            raise BotError(400, "Bad Request: can't parse media JSON object") from None
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise BotError(400, "Bad Request: wrong number of media in the group (2-10 items)")
        items = []
        for index, item in enumerate(media):
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise BotError(400, f"Bad Request: can't parse InputMedia item {index}")
            reference = str(item.get("media", ""))
            if not reference.startswith("attach://") or reference[9:] not in files:
                raise BotError(400, f"Bad Request: wrong file identifier/HTTP URL specified (item {index})")
            caption = self._displayed(str(item.get("caption", "")), item.get("parse_mode"))
            if utf16_length(caption) > MAX_CAPTION:
                raise BotError(400, "Bad Request: message caption is too long")
            items.append((self._image(files[reference[9:]], "photo"), caption))
        group = str(next(self._groups))
        return [self._message(chat, "photo", caption, form, data, group) for data, caption in items]


if __name__ == "__main__":
    with BotDouble() as bot:
        print(f"{bot.url}/bot{bot.token}/getMe")
        input("Enter stops it. ")
