"""``http``: a portal with its own HTTP API (NukeViet, Liferay, an in-house CMS), described in config.toml.

Method, URL, headers and body are Jinja2 templates run in loa's sandbox with the post's values and the secrets from
``secrets = { token = "ENV_NAME" }``; the answer's id and link are read by a small JSON path. A create whose answer
was lost (a timeout, a reset, a 5xx) may have made the post: the optional ``lookup`` request, by the delivery's
``post.slug``, settles it. Without a lookup loa cannot tell, so such a delivery becomes ``unknown`` for a person to
check, never a blind resend.
"""
from __future__ import annotations

import json
import os
import time
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

import requests

from loa.posts.i18n import t

from .http_session import PlatformSession
from . import (CONNECT_TIMEOUT, AuthError, ChannelHealth, Metrics, Outgoing, PermanentError, Published, Publisher,
               PublishError, SecretUnset, TransientError, network_problem, request_went_out, retry_after)
from . import http_templates as templates
from .http_settings import HttpChannel, LookupSettings, RequestSettings, UploadSettings

# statuses by which a server refuses a request before acting on it: a write answered so did not happen
REFUSED_UNDONE = {408, 425, 429, 503}
NO_FIGURES = "this portal's API gives no figures"
MAX_QUOTED = 200  # characters of a server's own error message quoted in loa's


class TemplateProblem(AuthError):
    """A request template fails with this post or these secrets: a setting to fix, so the channel waits."""


