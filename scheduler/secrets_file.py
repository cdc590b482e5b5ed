"""``[secrets] file``: the service's environment file, read by every command that needs a secret, so
``sudo -u loa loa status`` (or ``channels check``) sees what ``loa run`` under systemd sees.

The file is KEY=VALUE lines as systemd's ``EnvironmentFile=`` reads them (``#``/``;`` comments, single and double
quotes, backslash escapes and continuations), plus an optional ``export`` before a name, so the same file can be
sourced by a shell. It is read only when a secret is needed — a channel's adapter, a PostgreSQL connection — never
by ``loa --help`` or ``loa queue`` on SQLite, so an officer who cannot read it still lists the queue.

Nothing from the file is ever shown: errors name the file and the line, never a value.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Protocol

from loa.posts.errors import UserError
from loa.posts.i18n import t

from .run_as import command_as, user_name

MAX_BYTES = 64 * 1024  # a few dozen secrets; a larger file is a mistake (a key file named instead)
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# these choose the config and the database, which were read before this file: set them where loa starts
NOT_HERE = ("LOA_CONFIG", "LOA_DATABASE_URL")
WHITESPACE, NEWLINE, COMMENTS = " \t\n\r", "\n\r", "#;"
SHELL_NEED_ESCAPE = '"\\`$'  # what a backslash escapes inside double quotes (the rest keep their backslash)


class SecretsConfig(Protocol):
    """What is read of the config: the file's path (None: no [secrets] file), and a memo that it was read."""

    @property
    def secrets_file(self) -> Path | None: ...

    @property
    def path(self) -> Path: ...

    secrets_read: bool


def load_secrets(config: SecretsConfig) -> None:
    """Put the secrets file's values into the environment, once per loaded config (the daemon reads it at start;
    a file changed later counts from the next command or restart)."""
    if config.secrets_read:
        return
    path = config.secrets_file
    if path is not None:
        apply_secrets(read_secrets_file(path, config_path=config.path))
    config.secrets_read = True


def apply_secrets(values: dict[str, str]) -> None:
    """A variable already set in the environment wins over the file: it is the choice of this one run (a new
    token tried with ``LOA_X=… loa channels check``) or of the service manager, while the file is the standing
    default. An empty variable counts as unset, as the adapters count it."""
    for name, value in values.items():
        if not os.environ.get(name):
            os.environ[name] = value


