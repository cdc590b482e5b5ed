"""``loa users``: the accounts of the browser workspace. The rules live in posts/accounts.py."""
from __future__ import annotations

import sys

import click

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.vocabulary import label

from . import cli
from .choices import WordChoice
from .common import App, echo_json, json_option, pass_app


@cli.group("users", help="leaks.help_users")
def users_group() -> None:
    pass


def _password(from_stdin: bool) -> str:
    """From standard input's first line (``--password-stdin``), else asked twice with hidden input."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError(t("users.password_empty"), where="--password-stdin")
        return line
    first = click.prompt(t("users.prompt_password"), hide_input=True, err=True)
    second = click.prompt(t("users.prompt_repeat"), hide_input=True, err=True)
    if first != second:
        raise UserError(t("users.mismatch"), where="password")
    return first


@users_group.command("add", help="users.help_add")
@click.argument("name", metavar="NAME")
@click.option("--role", required=True, metavar="ROLE", type=WordChoice("role"), help="users.help_role")
@click.option("--display-name", metavar="TEXT", help="users.help_display_name")
@click.option("--password-stdin", is_flag=True, help="users.help_password_stdin")
@pass_app
def add_command(app: App, name: str, role: str, display_name: str | None, password_stdin: bool) -> None:
    from loa.posts.accounts import add_user, check_name, check_role

    check_name(name)  # before asking for a password
    check_role(role)
    account = add_user(app.database(), name, role=role, password=_password(password_stdin),
                       display_name=display_name)
    click.echo(t("users.added", name=account.name, role=label("role", account.role)))


@users_group.command("list", help="users.help_list")
@json_option
@pass_app
def list_command(app: App, as_json: bool) -> None:
    from loa.posts.accounts import list_users
    from loa.scheduler import tables

    users = list_users(app.database())
    if as_json:
        echo_json(users)
        return
    if not users:
        click.echo(t("users.none"))
        return
    columns = [tables.Column(t("users.col_name")), tables.Column(t("users.col_display_name"), "cut"),
               tables.Column(t("users.col_role")), tables.Column(t("users.col_state")),
               tables.Column(t("users.col_last_login"))]
    rows = [[user["name"], user["display_name"] or "–", user["role"],
             t("users.state_disabled" if user["disabled"] else "users.state_active"),
             (user["last_login_at"] or "–")[:16].replace("T", " ")] for user in users]
    tables.print_table(tables.console(), columns, rows)


@users_group.command("passwd", help="users.help_passwd")
@click.argument("name", metavar="NAME")
@click.option("--password-stdin", is_flag=True, help="users.help_password_stdin")
@pass_app
def passwd_command(app: App, name: str, password_stdin: bool) -> None:
    from loa.posts.accounts import find_user, set_password

    database = app.database()
    with database.session() as session:  # an unknown name is told before the password is asked
        if find_user(session, name) is None:
            from loa.posts.lookup import unknown_user

            raise unknown_user(session, name)
    set_password(database, name, _password(password_stdin))
    click.echo(t("users.password_set", name=name))


@users_group.command("disable", help="users.help_disable")
@click.argument("name", metavar="NAME")
@pass_app
def disable_command(app: App, name: str) -> None:
    from loa.posts.accounts import disable_user

    changed = disable_user(app.database(), name)
    click.echo(t("users.disabled" if changed else "users.already_disabled", name=name))
