"""``--config`` and ``--lang`` before or after the command name: ``loa queue --lang en`` as ``loa --lang en queue``.

Click reads a group's options only before its subcommand's name. Rather than repeat both options on every
command, the arguments are read once before click parses them: each ``--config``/``--lang`` that stands where
the command named so far has no option of that name moves to the front. The walk knows which options take a
value, so ``--title --lang`` (a title that reads "--lang") is left alone.
"""
from __future__ import annotations

import click

from loa.posts.errors import UserError
from loa.posts.i18n import available_languages, t

GLOBAL_OPTIONS = ("--config", "--lang")


def hoisted(root: click.Group, args: list[str]) -> tuple[list[str], str | None]:
    """The arguments with the global options moved before the command name, and the ``--lang`` value if any (the
    last known language when several are given)."""
    front: list[str] = []
    rest: list[str] = []
    language: str | None = None
    command: click.Command = root
    context = click.Context(root)
    past_command = False
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":  # everything after it is a value, never an option
            rest.extend(args[index:])
            break
        name, has_value, attached = arg.partition("=")
        if name in GLOBAL_OPTIONS and (not past_command or _option(command, name) is None):
            if has_value:
                value, taken = attached, 1
            elif index + 1 < len(args):
                value, taken = args[index + 1], 2
            else:
                raise UserError(t("click.needs_value"), where=name)
            front += [name, value]
            # the messages' language: the last one loa knows (`--lang vi … --lang fr` refuses fr in Vietnamese)
            if name == "--lang" and (value in available_languages() or language not in available_languages()):
                language = value
            index += taken
            continue
        taken = 1
        option = _option(command, name if arg.startswith("--") else arg[:2]) if arg.startswith("-") else None
        if option is not None and not (option.is_flag or option.count):
            attached_short = not arg.startswith("--") and len(arg) > 2
            taken += 0 if has_value and arg.startswith("--") or attached_short else max(option.nargs, 1)
        elif not arg.startswith("-"):
            past_command = True  # the command's name (or a word click will refuse): what follows is the command's
            found = command.get_command(context, arg) if isinstance(command, click.Group) else None
            if found is not None:  # (a lazy group imports the command's module here: it is about to run)
                command = found
        (rest if past_command else front).extend(args[index:index + taken])
        index += taken
    return front + rest, language


def _option(command: click.Command, name: str) -> click.Option | None:
    for param in command.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None
