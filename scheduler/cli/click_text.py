"""Click's own words in the user's language: usage errors, value errors of the option types, help decorations.

Click writes its messages in English through gettext. loa rebuilds each from what the exception carries (its class,
``param``, ``option_name``, ``possibilities``, the value its type refused) so the sentence is the locale file's;
only two of click's messages carry nothing structured ("requires an argument" / "does not take a value") and are
recognised by their English text.
"""
from __future__ import annotations

import difflib
import re
from typing import Any

import click

from loa.posts.i18n import t

# Placeholders in usage lines and option help ("--campaign SLUG"), by the word click or loa's commands use
PLACEHOLDERS = {
    "TEXT": "click.meta_text", "STRING": "click.meta_text", "NAME": "click.meta_name", "SLUG": "click.meta_slug",
    "DATE": "click.meta_date", "WHEN": "click.meta_when", "FILE": "click.meta_file", "PATH": "click.meta_path",
    "DIRECTORY": "click.meta_folder", "SECONDS": "click.meta_seconds", "N": "click.meta_number",
    "INTEGER": "click.meta_number", "FLOAT": "click.meta_number", "NUMBER": "click.meta_number",
    "KIND": "click.meta_kind", "STATUS": "click.meta_status", "ROLE": "click.meta_role", "HOST": "click.meta_host",
    "PORT": "click.meta_port", "URL": "click.meta_url", "SIZE": "click.meta_size", "HEADLINE": "click.meta_headline",
    "COMMAND": "click.meta_command", "ARGS": "click.meta_args", "OPTIONS": "click.meta_options",
}
# What each argument of each command is (click.argument has no help= before click 8.5): by the argument's name
ARGUMENT_HELP = {
    "file": "click.arg_file", "slug": "click.arg_slug", "source": "click.arg_source", "post_id": "click.arg_post_id",
    "post_ids": "click.arg_post_ids", "when": "click.arg_when", "names": "click.arg_channel_names",
    "headline": "click.arg_headline", "name": "click.arg_user_name", "plan": "plan_draft.arg_plan",
    "archive": "backup.arg_archive",
}
HELP_PREFIX = "help."
CATALOGUE_KEY = re.compile(r"[a-z_]+\.help_[a-z_0-9]+")
HELP_KEY = re.compile(r"[a-z_]+\.help")
# click's own option help, in English only
CLICK_HELP = {"Show this message and exit.": "help.help_option", "Show the version and exit.": "help.version_option"}
_UPPER_WORD = re.compile(r"\b[A-Z][A-Z_]*\b")
NO_MAXIMUM = 2**62  # a range up to this is "from 1 up" (database ids), not a range anyone reads


def tr(text: str | None) -> str:
    """Help texts are catalogue keys (``help.queue``, or a feature's own table: ``metrics.help_refresh``),
    translated when shown, so ``--lang`` applies to help."""
    if text and (text.startswith(HELP_PREFIX) or CATALOGUE_KEY.fullmatch(text)):
        return t(text)
    if text and HELP_KEY.fullmatch(text) and t(text) != text:  # a table's own help: ``users.help``
        return t(text)
    return text or ""


def placeholder(text: str) -> str:
    """``DATE|now`` -> ``NGÀY|now``: the upper-case words a person reads, translated; values to type kept."""
    return _UPPER_WORD.sub(lambda word: t(PLACEHOLDERS[word.group()]) if word.group() in PLACEHOLDERS
                           else word.group(), text)


def _type_placeholder(param_type: click.ParamType) -> str | None:
    if isinstance(param_type, click.Choice):
        return "|".join(str(choice) for choice in param_type.choices)
    if isinstance(param_type, click.Path):  # a file to read or write, unless only a folder will do
        return t("click.meta_file") if param_type.file_okay else t("click.meta_folder")
    if isinstance(param_type, (click.types._NumberParamTypeBase,)):
        return t("click.meta_number")
    if isinstance(param_type, click.types.StringParamType):
        return t("click.meta_text")
    return None


def param_placeholder(param: click.Parameter, *, decorated: bool = True) -> str:
    """What stands for the value in help and usage: the declared metavar or the type's, translated.

    ``decorated``: an optional argument in [brackets] and a repeated one followed by "...", as click shows them.
    """
    if param.metavar is not None:
        return placeholder(param.metavar) if decorated else placeholder(param.metavar).strip("[].")
    by_type = _type_placeholder(param.type)
    if isinstance(param, click.Argument) and not isinstance(param.type, click.Choice):
        by_type = None  # click names an argument by its name ("file" -> FILE), whatever its type
    text = by_type or placeholder((param.name or "").upper())
    if not decorated:
        return text
    if isinstance(param, click.Argument) and not param.required:
        text = f"[{text}]"
    return text + ("..." if param.nargs != 1 else "")


