"""The ``loa`` command line: a thin layer over posts/ and scheduler/ functions that work without it."""
from __future__ import annotations

import os
import sys
from typing import Any

import click

from loa.posts.errors import UserError
from loa.posts.i18n import available_languages, set_language, t
from loa.posts.os_errors import DISK_ERRNOS, os_error_text, os_error_where
from loa.posts.plain_text import check_text, problem
from loa.scheduler import run_as

from . import click_text, common, global_options
from .common import App, pass_app
from .lazy import LazyGroup


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
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:  # disk full, read-only: the system's, not ours
        error = os_error_text(exc, writing=True)
        if exc.filename is None:  # a write to an open file: the system does not say which
            return t("input.disk_error_unnamed", error=error)
        return t("input.disk_error", path=exc.filename, error=error)
    if isinstance(exc, OSError) and exc.errno is not None:  # a file loa needed: still in the user's words
        named = os_error_where(exc)
        return f"{t('msg.internal_error')}: {named + ': ' if named else ''}{os_error_text(exc)}"
    return f"{t('msg.internal_error')}: {first_line}"


# What loa creates is private to its user and group whatever the caller's umask: files 0640, folders 0750 (the
# database and its -wal/-shm, media, banners, the site, exports, reports). One umask for the process rather than a
# mode at each place: SQLite makes its -wal/-shm, Pillow, openpyxl and python-docx their files, each with the
# process's umask, and a place added later cannot forget it. Group-readable so the workspace and a web server
# serving the static site can read them (README "Deploy on a server"); files that hold secrets stay 0600 (a backup,
# the workspace's key, Zalo's tokens: set explicitly where they are made).
PRIVATE_UMASK = 0o027


class RootGroup(LazyGroup):
    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:  # type: ignore[override]
        args = list(sys.argv[1:] if args is None else args)
        common.opened_database = None
        common.skip_teardown = False
        run_as.invocation_args = None
        caller_umask = os.umask(PRIVATE_UMASK)
        try:
            return self._main(args, prog_name, **extra)
        finally:
            os.umask(caller_umask)  # a caller in the same process (tests, a script) keeps its own

    def _main(self, args: list[str], prog_name: str | None, **extra: Any) -> Any:
        from loa.scheduler.events import wants_json_log

        say = _JsonErrors() if wants_json_log(args) else _TextErrors()
        try:
            # every invocation starts from the environment's language (several run in one process under tests)
            set_language(None)
            _check_arguments(args)
            # --config and --lang anywhere: moved before the command name, and the language known before parsing,
            # so the help and the errors are already in it
            args, language = global_options.hoisted(self, args)
            run_as.invocation_args = args  # what "run it as USER: sudo -u USER loa …" repeats
            set_language(language if language in available_languages() else None)  # else: --lang's own error
            result = super().main(args=args, prog_name=prog_name or "loa", standalone_mode=False, **extra)
        except UserError as exc:
            say.error(f"{t('msg.error')}: {exc}", event="bad-input")
            sys.exit(2)
        except click.exceptions.Abort:
            say.error(t("msg.aborted"), event="aborted")
            sys.exit(1)
        except click.exceptions.NoArgsIsHelpError as exc:  # `loa campaign`: the group's help, as `-h` shows it
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.ClickException as exc:
            # one line, not click's three, in the user's language: "lỗi: loa queue: không có tùy chọn --frm; ..."
            where, message = click_text.describe(exc)
            say.error(f"{t('msg.error')}: {where}: {message}", event="bad-input")
            sys.exit(exc.exit_code)
        except Exception as exc:  # a fault of ours or of the system, not of the input: exit 1, still one line
            if os.environ.get("LOA_DEBUG") and not say.structured:
                raise
            say.error(f"{t('msg.error')}: {_runtime_failure(exc)}", event="fault", error=exc)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class _TextErrors:
    """How the command line says it stopped: one line of text (a traceback only with LOA_DEBUG)."""

    structured = False

    def error(self, message: str, *, event: str, error: Exception | None = None) -> None:
        click.echo(message, err=True)


class _JsonErrors(_TextErrors):
    """``loa run --log-format json``: a log collector reads every line, so these are JSON too, and a fault of loa
    carries its traceback in a field instead of printing it."""

    structured = True

    def error(self, message: str, *, event: str, error: Exception | None = None) -> None:
        from sqlalchemy.exc import DatabaseError

        from loa.scheduler.events import json_line

        # the database's or the disk's fault is said in full by the message; loa's own carries where it happened
        ours = error is not None and not isinstance(error, (OSError, DatabaseError))
        click.echo(json_line(message, event=event, error=error if ours or os.environ.get("LOA_DEBUG") else None),
                   err=True)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``loa --version``: "loa, phiên bản 1.2.0" (click's own version option says it in English)."""
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("loa")
    except PackageNotFoundError:  # run from a source tree that was never installed
        number = "?"
    click.echo(t("click.version", prog="loa", version=number))
    ctx.exit()


@click.group("loa", cls=RootGroup, help="help.loa", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="FILE", help="help.config")
@click.option("--lang", type=click.Choice(available_languages()), help="help.lang")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="help.version_option")
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
    from loa.posts.db import display_url
    from loa.scheduler.config import write_default_config

    path = app.config_path
    if not path.exists():
        run_as.check_state_owner([path], path)  # root makes no config.toml in another user's folder
        write_default_config(path)
        click.echo(t("msg.config_created", path=path))
    if app.config.state_dir is not None:  # made now, or refused in one line, whatever the database (PostgreSQL too)
        from loa.posts.files import check_writable_folder

        check_writable_folder(app.config.state_dir)
    database = app.database(create=True)
    click.echo(t("msg.database_ready", url=display_url(database.url),
                 revision=database.schema_revision()))


def main() -> None:
    """The ``loa`` program (tests call ``cli`` in-process instead, so this is the only place that ends a process)."""
    try:
        cli.main(prog_name="loa")
    except SystemExit as done:
        if common.skip_teardown and (done.code is None or isinstance(done.code, int)):
            _exit_now(done.code or 0)
        raise


def _exit_now(code: int) -> None:
    """End the process at once, its output flushed: nothing is left open (common.skip_teardown)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``loa report | head``): nothing more can be said anyway
            pass
    os._exit(code)

# The other commands are in lazy.COMMANDS: each module is imported when its command runs (or its help is asked).
