"""Reading the user's TOML files (config.toml, campaign files) with errors that name the file, key and line."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from collections.abc import Callable
from typing import Any, get_args

import tomli
from pydantic import BaseModel, ValidationError

from .errors import UserError
from .files import MiB, read_regular
from .i18n import t
from .suggest import unknown_name
from .wording import field_label, location_label
from .os_errors import os_error_text
from .toml_errors import scan_multiline_strings, toml_error

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
        data = tomli.loads(text)  # compiled (mypyc): a campaign of 10,000 posts in a third of tomllib's time
    except tomli.TOMLDecodeError:
        try:  # the error as the standard library words it, which toml_errors.py explains in the user's words
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise toml_error(exc, text, where) from None
    if not data:
        raise UserError(t("err.file_empty"), where=where)
    return text, data


def validate(model: type[BaseModel], data: dict[str, Any], path: Path, text: str,
             prefix: tuple[Any, ...] = ()) -> Any:
    """``model.model_validate(data)``; the first failure becomes a one-line UserError a person can act on:
    file:line, which post ("bài số 6 (Tiêu đề…)"), the field in words, what was expected.

    ``prefix`` is where ``data`` sits in the file (``("channels", "portal")`` for one channel's table).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        raw_loc = tuple(error["loc"])
        loc = _data_path(data, raw_loc)
        if error["type"] == "union_tag_invalid":  # point at the key that picked the wrong variant
            loc += (str((error.get("ctx") or {}).get("discriminator", "")).strip("'"),)
        if error["type"] == "extra_forbidden":  # the keys that would have been right there, for "did you mean"
            error = {**error, "allowed": _keys_at(model, raw_loc[:-1])}
        loc = prefix + loc
        _, field = location_label(loc)
        message = describe_error(error, key=str(loc[-1]) if loc else "", field=field)
        raise located_error(path, text, loc, message, data=data if not prefix else None, names_field=True) from None


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys a table at ``loc`` (a pydantic loc inside ``model``) may have; [] when it cannot tell."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        found = _model_in(current)
        if found is None or part not in found.model_fields:
            return []
        current = found.model_fields[part].annotation
    found = _model_in(current)
    return list(found.model_fields) if found is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside ``X | None``, ``list[X]``, ``Annotated[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        if (found := _model_in(argument)) is not None:
            return found
    return None


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


def _title_finder(text: str, data: dict[str, Any] | None) -> Callable[[int], str | None]:
    """``title_of(index)``: the title of the index-th ``[[posts]]``, from the parsed data, else from its line."""
    def title_of(index: int) -> str | None:
        if data is not None:
            posts = data.get("posts")
            post = posts[index] if isinstance(posts, list) and index < len(posts) else None
            title = post.get("title") if isinstance(post, dict) else None
            return title if isinstance(title, str) else None
        line = line_of(text, ("posts", index, "title"))
        if line is None:
            return None
        try:  # one line, ``title = "…"``; a multi-line title is left out rather than guessed
            title = tomllib.loads(text.splitlines()[line - 1]).get("title")
        except (tomllib.TOMLDecodeError, IndexError):
            return None
        return title if isinstance(title, str) else None
    return title_of


def located_error(path: Path, text: str, loc: tuple[Any, ...], message: str, *,
                  data: dict[str, Any] | None = None, names_field: bool = False) -> UserError:
    """``c.toml:42: bài số 6 (Phát động…): giờ đăng: <message>``. ``names_field``: the message already names the
    field ("thiếu tiêu đề (title)"), so only whose field it is goes in front."""
    where, subject = place_of(path, text, loc, data=data, names_field=names_field)
    return UserError(f"{subject}: {message}" if subject else message, where=where)


def place_of(path: Path, text: str, loc: tuple[Any, ...], *, data: dict[str, Any] | None = None,
             names_field: bool = False) -> tuple[str, str]:
    """(``c.toml:42``, ``bài số 6 (Phát động…): giờ đăng``): where ``loc`` is written, and how to say it."""
    line = line_of(text, loc)
    owner, field = location_label(loc, title_of=_title_finder(text, data))
    return (f"{path}:{line}" if line else str(path)), ": ".join(
        part for part in ([owner] if names_field else [owner, field]) if part)


def key_label(loc: tuple[Any, ...]) -> str:
    """How a message names ``loc``: ("posts", 5, "title") is "bài số 6: tiêu đề", as a person counts and says it."""
    return ": ".join(part for part in location_label(loc) if part)


# pydantic error types → the [wording] message saying what the field should be, in plain words
_EXPECT_MESSAGE = {"str": "wording.expect_text", "int": "wording.expect_int", "float": "wording.expect_number",
                   "bool": "wording.expect_bool", "list": "wording.expect_list", "dict": "wording.expect_table",
                   "date": "wording.expect_date", "datetime": "wording.expect_datetime",
                   "time": "wording.expect_time"}
# what a list of each key looks like in a file, for "kênh phải là danh sách, ví dụ [\"portal\", \"facebook\"]"
_LIST_EXAMPLES = {"channels": '["portal", "facebook"]', "hashtags": '["#HocTapSuotDoi", "#KhuyenHoc"]',
                  "images": '["anh-1.jpg", "anh-2.jpg"]', "sizes": '["facebook", "a4"]',
                  "recipients": '["Như trên", "Lưu: VT"]'}


def describe_error(error: dict[str, Any], *, key: str = "", field: str = "") -> str:
    """One pydantic error in plain words, naming ``field`` (its label, "tiêu đề") where the sentence needs it."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    named = field or key or t("wording.this_value")
    if kind == "missing":
        # the label, and the key to write when the label is not the key itself: "thiếu tiêu đề (title)"
        return t("wording.missing", field=named if key in named else f"{named} ({key})")
    if kind == "extra_forbidden":
        return t("wording.unknown_key", key=key) + unknown_name(key, error.get("allowed") or [])
    if kind in ("string_too_short", "too_short") or kind.startswith("too_short"):
        return t("wording.empty", field=named)
    if kind == "string_too_long":
        return t("wording.too_long_text", field=named, most=ctx.get("max_length", ""))
    if kind == "too_long":
        return t("wording.too_many", field=named, most=ctx.get("max_length", ""))
    if kind == "string_pattern_mismatch":  # never echo the value: it may be a pasted token
        if str(key).endswith("url"):
            detail = t("site_address.url_pattern")
        else:
            detail = t("val.pattern_slug") if key == "slug" else t("val.pattern")
        return f"{named}: {detail}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(ctx.values()), "")
        return f"{named}: " + t(f"val.{kind}", limit=limit)
    if kind == "literal_error":
        names = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return t("wording.not_one_of", field=named, value=_short(error.get("input"))) + unknown_name(
            str(error.get("input")), names)
    if kind == "union_tag_invalid":
        return f"{named}: " + t("val.one_of", expected=ctx.get("expected_tags", ""))
    if kind == "union_tag_not_found":
        tag = str(ctx.get("discriminator", "")).strip("'")
        return t("wording.missing", field=f"{field_label(tag)} ({tag})" if field_label(tag) != tag else tag)
    if kind == "finite_number":  # inf or nan where a number is expected
        return f"{named}: " + t("input.finite_number")
    if kind == "value_error":
        reason = str(ctx.get("error", error["msg"]))
        return f"{field}: {reason}" if field else reason
    prefix = kind.split("_", 1)[0]
    if prefix in _EXPECTED and (kind.endswith("_type") or kind.endswith("_parsing") or "_from_" in kind):
        expected = _EXPECTED[prefix]
        example = _LIST_EXAMPLES.get(key, '["…", "…"]') if expected == "list" else key
        return t(_EXPECT_MESSAGE[expected], field=named, key=example) + t(
            "wording.written_as", value=_short(error.get("input")))
    return t("wording.invalid", field=named)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    if isinstance(value, bool):
        text = "true" if value else "false"  # as it is written in the file, not Python's True
    return text if len(text) <= 40 else text[:39] + "…"


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")


def _structural(lines: list[str]) -> list[bool]:
    """For each line, whether it starts outside a multi-line string (a body may contain "[[posts]]")."""
    return scan_multiline_strings(lines)[0]


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
