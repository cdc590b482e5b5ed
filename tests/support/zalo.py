"""A local double of the Zalo Official Account API and its OAuth endpoint, following the wire contract loa was
written against.

Standard library only: a ThreadingHTTPServer on 127.0.0.1. Both hosts (openapi.zalo.me and oauth.zaloapp.com) are
this one server. It records every request, keeps the OA's articles in memory, issues single-use refresh tokens (a
reused one is refused), answers every error as HTTP 200 with a non-zero ``error``, and can be scripted to fail
(``fail_next``) or to hold an answer back (``stall``).

    python -m tests.support.zalo        # start one by hand, print its URL and first refresh token, stop on Enter
"""
from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_IMAGE_BYTES = 1_000_000  # contract: oa/upload/image takes at most 1 MB
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8")
MESSAGES = {-32: "Rate limit exceeded", -201: "Invalid parameter", -214: "Article is being processed",
            -216: "Access token is invalid", -220: "Access token has expired",
            -224: "The OA's package does not allow this API", -14014: "Invalid refresh token",
            -14002: "Invalid secret key"}
SECRET_KEY = "zalo-app-secret-8c1f"
APP_ID = "1234567890123"


class ZaloError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "Error"))
        self.code, self.message = code, message or MESSAGES.get(code, "Error")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[int, str]] = field(default_factory=dict)  # name -> (size, sha256)
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Article:
    id: str
    token: str
    title: str
    author: str
    description: str
    body: list[Any]
    cover: dict[str, Any] | None
    created: float
    polls_left: int
    total_view: int = 0
    total_share: int = 0

    @property
    def link(self) -> str:
        return f"https://zalo.me/oa/article/{self.id}"


