"""``facebook``: a Facebook Page through the Graph API, with a Page access token from the environment.

The token travels in an ``Authorization: Bearer`` header, never in a URL (URLs end up in logs). Errors are
classified as the Graph API's codes say; a 500 on a POST may still have created the post, and a 506 says it
exists, so both look for it (recent Page posts with the same message) before anything is retried. The usage
headers are read on every answer, and the channel slows down before they reach 100%.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from importlib.metadata import version
from typing import Any

import requests

from loa.posts.i18n import t

from .http_session import PlatformSession
from . import (CONNECT_TIMEOUT, LONGEST_WAIT, AuthError, ChannelHealth, Metrics, Outgoing, PermanentError, Published,
               Publisher, PublishError, SecretUnset, TransientError, network_problem, request_went_out, retry_after)

SLOW_DOWN_AT = 90  # percent of any usage figure: stop sending before the platform throttles at 100
RATE_LIMIT_PAUSE = dt.timedelta(minutes=15)
FIND_WINDOW = dt.timedelta(days=2)
RATE_LIMIT_CODES = {4, 17, 32, 613, 341}
# Read-back of a post (contract): shares is omitted when there are none, which is a real zero.
POST_FIELDS = ("permalink_url,created_time,message,shares,reactions.summary(true).limit(0),"
               "comments.summary(true).limit(0)")
# Post insights with the names in use since November 2025 (post_impressions* are gone), and loa's name for each.
INSIGHTS = {"post_total_media_view_unique": "reach", "post_media_view": "views", "post_clicks": "clicks",
            "post_reactions_by_type_total": None}  # kept in the source only: reactions come from the post


class FacebookPublisher(Publisher):
    adapter = "facebook"
    supports = frozenset({"update", "delete"})

    def __init__(self, channel: str, settings: Any, *, base_dir: Any) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.timeout = (CONNECT_TIMEOUT, settings.timeout)
        self.root = f"{settings.graph_url.rstrip('/')}/{settings.api_version}"
        self.session = PlatformSession(f"loa/{version('loa')} (+publisher facebook)")
        self.paused_until: dt.datetime | None = None

    def _token(self) -> str:
        token = os.environ.get(self.settings.token_env, "")
        if not token:
            raise SecretUnset(t("check.fb_token_unset", variable=self.settings.token_env))
        return token

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self.paused_until and self.paused_until > dt.datetime.now(dt.timezone.utc):
            raise TransientError(t("check.fb_slowing_down"), not_before=self.paused_until,
                                 channel_wide=True)
        headers = {"Authorization": f"Bearer {self._token()}"}
        try:
            answer = self.session.request(method, f"{self.root}/{path}", headers=headers, timeout=self.timeout,
                                          **kwargs)
        except requests.RequestException as exc:  # the token is in a header, never in these messages
            # a write whose answer was lost may have been done: publish() decides what that means for the post
            raise TransientError(t("check.request_failed", method=method, address=f"{self.root}/{path}",
                                   why=network_problem(exc)),
                                 ambiguous=method != "GET" and request_went_out(exc)) from None
        self._read_usage(answer)
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.ok:
            return body
        error = body.get("error") or {}
        exc = self._classify(method, path, answer.status_code, error)
        if isinstance(exc, TransientError) and exc.not_before is None:  # a proxy in front may say when
            exc.not_before = retry_after(answer.headers.get("Retry-After"))
        exc.graph_code = error.get("code")  # type: ignore[attr-defined]  # read by metrics()
        exc.graph_subcode = error.get("error_subcode")  # type: ignore[attr-defined]  # read by delete()
        raise exc

    def _read_usage(self, answer: requests.Response) -> None:
        """Slow down before Meta throttles. The headers are read defensively: a malformed one is ignored."""
        figures: list[float] = []
        regain = 0.0
        for header in ("X-App-Usage", "X-Business-Use-Case-Usage"):
            value = answer.headers.get(header)
            if not value:  # most answers carry neither: nothing to parse
                continue
            try:
                data = json.loads(value)
            except ValueError:
                continue
            if not isinstance(data, dict):
                continue
            entries = [data] if header == "X-App-Usage" else \
                [e for v in data.values() if isinstance(v, list) for e in v]
            for entry in (e for e in entries if isinstance(e, dict)):
                figures += [_number(entry.get(k)) for k in ("call_count", "total_time", "total_cputime")]
                regain = max(regain, _number(entry.get("estimated_time_to_regain_access")))
        if regain or (figures and max(figures) >= SLOW_DOWN_AT):
            wait = min(dt.timedelta(minutes=regain), LONGEST_WAIT) if regain else RATE_LIMIT_PAUSE
            self.paused_until = dt.datetime.now(dt.timezone.utc) + wait

    def _classify(self, method: str, path: str, status: int, error: dict[str, Any]) -> Exception:
        code, subcode = error.get("code"), error.get("error_subcode")
        text = f"{method} /{path}: HTTP {status} code {code}" + (f"/{subcode}" if subcode else "")
        if error.get("message"):  # Meta's own words, quoted as they came
            text += f" «{error['message']}»"
        if code in (1, 2) or status >= 500:  # on a write, the post may exist all the same (CONTRACTS: codes 1, 2)
            return TransientError(t("check.http_server_error", detail=text), ambiguous=method != "GET")
        if code == 80001 or code in RATE_LIMIT_CODES:
            return TransientError(t("check.http_rate_limited", detail=text), not_before=self.paused_until or
                                  dt.datetime.now(dt.timezone.utc) + RATE_LIMIT_PAUSE, channel_wide=True)
        if code == 190:
            return AuthError(t("check.fb_token_expired", detail=text))
        if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            return AuthError(t("check.fb_permission", detail=text))
        if code == 368:
            return AuthError(t("check.fb_blocked", detail=text))
        if code == 506:
            return Duplicate(t("check.fb_duplicate", detail=text))
        if code == 100 and subcode == 33 and path.split("/", 1)[0] == str(self.settings.page_id):
            # the Page itself cannot be found: a setting to fix (page_id, or a token for another Page)
            return AuthError(t("check.fb_no_page", page=self.settings.page_id, detail=text))
        return PermanentError(t("check.http_refused", detail=text))

    # -- Publisher ----------------------------------------------------------------------------------------------
    def publish(self, outgoing: Outgoing) -> Published:
        page = self.settings.page_id
        if outgoing.extra.get("attempt", 1) > 1:  # an earlier attempt may have created it before failing
            found = self.find_existing(outgoing)
            if found is not None:
                return found
        # a photo post: the photo's id and the Page post's (its figures are read there)
        detail: dict[str, Any] | None = None
        try:
            images = outgoing.images  # the banner first, then the post's photos
            if len(images) == 1:  # a photo post: the image's bytes, the text as caption
                image = images[0]
                created = self._call("POST", f"{page}/photos", data={"caption": outgoing.text, "published": "true"},
                                     files={"source": (image.path.name, image.path.read_bytes(), image.mime)})
                post_id = created.get("post_id") or created["id"]
                detail = {"photo_id": str(created["id"]), "post_id": str(post_id)}
            else:
                data = {"message": outgoing.text}
                if images:  # several images: uploaded unpublished, then one feed post attaches them all
                    data.update(self._unpublished_photos(outgoing))
                post_id = self._call("POST", f"{page}/feed", data=data)["id"]
        except (Duplicate, TransientError) as exc:
            # a 500 or a lost answer may have created the post, a 506 says it exists: look before anyone retries
            if isinstance(exc, TransientError) and not exc.ambiguous:
                raise
            try:
                found = self.find_existing(outgoing)
            except PublishError:
                found = None  # cannot tell now: the delivery stays "may have gone out" until a lookup settles it
            if found is not None:
                return found
            if isinstance(exc, Duplicate):
                raise PermanentError(t("check.fb_duplicate_not_found", error=exc)) from None
            raise
        return Published(str(post_id), self._permalink(str(post_id)), detail=detail)

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """A correction in place: the Page post's message (a photo post's caption is its post's message too).
        Idempotent: the same message twice leaves one post with that message. Its photos stay as they were."""
        answer = self._call("POST", remote_id, data={"message": outgoing.text})
        if answer.get("success") is not True:
            raise PermanentError(t("check.fb_edit_unconfirmed", post=remote_id, answer=f"{answer!r:.200}"))
        return Published(remote_id, outgoing.extra.get("permalink"))

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """A take-down. A post that no longer exists (code 100, subcode 33) is done: the retry after a 500 that had
        already deleted it, or a person who deleted it by hand."""
        try:
            self._call("DELETE", remote_id)
        except PermanentError as exc:
            if getattr(exc, "graph_code", None) == 100 and getattr(exc, "graph_subcode", None) == 33:
                return
            raise

    def _unpublished_photos(self, outgoing: Outgoing) -> dict[str, str]:
        """Upload the images unpublished: nobody sees them, so a lost answer here is not a post gone out (a retry
        uploads them again; an unused unpublished photo is never shown)."""
        attached = {}
        for index, image in enumerate(outgoing.images):
            try:
                photo = self._call("POST", f"{self.settings.page_id}/photos", data={"published": "false"},
                                   files={"source": (image.path.name, image.path.read_bytes(), image.mime)})
            except TransientError as exc:
                exc.ambiguous = False
                raise
            attached[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo["id"]})
        return attached

    def _permalink(self, post_id: str) -> str | None:
        try:
            return self._call("GET", post_id, params={"fields": "permalink_url"}).get("permalink_url")
        except TransientError:
            return None  # published all the same; the link can be read later

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        since = int(time.time() - FIND_WINDOW.total_seconds())
        found = self._call("GET", f"{self.settings.page_id}/posts",
                           params={"fields": "id,message,created_time,permalink_url", "since": since, "limit": 100})
        for post in found.get("data", []):
            if (post.get("message") or "").strip() == outgoing.text.strip():
                return Published(str(post["id"]), post.get("permalink_url"))
        return None

    def check(self) -> ChannelHealth:
        try:
            page = self._call("GET", self.settings.page_id, params={"fields": "name,id"})
        except (AuthError, TransientError, PermanentError) as exc:
            message = str(exc)
            if isinstance(exc, PermanentError):
                message = t("check.fb_page_unreadable", page=self.settings.page_id, error=exc)
            return ChannelHealth(False, message)
        return ChannelHealth(True, t("check.fb_ok", name=page.get("name")), account=page.get("name"))

    def metrics(self, remote_id: str) -> Metrics:
        """Reactions, comments and shares from the post; reach, views and clicks from its insights.

        If the post cannot be read at all the error is raised (the caller records every figure unavailable).
        An insights failure only makes the insights figures unavailable.
        """
        post = self._call("GET", remote_id, params={"fields": POST_FIELDS})
        result = Metrics()
        for name in ("reactions", "comments"):
            count = ((post.get(name) or {}).get("summary") or {}).get("total_count")
            if isinstance(count, int):
                result.values[name] = result.source[f"{name}.summary.total_count"] = count
            else:
                result.missing(name, f"the post read-back has no {name}.summary.total_count")
        result.values["shares"] = result.source["shares.count"] = int((post.get("shares") or {}).get("count", 0))
        self._insights(remote_id, result)
        return result

    def _insights(self, remote_id: str, result: Metrics) -> None:
        names = list(INSIGHTS)
        try:
            values = self._read_insights(remote_id, names)
        except PermanentError as exc:
            if getattr(exc, "graph_code", None) != 100:
                return self._insights_missing(result, names, str(exc))
            # One invalid metric fails the whole call (a name retired by Meta, as post_impressions* were in
            # 2025): ask for each metric alone, so one retired name does not blank the others.
            values = {}
            for name in names:
                try:
                    values.update(self._read_insights(remote_id, [name]))
                except PublishError as single:
                    self._insights_missing(result, [name], str(single), transient=isinstance(single, TransientError))
        except (TransientError, AuthError) as exc:  # 5xx, rate limit; token expired, permission (10/200) missing
            return self._insights_missing(result, names, str(exc), transient=isinstance(exc, TransientError))
        for metric, ours in INSIGHTS.items():
            if metric not in values:
                if metric not in result.source:
                    self._insights_missing(result, [metric], "not in the insights answer")
                continue
            result.source[metric] = values[metric]
            if ours is not None:
                if isinstance(values[metric], int):
                    result.values[ours] = values[metric]
                else:
                    result.missing(ours, f"{metric} is not a number: {values[metric]!r}")

    @staticmethod
    def _insights_missing(result: Metrics, metrics: list[str], reason: str, *, transient: bool = False) -> None:
        for metric in metrics:
            result.source.setdefault(metric, None)
            if INSIGHTS[metric] is not None:
                result.missing(INSIGHTS[metric], reason, transient=transient)

    def _read_insights(self, remote_id: str, metrics: list[str]) -> dict[str, Any]:
        answer = self._call("GET", f"{remote_id}/insights", params={"metric": ",".join(metrics), "period": "lifetime"})
        values = {}
        for entry in answer.get("data") or []:
            points = entry.get("values") or []
            if entry.get("name") in metrics and points:
                values[entry["name"]] = points[-1].get("value")
        return values


class Duplicate(PermanentError):
    """Graph code 506: the post is already there."""


def _number(value: Any) -> float:
    """A usage figure as a finite number from 0 up; anything else (text, NaN, a huge value) counts as 0 or its cap."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return min(max(number, 0.0), 1e6) if number == number else 0.0