def param_label(param: click.Parameter | None) -> str | None:
    """How an error names a parameter: ``--format`` for an option, its placeholder for an argument."""
    if param is None:
        return None
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param_placeholder(param, decorated=False)


def help_extras(param: click.Option, ctx: click.Context) -> list[str]:
    """The bracketed notes after an option's help: "mặc định: facebook", "bắt buộc", "từ 1 đến 65535"."""
    extras = []
    show = param.show_default if param.show_default is not None else ctx.show_default
    if isinstance(show, str):
        extras.append(t("click.default", value=show))
    elif show and not param.is_flag:
        default = param.get_default(ctx, call=False)
        if default not in (None, "", ()) and not callable(default) and repr(default) != "Sentinel.UNSET":
            shown = ", ".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
            vocabulary = getattr(param.type, "vocabulary", None)  # a WordChoice: its default in words
            if vocabulary is not None and isinstance(default, str):
                from loa.posts.vocabulary import label

                shown = label(vocabulary, default)
            extras.append(t("click.default", value=shown))
    if isinstance(param.type, click.types._NumberRangeBase) and not param.count:
        low, high = param.type.min, param.type.max
        if low is not None and (high is None or high >= NO_MAXIMUM):
            extras.append(t("click.range_from", low=low))
        elif low is not None and high is not None:
            extras.append(t("click.range", low=low, high=high))
    if param.required:
        extras.append(t("click.required"))
    return extras


def argument_help(param: click.Argument) -> str:
    key = ARGUMENT_HELP.get(param.name or "")
    return t(key) if key else (getattr(param, "help", None) or "")


def short_text(text: str, limit: int) -> str:
    """The first sentence of ``text``, cut at a word with "…" when longer than ``limit`` (never inside a word)."""
    first = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0].rstrip(".")
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0] if " " in first[: limit - 1] else first[: limit - 1]
    return cut.rstrip(" ,;:–-") + "…"


# --- the option types: the value they refused, in words -------------------------------------------------------

