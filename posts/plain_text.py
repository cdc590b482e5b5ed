"""The one rule for text that enters loa: no control characters but tab and newline.

A NUL, a vertical tab or an ANSI escape in a title makes the Atom feed ill-formed XML, breaks the XLSX report
and reaches the terminal raw (an escape sequence can rewrite what the officer sees). So every way text comes in
(campaign files, config.toml, command-line arguments, ``loa log add``) refuses them with one line naming the
field, instead of each output having to cope. Lone surrogates (bytes that were not UTF-8, as Python decodes
them from the command line) are refused the same way.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import UserError
from .i18n import t

# C0 controls but tab (09) and line feed (0A), DEL, C1 controls; lone surrogates
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def problem(value: str) -> str | None:
    """Why ``value`` is refused, or None when it is fine."""
    found = FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return t("input.not_utf8")
    return t("input.control_character", code=f"U+{ord(char):04X}")


def check_text(value: str, *, where: str) -> str:
    """``value`` unchanged, or a UserError naming ``where`` (a field or an argument)."""
    reason = problem(value)
    if reason is not None:
        raise UserError(reason, where=where)
    return value


def check_document(data: Any, path: Path, text: str, loc: tuple[Any, ...] = ()) -> None:
    """Every key and string of a parsed TOML document; the error names the file, line and key."""
    from .tomlfile import located_error

    if isinstance(data, dict):
        for key, value in data.items():
            reason = problem(key)
            if reason is not None:
                raise located_error(path, text, loc, reason)
            check_document(value, path, text, (*loc, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            check_document(value, path, text, (*loc, index))
    elif isinstance(data, str):
        reason = problem(data)
        if reason is not None:
            raise located_error(path, text, loc, reason)
