"""Reading the user's TOML files (config.toml, campaign files) with errors that name the file, key and line."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import UserError
from .files import MiB, read_regular
from .i18n import t
from .os_errors import os_error_text
from .toml_errors import toml_error

_TYPE_NAMES = {str: "str", int: "int", float: "float", bool: "bool", list: "list", dict: "dict",
               dt.date: "date", dt.datetime: "datetime", dt.time: "time"}
# config.toml, campaign files, theme.toml: a campaign of 10,000 posts is about 10 MiB
MAX_TOML_BYTES = 32 * MiB
# pydantic error types grouped by the kind of value that was expected
_EXPECTED = {"string": "str", "int": "int", "float": "float", "bool": "bool", "list": "list", "dict": "dict",
             "model": "dict", "date": "date", "datetime": "datetime", "time": "time", "timezone": "datetime"}


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and parsed content. Missing, unreadable, non-UTF-8, invalid or empty files are UserErrors."""
    where = str(path)
    try:
        raw = read_regular(path, limit=MAX_TOML_BYTES)
    except OSError as exc:  # not found, a folder, no permission...: in the user's language, naming the file
        raise UserError(os_error_text(exc), where=where) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(t("err.not_utf8"), where=f"{where}:{line}") from None
    text = text.removeprefix("\ufeff")  # Windows editors add a BOM; it is still UTF-8
    if not text.strip():
        raise UserError(t("err.file_empty"), where=where)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(exc, text, where) from None
    if not data:
        raise UserError(t("err.file_empty"), where=where)
    return text, data


def validate(model: type[BaseModel], data: dict[str, Any], path: Path, text: str,
             prefix: tuple[Any, ...] = ()) -> Any:
    """``model.model_validate(data)``; the first failure becomes a one-line UserError with key and line.

    ``prefix`` is where ``data`` sits in the file (``("channels", "portal")`` for one channel's table).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = prefix + _data_path(data, tuple(error["loc"]))
        if error["type"] == "union_tag_invalid":  # point at the key that picked the wrong variant
            loc += (str((error.get("ctx") or {}).get("discriminator", "")).strip("'"),)
        raise located_error(path, text, loc, describe_error(error, key=str(loc[-1]) if loc else "")) from None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The loc without pydantic's own steps (the tag of a tagged union): keep only parts that index the data."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part not in path and loc[-1] == part:
            pass  # a missing or unknown key: keep it, it is what the message is about
        else:
            continue
        path.append(part)
    return tuple(path)


def located_error(path: Path, text: str, loc: tuple[Any, ...], message: str) -> UserError:
    line = line_of(text, loc)
    where = f"{path}:{line}" if line else str(path)
    return UserError(f"{key_label(loc)}: {message}", where=where)


def key_label(loc: tuple[Any, ...]) -> str:
    """``posts[3].title`` for ("posts", 2, "title"): arrays of tables count from 1, as a person counts them."""
    label = ""
    for part in loc:
        label += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label


def describe_error(error: dict[str, Any], *, key: str = "") -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return t("val.missing")
    if kind == "extra_forbidden":
        return t("val.unknown_key")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "finite_number":  # inf or nan where a number is expected
        return t("input.finite_number")
    if kind == "string_too_short":
        return t("val.empty")
    if kind == "string_pattern_mismatch":  # never echo the value: it may be a pasted token
        if str(key).endswith("url"):
            return t("site_address.url_pattern")
        return t("val.pattern_slug") if key == "slug" else t("val.pattern")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(ctx.values()), "")
        return t(f"val.{kind}", limit=limit)
    if kind == "union_tag_invalid":
        return t("val.one_of", expected=ctx.get("expected_tags", ""))
    if kind == "union_tag_not_found":
        return t("val.missing_key", key=ctx.get("discriminator", "").strip("'"))
    if kind == "literal_error":
        return t("val.one_of", expected=ctx.get("expected", ""))
    if kind.startswith("too_short"):
        return t("val.empty")
    prefix = kind.split("_", 1)[0]
    if prefix in _EXPECTED and (kind.endswith("_type") or kind.endswith("_parsing") or "_from_" in kind):
        got = _TYPE_NAMES.get(type(error.get("input")), type(error.get("input")).__name__)
        return t("val.wrong_type", expected=t(f"type.{_EXPECTED[prefix]}"), got=t(f"type.{got}"),
                 value=_short(error.get("input")))
    return error["msg"]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")


def _structural(lines: list[str]) -> list[bool]:
    """For each line, whether it starts outside a multi-line string (a body may contain "[[posts]]")."""
    flags, inside = [], None
    for line in lines:
        flags.append(inside is None)
        position = 0
        while True:
            if inside:
                end = line.find(inside, position)
                if end < 0:
                    break
                inside, position = None, end + 3
            else:
                found = [(line.find(quote, position), quote) for quote in ('"""', "'''")]
                found = [(at, quote) for at, quote in found if at >= 0]
                if not found:
                    break
                at, inside = min(found)
                position = at + 3
    return flags


def array_table_lines(text: str, name: str) -> list[int]:
    """1-based line numbers of every ``[[name]]`` header, in order (one pass, for files of thousands of posts)."""
    lines = text.splitlines()
    return [n for n, (line, code) in enumerate(zip(lines, _structural(lines)), start=1)
            if code and (m := _HEADER.match(line)) and m.group(1) == "[[" and m.group(2).replace('"', "") == name]


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line of ``loc`` in a TOML text, best effort: the key's own line, else its table's header."""
    if not loc:
        return None
    lines = text.splitlines()
    code = _structural(lines)
    headers = [(n, m.group(1), m.group(2).replace('"', "")) for n, line in enumerate(lines)
               if code[n] and (m := _HEADER.match(line))]
    start = end = None
    rest: tuple[Any, ...] = loc
    # the table header that is the longest prefix of loc: [channels.portal], or the n-th [[posts]]
    for k in range(len(loc), 0, -1):
        prefix = loc[:k]
        if not all(isinstance(part, str) for part in prefix):
            continue
        name = ".".join(prefix)
        if k < len(loc) and isinstance(loc[k], int):
            arrays = [n for n, bracket, header in headers if bracket == "[[" and header == name]
            if loc[k] < len(arrays):
                start, rest = arrays[loc[k]], loc[k + 1:]
                break
        tables = [n for n, bracket, header in headers if bracket == "[" and header == name]
        if tables:
            start, rest = tables[0], loc[k:]
            break
    if start is None:
        # a key at the top of the document, before any table header
        start, end = -1, (headers[0][0] if headers else len(lines))
    if end is None:
        end = next((n for n, _, _ in headers if n > start), len(lines))
    line = start
    for depth, key in enumerate(rest):
        if not isinstance(key, str):
            break
        if depth == 0:
            assign = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
            found = next((n for n in range(start + 1, end) if code[n] and assign.match(lines[n])), None)
        else:  # a key of an inline table: ``banner = { headline = "..." }``
            inline = re.compile(rf'[{{,]\s*"?{re.escape(key)}"?\s*=')
            found = line if inline.search(lines[line]) else None
        if found is None:
            break
        line = found
    return line + 1 if line >= 0 else None
