"""``wordpress``: the agency portal through the WordPress REST API, with an application password.

Idempotent by construction: every post gets a slug derived from its delivery (``loa-<id>``) and ``publish`` first
looks for it, so a retry after a crash or a timeout finds the post instead of making ``loa-<id>-2`` (WordPress
renames a clashing slug silently). Banners are uploaded under a name derived from their sha256 and looked up
before uploading, so a retry does not leave a second orphan image.
"""
from __future__ import annotations

import html
import os
from importlib.metadata import version
from typing import Any
from urllib.parse import urlencode

import requests

from loa.posts.i18n import t

from .http_session import PlatformSession
from . import (CONNECT_TIMEOUT, AuthError, Banner, ChannelHealth, Metrics, Outgoing, PermanentError, Published,
               Publisher, PublishError, SecretUnset, TransientError, network_problem, request_went_out, retry_after)

ME = "/wp/v2/users/me"
NO_VIEWS = "not available on stock WordPress (it counts no views; a statistics plugin would)"
NOT_COUNTED = "WordPress does not count these"


class WordPressPublisher(Publisher):
    adapter = "wordpress"
    supports = frozenset({"update", "delete"})

    def __init__(self, channel: str, settings: Any, *, base_dir: Any) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.timeout = (CONNECT_TIMEOUT, settings.timeout)
        self.site = settings.url.rstrip("/")
        self.session = PlatformSession(f"loa/{version('loa')} (+publisher wordpress)")
        self._pretty: bool | None = None  # /wp-json/ routes, or ?rest_route= on sites without pretty permalinks

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _auth(self) -> tuple[str, str]:
        password = os.environ.get(self.settings.password_env, "")
        if not password:
            raise SecretUnset(t("check.wp_password_unset", variable=self.settings.password_env))
        return self.settings.username, password.replace(" ", "")

    def _url(self, route: str, params: dict[str, Any] | None = None) -> str:
        if self._pretty is None:
            self._pretty = self._detect_pretty()
        query = urlencode(params or {})
        if self._pretty:
            return f"{self.site}/wp-json{route}" + (f"?{query}" if query else "")
        return f"{self.site}/?rest_route={route}" + (f"&{query}" if query else "")

    def _detect_pretty(self) -> bool:
        # a small, public route: the full index (/wp-json/) is hundreds of kilobytes on a real site
        for pretty, url in ((True, f"{self.site}/wp-json/wp/v2/types/post"),
                            (False, f"{self.site}/?rest_route=/wp/v2/types/post")):
            try:
                answer = self.session.get(url, timeout=self.timeout)
                if answer.ok and answer.json().get("slug") == "post":
                    return pretty
            except ValueError:  # not JSON (requests' JSON error is also a RequestException: test it first)
                continue
            except requests.RequestException as exc:
                raise TransientError(t("check.unreachable", address=self.site, why=network_problem(exc))) from None
        # a setting to fix, not a bad post: the channel waits (AuthError) instead of failing every delivery
        raise NotWordPress(t("check.not_wordpress", address=self.site))

    def _call(self, method: str, route: str, *, params: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self._request(method, route, params=params, **kwargs).json()

    def _request(self, method: str, route: str, *, params: dict[str, Any] | None = None,
                 **kwargs: Any) -> requests.Response:
        """The answer of a successful call, its JSON checked; errors raised as the dispatcher understands them."""
        try:
            answer = self.session.request(method, self._url(route, params), auth=self._auth(),
                                          timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:  # no secret in these: the password travels in a header
            # a write whose answer was lost may have been done: the caller decides what that means for the post
            raise TransientError(t("check.request_failed", method=method, address=self.site + route,
                                   why=network_problem(exc)),
                                 ambiguous=method != "GET" and request_went_out(exc)) from None
        if answer.ok:
            try:
                answer.json()
                return answer
            except ValueError:
                raise PermanentError(t("check.wp_not_json", method=method, route=route, address=self.site)) from None
        if answer.status_code in (400, 403) and route != ME:
            # A refused application password makes the request anonymous, and WordPress may then complain about
            # a parameter (status=any) instead: ask who we are before calling it a bad request.
            self._call("GET", ME)
        raise _classify(method, route, answer)

    # -- Publisher ----------------------------------------------------------------------------------------------
    def find_existing(self, outgoing: Outgoing) -> Published | None:
        found = self._call("GET", "/wp/v2/posts", params={"slug": outgoing.slug, "status": "any", "context": "edit"})
        return Published(str(found[0]["id"]), found[0].get("link")) if found else None

    def publish(self, outgoing: Outgoing) -> Published:
        # a first send under a fresh claim cannot have made anything yet (a crash mid-send is settled by recovery's
        # own lookup, and the next attempt looks): only a retry looks the slug up before creating the post, unless
        # the dispatcher has just looked (a lost answer settled as "not there")
        if not (outgoing.extra.get("first_send") or outgoing.extra.get("looked_up")):
            existing = self.find_existing(outgoing)
            if existing is not None:
                return existing
        body: dict[str, Any] = {"title": html.escape(outgoing.title, quote=False), "status": "publish",
                                "slug": outgoing.slug}
        # the banner chosen for this channel by load_outgoing, else the first photo, is the featured image
        featured = (outgoing.banners or outgoing.photos or (None,))[0]
        try:  # an image or a term that may have been made is no post: the retry finds them again by name
            body["content"] = self._content(outgoing)
            if featured is not None:
                body["featured_media"] = self._media(featured, outgoing.title)
            if self.settings.category:
                body["categories"] = [self._term("categories", self.settings.category)]
            if self.settings.tags:
                body["tags"] = [self._term("tags", name) for name in self.settings.tags]
        except TransientError as exc:
            exc.ambiguous = False
            raise
        try:
            created = self._call("POST", "/wp/v2/posts", json=body)
        except TransientError as exc:
            if exc.ambiguous:  # the site may have made the post: found now, or it stays "may have gone out"
                return self._found_after(outgoing, exc)
            raise
        return Published(str(created["id"]), created.get("link"))

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """A correction in place: the same title and content ``publish`` builds, on the same post (idempotent)."""
        body: dict[str, Any] = {"title": html.escape(outgoing.title, quote=False), "content": self._content(outgoing)}
        banner = outgoing.banners[0] if outgoing.banners else None
        try:
            if banner is not None:  # a corrected headline makes a new banner: uploaded once, named by its sha256
                body["featured_media"] = self._media(banner, outgoing.title)
        except TransientError as exc:
            exc.ambiguous = False  # an image is no change to the post
            raise
        updated = self._call("POST", f"/wp/v2/posts/{remote_id}", json=body)
        return Published(str(updated["id"]), updated.get("link"))

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """A take-down moves the post to the trash (an administrator can restore it); already trashed or already
        deleted for good is done, so a retry after a lost answer is harmless."""
        try:
            self._call("DELETE", f"/wp/v2/posts/{remote_id}")
        except PermanentError as exc:
            if getattr(exc, "wp_code", None) in ("rest_already_trashed", "rest_post_invalid_id"):
                return
            raise

    def _content(self, outgoing: Outgoing) -> str:
        """The post's HTML: a portal-kind render is loa's own escaped HTML; any other kind is plain text, escaped
        into paragraphs (an administrator's posts are not filtered by WordPress: no script gets through us). Then
        every photo of the post as a figure, uploaded first (once: found again by its name on a retry or in
        another post). A correction calls this too, so its photos follow the same path."""
        from loa.posts.render.text import text_as_html

        text = outgoing.text if self.text_is_html else str(text_as_html(outgoing.text))
        return text + "".join(self._figure(photo, outgoing.title) for photo in outgoing.photos)

    def _figure(self, photo: Banner, alt: str) -> str:
        media = self._upload(photo, alt)
        source = html.escape(str(media.get("source_url") or ""), quote=True)
        return (f'\n<figure class="wp-block-image loa-photo"><img src="{source}" alt="{html.escape(alt, quote=True)}"'
                f' class="wp-image-{int(media["id"])}"/></figure>')

    def _found_after(self, outgoing: Outgoing, error: TransientError) -> Published:
        """After a create whose answer was lost: the post if the site shows it, else the ambiguous error again.

        "Not found" right now does not settle it (a slow site may still be making the post): the retry's own
        lookup does, later."""
        try:
            found = self.find_existing(outgoing)
        except PublishError:
            found = None
        if found is not None:
            return found
        raise error

    def _media(self, banner: Banner, title: str) -> int:
        return int(self._upload(banner, title)["id"])

    def _upload(self, image: Banner, title: str) -> dict[str, Any]:
        """The media item holding ``image``: found by its name (from its sha256), else uploaded under it."""
        slug = f"loa-{image.sha256[:20]}"  # WordPress names the attachment after the file: found again on retry
        found = self._call("GET", "/wp/v2/media", params={"slug": slug})
        if found:
            return found[0]
        # the slug given outright: WordPress would otherwise derive it from the title, and the lookup above miss it
        return self._call("POST", "/wp/v2/media", params={"alt_text": title, "title": title, "slug": slug},
                          data=image.path.read_bytes(),
                          headers={"Content-Type": image.mime,
                                   "Content-Disposition": f'attachment; filename="{slug}{image.path.suffix}"'})

    def _term(self, taxonomy: str, name: str) -> int:
        found = self._call("GET", f"/wp/v2/{taxonomy}", params={"search": name, "per_page": 100})
        for term in found:
            if term.get("name", "").strip().lower() == name.strip().lower():
                return int(term["id"])
        if not self.settings.create_terms:
            raise PermanentError(t("check.wp_no_category", name=name, address=self.site) if taxonomy == "categories"
                                 else t("check.wp_no_tag", name=name, address=self.site))
        return int(self._call("POST", f"/wp/v2/{taxonomy}", json={"name": name})["id"])

    def check(self) -> ChannelHealth:
        try:
            me = self._call("GET", ME, params={"context": "edit"})
        except (NotWordPress, SecretUnset) as exc:  # a setting to fix here, not a password to renew
            return ChannelHealth(False, str(exc))
        except AuthError as exc:
            return ChannelHealth(False, t("check.wp_new_password", error=exc, user=self.settings.username))
        except (TransientError, PermanentError) as exc:
            return ChannelHealth(False, str(exc))
        if not (me.get("capabilities") or {}).get("publish_posts"):
            return ChannelHealth(False, t("check.wp_cannot_publish", user=me.get("slug", self.settings.username),
                                          address=self.site), account=me.get("name"))
        return ChannelHealth(True, t("check.wp_ok", name=me.get("name"), address=self.site), account=me.get("name"))

    def metrics(self, remote_id: str) -> Metrics:
        """The approved comments of the post (X-WP-Total); stock WordPress has no views or reactions."""
        # The post first: comments?post=<a deleted post> answers an empty list, which would read as 0 comments.
        self._call("GET", f"/wp/v2/posts/{remote_id}", params={"_fields": "id"})
        answer = self._request("GET", "/wp/v2/comments", params={"post": remote_id, "per_page": 1, "_fields": "id"})
        result = Metrics(unavailable={"views": NO_VIEWS, "reach": NO_VIEWS, "reactions": NOT_COUNTED,
                                      "shares": NOT_COUNTED, "clicks": NOT_COUNTED})
        total = answer.headers.get("X-WP-Total", "")
        if total.isdigit():
            result.values["comments"] = result.source["X-WP-Total"] = int(total)
        else:
            result.unavailable["comments"] = "the site sent no X-WP-Total header with the comments"
        return result


def _classify(method: str, route: str, answer: requests.Response) -> Exception:
    """WordPress errors by what loa should do about them (the error body carries code and message)."""
    try:
        error = answer.json()
        code, message = error.get("code", ""), error.get("message", "")
    except (ValueError, AttributeError):
        code, message = "", answer.reason
    text = f"{method} {route}: HTTP {answer.status_code} {code}".strip()
    if message:  # the site's own words (in its own language), quoted as they came
        text += f" «{message}»"
    if answer.status_code == 401:  # any 401: stock WordPress reports a wrong password as rest_not_logged_in
        return AuthError(t("check.wp_password_refused", detail=text))
    if answer.status_code == 403:
        return AuthError(t("check.wp_forbidden", detail=text))
    if answer.status_code == 429:  # the site's limit, for every delivery of the channel alike
        return TransientError(t("check.http_rate_limited", detail=text),
                              not_before=retry_after(answer.headers.get("Retry-After")), channel_wide=True)
    if answer.status_code >= 500:  # on a write, the site may have done it all the same
        return TransientError(t("check.http_server_error", detail=text),
                              not_before=retry_after(answer.headers.get("Retry-After")),
                              ambiguous=method != "GET")
    if answer.status_code == 404:
        refused = PermanentError(t("check.http_not_found", detail=text))
        refused.wp_code = code  # type: ignore[attr-defined]
        return refused
    refused = PermanentError(t("check.http_refused", detail=text))
    refused.wp_code = code  # type: ignore[attr-defined]  # read by delete(): already trashed is done
    return refused


class NotWordPress(AuthError):
    """The url answers, but not as WordPress: the channel waits for its setting to be fixed."""