class HttpPublisher(Publisher):
    adapter = "http"
    # what any http channel may be asked; an instance knows what its config describes (see __init__)
    supports = frozenset({"update", "delete"})
    Settings = HttpChannel

    def __init__(self, channel: str, settings: HttpChannel, *, base_dir: Any) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.supports = frozenset(name for name in ("update", "delete") if getattr(settings, name) is not None)
        self.timeout = (CONNECT_TIMEOUT, settings.timeout)
        self.session = PlatformSession(f"loa/{version('loa')} (+publisher http)")

    # -- values the templates see --------------------------------------------------------------------------------
    def _secrets(self) -> dict[str, str]:
        values = {}
        for name, variable in self.settings.secrets.items():
            values[name] = os.environ.get(variable, "")
            if not values[name]:
                raise SecretUnset(t("http_channel.secret_unset", variable=variable, name=name))
        return values

    def _secret_values(self) -> list[str]:
        return [os.environ.get(variable, "") for variable in self.settings.secrets.values()]

    def _redact(self, text: str) -> str:
        return templates.redact(text, self._secret_values())

    def _context(self, outgoing: Outgoing, **more: Any) -> dict[str, Any]:
        from loa.posts.times import zone

        when = outgoing.publish_at.astimezone(zone(outgoing.timezone))
        post = {"id": outgoing.post_id, "title": outgoing.title, "text": outgoing.text, "slug": outgoing.slug,
                "publish_at": when.isoformat(), "timestamp": int(outgoing.publish_at.timestamp())}
        return {"post": post, "campaign": {"slug": outgoing.campaign, "name": outgoing.campaign_name},
                "banner_url": None, "remote_id": None, "permalink": None, **more, "secrets": self._secrets()}

    # -- one request ---------------------------------------------------------------------------------------------
    def _render(self, setting: str, source: str, context: dict[str, Any]) -> str:
        try:
            return templates.render(source, context)
        except templates.RequestTemplateError as exc:
            raise TemplateProblem(self._redact(t("http_channel.template_in_channel", channel=self.channel,
                                                 setting=setting, error=exc))) from None

    def _prepare(self, prefix: str, request: RequestSettings | UploadSettings,
                 context: dict[str, Any]) -> tuple[str, dict[str, str], Any]:
        """The request's URL, headers and body (bytes, or form fields) rendered for ``context``."""
        url = self._render(f"{prefix}url", request.url, context).strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise TemplateProblem(self._redact(t("http_channel.bad_url", channel=self.channel, setting=f"{prefix}url",
                                                 url=url)))
        headers = {name: self._render(f"{prefix}headers.{name}", value, context).strip()
                   for name, value in request.headers.items()}
        if isinstance(request, UploadSettings):
            return url, headers, {name: self._render(f"{prefix}fields.{name}", value, context)
                                  for name, value in request.fields.items()}
        body: Any = None
        if isinstance(request.body, str):  # a JSON template: checked to be JSON, sent as rendered
            text = self._render(f"{prefix}body", request.body, context)
            try:
                json.loads(text)
            except ValueError as exc:
                raise TemplateProblem(self._redact(t("http_channel.template_in_channel", channel=self.channel,
                                                     setting=f"{prefix}body",
                                                     error=t("http_channel.body_not_json", error=exc)))) from None
            body = text.encode("utf-8")
        elif request.body is not None:
            fields = {name: self._render(f"{prefix}body.{name}", value, context)
                      for name, value in request.body.items()}
            body = fields if request.body_format == "form" else \
                json.dumps(fields, ensure_ascii=False).encode("utf-8")
        if isinstance(body, bytes) and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json; charset=utf-8"
        return url, headers, body

    def _send(self, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
        """The answer of a 2xx; any other outcome raised as the dispatcher understands it, secrets redacted."""
        address = _shown(url)
        try:
            answer = self.session.request(method, url, headers=headers, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:  # its text (with the URL) is never shown: a sentence instead
            raise TransientError(self._redact(t("check.request_failed", method=method, address=address,
                                                why=network_problem(exc))),
                                 ambiguous=method != "GET" and request_went_out(exc)) from None
        if 200 <= answer.status_code < 300:
            return answer
        raise self._classify(method, address, answer)

    def _classify(self, method: str, address: str, answer: requests.Response) -> PublishError:
        status = answer.status_code
        detail = self._redact(f"{method} {address}: HTTP {status}" + _server_words(answer))
        if status in (401, 403):
            return AuthError(t("http_channel.login_refused" if status == 401 else "http_channel.forbidden",
                               detail=detail))
        if status in self.settings.transient_statuses:
            wait = retry_after(answer.headers.get("Retry-After"))
            if status == 429:  # the portal's limit, for every delivery of the channel alike
                return TransientError(t("check.http_rate_limited", detail=detail), not_before=wait, channel_wide=True)
            return TransientError(t("check.http_server_error" if status >= 500 else "http_channel.try_later",
                                    detail=detail), not_before=wait,
                                  ambiguous=method != "GET" and status not in REFUSED_UNDONE)
        error = PermanentError(t("check.http_not_found" if status == 404 else "check.http_refused", detail=detail))
        error.http_status = status  # type: ignore[attr-defined]  # read by delete() and find_existing()
        return error

    def _call(self, prefix: str, request: RequestSettings, context: dict[str, Any]) -> requests.Response:
        url, headers, body = self._prepare(prefix, request, context)
        return self._send(request.method, url, headers, data=body)  # JSON bytes, or form fields

    def _json(self, answer: requests.Response, what: str) -> Any:
        try:
            return answer.json()
        except ValueError:
            raise PermanentError(self._redact(t("http_channel.not_json", what=what, address=_shown(answer.url),
                                                status=answer.status_code))) from None

    # -- Publisher -----------------------------------------------------------------------------------------------
    def publish(self, outgoing: Outgoing) -> Published:
        lookup = self.settings.lookup
        if lookup is not None and outgoing.extra.get("attempt", 1) > 1:  # an earlier attempt may have made it
            found = self.find_existing(outgoing)
            if found is not None:
                return found
        banner_url = self._upload(outgoing)
        context = self._context(outgoing, banner_url=banner_url)
        started = time.monotonic()
        try:
            answer = self._call("", self.settings.create_request(), context)
        except TransientError as exc:
            if exc.ambiguous and lookup is not None:  # the portal may have made the post: look before any retry
                try:
                    found = self.find_existing(outgoing)
                except PublishError:
                    found = None  # cannot tell now: the delivery stays "may have gone out" until a lookup settles it
                if found is not None:
                    return found
            raise
        data = self._json(answer, "create")
        remote_id = templates.as_text(templates.get_path(data, self.settings.id_path))
        if remote_id is None:
            # the portal said yes: the post is probably there, so a person checks (never a blind resend)
            missing = PermanentError(self._redact(t("http_channel.no_id", path=self.settings.id_path,
                                                    status=answer.status_code, answer=_excerpt(answer.text))))
            missing.ambiguous = True  # type: ignore[attr-defined]  # read by record_failure: "unknown", not "failed"
            raise missing
        link = templates.as_text(templates.get_path(data, self.settings.link_path or "")) \
            if self.settings.link_path else None
        return Published(remote_id, link, detail={"status": answer.status_code,
                                                  "seconds": round(time.monotonic() - started, 3)})

    def _upload(self, outgoing: Outgoing) -> str | None:
        """The banner (else the first photo) uploaded first when ``upload`` is set: its URL on the portal."""
        upload = self.settings.upload
        image = (outgoing.banners or outgoing.photos or (None,))[0]
        if upload is None or image is None:
            return None
        url, headers, fields = self._prepare("upload.", upload, self._context(outgoing))
        try:
            answer = self._send("POST", url, headers, data=fields,
                                files={upload.field: (image.path.name, image.path.read_bytes(), image.mime)})
        except TransientError as exc:
            exc.ambiguous = False  # an image is no post: a retry uploads it again
            raise
        found = templates.as_text(templates.get_path(self._json(answer, "upload"), upload.url_path))
        if found is None:
            raise PermanentError(self._redact(t("http_channel.no_upload_url", path=upload.url_path,
                                                answer=_excerpt(answer.text))))
        return found

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        lookup = self.settings.lookup
        if lookup is None:  # loa cannot tell whether the portal holds the post: a person decides, never a resend
            raise PermanentError(t("http_channel.no_lookup", channel=self.channel))
        return self._look_up(lookup, self._context(outgoing))

    def _look_up(self, lookup: LookupSettings, context: dict[str, Any]) -> Published | None:
        try:
            answer = self._call("lookup.", lookup, context)
        except PermanentError as exc:
            if lookup.missing_status is not None and getattr(exc, "http_status", None) == lookup.missing_status:
                return None
            raise
        item = templates.get_path(self._json(answer, "lookup"), lookup.found_path)
        if isinstance(item, list):
            item = item[0] if item else None
        if item is templates.MISSING or item in (None, "", {}, False):
            return None
        remote_id = templates.as_text(templates.get_path(item, lookup.id_path))
        if remote_id is None:  # something is there, but loa cannot say which post: never guess
            raise PermanentError(self._redact(t("http_channel.lookup_no_id", path=lookup.id_path,
                                                answer=_excerpt(answer.text))))
        link = templates.as_text(templates.get_path(item, lookup.link_path)) if lookup.link_path else None
        return Published(remote_id, link)

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """A correction in place: the ``update`` request with ``remote_id`` (idempotent: the same text twice)."""
        if self.settings.update is None:
            return super().update(outgoing, remote_id)
        context = self._context(outgoing, remote_id=remote_id, permalink=outgoing.extra.get("permalink"),
                                banner_url=self._upload(outgoing))
        answer = self._call("update.", self.settings.update, context)
        link = None
        if self.settings.link_path and answer.content:
            try:
                link = templates.as_text(templates.get_path(answer.json(), self.settings.link_path))
            except ValueError:
                link = None  # a correction needs no answer: the link stays what it was
        return Published(remote_id, link or outgoing.extra.get("permalink"))

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """A take-down by the ``delete`` request; a post already gone (404, 410) counts as done."""
        if self.settings.delete is None:
            return super().delete(outgoing, remote_id)
        context = self._context(outgoing, remote_id=remote_id, permalink=outgoing.extra.get("permalink"))
        try:
            self._call("delete.", self.settings.delete, context)
        except PermanentError as exc:
            if getattr(exc, "http_status", None) in (404, 410):
                return
            raise

    def check(self) -> ChannelHealth:
        """The templates with a sample post and the real secrets, then the portal: the lookup of a slug that cannot
        exist ("not found" is healthy), or without a lookup a HEAD on the site root."""
        host = urlsplit(self.settings.url).netloc or self.settings.url
        try:
            context = templates.sample_context(self.settings.secrets)
            context["secrets"] = self._secrets()
            context["post"]["slug"] = f"loa-check-{os.urandom(6).hex()}"
            for prefix, request in (("", self.settings.create_request()), ("lookup.", self.settings.lookup),
                                    ("update.", self.settings.update), ("delete.", self.settings.delete),
                                    ("upload.", self.settings.upload)):
                if request is not None:
                    self._prepare(prefix, request, context)
            if self.settings.lookup is not None:
                self._look_up(self.settings.lookup, context)
                return ChannelHealth(True, t("http_channel.ok_lookup", host=host), account=host)
            root = urlsplit(self._prepare("", self.settings.create_request(), context)[0])
            self._head(f"{root.scheme}://{root.netloc}/")
        except AuthError as exc:
            return ChannelHealth(False, str(exc))
        except PublishError as exc:
            return ChannelHealth(False, t("http_channel.not_reachable", error=exc))
        return ChannelHealth(True, t("http_channel.ok_reachable", host=host), account=host)

    def _head(self, url: str) -> None:
        """Any answer at all means the site is there (a root may well answer 404 or 405 to a HEAD)."""
        try:
            self.session.head(url, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise TransientError(t("check.unreachable", address=_shown(url), why=network_problem(exc))) from None

    def metrics(self, remote_id: str) -> Metrics:
        return Metrics.none(NO_FIGURES)


def _shown(url: str) -> str:
    """A URL as loa shows it: without its query or fragment (where a token may sit) and without user:password@."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url.split("?", 1)[0]


def _server_words(answer: requests.Response) -> str:
    """The server's own error message, quoted as it came (short): its JSON ``message``/``error``, else the text."""
    message: Any = None
    try:
        data = answer.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error_description", "error", "msg", "detail"):
            if isinstance(data.get(key), (str, int)) and str(data[key]).strip():
                message = data[key]
                break
    if message is None:
        message = answer.text if "html" not in answer.headers.get("Content-Type", "") else answer.reason
    text = " ".join(str(message or "").split())
    return f" «{_excerpt(text)}»" if text else ""


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"
