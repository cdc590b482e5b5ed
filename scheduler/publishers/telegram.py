"""``telegram``: a Telegram channel (or group) through a bot of the Telegram Bot API.

One image goes out as ``sendPhoto`` with the text as its caption, several as one ``sendMediaGroup`` (the banner first,
the caption on the first item), none as ``sendMessage``. Texts are sent with ``parse_mode=HTML`` and everything in
them escaped: the channel kind's texts are plain text, so nothing a person wrote is taken for markup.

The bot token is part of every URL (``/bot<token>/sendPhoto``): no URL is ever put into a message, a log line or an
exception loa keeps; addresses are shown as ``https://api.telegram.org/bot…/sendPhoto``.

A bot cannot read a channel's past messages, so nothing can be looked up after a lost answer. Each send is recorded
as a step of the delivery (``coordination.steps``) before it goes out and after its answer: ``find_existing`` knows
a send that never started (send it), one that was answered (the recorded message), and one whose answer was lost,
which stays ``unknown`` for a person to check on the channel — never a blind repost. A person's ``loa retry`` after
that is their decision that the message is not there, and it is sent again.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from importlib.metadata import version
from typing import Annotated, Any, Literal

import requests
from pydantic import Field

from loa.posts.i18n import t
from loa.scheduler.config import ChannelSettings, EnvName, SiteUrl

from .http_session import PlatformSession
from . import (CONNECT_TIMEOUT, AuthError, Banner, CannotTell, ChannelHealth, Metrics, Outgoing, PermanentError,
               Published, Publisher, PublishError, SecretUnset, TransientError, network_problem, request_went_out,
               retry_after)

MAX_CAPTION = 1024  # Bot API: caption length after entity parsing
MAX_TEXT = 4096  # Bot API: message text length after entity parsing
MAX_GROUP = 10  # Bot API: a media group holds 2-10 items
SEND_STEP = "send"  # the one recorded step of a delivery (coordination.steps)
SENDS = ("sendPhoto", "sendMediaGroup", "sendMessage")  # the calls that post something
# a bot token as @BotFather gives it: anything else is refused before it could end up in a URL or an error
TOKEN_SHAPE = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$")


class TelegramSettings(ChannelSettings):
    adapter: Literal["telegram"]
    token_env: EnvName  # the variable holding the bot token from @BotFather
    # the channel: its public name ("@so_khcn_cantho") or its numeric id (-1001234567890 for a private channel)
    chat_id: int | Annotated[str, Field(pattern=r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")]
    api_url: SiteUrl = "https://api.telegram.org"  # a local Bot API server, or a test double
    timeout: Annotated[float, Field(gt=0, le=600)] = 60  # seconds to wait for an answer: photos take a while
    silent: bool = False  # true: subscribers get the message without a sound (disable_notification)

    def channel_kind(self) -> str:
        return self.kind or "telegram"


class TelegramPublisher(Publisher):
    adapter = "telegram"
    Settings = TelegramSettings
    # editMessageCaption/editMessageText/deleteMessage exist in the Bot API but are not among the calls loa's
    # Telegram double answers: corrections and take-downs are refused up front, not guessed at
    supports: frozenset[str] = frozenset()

    def __init__(self, channel: str, settings: Any, *, base_dir: Any) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        self.timeout = (CONNECT_TIMEOUT, settings.timeout)
        self.root = settings.api_url.rstrip("/")
        self.session = PlatformSession(f"loa/{version('loa')} (+publisher telegram)")

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _token(self) -> str:
        token = os.environ.get(self.settings.token_env, "").strip()
        if not token:
            raise SecretUnset(t("telegram.token_unset", variable=self.settings.token_env))
        if not TOKEN_SHAPE.match(token):
            raise AuthError(t("telegram.token_malformed", variable=self.settings.token_env))
        return token

    def address(self, method: str) -> str:
        """The call's address as people may see it: the token left out."""
        return f"{self.root}/bot…/{method}"

    def _call(self, method: str, **kwargs: Any) -> Any:
        """The ``result`` of a Bot API call; errors raised as the dispatcher understands them, never with the URL."""
        url = f"{self.root}/bot{self._token()}/{method}"
        sends = method in SENDS
        try:
            answer = self.session.post(url, timeout=self.timeout, **kwargs)
        except (requests.RequestException, ValueError) as exc:  # str(exc) holds the URL, hence the token: unused
            went_out = sends and isinstance(exc, requests.RequestException) and request_went_out(exc)
            raise TransientError(t("telegram.request_failed", address=self.address(method),
                                   why=network_problem(exc)), ambiguous=went_out) from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if answer.ok and body.get("ok") is True:
            return body.get("result")
        raise self._classify(method, answer, body)

    def _classify(self, method: str, answer: requests.Response, body: dict[str, Any]) -> PublishError:
        status = answer.status_code
        code = body.get("error_code") if isinstance(body.get("error_code"), int) else status
        said = str(body.get("description") or "")[:300]  # Telegram's own words, quoted as they came
        detail = f"{method}: HTTP {status}" + (f" «{said}»" if said else "")
        chat = self.settings.chat_id
        if code == 429:
            wait = (body.get("parameters") or {}).get("retry_after") if isinstance(body.get("parameters"), dict) \
                else None
            until = retry_after(str(wait) if isinstance(wait, int) else answer.headers.get("Retry-After")) or \
                dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
            return TransientError(t("telegram.rate_limited", detail=detail), not_before=until, channel_wide=True)
        if code == 401 or code == 404:  # 404: the Bot API's answer to a token it cannot even parse
            return AuthError(t("telegram.token_refused", variable=self.settings.token_env, detail=detail))
        if code == 403:
            return AuthError(t("telegram.not_member", chat=chat, detail=detail))
        if code == 400 and "chat not found" in said.lower():
            return AuthError(t("telegram.chat_not_found", chat=chat, detail=detail))
        if status >= 500 or code >= 500 or not body:  # a gateway error: the message may have been posted
            return TransientError(t("telegram.server_error", detail=detail), ambiguous=method in SENDS)
        return PermanentError(t("telegram.refused", detail=detail))

    # -- Publisher ----------------------------------------------------------------------------------------------
    def publish(self, outgoing: Outgoing) -> Published:
        steps = self._steps(outgoing)
        if steps is not None and steps.statuses().get(SEND_STEP) == "sent":
            return self._recorded(steps)  # answered before the outcome could be written: never posted twice
        images = outgoing.images
        if len(images) > MAX_GROUP:  # refused before anything goes out: the Bot API takes 10 at most
            raise PermanentError(t("telegram.too_many_images", count=len(images), most=MAX_GROUP))
        text = outgoing.text if not self.text_is_html else _plain(outgoing.text)
        limit, field = (MAX_CAPTION, t("telegram.field_caption")) if images else (MAX_TEXT, t("telegram.field_text"))
        if _length(text) > limit:
            raise PermanentError(t("telegram.too_long", field=field, most=f"{limit:,}", length=f"{_length(text):,}"))
        method, request = self._request(images, html.escape(text, quote=False))
        if steps is not None:
            try:
                steps.begin(SEND_STEP, {"method": method})
            except Exception as exc:  # noqa: BLE001 - nothing went out yet: a plain retry later
                raise TransientError(t("telegram.not_recorded", error=f"{type(exc).__name__}")) from None
        try:
            result = self._call(method, **request)
        except TransientError as exc:
            if exc.ambiguous:  # it went out and its answer was lost: nobody can look, a person decides
                self._settle(steps, "unknown", {"method": method})
                raise CannotTell(t("telegram.cannot_tell", error=exc)) from None
            self._settle(steps, "forget")
            raise
        except PublishError:
            self._settle(steps, "forget")  # refused: nothing was posted
            raise
        messages = result if isinstance(result, list) else [result]
        published = self._published(messages)
        self._settle(steps, "sent", {"method": method, "remote_id": published.remote_id,
                                     "permalink": published.permalink, **(published.detail or {})})
        return published

    def _request(self, images: tuple[Banner, ...], caption: str) -> tuple[str, dict[str, Any]]:
        """The call and its fields: sendPhoto for one image, sendMediaGroup for several, sendMessage for none."""
        data: dict[str, Any] = {"chat_id": str(self.settings.chat_id), "parse_mode": "HTML"}
        if self.settings.silent:
            data["disable_notification"] = "true"
        if len(images) == 1:
            image = images[0]
            return "sendPhoto", {"data": {**data, "caption": caption},
                                 "files": {"photo": (image.path.name, image.path.read_bytes(), image.mime)}}
        if images:
            media = [{"type": "photo", "media": f"attach://f{index}"} for index in range(len(images))]
            media[0].update(caption=caption, parse_mode="HTML")
            del data["parse_mode"]  # it belongs to each item of a group
            files = {f"f{index}": (image.path.name, image.path.read_bytes(), image.mime)
                     for index, image in enumerate(images)}
            return "sendMediaGroup", {"data": {**data, "media": json.dumps(media)}, "files": files}
        return "sendMessage", {"data": {**data, "text": caption}}

    def _published(self, messages: list[Any]) -> Published:
        first = messages[0] if messages and isinstance(messages[0], dict) else {}
        if not isinstance(first.get("message_id"), int):
            raise CannotTell(t("telegram.no_message_id", answer=f"{messages!r:.200}"))
        chat = first.get("chat") if isinstance(first.get("chat"), dict) else {}
        chat_id = chat.get("id", self.settings.chat_id)
        username = chat.get("username") or (str(self.settings.chat_id)[1:] if str(self.settings.chat_id)
                                             .startswith("@") else None)
        ids = [m.get("message_id") for m in messages if isinstance(m, dict)]
        return Published(f"{chat_id}:{first['message_id']}",
                         f"https://t.me/{username}/{first['message_id']}" if username else None,
                         detail={"chat_id": chat_id, "message_ids": ids})

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        """What the recorded step says; a bot cannot read the channel, so a send whose answer was lost is
        ``unknown`` (raised), unless a person has since asked for it again (``loa retry``: it is not there)."""
        steps = self._steps(outgoing)
        if steps is None:
            raise PermanentError(t("telegram.cannot_look"))
        status = steps.statuses().get(SEND_STEP)
        if status is None:
            return None  # nothing was ever sent for this delivery
        if status == "sent":
            return self._recorded(steps)
        raise PermanentError(t("telegram.cannot_look"))

    def check(self) -> ChannelHealth:
        try:
            bot = self._call("getMe") or {}
            chat = self._call("getChat", data={"chat_id": str(self.settings.chat_id)}) or {}
        except PublishError as exc:
            return ChannelHealth(False, str(exc))
        name = chat.get("title") or chat.get("username") or str(self.settings.chat_id)
        return ChannelHealth(True, t("telegram.ok", bot=bot.get("username") or bot.get("first_name") or "?",
                                     chat=name), account=name)

    def metrics(self, remote_id: str) -> Metrics:
        return Metrics.none(t("telegram.no_metrics"))

    # -- recorded steps ------------------------------------------------------------------------------------------
    def _steps(self, outgoing: Outgoing) -> Any:
        return self.coordination.steps(outgoing.delivery_id) if self.coordination is not None else None

    @staticmethod
    def _recorded(steps: Any) -> Published:
        detail = steps.detail(SEND_STEP) or {}
        return Published(str(detail["remote_id"]), detail.get("permalink"),
                         detail={k: detail[k] for k in ("chat_id", "message_ids") if k in detail})

    @staticmethod
    def _settle(steps: Any, how: str, detail: dict[str, Any] | None = None) -> None:
        """Record how the send ended. A failure to record is not the send's failure: the step then stays
        ``sending``, which a later look-up treats as unknown (never as not sent)."""
        if steps is None:
            return
        try:
            steps.forget(SEND_STEP) if how == "forget" else getattr(steps, how)(SEND_STEP, detail)
        except Exception:  # noqa: BLE001, S110 - see above: the safe reading remains
            pass



def _length(text: str) -> int:
    """Length as the Bot API counts it (UTF-16 code units, after entities are parsed: the text before escaping)."""
    return len(text.encode("utf-16-le")) // 2


def _plain(markup: str) -> str:
    """A portal-kind (HTML) text as plain text: Telegram takes only a few tags, so loa sends none of them."""
    text = re.sub(r"<br\s*/?>|</p>|</li>|</h[1-6]>", "\n", markup, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()
