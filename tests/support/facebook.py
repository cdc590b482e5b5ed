"""A local double of the Facebook Graph API (Page publishing), following the wire contract loa was written against.

Standard library only: a ThreadingHTTPServer on 127.0.0.1 in a background thread. It records every request, keeps
the Page's posts in memory and can be scripted to fail (``fail_next``) the way the real API fails.

    python -m tests.support.facebook        # start one by hand, print its URL, stop on Enter
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

MAX_PHOTO_BYTES = 10 * 1024 * 1024  # contract: photos at most 10 MB
# contract: since Nov 2025 the post_impressions* metrics are gone; these are the ones it names
VALID_METRICS = ("post_total_media_view_unique", "post_media_view", "post_clicks", "post_reactions_by_type_total")
# contract: a Page token carries pages_manage_posts and pages_read_engagement; engagement reads need the latter
PERMISSIONS = ("pages_manage_posts", "pages_read_engagement")
ENGAGEMENT_FIELDS = ("shares", "reactions", "comments")
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
MESSAGES = {
    1: "An unknown error has occurred.",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    200: "(#200) The user hasn't authorized the application to perform this action",
    341: "(#341) Feed action request limit reached",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    506: "(#506) Duplicate status message",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
}
TOKEN_MESSAGES = {  # contract: code 190 with subcodes 458, 459, 460, 463, 464, 467, 492
    458: "Error validating access token: The user has not authorized application.",
    459: "Error validating access token: The user is checkpointed.",
    460: "Error validating access token: The session has been invalidated because the user changed their password.",
    463: "Error validating access token: Session has expired.",
    464: "Error validating access token: Sessions for the user are not allowed because the user is not confirmed.",
    467: "Invalid OAuth access token - Cannot parse access token",
    492: "Error validating access token: The session is invalid.",
}
IMAGE_TITLE = "Can't Read Files"
IMAGE_MSG = "Your photos couldn't be uploaded. Photos should be saved as JPG, PNG, GIF, TIFF or BMP files under 10 MB."


def http_status(code: int) -> int:
    """Contract: HTTP 500 for codes 1/2, 403 for the permission codes (10, 200–299), 400 for everything else."""
    if code in (1, 2):
        return 500
    if code == 10 or 200 <= code <= 299:
        return 403
    return 400


class GraphError(Exception):
    """One Graph API error; ``body()`` has exactly the contract's keys (absent ones are null)."""

    def __init__(self, code: int, message: str | None = None, subcode: int | None = None,
                 title: str | None = None, user_msg: str | None = None) -> None:
        self.code, self.subcode, self.title, self.user_msg = code, subcode, title, user_msg
        if message is None:
            message = TOKEN_MESSAGES.get(subcode or 463) if code == 190 else MESSAGES.get(code, f"(#{code}) Error")
        self.message = message
        self.regain: int | None = None  # 80001 only: minutes for X-Business-Use-Case-Usage
        super().__init__(message)

    def body(self, trace: str) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": "OAuthException", "code": self.code,
                          "error_subcode": self.subcode, "error_user_title": self.title,
                          "error_user_msg": self.user_msg, "fbtrace_id": trace}}


def image_error() -> GraphError:
    """Contract: code 100, subcode 1366046 — the image can't be read or is too big."""
    return GraphError(100, "(#100) The photo could not be uploaded.", 1366046, IMAGE_TITLE, IMAGE_MSG)


def missing_object(object_id: str, method: str) -> GraphError:
    """Contract: code 100, subcode 33 — object missing (the real API's wording)."""
    return GraphError(100, f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
                           "cannot be loaded due to missing permissions, or does not support this operation.", 33)


@dataclass
class Part:
    """One multipart part as received: its bytes are kept only as size and sha256."""

    name: str | None
    filename: str | None
    content_type: str | None
    size: int
    sha256: str


