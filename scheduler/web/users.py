"""Accounts (``/users``, admins only): the list (``loa users list``), a new account (``loa users add``), a new
password (``loa users passwd``) and disabling one (``loa users disable``) — the same functions and messages."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from loa.posts.accounts import ROLES, add_user, disable_user, list_users, set_password
from loa.posts.errors import UserError
from loa.posts.i18n import t

from . import workspace
from .auth import require_role

blueprint = Blueprint("users", __name__)


def _page(*, error: str | None = None, where: str | None = None, status: int = 200,
          form: dict[str, str] | None = None) -> Any:
    return render_template("users.html", users=list_users(workspace().database), roles=ROLES, error=error,
                           where=where, form=form or {}), status


def _password(field: str = "password") -> str:
    password = request.form.get(field, "")
    if password != request.form.get(f"{field}_repeat", ""):
        raise UserError(t("users.mismatch"), where="password")
    return password


@blueprint.route("/users")
@require_role("admin")
def index() -> Any:
    return _page()


@blueprint.route("/users/add", methods=["POST"])
@require_role("admin")
def add() -> Any:
    form = {key: request.form.get(key, "") for key in ("name", "role", "display_name")}
    try:
        account = add_user(workspace().database, form["name"].strip(), role=form["role"], password=_password(),
                           display_name=form["display_name"] or None)
    except UserError as exc:
        return _page(error=str(exc), where=exc.where, status=422, form=form)
    flash(t("users.added", name=account.name, role=account.role))
    return redirect(url_for("users.index"))


@blueprint.route("/users/<name>/passwd", methods=["POST"])
@require_role("admin")
def passwd(name: str) -> Any:
    try:
        set_password(workspace().database, name, _password())
    except UserError as exc:
        return _page(error=str(exc), where=exc.where, status=422)
    flash(t("users.password_set", name=name))
    return redirect(url_for("users.index"))


@blueprint.route("/users/<name>/disable", methods=["POST"])
@require_role("admin")
def disable(name: str) -> Any:
    try:
        changed = disable_user(workspace().database, name)
    except UserError as exc:
        return _page(error=str(exc), where=exc.where, status=422)
    flash(t("users.disabled" if changed else "users.already_disabled", name=name))
    return redirect(url_for("users.index"))
