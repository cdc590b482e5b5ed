"""The Zalo OA token pair: an access token that lasts ~25 h and a refresh token that works exactly once.

The pair lives in a state file (``token_file``), mode 0600 from the moment it exists, replaced atomically (temp file,
fsync, rename). A refresh burns the refresh token, so two processes must never refresh with the same one: every
refresh runs under the database lock ``zalo-refresh:<channel>`` (daemons on several machines sharing PostgreSQL) and
a lock file next to the state file (processes on this machine without a database, such as a check), and re-reads the
file first, because the process that held the lock before may have refreshed already.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from loa.posts.i18n import t

from . import AuthError, TransientError, network_problem

# The first refresh token, read only while the state file does not exist yet (then written into it and never again).
FIRST_TOKEN_ENV = "LOA_ZALO_REFRESH_TOKEN"
REFRESH_AHEAD = dt.timedelta(hours=1)  # refresh when less than this is left: a publication never meets an expiry
MAX_STATE_BYTES = 64 * 1024
RATE_LIMITED = -32


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    obtained_at: dt.datetime | None = None

    def due(self, now: dt.datetime) -> bool:
        """Within an hour of expiry, or past half its life for a token given for less than two hours (else each
        call would refresh)."""
        ahead = REFRESH_AHEAD
        if self.obtained_at is not None:
            ahead = min(ahead, (self.expires_at - self.obtained_at) / 2)
        return self.expires_at - now < ahead


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class TokenStore:
    """Reads, refreshes and writes one channel's token pair. ``lock`` is the database lock (None without one)."""

    def __init__(self, path: Path, *, oauth_url: str, app_id: str, secret_key: Callable[[], str],
                 session: requests.Session, timeout: tuple[float, float],
                 lock: Callable[[], contextlib.AbstractContextManager[None]] | None = None) -> None:
        self.path = path
        self.oauth_url = oauth_url.rstrip("/")
        self.app_id = app_id
        self.secret_key = secret_key
        self.session = session
        self.timeout = timeout
        self.lock = lock
        self._cached: TokenPair | None = None

    # -- the state file -----------------------------------------------------------------------------------------
    def read(self) -> TokenPair | None:
        """The stored pair, or None when the state file does not exist. A file that cannot be read is an AuthError:
        the channel waits for a person, it never guesses."""
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(MAX_STATE_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuthError(t("zalo.token_file_unreadable", path=self.path, error=exc.strerror or exc)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
            obtained = data.get("obtained_at")
            pair = TokenPair(str(data["access_token"]), str(data["refresh_token"]),
                             dt.datetime.fromisoformat(data["expires_at"]).astimezone(dt.timezone.utc),
                             dt.datetime.fromisoformat(obtained).astimezone(dt.timezone.utc) if obtained else None)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AuthError(t("zalo.token_file_damaged", path=self.path)) from None
        if not pair.refresh_token or len(raw) > MAX_STATE_BYTES:
            raise AuthError(t("zalo.token_file_damaged", path=self.path))
        return pair

    def write(self, pair: TokenPair) -> None:
        """Atomically, mode 0600 from the first byte: a crash leaves the old pair or the new one, never half."""
        data = json.dumps({"access_token": pair.access_token, "refresh_token": pair.refresh_token,
                           "expires_at": pair.expires_at.isoformat(),
                           "obtained_at": pair.obtained_at.isoformat() if pair.obtained_at else None}).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # an old temp file left by a crash keeps its mode otherwise
            os.write(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself survives a power cut
        finally:
            os.close(folder)

    # -- the token a request uses -------------------------------------------------------------------------------
    def access_token(self) -> str:
        """A valid access token, refreshed first when it expires within REFRESH_AHEAD."""
        pair = self._cached or self.read()
        if pair is None or pair.due(now_utc()):
            pair = self._refresh(stale=pair.access_token if pair else None)
        self._cached = pair
        return pair.access_token

    def refresh_after_refusal(self, refused: str) -> str:
        """Zalo refused ``refused`` (−216/−220): a new pair, unless another process already made one."""
        self._cached = None
        pair = self._refresh(stale=refused, forced=True)
        self._cached = pair
        return pair.access_token

    def _refresh(self, *, stale: str | None, forced: bool = False) -> TokenPair:
        with self._locked():
            current = self.read()  # under the lock: the holder before us may have refreshed already
            if current is not None and not current.due(now_utc()) and (not forced or current.access_token != stale):
                return current  # still good, or (after a refusal) already replaced by another process
            refresh_token = current.refresh_token if current else os.environ.get(FIRST_TOKEN_ENV, "").strip()
            if not refresh_token:
                raise AuthError(t("zalo.token_file_missing", path=self.path, variable=FIRST_TOKEN_ENV))
            pair = self._exchange(refresh_token)
            self.write(pair)
            return pair

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self.lock() if self.lock else contextlib.nullcontext():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = self.path.with_name(self.path.name + ".lock")
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)  # closing releases the flock

    def _exchange(self, refresh_token: str) -> TokenPair:
        """POST the refresh token (form body, the app's secret key in a header: neither ever in a URL)."""
        address = f"{self.oauth_url}/v4/oa/access_token"
        try:
            answer = self.session.post(address, data={"refresh_token": refresh_token, "app_id": self.app_id,
                                                      "grant_type": "refresh_token"},
                                       headers={"secret_key": self.secret_key()}, timeout=self.timeout)
            body: Any = answer.json()
        except requests.RequestException as exc:
            # if it went out, Zalo may have burned the token: the next try says so (refused) and a person acts
            raise TransientError(t("check.request_failed", method="POST", address=address,
                                   why=network_problem(exc))) from None
        except ValueError:
            raise TransientError(t("zalo.not_json", address=address, status=answer.status_code)) from None
        if not isinstance(body, dict):
            body = {}
        error = body.get("error")
        if answer.status_code >= 500:
            raise TransientError(t("check.http_server_error", detail=f"POST {address}: HTTP {answer.status_code}"))
        if error == RATE_LIMITED:
            raise TransientError(t("zalo.rate_limited", detail=_said(body)), channel_wide=True)
        if error not in (None, 0) or not body.get("access_token") or not body.get("refresh_token"):
            raise AuthError(t("zalo.refresh_refused", detail=_said(body)))
        try:
            lasts = int(str(body.get("expires_in", "90000")).strip())
        except ValueError:
            lasts = 90000
        lasts = min(max(lasts, 60), 7 * 86400)  # a broken figure neither loops refreshing nor trusts a week
        now = now_utc()
        return TokenPair(str(body["access_token"]), str(body["refresh_token"]), now + dt.timedelta(seconds=lasts), now)


def _said(body: dict[str, Any]) -> str:
    """Zalo's own code and words, as they came (never a token: the answer to a refusal carries none)."""
    code = body.get("error")
    words = body.get("message") or body.get("error_description") or body.get("error_name") or ""
    return f"{code} «{str(words)[:200]}»" if words else str(code)