@dataclass
class RecordedRequest:
    """What loa sent. ``token_in`` lists where an access token was found: "body", "bearer" and/or "query"."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    form: dict[str, str] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)
    token_in: list[str] = field(default_factory=list)
    version: str | None = None
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Photo:
    id: str
    sha256: str
    size: int
    caption: str
    published: bool
    post_id: str | None = None
    data: bytes = field(default=b"", repr=False)  # the bytes received: tests open them with Pillow


@dataclass
class Post:
    """A Page post; set ``shares``/``reactions``/``comments``/``insights`` to shape what read-backs return."""

    id: str
    message: str
    link: str | None
    created_time: float
    permalink_url: str
    photo_sha256: list[str] = field(default_factory=list)
    photo_ids: list[str] = field(default_factory=list)
    published: bool = True
    scheduled_publish_time: int | None = None
    shares: int = 0
    reactions: int = 0
    comments: int = 0
    insights: dict[str, Any] = field(default_factory=dict)

    @property
    def created_iso(self) -> str:
        """The Graph API's timestamp format, e.g. 2026-11-26T12:00:00+0000."""
        return dt.datetime.fromtimestamp(self.created_time, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def split_fields(spec: str) -> list[str]:
    """``a,b.summary(true).limit(0),c`` → field names, ignoring commas inside parentheses or braces."""
    names, depth, current = [], 0, ""
    for char in spec + ",":
        depth += char in "({"
        depth -= char in ")}"
        if char == "," and depth == 0:
            if current.strip():
                names.append(re.match(r"[A-Za-z_]*", current.strip()).group())
            current = ""
        else:
            current += char
    return names


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, str], list[Part], dict[str, bytes]]:
    """Form fields, multipart part records and file parts, for urlencoded, multipart or JSON bodies."""
    form: dict[str, str] = {}
    parts: list[Part] = []
    files: dict[str, bytes] = {}
    if content_type.lower().startswith("multipart/form-data"):
        head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
        message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise GraphError(100, "(#100) Malformed multipart body")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            declared = part.get_content_type() if part.get("content-type") else None
            parts.append(Part(name, filename, declared, len(data), hashlib.sha256(data).hexdigest()))
            if name is None:
                continue
            if filename is not None or name == "source":
                files[name] = data
            else:
                form[name] = data.decode(part.get_content_charset() or "utf-8", "replace")
    elif content_type.lower().startswith("application/json") and body:
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()}
    elif body:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return form, parts, files