class ZaloDouble:
    """Use as a context manager. ``refresh_token`` is the first one to give loa; ``refreshes`` the refresh requests."""

    def __init__(self, *, processing_polls: int = 1, processing_seconds: float = 30.0) -> None:
        self.secret_key, self.app_id = SECRET_KEY, APP_ID
        self.oa_name = "Sở Khoa học và Công nghệ Cần Thơ"
        self.processing_polls = processing_polls  # verify answers −214 this many times per article
        self.processing_seconds = processing_seconds  # ... or until this long after creation
        self.latency = 0.0  # seconds every answer takes (the network and Zalo's own work: the benchmark sets it)
        self.refresh_token = "rt-" + secrets.token_urlsafe(12)
        self.valid_refresh = {self.refresh_token}
        self.used_refresh: set[str] = set()
        self.access_tokens: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.refreshes: list[RecordedRequest] = []
        self.articles: list[Article] = []
        self.uploads: dict[str, tuple[int, str]] = {}
        self.broadcasts: list[str] = []
        self.expires_in = "90000"  # contract: a string
        self._failures: list[tuple[str, ZaloError, bool]] = []
        self._stalls: dict[str, float] = {}
        self.created = threading.Event()  # a stalled request was carried out (its answer is held back)
        self.release = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- scripting --------------------------------------------------------------------------------------------
    def fail_next(self, path: str, code: int, message: str | None = None, *, after: bool = False) -> None:
        """The next request whose path ends with ``path`` answers ``error`` = code (HTTP 200); ``after``: it is
        carried out first (an answer that lies)."""
        self._failures.append((path, ZaloError(code, message), after))

    def stall(self, path: str, seconds: float) -> None:
        """Carry out the next request to ``path``, set ``created``, then hold its answer ``seconds`` (or until
        ``release``)."""
        self._stalls[path] = seconds

    def expire_access_tokens(self) -> None:
        self.access_tokens.clear()

    def new_access_token(self) -> str:
        token = "at-" + secrets.token_urlsafe(16)
        self.access_tokens.add(token)
        return token

    def ready(self) -> list[Article]:
        now = time.time()
        return [a for a in self.articles if a.polls_left <= 0 or now - a.created >= self.processing_seconds]

    # -- the server -----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ZaloDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out as two writes: without this, Nagle holds the body until the client's delayed
            # ACK (40 ms), and every call costs 44 ms that no real Zalo server adds (bench/publish_zalo.py)
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                double._handle(self)

            def do_POST(self) -> None:
                double._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        body = handler.rfile.read(int(headers.get("content-length") or 0))
        record = RecordedRequest(handler.command, parts.path, dict(parse_qsl(parts.query)), headers)
        stall = None
        with self._lock:
            self.requests.append(record)
            try:
                self._parse(record, headers.get("content-type", ""), body)
                payload = {"error": 0, "message": "Success", "data": self._dispatch(record)}
                if record.path == "/v4/oa/access_token":  # contract: the OAuth answer is flat
                    payload = payload["data"]
            except ZaloError as error:
                payload = {"error": error.code, "message": error.message}
            record.response = payload
            stall = next((p for p in self._stalls if record.path.endswith(p)), None)
            seconds = self._stalls.pop(stall) if stall else 0
        if stall:
            self.created.set()
            self.release.wait(seconds)
        if self.latency:
            time.sleep(self.latency)
        raw = json.dumps(payload).encode()
        try:
            handler.send_response(200)  # contract: errors too come as HTTP 200
            handler.send_header("Content-Type", "application/json; charset=UTF-8")
            handler.send_header("Content-Length", str(len(raw)))
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _parse(record: RecordedRequest, content_type: str, body: bytes) -> None:
        if content_type.startswith("application/json"):
            try:
                record.json = json.loads(body)
            except ValueError:
                raise ZaloError(-201, "Body is not JSON") from None
        elif content_type.startswith("application/x-www-form-urlencoded"):
            record.form = dict(parse_qsl(body.decode()))
        elif content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in message.iter_parts():
                data = part.get_payload(decode=True) or b""
                name = part.get_param("name", header="content-disposition")
                record.files[name] = (len(data), hashlib.sha256(data).hexdigest())
                if name == "file":
                    record.files["_magic"] = (int(data.startswith(IMAGE_MAGIC)), "")

    def _dispatch(self, record: RecordedRequest) -> dict[str, Any]:
        if record.path == "/v4/oa/access_token":
            self.refreshes.append(record)
            return self._refresh(record)
        failure = next((f for f in self._failures if record.path.endswith(f[0])), None)
        if failure is None:
            self._authorise(record)
            return self._route(record)
        self._failures.remove(failure)
        if failure[2]:
            self._route(record)
        raise failure[1]

    def _refresh(self, record: RecordedRequest) -> dict[str, Any]:
        """Contract: form refresh_token, app_id, grant_type=refresh_token; header secret_key; single-use."""
        if record.headers.get("secret_key") != self.secret_key or record.form.get("app_id") != self.app_id:
            raise ZaloError(-14002)
        token = record.form.get("refresh_token", "")
        if record.form.get("grant_type") != "refresh_token" or token not in self.valid_refresh:
            raise ZaloError(-14014)
        self.valid_refresh.discard(token)
        self.used_refresh.add(token)
        fresh = "rt-" + secrets.token_urlsafe(12)
        self.valid_refresh.add(fresh)
        return {"access_token": self.new_access_token(), "refresh_token": fresh, "expires_in": self.expires_in}

    def _authorise(self, record: RecordedRequest) -> None:
        """Contract: header ``access_token`` (not Bearer); a query-string token is refused here so tests see it."""
        if "access_token" in record.query:
            raise ZaloError(-201, "access_token must be a header")
        if record.headers.get("access_token") not in self.access_tokens:
            raise ZaloError(-216)

    def _route(self, record: RecordedRequest) -> dict[str, Any]:
        method, path = record.method, record.path
        if (method, path) == ("GET", "/v2.0/oa/getoa"):
            return {"oa_id": "579745863508352884", "name": self.oa_name, "num_follower": 1200}
        if (method, path) == ("POST", "/v2.0/oa/upload/image"):
            size, sha = record.files.get("file", (0, ""))
            if not size or size > MAX_IMAGE_BYTES or not record.files.get("_magic", (0,))[0]:
                raise ZaloError(-201, "File is not an image or larger than 1 MB")
            attachment = secrets.token_hex(8)
            self.uploads[attachment] = (size, sha)
            return {"attachment_id": attachment}
        if (method, path) == ("POST", "/v2.0/article/create"):
            return self._create(record.json if isinstance(record.json, dict) else {})
        if (method, path) == ("POST", "/v2.0/article/verify"):
            token = (record.json or {}).get("token")
            article = next((a for a in self.articles if a.token == token), None)
            if article is None:
                raise ZaloError(-201, "Token not found")
            if article.polls_left > 0 and time.time() - article.created < self.processing_seconds:
                article.polls_left -= 1
                raise ZaloError(-214)
            article.polls_left = 0
            return {"id": article.id}
        if (method, path) == ("GET", "/v2.0/article/getslice"):
            offset, limit = int(record.query.get("offset", 0)), int(record.query.get("limit", 20))
            newest = sorted(self.ready(), key=lambda a: a.created, reverse=True)
            return {"medias": [self._media(a) for a in newest[offset:offset + limit]], "total": len(newest)}
        if (method, path) == ("GET", "/v2.0/article/getdetail"):
            article = next((a for a in self.ready() if a.id == record.query.get("id")), None)
            if article is None:
                raise ZaloError(-201, "Article not found")
            return {**self._media(article), "author": article.author, "description": article.description,
                    "body": article.body, "cover": article.cover}
        if (method, path) == ("POST", "/v2.0/oa/message"):
            elements = (((record.json or {}).get("message") or {}).get("attachment") or {}).get(
                "payload", {}).get("elements") or [{}]
            article_id = elements[0].get("attachment_id")
            if elements[0].get("media_type") != "article" or article_id not in {a.id for a in self.ready()}:
                raise ZaloError(-201, "Article not found")
            self.broadcasts.append(article_id)
            return {"message_id": secrets.token_hex(8)}
        raise ZaloError(-201, f"Unknown API {method} {path}")

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Contract: title ≤150, author ≤50, description ≤300, body of text/image blocks → data.token."""
        title, author = str(body.get("title") or ""), str(body.get("author") or "")
        description = str(body.get("description") or "")
        blocks = body.get("body")
        if body.get("type") != "normal" or not title or len(title) > 150 or not author or len(author) > 50 \
                or len(description) > 300 or not isinstance(blocks, list) or not blocks:
            raise ZaloError(-201, "Invalid title, author, description or body")
        for block in blocks:
            if block.get("type") == "image" and block.get("photo_id") not in self.uploads and not block.get("url"):
                raise ZaloError(-201, "Image not uploaded")
            if block.get("type") not in ("text", "image"):
                raise ZaloError(-201, "Unknown block")
        cover = body.get("cover")
        if cover is not None and cover.get("photo_id") not in self.uploads and not cover.get("photo_url"):
            raise ZaloError(-201, "Cover photo not uploaded")
        token = secrets.token_hex(12)
        self.articles.append(Article(str(next(self._ids) + 900000), token, title, author, description, blocks,
                                     cover, time.time(), self.processing_polls))
        return {"token": token}

    @staticmethod
    def _media(article: Article) -> dict[str, Any]:
        """Contract: getslice's fields (create_date in ms)."""
        return {"id": article.id, "type": "normal", "title": article.title, "status": "show",
                "total_view": article.total_view, "total_share": article.total_share,
                "create_date": int(article.created * 1000), "link": article.link, "thumb": ""}


if __name__ == "__main__":
    with ZaloDouble() as zalo:
        print(f"{zalo.url}  first refresh token {zalo.refresh_token}  secret key {zalo.secret_key}")
        input("Enter stops it. ")
