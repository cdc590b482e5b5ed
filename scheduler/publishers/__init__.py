"""Publishers: one small interface per platform, found through the entry-point group ``loa.publishers``.

An adapter gets an ``Outgoing`` (exactly the stored render of one delivery) and either returns ``Published`` or
raises one of the errors the dispatcher understands: ``TransientError`` (try again, maybe not before a time),
``PermanentError`` (this delivery fails), ``AuthError`` or ``ChannelUnavailable`` (the whole channel pauses until
it is fixed).
"""
from __future__ import annotations

import datetime as dt
import email.utils
import errno
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

ENTRY_POINT_GROUP = "loa.publishers"
# seconds an HTTP adapter waits to connect; its read timeout is the channel's ``timeout`` setting. A stopping daemon
# waits for a send up to both (scheduler/shutdown.py)
CONNECT_TIMEOUT = 5


class PublishError(Exception):
    """Base of what an adapter raises. Messages must never contain a secret (adapters redact them)."""


class TransientError(PublishError):
    def __init__(self, message: str, *, not_before: dt.datetime | None = None, channel_wide: bool = False,
                 ambiguous: bool = False) -> None:
        super().__init__(message)
        self.not_before = not_before  # from Retry-After or a platform's usage headers
        # a rate limit on the whole account or page: the channel pauses, its deliveries keep their attempts
        self.channel_wide = channel_wide
        # the request that creates the post went out and its answer was lost (a read timeout, a reset, a 5xx):
        # the platform may hold the post, so loa treats the delivery as gone out until a lookup settles it
        self.ambiguous = ambiguous


class PermanentError(PublishError):
    pass


class CannotTell(PermanentError):
    """It went out and its answer was lost, and the platform cannot be asked (a bot cannot read a channel, SMTP
    cannot say what it delivered): the delivery becomes ``unknown`` at once, for a person to settle; never resent."""

    ambiguous = True  # read by outcomes.record_failure: it may be on the platform


class AuthError(PublishError):
    """Credentials are missing, expired or lack a permission: every delivery of the channel waits."""


class SecretUnset(AuthError):
    """The variable holding a secret is not set (in the environment, nor in the secrets file): nothing to renew at
    the platform, only a setting to make here."""


# Retry-After and usage headers are the platform's words: a wait longer than this is a broken header, not a plan.
LONGEST_WAIT = dt.timedelta(days=1)