class GraphDouble:
    """The Graph API for one Page, on http://127.0.0.1:PORT/vNN.0/... (``url`` once started)."""

    def __init__(self, page_id: str = "123456789012345", page_name: str = "Sở KH&CN Cần Thơ",
                 token: str = "EAAB-test-token", *, clock: Callable[[], float] = time.time,
                 detect_duplicates: bool = True) -> None:
        self.page_id, self.page_name, self.token = page_id, page_name, token
        self.clock = clock
        self.detect_duplicates = detect_duplicates
        self.requests: list[RecordedRequest] = []
        self.posts: list[Post] = []
        self.photos: dict[str, Photo] = {}
        self.edits: list[tuple[str, str]] = []  # (post id, new message), in order
        self.deleted: list[Post] = []  # taken down: no longer in ``posts``
        self.valid_metrics: set[str] = set(VALID_METRICS)  # drop one to play a metric Meta has retired
        self.permissions: set[str] = set(PERMISSIONS)  # drop pages_read_engagement: engagement reads get code 10
        # contract: usage headers are percentages, throttled at 100; tests set these to simulate pressure
        self.app_usage: dict[str, int] = {"call_count": 0, "total_time": 0, "total_cputime": 0}
        self.page_usage: dict[str, Any] = {"type": "pages", "call_count": 0, "total_cputime": 0, "total_time": 0,
                                           "estimated_time_to_regain_access": 0}
        self._failures: list[tuple[str, str | None, GraphError]] = []  # (method, path suffix, error)
        # a POST that created something answers only after this many seconds (a crash window for tests);
        # ``created`` is set the moment the post exists, before the answer is held back
        self.stall_seconds = 0.0
        self.created = threading.Event()
        # a POST is held this many seconds BEFORE it creates anything (a platform still processing an upload when
        # loa stops): ``holding`` is set when one arrives; ``release`` lets it go on at once
        self.hold_seconds = 0.0
        self.holding = threading.Event()
        # set by a test to let a held answer go at once: the order of events, not a sleep, decides the test
        self.release = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> GraphDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

            def do_GET(self) -> None:
                double._serve(self)

            do_POST = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> GraphDouble:
        return self if self._server else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("GraphDouble is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- scripting ------------------------------------------------------------------------------------------------
    def fail_next(self, method: str = "*", path: str | None = None, *, code: int, subcode: int | None = None,
                  message: str | None = None, regain_minutes: int = 5, times: int = 1) -> None:
        """Queue a failure for the next request(s) whose method matches and whose path ends with ``path``.

        Codes 1/2 on a POST and 506 on a POST still perform the request first: the contract warns that a 500 may
        have created the post, and that a duplicate means the earlier post is there. 80001 puts
        ``regain_minutes`` into X-Business-Use-Case-Usage's estimated_time_to_regain_access.
        """
        title, user_msg = (IMAGE_TITLE, IMAGE_MSG) if subcode == 1366046 else (None, None)
        with self._lock:
            for _ in range(times):
                error = GraphError(code, message, subcode, title, user_msg)
                error.regain = regain_minutes if code == 80001 else None
                self._failures.append((method.upper(), path, error))

    def published_posts(self) -> list[Post]:
        return [post for post in self.posts if post.published]

    # --- HTTP -------------------------------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        body = self._read_body(handler, headers)
        record = RecordedRequest(handler.command, split.path, dict(parse_qsl(split.query, keep_blank_values=True)),
                                 headers)
        trace = "A" + secrets.token_urlsafe(15)
        regain: int | None = None
        if handler.command == "POST" and self.hold_seconds:
            self.holding.set()
            self.release.wait(self.hold_seconds)
        with self._lock:
            self.requests.append(record)
            try:
                record.form, record.parts, files = parse_body(headers.get("content-type", ""), body)
                status, payload, regain = 200, self._dispatch(record, files), None
            except GraphError as error:
                status, payload, regain = http_status(error.code), error.body(trace), error.regain
            except (ValueError, UnicodeDecodeError) as error:
                status, payload = 400, GraphError(100, f"(#100) {error}").body(trace)
            record.status, record.response = status, payload
            page = dict(self.page_usage)
            if regain is not None:
                page.update(call_count=max(100, page["call_count"]), estimated_time_to_regain_access=regain)
            usage = {"app": json.dumps(self.app_usage), "page": json.dumps({self.page_id: [page]})}
        if record.method == "POST" and status == 200:
            self.created.set()
            if self.stall_seconds:
                self.release.wait(self.stall_seconds)
        raw = json.dumps(payload).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=UTF-8")
            handler.send_header("Content-Length", str(len(raw)))
            handler.send_header("X-App-Usage", usage["app"])
            handler.send_header("X-Business-Use-Case-Usage", usage["page"])
            handler.send_header("x-fb-trace-id", trace)
            if record.version:
                handler.send_header("facebook-api-version", record.version)
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout, or a process the test killed)

    @staticmethod
    def _read_body(handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int(handler.rfile.readline().split(b";")[0], 16):
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
            while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return handler.rfile.read(int(headers.get("content-length") or 0))

    def _dispatch(self, record: RecordedRequest, files: dict[str, bytes]) -> dict[str, Any]:
        """Version, then token, then scripted failures, then the route itself."""
        match = re.fullmatch(r"/(v\d+\.0)(/.*)", record.path)
        if not match:  # contract: versioned paths only (the version is a loa setting)
            raise GraphError(100, f"(#100) Unversioned or unknown path: {record.path}")
        record.version, route = match.groups()
        params = {**record.query, **record.form} if record.method == "POST" else record.query
        # contract: the token travels in the POST body or an Authorization: Bearer header; a query-string token
        # is accepted (like the real API) but recorded, so tests can assert loa never sends one.
        tokens: dict[str, str] = {}
        authorization = record.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            tokens["bearer"] = authorization[7:].strip()
        if "access_token" in record.form:
            tokens["body"] = record.form["access_token"]
        if "access_token" in record.query:
            tokens["query"] = record.query["access_token"]
        record.token_in = list(tokens)
        if not tokens:
            raise GraphError(190, "An access token is required to request this resource.", 467)
        if next(iter(tokens.values())) != self.token:
            raise GraphError(190, TOKEN_MESSAGES[467], 467)
        failure = next((f for f in self._failures if f[0] in ("*", record.method)
                        and (f[1] in (None, "*") or route.rstrip("/").endswith(f[1].rstrip("/")))), None)
        if failure is None:
            return self._route(record.method, route, params, files)
        self._failures.remove(failure)
        # a 500 on a write (codes 1/2) may have done it all the same: a create, an edit, a delete
        if (record.method == "POST" and failure[2].code in (1, 2, 506)) or \
                (record.method == "DELETE" and failure[2].code in (1, 2)):
            try:
                self._route(record.method, route, params, files)
            except GraphError:
                pass
        raise failure[2]

    def _route(self, method: str, route: str, params: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
        segments = route.strip("/").split("/")
        head = segments[0]
        if method == "POST" and head != self.page_id and len(segments) == 1:
            return self._edit_post(head, params)
        if method == "DELETE" and len(segments) == 1:
            return self._delete_post(head)
        if method == "POST":
            if head != self.page_id:
                raise missing_object(head, method)
            if segments[1:] == ["photos"]:
                return self._post_photo(params, files)
            if segments[1:] == ["feed"]:
                return self._post_feed(params)
        elif method == "GET":
            if segments == [self.page_id]:
                return self._fields({"id": self.page_id, "name": self.page_name}, params, "Page", ("id", "name"))
            if segments[0] == self.page_id and segments[1:] in (["posts"], ["feed"]):
                return self._list_posts(params)
            post = next((p for p in self.posts if p.id == head), None)
            if post is None:
                raise missing_object(head, method)
            if len(segments) == 1:
                if set(split_fields(params.get("fields") or "")) & set(ENGAGEMENT_FIELDS):
                    self._require("pages_read_engagement")
                return self._read_post(post, params)
            if segments[1:] == ["insights"]:
                self._require("pages_read_engagement")
                return self._insights(post, params)
        else:
            raise missing_object(head, method)
        raise GraphError(2500, f"Unknown path components: /{'/'.join(segments[1:])}")

    # --- publishing ----------------------------------------------------------------------------------------------
    def _schedule(self, params: dict[str, str]) -> tuple[bool, int | None]:
        """Contract: published=false + scheduled_publish_time 10 minutes .. 75 days ahead, else 400 code 100."""
        published = params.get("published", "true").lower() not in ("false", "0")
        raw = params.get("scheduled_publish_time")
        if raw is None:
            return published, None
        invalid = GraphError(100, "(#100) The specified scheduled publish time is invalid.")
        try:
            when = int(raw)
        except ValueError:
            raise invalid from None
        if published or not 600 <= when - self.clock() <= 75 * 86400:
            raise invalid
        return published, when

    def _new_post(self, message: str, link: str | None, photos: list[Photo], published: bool,
                  scheduled: int | None) -> Post:
        number = str(100000000000000 + next(self._ids))
        post = Post(f"{self.page_id}_{number}", message, link, self.clock(),
                    f"https://www.facebook.com/{self.page_id}/posts/{number}", [p.sha256 for p in photos],
                    [p.id for p in photos], published, scheduled)
        for photo in photos:
            photo.post_id = post.id
        self.posts.append(post)
        return post

    def _post_photo(self, params: dict[str, str], files: dict[str, bytes]) -> dict[str, Any]:
        """Contract: multipart ``source`` + ``caption`` + ``published`` → {id, post_id}; unpublished → {id} only.

        JPEG/PNG/GIF/TIFF/BMP up to 10 MB; anything else (or no ``source``) fails with 100/1366046.
        """
        source = files.get("source")
        if source is None or len(source) > MAX_PHOTO_BYTES or not source.startswith(IMAGE_MAGIC):
            raise image_error()
        published, scheduled = self._schedule(params)
        photo = Photo(str(200000000000000 + next(self._ids)), hashlib.sha256(source).hexdigest(), len(source),
                      params.get("caption", ""), published, data=source)
        self.photos[photo.id] = photo
        if published:
            return {"id": photo.id, "post_id": self._new_post(photo.caption, None, [photo], True, None).id}
        if scheduled is not None:
            self._new_post(photo.caption, None, [photo], False, scheduled)
        return {"id": photo.id}

    def _post_feed(self, params: dict[str, str]) -> dict[str, Any]:
        """Contract: ``message`` and/or ``link``, plus ``attached_media[N]={"media_fbid": ...}`` → {id}."""
        message, link = params.get("message", ""), params.get("link") or None
        indexed = sorted((int(m.group(1)), value) for key, value in params.items()
                         if (m := re.fullmatch(r"attached_media\[(\d+)\]", key)))
        photos: list[Photo] = []
        for index, value in indexed:
            try:
                photo = self.photos.get(str(json.loads(value)["media_fbid"]))
            except (ValueError, KeyError, TypeError):
                photo = None
            if photo is None or photo.published or photo.post_id is not None:
                raise GraphError(100, f"(#100) attached_media[{index}] is not an unused unpublished photo")
            photos.append(photo)
        if not (message or link or photos):
            raise GraphError(100, "(#100) Missing message or attachment")
        published, scheduled = self._schedule(params)
        key = (message, link, [p.sha256 for p in photos])
        if self.detect_duplicates and published and any(
                (p.message, p.link, p.photo_sha256) == key for p in self.published_posts()):
            raise GraphError(506)  # contract: duplicate post; the earlier one is there
        return {"id": self._new_post(message, link, photos, published, scheduled).id}

    def _edit_post(self, post_id: str, params: dict[str, str]) -> dict[str, Any]:
        """Contract: POST /{page-post-id} with ``message`` → {"success": true}; a photo post's caption is its
        post's message. Needs pages_manage_posts. A post that does not exist (or was deleted): 400, 100/33."""
        post = next((p for p in self.posts if p.id == post_id), None)
        if post is None:
            raise missing_object(post_id, "POST")
        self._require("pages_manage_posts")
        if "message" not in params:
            raise GraphError(100, "(#100) Missing message")
        post.message = params["message"]
        self.edits.append((post_id, post.message))
        return {"success": True}

    def _delete_post(self, post_id: str) -> dict[str, Any]:
        """Contract: DELETE /{page-post-id} → {"success": true}; an already-deleted post answers 400, 100/33."""
        post = next((p for p in self.posts if p.id == post_id), None)
        if post is None:
            raise missing_object(post_id, "DELETE")
        self._require("pages_manage_posts")
        self.posts.remove(post)
        self.deleted.append(post)
        return {"success": True}

    # --- reading -------------------------------------------------------------------------------------------------
    def _require(self, permission: str) -> None:
        """Contract: a missing permission is code 10 (HTTP 403), permanent until an administrator grants it."""
        if permission not in self.permissions:
            raise GraphError(10, f"(#10) This endpoint requires the '{permission}' permission or the 'Page Public "
                                 "Content Access' feature.")

    @staticmethod
    def _fields(node: dict[str, Any], params: dict[str, str], kind: str, default: tuple[str, ...]) -> dict[str, Any]:
        names = split_fields(params["fields"]) if params.get("fields") else list(default)
        out: dict[str, Any] = {}
        for name in names:
            if name not in node:
                raise GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({kind})")
            if node[name] is not None:  # contract: e.g. shares is omitted when zero
                out[name] = node[name]
        out.setdefault("id", node["id"])
        return out

    def _post_node(self, post: Post) -> dict[str, Any]:
        return {"id": post.id, "message": post.message or None, "created_time": post.created_iso,
                "permalink_url": post.permalink_url, "shares": {"count": post.shares} if post.shares else None,
                "reactions": {"data": [], "summary": {"total_count": post.reactions, "viewer_reaction": "NONE"}},
                "comments": {"data": [], "summary": {"order": "ranked", "total_count": post.comments,
                                                     "can_comment": True}}}

    def _read_post(self, post: Post, params: dict[str, str]) -> dict[str, Any]:
        """Contract: GET /{post-id}?fields=permalink_url,created_time,message,shares,reactions…,comments…"""
        return self._fields(self._post_node(post), params, "Post", ("created_time", "message", "id"))

    def _list_posts(self, params: dict[str, str]) -> dict[str, Any]:
        """Contract: GET /{page-id}/posts?fields=id,message,created_time,permalink_url&since=<unix>; newest first."""
        since = int(params.get("since") or 0)
        limit = int(params.get("limit") or 25)
        chosen = sorted((p for p in self.published_posts() if p.created_time >= since),
                        key=lambda p: p.created_time, reverse=True)[:limit]
        return {"data": [self._read_post(p, params) for p in chosen]}

    def _insights(self, post: Post, params: dict[str, str]) -> dict[str, Any]:
        """Contract: post-2025 metric names, period=lifetime; one invalid metric fails the call with 400/100."""
        metrics = [m for m in params.get("metric", "").split(",") if m]
        if not metrics or any(m not in self.valid_metrics for m in metrics):
            raise GraphError(100, "(#100) The value must be a valid insights metric")
        if params.get("period", "lifetime") != "lifetime":
            raise GraphError(100, "(#100) Invalid period for post insights")
        data = [{"name": m, "period": "lifetime",
                 "values": [{"value": post.insights.get(m, {} if m.endswith("_by_type_total") else 0)}],
                 "title": m, "description": "", "id": f"{post.id}/insights/{m}/lifetime"} for m in metrics]
        return {"data": data}


if __name__ == "__main__":
    with GraphDouble() as graph:
        print(f"{graph.url}/v21.0/{graph.page_id}  token {graph.token}")
        input("Enter stops it. ")
