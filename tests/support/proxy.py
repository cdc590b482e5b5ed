"""A small fault-injecting HTTP proxy on 127.0.0.1, in front of a real server (the test WordPress).

Requests are forwarded unchanged (one upstream connection each) unless a fault is queued for them:

* ``stall_next(method, path)``: forward the request, let the upstream act on it, then hold the answer back for
  ``seconds`` — the window where a platform has created a post but loa has not heard so (crash tests);
* ``answer_next(method, path, status, headers, body)``: answer in the upstream's place (500s, 429 + Retry-After);
* ``drop_next(method, path)``: close the connection without an answer (a reset mid-request).

``path`` matches when it occurs in the request's path or query (``/wp/v2/posts`` matches ``?rest_route=...``).
"""
from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}


@dataclass
class Fault:
    kind: str  # stall, answer, drop
    method: str
    path: str
    seconds: float = 0.0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        split = urlsplit(upstream)
        self.upstream_host, self.upstream_port = split.hostname, split.port or 80
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, str, int]] = []  # (method, path, status answered)
        self.stalled = threading.Event()  # set when a stalled answer is being held back
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- scripting ------------------------------------------------------------------------------------------------
    def stall_next(self, method: str, path: str, seconds: float) -> None:
        self.faults.append(Fault("stall", method, path, seconds=seconds))

    def answer_next(self, method: str, path: str, status: int, *, headers: dict[str, str] | None = None,
                    body: bytes = b'{"code":"proxy","message":"injected by the test proxy","data":{}}') -> None:
        self.faults.append(Fault("answer", method, path, status=status, headers=headers or {}, body=body))

    def drop_next(self, method: str, path: str) -> None:
        self.faults.append(Fault("drop", method, path))

    def _take(self, method: str, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method == method and fault.path in unquote(target):
                    self.faults.remove(fault)
                    return fault
        return None

    # -- life cycle -----------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._serve(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- forwarding -----------------------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        method, target = handler.command, handler.path
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        fault = self._take(method, target)
        if fault is not None and fault.kind == "drop":
            handler.close_connection = True
            handler.connection.close()
            self.seen.append((method, target, 0))
            return
        if fault is not None and fault.kind == "answer":
            self._answer(handler, fault.status, fault.headers | {"Content-Type": "application/json"}, fault.body)
            self.seen.append((method, target, fault.status))
            return
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=120)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Host"] = f"{self.upstream_host}:{self.upstream_port}"
        upstream.request(method, target, body=body or None, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        if fault is not None and fault.kind == "stall":
            self.stalled.set()
            time.sleep(fault.seconds)
        reply = {k: v for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}}
        self._answer(handler, answer.status, reply, data)
        self.seen.append((method, target, answer.status))

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out, or was killed): exactly what the tests provoke