def retry_after(value: str | None, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The time a ``Retry-After`` header names (delay-seconds or an HTTP date), clamped to ``LONGEST_WAIT``.

    Whatever a server sends (``soon``, a number too large for a date, a date in the past) gives a time or None,
    never an exception: a plain 503 must stay a plain transient error.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return now + min(dt.timedelta(seconds=int(value[:12])), LONGEST_WAIT)
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if parsed is None:
        return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return min(max(parsed, now), now + LONGEST_WAIT)


def request_went_out(exc: BaseException) -> bool:
    """False only when a ``requests`` error shows the request never reached the server (no connection was made);
    a read timeout, a reset or a broken answer leave it open whether the server acted on it."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return False
    if not isinstance(exc, requests.ConnectionError):
        return True
    # requests wraps urllib3's MaxRetryError, whose ``reason`` says what failed
    seen: list[BaseException] = [exc]
    for error in seen:
        if isinstance(error, (NewConnectionError, ConnectTimeoutError)):
            return False
        for inner in (*error.args, getattr(error, "reason", None), error.__cause__, error.__context__):
            if isinstance(inner, BaseException) and inner not in seen and len(seen) < 20:
                seen.append(inner)
    return True


def network_problem(exc: BaseException) -> str:
    """Why a request failed, as a sentence for a person (never the exception's class name): the address could not
    be found, the server refused or did not answer, the connection broke, the certificate was refused..."""
    import requests
    from loa.posts.i18n import t

    def caused_by(*kinds: type[BaseException]) -> bool:
        seen: list[BaseException] = [exc]
        for error in seen:
            if isinstance(error, kinds):
                return True
            for inner in (*error.args, getattr(error, "reason", None), error.__cause__, error.__context__):
                if isinstance(inner, BaseException) and inner not in seen and len(seen) < 20:
                    seen.append(inner)
        return False

    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.SSLError):
        return t("check.net_tls")
    if isinstance(exc, requests.ConnectTimeout):
        return t("check.net_no_answer")
    if isinstance(exc, requests.ReadTimeout):
        return t("check.net_too_slow")
    if isinstance(exc, requests.exceptions.ProxyError):
        return t("check.net_proxy")
    if isinstance(exc, requests.TooManyRedirects):
        return t("check.net_redirects")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return t("check.net_bad_address")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or caused_by(ConnectionResetError):
        return t("check.net_broken")
    if isinstance(exc, requests.ConnectionError):
        if caused_by(ConnectionRefusedError) or "refused" in text:
            return t("check.net_refused")
        if "name resolution" in text or "name or service not known" in text or "nodename" in text \
                or "getaddrinfo" in text:
            return t("check.net_unknown_host")
        if caused_by(TimeoutError):
            return t("check.net_no_answer")
        return t("check.net_no_connection")
    return t("check.net_other")


class ChannelUnavailable(PublishError):
    """The target cannot take anything now (a full or read-only folder): the channel pauses, its deliveries keep
    their attempts, and it resumes when its ``check()`` passes again."""


_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


def target_unavailable(exc: OSError, folder: Path) -> ChannelUnavailable | None:
    """The channel pause for an OSError writing into a local channel's ``folder`` (full, read-only, forbidden), or
    None when the error is something else: a banner missing from loa's own media folder is a fault of loa
    (the delivery becomes ``unknown``), not of the target."""
    from loa.posts.i18n import t
    from loa.posts.os_errors import os_error_text

    error = os_error_text(exc, writing=True)  # in the officer's words, not the system's English
    if exc.errno in _FULL:
        return ChannelUnavailable(t("files.target_full", path=folder, error=error))
    names = [os.fsdecode(name) for name in (exc.filename, exc.filename2) if name is not None]
    # shutil names the source first: a read-only or forbidden *source* is not the target's fault
    if exc.errno in _READ_ONLY and (not names or any(_inside(name, folder) for name in names[-1:])):
        return ChannelUnavailable(t("files.target_read_only", path=folder, error=error))
    return None


def _inside(name: str, folder: Path) -> bool:
    return Path(name).resolve().is_relative_to(folder.resolve())


# Below this much free space a local channel's check fails: a page with its banner must fit whole.
MIN_FREE_BYTES = 4 * 1024 * 1024


def folder_problem(folder: Path, *, min_free: int = MIN_FREE_BYTES) -> str | None:
    """Why a local channel's ``folder`` cannot take a delivery now (read-only, forbidden, full), or None."""
    from loa.posts.errors import UserError
    from loa.posts.files import write_atomically
    from loa.posts.i18n import t
    from loa.posts.os_errors import os_error_text

    probe = folder / ".loa-check"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(probe, b"ok")  # the same kind of write a publication makes
        probe.unlink()
        space = os.statvfs(folder)
    except OSError as exc:
        return str(target_unavailable(exc, folder) or t("check.folder_unwritable", path=folder,
                                                         error=os_error_text(exc, writing=True)))
    except UserError as exc:  # something other than a file sits at the probe's name
        return str(exc)
    free = space.f_bavail * space.f_frsize
    if free < min_free:
        return t("files.target_low_space", path=folder, free=f"{free // 1024} KiB",
                 need=f"{min_free // (1024 * 1024)} MiB")
    return None


@dataclass(frozen=True)
class Published:
    remote_id: str
    permalink: str | None
    detail: dict[str, Any] | None = field(default=None, compare=False)  # kept in the outreach log (no secrets)


# The engagement figures loa keeps, whatever the platform calls them (Facebook's names are in ``Metrics.source``).
METRIC_NAMES = ("reactions", "comments", "shares", "views", "reach", "clicks")
LOCAL_CHANNEL = "no engagement figures for a local channel"


@dataclass
class Metrics:
    """One reading of a published post's figures. A figure that could not be read is in ``unavailable`` with the
    reason, never in ``values`` as 0: a zero in a report must mean nobody reacted, not that nobody could ask."""

    values: dict[str, int] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)  # the platform's own names -> raw values
    # Some figure was missing for a passing reason (network, 5xx, rate limit): worth reading again soon.
    transient: bool = False
    retry_at: dt.datetime | None = None

    @classmethod
    def none(cls, reason: str, *, transient: bool = False, retry_at: dt.datetime | None = None) -> Metrics:
        """Nothing could be read: every figure unavailable for ``reason``."""
        return cls(unavailable={name: reason for name in METRIC_NAMES}, transient=transient, retry_at=retry_at)

    def missing(self, name: str, reason: str, *, transient: bool = False) -> None:
        self.values.pop(name, None)
        self.unavailable[name] = reason
        self.transient = self.transient or transient


@dataclass(frozen=True)
class ChannelHealth:
    ok: bool
    message: str  # one line for a person: "OK: Trang Sở KH&CN Cần Thơ", "token expired — generate a new token"
    account: str | None = None


@dataclass(frozen=True)
class Banner:
    """An image file that goes out with a post: a banner, or one of its photos."""

    name: str  # "banner-facebook.png", "photo-01-facebook.jpg"
    path: Path
    sha256: str

    @property
    def mime(self) -> str:
        return {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".pdf": "application/pdf"}.get(
            self.path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class Outgoing:
    """One delivery as it will be sent: the stored texts and banners, never re-rendered on the way out."""

    delivery_id: int
    post_id: int
    channel: str
    campaign: str  # slug
    campaign_name: str
    timezone: str  # the campaign's: how dates are shown
    title: str
    text: str  # the rendered text for this channel (HTML for the portal kind)
    publish_at: dt.datetime
    # Deterministic per delivery, so ``find_existing`` finds a post made before a crash, and different per
    # database, so two loa installations (or a fresh one) publishing to one site never take each other's posts.
    slug: str
    banners: tuple[Banner, ...] = ()
    # the post's own photos, scaled for this channel's kind (``photo-01-facebook.jpg``), in the post's order
    photos: tuple[Banner, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    # the post's own body as written, before the channel's template: for a channel whose rendered text is only a
    # summary (a Zalo article's 300-character description) but which carries the whole text too
    body: str = ""

    @property
    def images(self) -> tuple[Banner, ...]:
        """Every image the post carries on this channel: its banner(s) first, then its photos."""
        return self.banners + self.photos


class Publisher(ABC):
    """Subclass this (and register it under ``loa.publishers``) to add a platform without touching loa."""

    adapter: ClassVar[str]
    # What it can do to a post it published: "update" (a correction in place), "delete" (a take-down). An adapter
    # that declares neither keeps working for publications; a correction or take-down on it is refused up front.
    supports: ClassVar[frozenset[str]] = frozenset()
    # scheduler.coordination.Coordination: a cross-process lock and a delivery's recorded steps, when the adapter
    # runs against a database (set by dispatch.publisher_for); None in a check or rehearsal without one
    coordination: Any = None
    # the config file's folder, for settings naming a file the adapter only reads (a recipient list, a CA
    # certificate); None: base_dir (set by dispatch.publisher_for)
    config_dir: Path | None = None

    def __init__(self, channel: str, settings: Any, *, base_dir: Path) -> None:
        self.channel = channel
        self.settings = settings
        # where what the adapter writes goes (a site, a dry run's records, a token file): [paths] state, else the
        # config file's folder; relative paths in settings are relative to it
        self.base_dir = base_dir

    @property
    def inputs_dir(self) -> Path:
        """Where files the settings name for reading are (relative to the config file)."""
        return self.config_dir if self.config_dir is not None else self.base_dir

    @property
    def text_is_html(self) -> bool:
        """Whether this channel's texts are HTML (a portal-kind render, escaped by loa's sandbox). Any other kind is
        plain text, which an adapter that writes HTML escapes, whatever it contains."""
        from loa.posts.render.text import channel_kinds

        return channel_kinds()[self.settings.channel_kind()].format == "html"

    @abstractmethod
    def publish(self, outgoing: Outgoing) -> Published: ...

    @abstractmethod
    def find_existing(self, outgoing: Outgoing) -> Published | None:
        """The post this delivery made earlier, or None when the platform shows there is none.

        Raise when it cannot tell: after a crash mid-send the delivery then becomes ``unknown`` for a person to
        decide, instead of being sent again blindly.
        """

    @abstractmethod
    def check(self) -> ChannelHealth: ...

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """Change the post ``remote_id`` (as ``publish`` returned it) in place to ``outgoing``'s title and text.

        Must be idempotent (sending the same correction twice leaves one post with the new text): an update whose
        answer was lost is simply sent again."""
        from loa.posts.i18n import t

        raise PermanentError(t("check.cannot_correct", adapter=self.adapter))

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """Take the post ``remote_id`` down. A post that is already gone counts as done (idempotent)."""
        from loa.posts.i18n import t

        raise PermanentError(t("check.cannot_take_down", adapter=self.adapter))

    def metrics(self, remote_id: str) -> Metrics | None:
        """Engagement figures of a published post (``remote_id`` as ``publish`` returned it); None: the platform
        has none. Raise ``TransientError`` when nothing could be read for a passing reason, ``AuthError`` or
        ``PermanentError`` when nothing can be read; a single figure that fails goes in ``Metrics.unavailable``."""
        return None


@cache
def publishers() -> dict[str, type[Publisher]]:
    """Every installed adapter by name; loa's own register through the same entry points."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}