class _TranslatedType:
    """Mixed into a copy of an option's type: its refusals in the user's language, naming the value."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)  # type: ignore[misc]
        except click.BadParameter as exc:
            if getattr(exc, "loa_worded", False):
                raise
            worded = click.BadParameter(type_error(self, value, param), ctx=ctx, param=param)
            worded.loa_worded = True  # type: ignore[attr-defined]
            raise worded from None


_TRANSLATED_CLASSES: dict[type, type] = {}


def translate_types(command: click.Command) -> None:
    """Give every parameter of ``command`` a type whose errors are worded by ``type_error``."""
    for param in command.params:
        original = param.type
        if isinstance(original, _TranslatedType):
            continue
        cls = type(original)
        if cls not in _TRANSLATED_CLASSES:
            _TRANSLATED_CLASSES[cls] = type(f"Worded{cls.__name__}", (_TranslatedType, cls), {})
        worded = object.__new__(_TRANSLATED_CLASSES[cls])  # the same object, of the worded class
        worded.__dict__.update(vars(original))
        param.type = worded


def type_error(param_type: click.ParamType, value: Any, param: click.Parameter | None = None) -> str:
    """Why ``value`` is not a ``param_type``."""
    shown = str(value)
    if isinstance(param_type, click.Choice):
        choices = [str(choice) for choice in param_type.choices]
        close = difflib.get_close_matches(shown.lower(), choices, n=1)
        message = t("click.bad_choice", value=shown, choices=", ".join(choices))
        return message + (t("click.did_you_mean", name=close[0]) if close else "")
    if isinstance(param_type, click.IntRange) and param is not None and param.name in ("post_id", "post_ids"):
        return t("click.bad_post_id", value=shown)
    if isinstance(param_type, click.types._NumberParamTypeBase):
        number = _number(param_type, value)
        if number is None:
            key = "click.not_integer" if isinstance(param_type, click.types.IntParamType) else "click.not_number"
            return t(key, value=shown)
        low, high = getattr(param_type, "min", None), getattr(param_type, "max", None)
        if low is not None and (high is None or high >= NO_MAXIMUM):
            return t("click.below_minimum", value=shown, low=low)
        return t("click.out_of_range", value=shown, low=low if low is not None else "…",
                 high=high if high is not None else "…")
    if isinstance(param_type, click.Path):
        return _path_error(param_type, shown)
    if isinstance(param_type, click.types.BoolParamType):
        return t("click.not_bool", value=shown)
    return t("click.bad_value", value=shown)


def _number(param_type: click.ParamType, value: Any) -> float | None:
    try:
        return int(value) if isinstance(param_type, click.types.IntParamType) else float(value)
    except (TypeError, ValueError):
        return None


def _path_error(param_type: click.Path, value: str) -> str:
    import os

    if not os.path.lexists(value):
        return t("click.path_missing", value=value)
    if os.path.isdir(value) and not param_type.dir_okay:
        return t("click.path_is_folder", value=value)
    if not os.path.isdir(value) and not param_type.file_okay:
        return t("click.path_is_file", value=value)
    if param_type.writable:
        return t("click.path_not_writable", value=value)
    return t("click.path_not_readable", value=value)


# --- usage errors ------------------------------------------------------------------------------------------

class ExtraArguments(click.UsageError):
    """Words after a command that takes none (or no more): click says "Got unexpected extra argument (x)"."""

    def __init__(self, extra: list[str], ctx: click.Context) -> None:
        super().__init__(" ".join(extra), ctx=ctx)
        self.extra = extra


_REQUIRES_VALUE = re.compile(r"requires (?:an argument|(\d+) arguments)")
_TAKES_NO_VALUE = re.compile(r"does not take a value")
_ARGUMENT_VALUES = re.compile(r"takes (\d+) values")


def describe(exc: click.ClickException) -> tuple[str, str]:
    """(where, message) for one of click's exceptions: ``("--format", "'pdfx' không hợp lệ; chọn một trong: …")``."""
    context = getattr(exc, "ctx", None)
    path = context.command_path if context is not None else "loa"
    help_hint = f"{path} -h"
    if isinstance(exc, click.MissingParameter):
        return path, _missing(exc)
    if isinstance(exc, click.BadParameter):
        return param_label(exc.param) or path, exc.message
    if isinstance(exc, click.NoSuchOption):
        possibilities = sorted(exc.possibilities or ())
        if possibilities:
            return path, t("click.no_such_option", name=exc.option_name) + \
                t("click.did_you_mean", name=" / ".join(possibilities))
        return path, t("click.no_such_option", name=exc.option_name) + t("click.see_help", command=help_hint)
    if isinstance(exc, click.BadOptionUsage):
        return exc.option_name, _option_usage(exc)
    if isinstance(exc, click.BadArgumentUsage):
        count = _ARGUMENT_VALUES.search(exc.message)
        return path, t("click.argument_values", count=count.group(1) if count else "?") + \
            t("click.see_help", command=help_hint)
    if isinstance(exc, ExtraArguments):
        return path, t("click.extra_arguments", extra=" ".join(exc.extra)) + t("click.see_help", command=help_hint)
    if exc.__class__.__name__ == "NoSuchCommand" or exc.message.startswith("No such command"):
        return path, _no_such_command(exc, context)
    if isinstance(exc, click.FileError):
        return exc.ui_filename, t("click.file_error")
    if exc.message.startswith("Missing command"):
        return path, t("click.missing_command", commands=_command_names(context))
    return path, t("click.usage_error") + t("click.see_help", command=help_hint)


def _as_part(text: str) -> str:
    """A help sentence as the second half of a message: "Tiêu đề" -> "tiêu đề" (not "URL" -> "uRL")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _missing(exc: click.MissingParameter) -> str:
    param = exc.param
    if param is None:
        return t("click.missing_value")
    if isinstance(param, click.Option):
        what = _as_part(short_text(tr(param.help), 60))
        name = max(param.opts, key=len)
        return t("click.missing_option_for", name=name, what=what) if what else t("click.missing_option", name=name)
    what = _as_part(short_text(argument_help(param), 60)) if isinstance(param, click.Argument) else ""
    name = param_label(param) or ""
    return t("click.missing_argument_for", name=name, what=what) if what else t("click.missing_argument", name=name)


def _option_usage(exc: click.BadOptionUsage) -> str:
    needs = _REQUIRES_VALUE.search(exc.message)
    if needs:
        return t("click.needs_values", count=needs.group(1)) if needs.group(1) else t("click.needs_value")
    if _TAKES_NO_VALUE.search(exc.message):
        return t("click.takes_no_value")
    return t("click.usage_error")


def _command_names(context: click.Context | None) -> str:
    command = context.command if context is not None else None
    if isinstance(command, click.Group) and context is not None:
        return ", ".join(name for name in command.list_commands(context)
                         if not getattr(command.get_command(context, name), "hidden", False))
    return ""


def _no_such_command(exc: click.ClickException, context: click.Context | None) -> str:
    name = getattr(exc, "command_name", None)
    if name is None:
        found = re.search(r"'(.*)'", exc.message)
        name = found.group(1) if found else ""
    names = _command_names(context).split(", ")
    close = difflib.get_close_matches(name, names, n=2)
    if close:
        return t("click.no_such_command", name=name) + t("click.did_you_mean", name=" / ".join(close))
    return t("click.no_such_command", name=name) + t("click.commands_are", commands=", ".join(names))
