"""What every command shares: translated help, the app context (config + database), output helpers."""
from __future__ import annotations

import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from loa.posts.errors import UserError
from loa.posts.i18n import t

from . import click_text
from .click_text import CLICK_HELP, tr

# `loa --help` imports none of these: SQLAlchemy and pydantic load with the first command that opens the config or
# the database, Jinja2 and Pillow only for the commands that render (tests/test_startup.py)
if TYPE_CHECKING:
    from loa.posts.db import Database
    from loa.posts.render.artefacts import Renderer
    from loa.scheduler.config import Config
    from loa.scheduler.config_summary import ConfigSummary

REFRESH_S = 0.1  # progress bars: redrawn at most ten times a second
POST_ID = click.IntRange(1, 2**63 - 1)  # database ids: a larger number is a typo, not an overflow


class TranslatedHelp:
    """Mixin for click commands: help, usage, option help, placeholders and errors in the current language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        click_text.translate_types(self)  # type: ignore[arg-type]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Click's parsing, with its errors knowing their command and extra words reported by us (structured)."""
        group = isinstance(self, click.Group)
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)  # type: ignore[misc]
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not group and not allowed and not ctx.resilient_parsing:
            raise click_text.ExtraArguments(list(rest), ctx)
        return rest  # type: ignore[no-any-return]

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = [click_text.placeholder(self.options_metavar or "")]  # type: ignore[attr-defined]
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            if isinstance(param, click.Argument):
                pieces.append(click_text.param_placeholder(param))
        if isinstance(self, click.Group):
            pieces.append(click_text.placeholder(self.subcommand_metavar))
        return [piece for piece in pieces if piece]

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=t("help.usage_prefix") + " ")

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated(self):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        help_text = tr(self.short_help or self.help)  # type: ignore[attr-defined]
        return click_text.short_text(help_text, limit)

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pass  # listed by format_options, with the options, under translated headings

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = self.get_params(ctx)  # type: ignore[attr-defined]
        arguments = [(click_text.param_placeholder(param), click_text.argument_help(param)) for param in params
                     if isinstance(param, click.Argument)]
        if arguments:
            with formatter.section(t("click.arguments_heading")):
                formatter.write_dl(arguments)
        records = [record for param in params if (record := option_record(param, ctx))]
        if records:
            with formatter.section(t("help.options_heading")):
                formatter.write_dl(records)
        root = ctx.find_root()
        if root is not ctx:  # --config and --lang work after the command name too: say so where it is read
            shared = [record for param in root.command.params if param.name in GLOBAL_OPTION_NAMES
                      and (record := option_record(param, root))]
            if shared:
                with formatter.section(t("click.global_options_heading")):
                    formatter.write_dl(shared)
        if isinstance(self, LoaGroup):
            names = self.list_commands(ctx)
            # one line each: the width left after the indent, the longest name and the two spaces between
            room = formatter.width - formatter.current_indent - 2 - max((len(name) for name in names), default=0) - 4
            rows = self.listed_commands(ctx, room)
            if rows:
                with formatter.section(t("help.commands_heading")):
                    formatter.write_dl(rows)


GLOBAL_OPTION_NAMES = ("config_option", "lang")


def option_record(param: click.Parameter, ctx: click.Context) -> tuple[str, str] | None:
    """An option's help row: its flags with a translated placeholder, its help and notes in the user's language."""
    if not isinstance(param, click.Option) or param.hidden:
        return None
    saved_help, saved_metavar = param.help, param.metavar
    param.help, param.metavar = None, click_text.param_placeholder(param)
    try:
        record = param.get_help_record(ctx)
    finally:
        param.help, param.metavar = saved_help, saved_metavar
    if record is None:
        return None
    help_text = tr(CLICK_HELP.get(saved_help or "", saved_help))
    extras = click_text.help_extras(param, ctx)
    if extras:
        help_text = f"{help_text}  [{'; '.join(extras)}]" if help_text else f"[{'; '.join(extras)}]"
    return record[0], help_text


@contextmanager
def _translated(command: Any) -> Iterator[None]:
    saved = command.help
    command.help = tr(saved) if saved else saved
    try:
        yield
    finally:
        command.help = saved


class LoaCommand(TranslatedHelp, click.Command):
    pass


class LoaGroup(TranslatedHelp, click.Group):
    command_class = LoaCommand

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pass  # listed by format_options, under a translated heading

    def listed_commands(self, ctx: click.Context, room: int) -> list[tuple[str, str]]:
        """The help's command list: each shown command's name and its help cut to ``room``."""
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        return [(name, cmd.get_short_help_str(room)) for name, cmd in commands if cmd is not None and not cmd.hidden]


LoaGroup.group_class = LoaGroup

opened_database: str | None = None  # the database this invocation uses, shown masked in a database error
# set by a command that leaves nothing to clean up once it has said its last line (``loa report``): the ``loa``
# program then ends without the interpreter's teardown of SQLAlchemy, lxml and the rest (0.15-0.2 s of a 2 s report)
skip_teardown = False


