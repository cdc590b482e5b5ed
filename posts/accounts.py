"""Accounts of the browser workspace: names, roles, argon2id password hashes (``loa users`` and ``loa web``).

Editors write; approvers also approve, send back, retry, correct and take down; admins also manage accounts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import Database
from .errors import UserError
from .i18n import t
from .models import User, WebSession, utcnow

ROLES = ("editor", "approver", "admin")  # each may do all the one before it may
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000  # argon2 hashes any length; a megabyte "password" is a denial of service, not a secret


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher  # argon2id with the library's defaults (RFC 9106 low-memory profile)

    return PasswordHasher()


def role_at_least(role: str, wanted: str) -> bool:
    """Whether ``role`` may do what ``wanted`` may (editor < approver < admin)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(wanted)


def check_name(name: str, *, where: str = "NAME") -> str:
    if not NAME.fullmatch(name):
        raise UserError(t("users.bad_name", name=name), where=where)
    return name


def check_role(role: str, *, where: str = "--role") -> str:
    if role not in ROLES:
        raise UserError(t("users.bad_role", role=role, roles=", ".join(ROLES)), where=where)
    return role


def check_password(password: str, *, where: str = "password") -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(t("users.password_short", least=MIN_PASSWORD), where=where)
    if len(password) > MAX_PASSWORD:
        raise UserError(t("users.password_long", most=MAX_PASSWORD), where=where)
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(password)


@cache
def _dummy_hash() -> str:
    return hash_password("loa-no-such-account-" + "x" * 16)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (no such account) a dummy one is checked, so the time taken does
    not tell an unknown name from a wrong password."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if len(password) > MAX_PASSWORD:
        return False
    try:
        return bool(_hasher().verify(password_hash or _dummy_hash(), password)) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    display_name: str | None
    role: str
    disabled: bool

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def may(self, role: str) -> bool:
        return not self.disabled and role_at_least(self.role, role)


def account_of(user: User) -> Account:
    return Account(user.id, user.name, user.display_name, user.role, user.disabled_at is not None)


def find_user(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def _existing(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        from .lookup import unknown_user

        raise unknown_user(session, name)
    return user


def add_user(db: Database, name: str, *, role: str, password: str, display_name: str | None = None) -> Account:
    check_name(name)
    check_role(role)
    check_password(password)
    if display_name is not None and not display_name.strip():
        display_name = None
    password_hash = hash_password(password)  # before the transaction: hashing takes a while
    with db.transaction() as session:
        if find_user(session, name) is not None:
            raise UserError(t("users.exists", name=name), where="NAME")
        user = User(name=name, role=role, display_name=display_name, password_hash=password_hash)
        session.add(user)
        session.flush()
        return account_of(user)


def set_password(db: Database, name: str, password: str) -> None:
    """A new password; the account's open sessions end (whoever knew the old one is signed out)."""
    check_password(password)
    password_hash = hash_password(password)
    with db.transaction() as session:
        user = _existing(session, name)
        user.password_hash = password_hash
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def disable_user(db: Database, name: str) -> bool:
    """The account can no longer sign in and its sessions end. False when it was already disabled."""
    with db.transaction() as session:
        user = _existing(session, name)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        if user.disabled_at is not None:
            return False
        user.disabled_at = utcnow()
        return True


def list_users(db: Database) -> list[dict[str, Any]]:
    from .times import iso

    with db.session() as session:
        return [{"name": u.name, "display_name": u.display_name, "role": u.role,
                 "disabled": u.disabled_at is not None, "created_at": iso(u.created_at),
                 "last_login_at": iso(u.last_login_at) if u.last_login_at else None}
                for u in session.scalars(select(User).order_by(User.name))]
