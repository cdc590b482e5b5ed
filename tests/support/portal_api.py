"""A small real HTTP server on 127.0.0.1 playing a portal's own news API, NukeViet style, for the ``http`` adapter.

    POST   /api/upload            multipart ``file`` → {"status": "success", "data": {"url": ...}}
    POST   /api/news              JSON or form {title, alias, bodytext, homeimgfile} → {"status": "success",
                                  "data": {"id", "link"}}
    GET    /api/news?alias=A      → {"status": "success", "data": [news...]} ([] when none)
    PUT    /api/news/ID (or POST) → the changed news
    DELETE /api/news/ID           → {"status": "success"}; 404 {"status": "error"} when there is none

Every /api/ call needs the header ``X-Api-Token``; a wrong one answers 401 with the token it got echoed back (as
careless APIs do). Scripted faults: ``fail_next(method, path, status, retry_after=...)`` and ``slow_after_create``
(the news is stored, then the answer waits: the lost-answer case). Standard library only.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # field -> sha256 of the bytes
    status: int = 0


class PortalApi:
    def __init__(self, token: str = "portal-token-1") -> None:
        self.token = token
        self.news: dict[int, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.requests: list[Seen] = []
        self.faults: list[tuple[str, str, int, str | None, str | None]] = []
        self.slow_after_create = 0.0  # seconds the answer to a create waits after the news is stored
        self.created = threading.Event()  # set when a news is stored
        self.release = threading.Event()  # ends a slow answer early
        self.echo_token = True
        self.latency = 0.0  # seconds every API answer takes (a real portal's work: the benchmark sets it)
        self.ids = itertools.count(101)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> PortalApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, method: str, path: str, status: int, *, retry_after: str | None = None,
                  message: str | None = None) -> None:
        """The next ``method`` request whose path starts with ``path`` answers ``status`` without doing anything."""
        self.faults.append((method, path, status, retry_after, message))

    def creates(self) -> list[Seen]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/api/news"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 64 * 1024  # headers and body in one send: no Nagle/delayed-ACK stall of 40 ms per answer

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def do_PUT(self) -> None:
                self._serve()

            def do_DELETE(self) -> None:
                self._serve()

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)),
                            {k.lower(): v for k, v in self.headers.items()}, body)
                self._parse(seen)
                with portal.lock:
                    portal.requests.append(seen)
                if portal.latency:
                    time.sleep(portal.latency)
                status, answer, headers = portal._answer(seen)
                seen.status = status
                if answer is None:  # the connection is dropped without an answer
                    return
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting (a read timeout): the news is stored all the same

            def _parse(self, seen: Seen) -> None:
                kind = seen.headers.get("content-type", "")
                if kind.startswith("application/json"):
                    try:
                        seen.json = json.loads(seen.body.decode("utf-8"))
                    except ValueError:
                        seen.json = ValueError
                elif kind.startswith("application/x-www-form-urlencoded"):
                    seen.form = dict(parse_qsl(seen.body.decode("utf-8")))
                elif kind.startswith("multipart/form-data"):
                    message = BytesParser(policy=policy.HTTP).parsebytes(
                        f"Content-Type: {kind}\r\n\r\n".encode() + seen.body)
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True) or b""
                        if part.get_filename():
                            seen.files[name] = hashlib.sha256(payload).hexdigest()
                            portal.uploads[seen.files[name]] = payload
                        else:
                            seen.form[name] = payload.decode("utf-8")

        return Handler

    # -- the API -------------------------------------------------------------------------------------------------
    def _answer(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        for fault in self.faults:
            method, path, status, retry_after, message = fault
            if method == seen.method and seen.path.startswith(path):
                self.faults.remove(fault)
                return status, {"status": "error", "message": message or f"error {status}"}, \
                    ({"Retry-After": retry_after} if retry_after else {})
        if not seen.path.startswith("/api/"):
            return 404, {"status": "error", "message": "Not found"}, {}
        given = seen.headers.get("x-api-token", "")
        if given != self.token:
            words = f"Invalid API token: {given}" if self.echo_token else "Invalid API token"
            return 401, {"status": "error", "message": words}, {}
        if seen.path == "/api/upload" and seen.method == "POST":
            if "file" not in seen.files:
                return 400, {"status": "error", "message": "file is required"}, {}
            return 200, {"status": "success", "data": {"url": f"{self.url}/uploads/{seen.files['file']}.png"}}, {}
        if seen.path == "/api/news":
            if seen.method == "GET":
                alias = seen.query.get("alias", "")
                return 200, {"status": "success", "data": [n for n in self.news.values() if n["alias"] == alias]}, {}
            if seen.method == "POST":
                return self._create(seen)
        if seen.path.startswith("/api/news/"):
            news_id = seen.path.rsplit("/", 1)[1]
            news = self.news.get(int(news_id)) if news_id.isdigit() else None
            if news is None:
                return 404, {"status": "error", "message": f"News {news_id} not found"}, {}
            if seen.method == "GET":
                return 200, {"status": "success", "data": news}, {}
            if seen.method in ("PUT", "POST"):
                fields = self._fields(seen)
                if fields is None:
                    return 400, {"status": "error", "message": "invalid JSON"}, {}
                news.update({k: v for k, v in fields.items() if k in ("title", "bodytext", "homeimgfile")})
                return 200, {"status": "success", "data": news}, {}
            if seen.method == "DELETE":
                del self.news[int(news_id)]
                return 200, {"status": "success"}, {}
        return 405, {"status": "error", "message": "Method not allowed"}, {}

    @staticmethod
    def _fields(seen: Seen) -> dict[str, Any] | None:
        if seen.json is ValueError or (seen.json is not None and not isinstance(seen.json, dict)):
            return None
        return seen.json if seen.json is not None else seen.form

    def _create(self, seen: Seen) -> tuple[int, Any, dict[str, str]]:
        fields = self._fields(seen)
        if fields is None:
            return 400, {"status": "error", "message": "invalid JSON"}, {}
        if not str(fields.get("title") or "").strip():
            return 400, {"status": "error", "message": "title is required"}, {}
        with self.lock:
            news_id = next(self.ids)
            alias = str(fields.get("alias") or f"news-{news_id}")
            self.news[news_id] = {"id": news_id, "title": fields["title"], "alias": alias,
                                  "bodytext": fields.get("bodytext", ""), "homeimgfile": fields.get("homeimgfile"),
                                  "link": f"{self.url}/news/{alias}-{news_id}.html"}
        self.created.set()
        if self.slow_after_create:
            self.release.wait(self.slow_after_create)
        return 200, {"status": "success", "data": {"id": news_id, "link": self.news[news_id]["link"]}}, {}


if __name__ == "__main__":
    with PortalApi() as portal:
        input(f"{portal.url} (token {portal.token}): Enter stops it\n")