class App:
    """The objects a command needs, made on first use: commands that need no database open none."""

    def __init__(self, config_option: str | None) -> None:
        self.config_option = config_option
        self._database: Database | None = None
        self._warned: set[str] = set()

    @property
    def config_path(self) -> Path:
        from loa.scheduler.config_summary import find_config

        return find_config(self.config_option)

    @cached_property
    def config(self) -> Config:
        """config.toml loaded and validated whole (pydantic); its summary is kept for ``settings``."""
        from loa.scheduler.config import load_config
        from loa.scheduler.config_summary import read_config_text, remember

        path = self.config_path
        text = read_config_text(path)
        config = load_config(path)
        if text is not None and read_config_text(path) == text:  # not changed while it was being validated
            remember(path, text, config)
        return config

    @cached_property
    def settings(self) -> ConfigSummary:
        """What read-only commands use of config.toml: its summary when the file is as it was last found valid
        (no pydantic to import), else from loading it whole (which reports any error as ever)."""
        from loa.scheduler.config_summary import cached_summary, summary_of

        return cached_summary(self.config_path) or summary_of(self.config)

    @cached_property
    def renderer(self) -> Renderer:
        from loa.posts.files import check_writable_folder
        from loa.scheduler.project import build_renderer

        # banners and photos are written there: an unwritable folder is one line before anything is done
        check_writable_folder(self.config.path_of(self.config.document.render.media))  # type: ignore[arg-type]
        return build_renderer(self.config)

    def database(self, *, create: bool = False, upgrade: bool = False) -> Database:
        """The project's database at this code's schema: an older one is refused in one line (``loa db upgrade``
        migrates it, ``loa init`` too), a newer one as well."""
        if self._database is None:
            from loa.posts.db import display_url
            from loa.scheduler.project import open_project_database

            global opened_database
            opened_database = display_url(self.config.database_url)  # named by an error while opening, too
            self._database = open_project_database(self.config, create=create, upgrade=upgrade)
        return self._database

    def database_exists(self) -> bool:
        """Whether there is a database to open (commands that work without one, like ``channels check``)."""
        from loa.scheduler.run_as import OtherUsersState

        try:
            self.database()
        except OtherUsersState:
            raise  # there is one, but not root's to open: said as such
        except UserError:
            return False
        return True

    def prepare_channels(self, names: list[str] | None = None) -> None:
        """For a command that sends or checks channels, before anything else: the secrets file is read (a refusal
        comes first, nothing done), then, once per command on stderr, what these channels' settings (default: all)
        deserve a warning for, though they work (a WordPress password over plain http)."""
        from loa.scheduler.channel_health import channel_warnings
        from loa.scheduler.secrets_file import load_secrets

        load_secrets(self.config)

        for message in channel_warnings(self.config, names):
            if message not in self._warned:
                self._warned.add(message)
                warn(message)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()


pass_app = click.make_pass_decorator(App)


def json_text(data: Any, *, pretty: bool) -> str:
    """Indented for a person; compact for scripts (Python's indenting encoder is several times slower)."""
    if pretty:
        return json.dumps(data, ensure_ascii=False, indent=2)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def echo_json(data: Any) -> None:
    click.echo(json_text(data, pretty=sys.stdout.isatty()))


def warn(message: str) -> None:
    click.echo(f"{t('msg.warning')}: {message}", err=True)


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="help.json")(func)


@contextmanager
def progress_bar(description: str, *, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal; silent when piped or captured, or ``quiet`` (--json)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    interactive = console.is_terminal and sys.stderr.isatty() and not quiet
    # no refresh thread: banners are drawn in forked processes, and a thread alive at fork time may hold a lock
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not interactive, auto_refresh=False) as progress:
        task = progress.add_task(description, total=None)
        shown = 0.0

        def update(done: int, total: int) -> None:
            nonlocal shown
            progress.update(task, completed=done, total=total)
            if interactive and (done == total or time.monotonic() - shown >= REFRESH_S):
                progress.refresh()
                shown = time.monotonic()

        yield update


USER_ENV = "LOA_USER"  # who runs the commands, when --by does not say
USER_MAX = 100  # posts.created_by and the other "who" columns


def by_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--by", metavar="NAME", help="review.help_by")(func)


def who(by: str | None) -> str | None:
    """The person a change is recorded under: ``--by``, else ``$LOA_USER``, else the login name (None if there is
    none, as in a container without a user entry)."""
    for value, where in ((by, "--by"), (os.environ.get(USER_ENV), USER_ENV)):
        if value is not None and value.strip():
            name = value.strip()
            if len(name) > USER_MAX or not name.isprintable():
                raise UserError(t("review.bad_name", most=USER_MAX), where=where)
            return name
    try:
        return getpass.getuser() or None
    except (KeyError, OSError):  # no LOGNAME/USER and no password entry for the uid
        return None


def split_list(value: str | None) -> list[str] | None:
    return None if value is None else [part.strip() for part in value.split(",")]


def body_file_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--body-file", metavar="FILE", help="help.body_file")(func)


def image_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--image", "images", metavar="FILE", multiple=True, help="photo.help_image")(func)


def image_list(images: tuple[str, ...], no_images: bool = False) -> list[str] | None:
    """The photos an edit sets: the ``--image`` files, none (``--no-images``), or None to keep them as they are."""
    if images and no_images:
        raise UserError(t("photo.image_and_no_images"), where="--no-images")
    return [] if no_images else (list(images) if images else None)


def body_text(body: str | None, body_file: str | None, *, required: bool = False) -> str | None:
    """The post's text from ``--body`` or ``--body-file`` (``-``: standard input); one of them when ``required``."""
    from loa.posts.files import read_text

    if body is not None and body_file is not None:
        raise UserError(t("err.body_twice"), where="--body-file")
    if body_file is not None:
        return read_text(body_file, where="--body-file")
    if body is None and required:
        raise UserError(t("err.body_needed"), where="--body")
    return body
