"""Signing in to the browser workspace: sessions whose cookie holds a random token (the table only its sha256),
and the throttle on failed attempts (per account and address, and per address)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from .accounts import Account, account_of, find_user, verify_password
from .db import Database
from .models import LoginAttempt, User, WebSession, utcnow

SESSION_HOURS = 12  # sliding: each visit moves the end forward
TOUCH_EVERY = dt.timedelta(minutes=5)  # the row is rewritten at most this often, not on every request
THROTTLE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 5  # per account name and address in the window
MAX_FAILURES_PER_ADDRESS = 20  # one address guessing across many names


@dataclass(frozen=True)
class SignedIn:
    account: Account
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _failures(db: Database, name: str, address: str, now: dt.datetime) -> tuple[int, int]:
    since = now - THROTTLE_WINDOW
    with db.session() as session:
        last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(
            LoginAttempt.name == name, LoginAttempt.address == address, LoginAttempt.ok.is_(True)))
        pair_since = max(since, last_ok) if last_ok is not None else since
        pair = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.name == name, LoginAttempt.address == address, LoginAttempt.ok.is_(False),
            LoginAttempt.at > pair_since)) or 0
        anywhere = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.address == address, LoginAttempt.ok.is_(False), LoginAttempt.at > since)) or 0
    return pair, anywhere


def sign_in(db: Database, name: str, password: str, *, address: str,
            now: dt.datetime | None = None) -> tuple[str, SignedIn] | None:
    """A new session (its cookie token and who it is) for the right name and password, else None: an unknown
    name, a wrong password, a disabled account and too many recent failures look the same to the caller."""
    now = now or utcnow()
    name = name.strip().lower()[:100]
    address = (address or "-")[:100]
    pair, anywhere = _failures(db, name, address, now)
    throttled = pair >= MAX_FAILURES or anywhere >= MAX_FAILURES_PER_ADDRESS
    with db.session() as session:
        user = find_user(session, name)
        stored = user.password_hash if user is not None else None
    # the hash is checked even when throttled or disabled, so the time taken tells nothing either
    matches = verify_password(stored, password)
    ok = matches and not throttled and user is not None and user.disabled_at is None
    with db.transaction() as session:
        session.add(LoginAttempt(name=name, address=address, at=now, ok=ok))
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 4 * THROTTLE_WINDOW))
        if not ok or user is None:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        session.add(WebSession(id=token_hash(token), user_id=user.id, csrf_token=csrf, created_at=now,
                               last_seen_at=now, expires_at=now + dt.timedelta(hours=SESSION_HOURS)))
        row = session.get(User, user.id)
        assert row is not None
        row.last_login_at = now
        session.execute(delete(WebSession).where(WebSession.expires_at < now))
        return token, SignedIn(account_of(row), csrf)


def session_of(db: Database, token: str | None, *, now: dt.datetime | None = None) -> SignedIn | None:
    """Who holds this cookie token: None when it is unknown, expired, or its account is disabled."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    key = token_hash(token)
    with db.session() as session:
        row = session.get(WebSession, key)
        if row is None or row.expires_at <= now or row.user.disabled_at is not None:
            return None
        signed_in = SignedIn(account_of(row.user), row.csrf_token)
        stale = now - row.last_seen_at >= TOUCH_EVERY
    if stale:
        with db.transaction() as session:
            row = session.get(WebSession, key)
            if row is not None:
                row.last_seen_at = now
                row.expires_at = now + dt.timedelta(hours=SESSION_HOURS)
    return signed_in


def sign_out(db: Database, token: str | None) -> None:
    if token:
        with db.transaction() as session:
            session.execute(delete(WebSession).where(WebSession.id == token_hash(token)))