def read_secrets_file(path: Path, *, config_path: Path) -> dict[str, str]:
    """The variables of the file; a one-line UserError naming it unless it is a regular file that only its owner
    can read (0600 or 0400), owned by the user running loa or by root."""
    where = str(path)
    try:
        # O_NONBLOCK: a FIFO put there never blocks the open; the checks are of the file actually opened (fstat)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserError(t("secrets.missing"), where=where) from None
    except PermissionError:
        try:
            owner = user_name(path.stat().st_uid)
        except OSError:  # a folder on the way that may not be searched: the system's words
            raise UserError(t("secrets.cannot_open", error=os.strerror(errno.EACCES)), where=where) from None
        raise UserError(t("secrets.unreadable", user=user_name(os.geteuid()), owner=owner,
                          command=command_as(owner, config_path)), where=where) from None
    except OSError as exc:
        raise UserError(t("secrets.cannot_open", error=exc.strerror or type(exc).__name__), where=where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserError(t("secrets.not_regular"), where=where)
        if info.st_mode & 0o077:
            raise UserError(t("secrets.loose_mode", mode=f"{stat.S_IMODE(info.st_mode):04o}"), where=where)
        if info.st_uid not in (os.geteuid(), 0):
            raise UserError(t("secrets.foreign_owner", owner=user_name(info.st_uid), user=user_name(os.geteuid())),
                            where=where)
        if info.st_size > MAX_BYTES:
            raise UserError(t("secrets.too_large", most=MAX_BYTES // 1024), where=where)
        os.set_blocking(fd, True)
        data = os.read(fd, MAX_BYTES + 1)
    except OSError as exc:
        raise UserError(t("secrets.cannot_open", error=exc.strerror or type(exc).__name__), where=where) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise UserError(t("secrets.too_large", most=MAX_BYTES // 1024), where=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UserError(t("secrets.not_utf8"), where=f"{where}:{line}") from None
    if "\0" in text:  # no environment variable can hold it (a binary file named by mistake)
        raise UserError(t("secrets.not_utf8"), where=f"{where}:{text[:text.index(chr(0))].count(chr(10)) + 1}")
    return parse_environment(text, where)


def _append(chars: list[str], char: str, space: int | None) -> int | None:
    """Add ``char``; returns where the trailing whitespace of ``chars`` now starts (None: it ends in a non-blank)."""
    chars.append(char)
    if char not in WHITESPACE:
        return None
    return len(chars) - 1 if space is None else space


def parse_environment(text: str, where: str) -> dict[str, str]:
    """KEY=VALUE assignments read as systemd's env-file parser reads them (src/basic/env-file.c): a state machine
    over the characters, so quotes may span lines and a backslash before a line break continues the value.

    Stricter than systemd where it would drop a line silently (then the secret would only read as "not set"):
    a line without ``=`` or with a name that is no variable name is an error naming the line (never its text)."""
    found: dict[str, str] = {}
    state, key, value = "pre_key", [], []
    key_space: int | None = None  # where trailing whitespace of the key (value) starts, as systemd tracks it
    value_space: int | None = None
    line, start = 1, 1

    def push() -> None:
        name = "".join(key if key_space is None else key[:key_space])
        if name.startswith("export") and name[6:7] in (" ", "\t"):  # a shell-sourced file's `export NAME=…`
            name = name[6:].lstrip(" \t")
        if not NAME.match(name):
            raise UserError(t("secrets.bad_name"), where=f"{where}:{start}")
        if name in NOT_HERE:
            raise UserError(t("secrets.not_here", name=name), where=f"{where}:{start}")
        found[name] = "".join(value)

    for char in text:
        if state == "pre_key":
            if char in COMMENTS:
                state = "comment"
            elif char not in WHITESPACE:
                state, key, value, key_space, start = "key", [char], [], None, line
        elif state == "key":
            if char in NEWLINE:
                raise UserError(t("secrets.no_equals"), where=f"{where}:{start}")
            if char == "=":
                state, value_space = "pre_value", None
            else:
                key_space = _append(key, char, key_space)
        elif state == "pre_value":
            if char in NEWLINE:
                push()
                state = "pre_key"
            elif char == "'":
                state = "single"
            elif char == '"':
                state = "double"
            elif char == "\\":
                state = "value_escape"
            elif char not in WHITESPACE:
                state = "value"
                value.append(char)
        elif state == "value":
            if char in NEWLINE:
                if value_space is not None:
                    del value[value_space:]
                push()
                state = "pre_key"
            elif char == "\\":
                state, value_space = "value_escape", None
            else:
                value_space = _append(value, char, value_space)
        elif state == "value_escape":
            state = "value"
            if char not in NEWLINE:  # an escaped line break is eaten: the value goes on on the next line
                value.append(char)
        elif state == "single":
            if char == "'":
                state = "pre_value"
            else:
                value.append(char)
        elif state == "double":
            if char == '"':
                state = "pre_value"
            elif char == "\\":
                state = "double_escape"
            else:
                value.append(char)
        elif state == "double_escape":
            state = "double"
            if char in SHELL_NEED_ESCAPE:
                value.append(char)
            elif char != "\n":  # as a shell does: another character keeps its backslash
                value += ["\\", char]
        elif state == "comment":
            if char == "\\":
                state = "comment_escape"
            elif char in NEWLINE:
                state = "pre_key"
        elif state == "comment_escape":
            state = "pre_key" if char in NEWLINE else "comment"
        if char == "\n":
            line += 1
    if state == "key":
        raise UserError(t("secrets.no_equals"), where=f"{where}:{start}")
    if state in ("single", "double", "double_escape"):
        raise UserError(t("secrets.unclosed_quote"), where=f"{where}:{start}")
    if state == "value" and value_space is not None:
        del value[value_space:]
    if state in ("pre_value", "value", "value_escape"):
        push()
    return found
