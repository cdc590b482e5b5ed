"""``zalo``: articles on a Zalo Official Account, optionally broadcast to its followers.

A publication is several sends: the cover image (and the post's photos) uploaded, the article created (Zalo answers
a token), ``verify`` asked with backoff until it names the article (−214: still processing), the link read, and the
broadcast. With a database, each stage that shows to the public is a recorded step of the delivery (``article``,
``broadcast``), so a retry after a crash never creates the article or broadcasts it twice; an article whose answer
was lost is looked up by its title among the OA's recent articles. Errors come as HTTP 200 with a non-zero
``error``; the access token travels in the ``access_token`` header, never in a URL. Tokens: zalo_tokens.py.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import os
import time
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any, Literal

import requests
from pydantic import Field

from loa.posts.i18n import t
from loa.scheduler.config import ChannelSettings, EnvName, SiteUrl

from .http_session import PlatformSession
from . import (CONNECT_TIMEOUT, AuthError, Banner, ChannelHealth, Metrics, Outgoing, PermanentError, Published,
               Publisher, PublishError, SecretUnset, TransientError, network_problem, request_went_out)
from .zalo_tokens import FIRST_TOKEN_ENV, TokenStore

RATE_LIMIT_PAUSE = dt.timedelta(minutes=15)
FIND_WINDOW = dt.timedelta(days=2)  # without a recorded start, look this far back for the article
CLOCK_SLACK = dt.timedelta(minutes=10)  # Zalo's create_date against this machine's clock
FIND_PAGES, PAGE_SIZE = 5, 20  # recent articles looked through (getslice pages)
MAX_IMAGE_BYTES = 1_000_000  # contract: oa/upload/image takes at most 1 MB
TAKEN_AS_IS = ("image/jpeg", "image/png")  # contract: oa/upload/image takes JPEG and PNG
TITLE_MOST, DESCRIPTION_MOST, AUTHOR_MOST = 150, 300, 50
STILL_PROCESSING, RATE_LIMITED, INVALID_PARAMETER, TOKEN_INVALID, TOKEN_EXPIRED, TIER = -214, -32, -201, -216, -220, -224
UNAVAILABLE = {"reactions": "zalo.no_reactions", "comments": "zalo.no_comments", "reach": "zalo.no_reach",
               "clicks": "zalo.no_clicks"}


class ZaloSettings(ChannelSettings):
    adapter: Literal["zalo"]
    app_id: Annotated[str, Field(pattern=r"^[0-9]+$")]
    secret_key_env: EnvName
    token_file: Annotated[str, Field(min_length=1)]  # relative to the config's folder; holds the token pair (0600)
    author: Annotated[str, Field(min_length=1, max_length=AUTHOR_MOST)] | None = None  # default: the campaign
    broadcast: bool = False  # send the article to the OA's followers once it exists
    oa_url: SiteUrl = "https://openapi.zalo.me"
    oauth_url: SiteUrl = "https://oauth.zaloapp.com"
    timeout: Annotated[float, Field(gt=0, le=25)] = 20  # under the 30 s a database lock is held at most
    verify_polls: Annotated[int, Field(ge=1, le=100)] = 12
    verify_backoff: Annotated[float, Field(ge=0, le=60)] = 1.0  # seconds before the 2nd poll, doubling each time
    verify_backoff_max: Annotated[float, Field(ge=0, le=300)] = 15.0

    def channel_kind(self) -> str:
        return self.kind or "zalo"


class ZaloPublisher(Publisher):
    adapter = "zalo"
    Settings = ZaloSettings

    def __init__(self, channel: str, settings: Any, *, base_dir: Path) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.timeout = (CONNECT_TIMEOUT, settings.timeout)
        self.root = settings.oa_url.rstrip("/")
        self.session = PlatformSession(f"loa/{version('loa')} (+publisher zalo)")
        self.paused_until: dt.datetime | None = None
        self._tokens: TokenStore | None = None

    # -- tokens and calls ---------------------------------------------------------------------------------------
    @property
    def tokens(self) -> TokenStore:
        if self._tokens is None:  # built late: ``coordination`` is set after __init__
            lock = (lambda: self.coordination.lock(f"zalo-refresh:{self.channel}")) if self.coordination else None
            self._tokens = TokenStore(self.base_dir / self.settings.token_file, oauth_url=self.settings.oauth_url,
                                      app_id=self.settings.app_id, secret_key=self._secret_key,
                                      session=self.session, timeout=self.timeout, lock=lock)
        return self._tokens

    def _secret_key(self) -> str:
        key = os.environ.get(self.settings.secret_key_env, "")
        if not key:
            raise SecretUnset(t("zalo.secret_unset", variable=self.settings.secret_key_env))
        return key

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; a refused token (−216/−220) is refreshed once and the call made once more."""
        now = dt.datetime.now(dt.timezone.utc)
        if self.paused_until and self.paused_until > now:
            raise TransientError(t("zalo.rate_limited", detail=""), not_before=self.paused_until, channel_wide=True)
        token = self.tokens.access_token()
        body = self._send(method, path, token, **kwargs)
        if body.get("error") in (TOKEN_INVALID, TOKEN_EXPIRED):
            body = self._send(method, path, self.tokens.refresh_after_refusal(token), **kwargs)
        error = body.get("error")
        if error in (0, None):
            data = body.get("data")
            return data if isinstance(data, dict) else {}
        raise self._classify(method, path, error, body)

    def _send(self, method: str, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        address = f"{self.root}/{path}"
        try:
            answer = self.session.request(method, address, headers={"access_token": token}, timeout=self.timeout,
                                          **kwargs)
        except requests.RequestException as exc:  # the token is in a header: never in these messages
            raise TransientError(t("check.request_failed", method=method, address=address, why=network_problem(exc)),
                                 ambiguous=method == "POST" and request_went_out(exc)) from None
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TransientError(t("check.http_server_error", detail=f"{method} /{path}: HTTP {answer.status_code}"),
                                 ambiguous=method == "POST")
        try:
            body = answer.json()
        except ValueError:
            raise TransientError(t("zalo.not_json", address=address, status=answer.status_code),
                                 ambiguous=method == "POST") from None
        return body if isinstance(body, dict) else {}

    def _classify(self, method: str, path: str, error: Any, body: dict[str, Any]) -> PublishError:
        detail = f"{method} /{path}: error {error}" + (f" «{str(body['message'])[:200]}»" if body.get("message") else "")
        if error == RATE_LIMITED:  # the whole OA is throttled: the channel pauses, deliveries keep their attempts
            self.paused_until = dt.datetime.now(dt.timezone.utc) + RATE_LIMIT_PAUSE
            return TransientError(t("zalo.rate_limited", detail=detail), not_before=self.paused_until,
                                  channel_wide=True)
        if error in (TOKEN_INVALID, TOKEN_EXPIRED):  # refused again right after a refresh
            return AuthError(t("zalo.token_refused", detail=detail))
        if error == TIER:
            return AuthError(t("zalo.tier", detail=detail))
        failure = PermanentError(t("check.http_refused", detail=detail))
        failure.zalo_code = error  # type: ignore[attr-defined]
        return failure

    # -- publishing ---------------------------------------------------------------------------------------------
    def publish(self, outgoing: Outgoing) -> Published:
        steps = self._steps(outgoing)
        if outgoing.extra.get("attempt", 1) > 1 or (steps and steps.statuses().get("article")):
            found = self.find_existing(outgoing)  # an earlier attempt may have made it
            if found is not None:
                return found
        cover, photos = self._upload_images(outgoing)
        started = dt.datetime.now(dt.timezone.utc)
        if steps:  # from here the article may exist: the start bounds the look-up by title
            steps.begin("article", {"started": started.isoformat()})
        article = {"type": "normal", "title": outgoing.title[:TITLE_MOST],
                   "author": (self.settings.author or outgoing.campaign_name)[:AUTHOR_MOST],
                   "description": outgoing.text[:DESCRIPTION_MOST], "body": self._body(outgoing, photos),
                   "status": "show", "comment": "show"}
        if cover:
            article["cover"] = {"cover_type": "photo", "photo_id": cover, "status": "show"}
        try:
            token = self._call("POST", "v2.0/article/create", json=article).get("token")
        except TransientError as exc:
            if exc.ambiguous:  # the article may be there: settled by a look-up, never by creating it again
                return self._settle(outgoing, exc)
            self._forget(steps, "article")
            raise
        except PublishError:
            self._forget(steps, "article")
            raise
        if not token:
            raise TransientError(t("zalo.no_token"), ambiguous=True)
        if steps:
            steps.begin("article", {"started": started.isoformat(), "token": str(token)})
        article_id = self._verify(str(token))
        return self._finish(outgoing, article_id)

    def _settle(self, outgoing: Outgoing, exc: TransientError) -> Published:
        try:
            found = self.find_existing(outgoing)
        except PublishError:
            found = None  # cannot tell now: "may have gone out" until a look-up settles it
        if found is None:
            raise exc
        return found

    def _verify(self, token: str) -> str:
        """Ask until Zalo names the article. Still processing after every poll: it may appear later, so the
        delivery waits as "may have gone out" and a look-up settles it."""
        wait = self.settings.verify_backoff
        for poll in range(self.settings.verify_polls):
            if poll:
                time.sleep(wait)
                wait = min(wait * 2, self.settings.verify_backoff_max)
            try:
                found = self._call("POST", "v2.0/article/verify", json={"token": token})
            except PermanentError as exc:
                if getattr(exc, "zalo_code", None) == STILL_PROCESSING:
                    continue
                raise
            except TransientError as exc:
                exc.ambiguous = True  # the article was accepted: whatever failed now, it may be there
                raise
            if found.get("id"):
                return str(found["id"])
        raise TransientError(t("zalo.still_processing", polls=self.settings.verify_polls), ambiguous=True)

    def _finish(self, outgoing: Outgoing, article_id: str, link: str | None = None) -> Published:
        """The article exists: record it, read its link, and broadcast it once if the channel says so."""
        steps = self._steps(outgoing)
        if steps:
            steps.sent("article", {"id": article_id})
        if link is None:
            link = self._link(article_id)
        detail = {"article_id": article_id}
        if self.settings.broadcast:
            detail["broadcast"] = self._broadcast(outgoing, article_id)
        return Published(article_id, link, detail=detail)

    def _broadcast(self, outgoing: Outgoing, article_id: str) -> str:
        """Send the article to the followers at most once: a recorded step, and a lost answer is ``unknown`` for a
        person to settle (Zalo has no way to look a broadcast up)."""
        steps = self._steps(outgoing)
        if steps:
            done = steps.statuses().get("broadcast")
            if done:  # "sent", or "sending"/"unknown" from an attempt whose answer was lost: never twice
                if done == "sending":
                    steps.unknown("broadcast")
                return "sent" if done == "sent" else "unknown"
            steps.begin("broadcast", {"article_id": article_id})
        message = {"recipient": {"target": {}}, "message": {"attachment": {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "article", "attachment_id": article_id}]}}}}
        try:
            self._call("POST", "v2.0/oa/message", json=message)
        except TransientError as exc:
            if exc.ambiguous:
                if steps:
                    steps.unknown("broadcast", {"article_id": article_id, "error": str(exc)})
                return "unknown"
            self._forget(steps, "broadcast")  # not sent (rate limit): the next attempt finds the article, sends it
            raise
        except PublishError as exc:
            # the article is out, which is the delivery; the refusal is kept in the log for a person
            self._forget(steps, "broadcast")
            return f"refused: {exc}"
        if steps:
            steps.sent("broadcast", {"article_id": article_id})
        return "sent"

    def _link(self, article_id: str) -> str | None:
        try:
            return self._call("GET", "v2.0/article/getdetail", params={"id": article_id}).get("link") or None
        except TransientError:
            return None  # published all the same; the link can be read later

    def _upload_images(self, outgoing: Outgoing) -> tuple[str | None, list[str]]:
        """The first image (the banner, else the first photo) as the cover, every photo for the body. An upload
        shows nothing to anyone, so a lost answer here is not a post gone out."""
        ids: dict[str, str] = {}
        for image in outgoing.images:
            try:
                uploaded = self._call("POST", "v2.0/oa/upload/image",
                                      files={"file": _within_limit(image)})
            except TransientError as exc:
                exc.ambiguous = False
                raise
            if not uploaded.get("attachment_id"):
                raise TransientError(t("zalo.no_attachment", name=image.name))
            ids[image.name] = str(uploaded["attachment_id"])
        images = outgoing.images
        return (ids[images[0].name] if images else None), [ids[p.name] for p in outgoing.photos]

    def _body(self, outgoing: Outgoing, photos: list[str]) -> list[dict[str, Any]]:
        """The post's own body as paragraphs (the rendered text is only the 300-character description), then
        its photos."""
        text = outgoing.body or outgoing.text
        blocks: list[dict[str, Any]] = [{"type": "text", "content": "<p>" + html.escape(part).replace("\n", "<br>")
                                         + "</p>"} for part in (p.strip() for p in text.split("\n\n")) if part]
        blocks += [{"type": "image", "photo_id": photo, "caption": ""} for photo in photos]
        return blocks

    # -- looking up -----------------------------------------------------------------------------------------------
    def find_existing(self, outgoing: Outgoing) -> Published | None:
        """The article this delivery made: by the token an earlier attempt recorded, else by its title among the
        OA's recent articles created since the delivery could first have sent it. The API failing raises."""
        steps = self._steps(outgoing)
        record = (steps.detail("article") or {}) if steps else {}
        if record.get("id"):
            return self._finish(outgoing, str(record["id"]))
        if record.get("token"):
            try:
                found = self._call("POST", "v2.0/article/verify", json={"token": record["token"]})
            except PermanentError:
                found = {}  # still processing or an unknown token: the title says more
            if found.get("id"):
                return self._finish(outgoing, str(found["id"]))
        since = dt.datetime.now(dt.timezone.utc) - FIND_WINDOW
        if record.get("started"):
            since = dt.datetime.fromisoformat(record["started"]) - CLOCK_SLACK
        for page in range(FIND_PAGES):
            listed = self._call("GET", "v2.0/article/getslice",
                                params={"offset": page * PAGE_SIZE, "limit": PAGE_SIZE, "type": "normal"})
            medias = [m for m in listed.get("medias") or [] if isinstance(m, dict)]
            for media in medias:
                created = dt.datetime.fromtimestamp(_number(media.get("create_date")) / 1000, dt.timezone.utc)
                if media.get("title") == outgoing.title[:TITLE_MOST] and created >= since:
                    return self._finish(outgoing, str(media["id"]), media.get("link") or None)
            oldest = min((_number(m.get("create_date")) for m in medias), default=0) / 1000
            if len(medias) < PAGE_SIZE or oldest < since.timestamp():
                break  # newest first: the rest are older than the delivery
        return None  # the step stays: its start still bounds the next look-up

    # -- health and figures ---------------------------------------------------------------------------------------
    def check(self) -> ChannelHealth:
        try:
            if self.tokens.read() is None and not os.environ.get(FIRST_TOKEN_ENV):
                return ChannelHealth(False, t("zalo.token_file_missing", path=self.tokens.path,
                                              variable=FIRST_TOKEN_ENV))
            oa = self._call("GET", "v2.0/oa/getoa")
            self._call("GET", "v2.0/article/getslice", params={"offset": 0, "limit": 1, "type": "normal"})
        except PublishError as exc:
            return ChannelHealth(False, str(exc))
        name = oa.get("name") or oa.get("oa_id") or "?"
        return ChannelHealth(True, t("zalo.ok", name=name), account=str(name))

    def metrics(self, remote_id: str) -> Metrics:
        """Views and shares of the article (``total_view``, ``total_share``); Zalo offers no other figure."""
        detail = self._call("GET", "v2.0/article/getdetail", params={"id": remote_id})
        result = Metrics()
        for ours, theirs in (("views", "total_view"), ("shares", "total_share")):
            value = detail.get(theirs)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                result.values[ours] = result.source[theirs] = value
            else:
                result.missing(ours, t("zalo.figure_missing", name=theirs))
        for name, key in UNAVAILABLE.items():
            result.missing(name, t(key))
        return result

    # -- helpers --------------------------------------------------------------------------------------------------
    def _steps(self, outgoing: Outgoing) -> Any:
        return self.coordination.steps(outgoing.delivery_id) if self.coordination else None

    @staticmethod
    def _forget(steps: Any, step: str) -> None:
        if steps:
            steps.forget(step)


def _within_limit(image: Banner) -> tuple[str, bytes, str]:
    """The image as uploaded (file name, bytes, type): a JPEG or PNG of at most 1 MB as it is (Zalo takes both, and
    re-encoding would cost more than the upload), anything else recompressed to a JPEG, then scaled, under 1 MB."""
    data = image.path.read_bytes()
    if image.mime in TAKEN_AS_IS and len(data) <= MAX_IMAGE_BYTES:
        return image.name, data, image.mime
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    for scale in (1.0, 0.8, 0.64, 0.5, 0.35, 0.25):
        sized = picture if scale == 1.0 else picture.resize(
            (max(1, int(picture.width * scale)), max(1, int(picture.height * scale))))
        for quality in (90, 80, 70):
            out = io.BytesIO()
            sized.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= MAX_IMAGE_BYTES:
                return image.path.with_suffix(".jpg").name, out.getvalue(), "image/jpeg"
    raise PermanentError(t("zalo.image_too_large", name=image.name))


def _number(value: Any) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return number if number == number and abs(number) < 1e15 else 0.0
