"""The ``loa`` command line: a thin layer over posts/ and scheduler/ functions that work without it."""
from __future__ import annotations

import errno
import os
import sys
from typing import Any

import click

from posts.errors import UserError
from posts.i18n import available_languages, set_language, t
from posts.plain_text import check_text, problem

from . import common
from .common import App, LoaGroup, pass_app

DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG}


def _check_arguments(args: list[str]) -> None:
    """Arguments are text like any other input: no control characters, nothing that was not UTF-8 (Python hands
    such bytes over as lone surrogates, which would fail later, deep in the database or the terminal)."""
    for index, arg in enumerate(args):
        if problem(arg) is None:
            continue
        if arg.startswith("--") and "=" in arg:
            where = arg.split("=", 1)[0]
        elif index > 0 and args[index - 1].startswith("-") and problem(args[index - 1]) is None:
            where = args[index - 1]  # the option this is the value of (or a flag before a positional: near enough)
        else:
            where = t("input.argument", number=index + 1)
        check_text(arg, where=where if problem(where) is None else t("input.argument", number=index + 1))


def _runtime_failure(exc: Exception) -> str:
    """One line for a failure that is not the input's: the database (which one), the disk (which file), or loa."""
    from sqlalchemy.exc import DatabaseError

    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, DatabaseError):  # unreachable, locked, or not a database at all (a corrupt file)
        where = common.opened_database
        return f"{t('msg.database_error')}: {where + ': ' if where else ''}{first_line}"
    if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:  # disk full, read-only: the system's, not ours
        if exc.filename is None:  # a write to an open file: the system does not say which
            return t("input.disk_error_unnamed", error=exc.strerror or first_line)
        return t("input.disk_error", path=exc.filename, error=exc.strerror or first_line)
    return f"{t('msg.internal_error')}: {first_line}"


def _language_from_argv(args: list[str]) -> str | None:
    """``--lang`` is read before parsing, so the help of every command is already in that language."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


class RootGroup(LoaGroup):
    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        args = list(sys.argv[1:] if args is None else args)
        language = _language_from_argv(args)
        # every invocation starts from the environment's language (several run in one process under tests)
        set_language(language if language in available_languages() else None)
        common.opened_database = None
        try:
            _check_arguments(args)
            result = super().main(args=args, prog_name=prog_name or "loa", standalone_mode=False, **extra)
        except UserError as exc:
            click.echo(f"{t('msg.error')}: {exc}", err=True)
            sys.exit(2)
        except click.exceptions.Abort:
            click.echo(t("msg.aborted"), err=True)
            sys.exit(1)
        except click.ClickException as exc:
            # one line, not click's three: "loa queue: No such option: --frm"
            context = getattr(exc, "ctx", None)
            where = context.command_path if context is not None else "loa"
            click.echo(f"{t('msg.error')}: {where}: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # a fault of ours or of the system, not of the input: exit 1, still one line
            if os.environ.get("LOA_DEBUG"):
                raise
            click.echo(f"{t('msg.error')}: {_runtime_failure(exc)}", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=RootGroup, help="help.loa", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="PATH", help="help.config")
@click.option("--lang", type=click.Choice(available_languages()), help="help.lang")
@click.version_option(package_name="loa", prog_name="loa")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, lang: str | None) -> None:
    if lang:
        set_language(lang)
    app = App(config_option)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command("init", help="help.init")
@pass_app
def init_command(app: App) -> None:
    from posts.db import display_url
    from scheduler.config import write_default_config

    path = app.config_path
    if not path.exists():
        write_default_config(path)
        click.echo(t("msg.config_created", path=path))
    database = app.database(create=True)
    click.echo(t("msg.database_ready", url=display_url(database.url),
                 revision=database.schema_revision()))


def main() -> None:
    cli.main(prog_name="loa")


# registers the subcommands
from . import campaign, fix, log, metrics, post, publish, queue, render, report, run  # noqa: E402,F401
from . import campaign_life  # noqa: E402,F401 - campaign cancel|archive|rehearse (issue 11)
from . import users, web  # noqa: E402,F401 - the browser workspace (issue 12)
