"""The TOML parser's errors, told to a person who edits a campaign file in Notepad.

tomllib says "Illegal character '\\n' (at line 3, column 14)"; the officer reads where (file:line:column), what is
wrong in her words ("thiếu dấu ngoặc kép đóng"), and the piece of the line it is about. Python 3.11's tomllib gives
only the English text, so its messages are matched here (one table); line and column come from the message too.
"""
from __future__ import annotations

import ast
import calendar
import re
import tomllib
from collections.abc import Callable

from .errors import UserError
from .i18n import t

PIECE_MAX = 30  # characters of the line quoted back: enough to find it, short enough for one line
_POSITION = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)\s*$")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")
_UNQUOTED_TIME = re.compile(r"\d{1,2}\s*(?::|h|g|giờ)\s*\d{0,2}", re.I)
_KEY_BEFORE_EQUALS = re.compile(r"^\s*([^=#]+?)\s*=")
_OPEN_LITERAL = re.compile(r"=\s*'[^']*$")  # a 'literal string' that runs to the end of its line


def toml_error(exc: tomllib.TOMLDecodeError, text: str, where: str) -> UserError:
    """A one-line UserError for a file that is not valid TOML: ``where:line:column: what, near "piece"``."""
    message, line, column = _parts(exc, text)
    # tomllib points where it gave up (the end of the file, the next line): show where the thing opens instead
    if message.startswith("Unterminated string"):
        line, column = scan_multiline_strings(text.splitlines())[1] or (line, column)
    elif message in ("Expected \"'\"", "Expected '\"'"):
        line, column = _opening(text, line, _OPEN_LITERAL) or (line, column)
    elif message.startswith("Unclosed array"):
        line, column = _unbalanced(text, line, "[", "]") or (line, column)
    elif message.startswith("Unclosed inline table"):
        line, column = _unbalanced(text, line, "{", "}") or (line, column)
    lines = text.splitlines() or [""]
    line_text = lines[line - 1] if 0 < line <= len(lines) else ""
    explain = _explainer(message)
    explanation, piece_column = explain(message, line_text, column, text)
    piece = _piece(line_text, piece_column)
    found = t("tomlerr.at", message=explanation, piece=piece) if piece else explanation
    position = f"{where}:{line}:{column}" if line else where
    return UserError(found, where=position)


def _parts(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, int, int]:
    """The bare message and its 1-based line and column (Python 3.14 has them as attributes; 3.11 only in text)."""
    raw = str(exc)
    match = _POSITION.search(raw)
    message = getattr(exc, "msg", None) or (raw[: match.start()] if match else raw)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    if line is None and match and match.group(1):
        line, column = int(match.group(1)), int(match.group(2))
    if line is None or (match and not match.group(1)):  # "at end of document": point at the last line
        lines = text.splitlines()
        line = len(lines)
        column = len(lines[-1]) + 1 if lines else 1
    return message, int(line), int(column or 1)


def _piece(line_text: str, column: int) -> str:
    """The part of the line at ``column``: from there on, or the line's end when the column is past it."""
    after = line_text[column - 1:].strip() if column >= 1 else ""
    if after:
        return after if len(after) <= PIECE_MAX else after[: PIECE_MAX - 1].rstrip() + "…"
    before = line_text.strip()
    return before if len(before) <= PIECE_MAX else "…" + before[-(PIECE_MAX - 1):].lstrip()


Explainer = Callable[[str, str, int, str], tuple[str, int]]


def _fixed(key: str) -> Explainer:
    return lambda message, line, column, text: (t(key), column)


def _illegal_character(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    if "'\\n'" in message or "'\\r'" in message:
        # a string that runs to the end of the line: the closing quote is missing (or a body needs """)
        opening = min((at for at in (line.find('"'), line.find("'")) if at >= 0), default=0)
        return t("tomlerr.unclosed_quote"), opening + 1
    return t("tomlerr.control_character"), column


def _expected(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    expected = message.removeprefix("Expected ").strip()
    if expected in ("\"'\"", "'\"'"):  # a string opened with ' or " and never closed
        opening = line.find(expected[1])
        return t("tomlerr.unclosed_quote"), opening + 1 if opening >= 0 else column
    return t("tomlerr.expected", what=expected.strip("'\"")), column


def _after_statement(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    """Something follows a value on its line: often a date or time written without quotes or a wrong date."""
    value_start = line.find("=") + 1
    value = line[value_start:].strip() if value_start else ""
    date_problem = _explain_date_time(value)
    if date_problem:
        return date_problem, value_start + 1 + (len(line[value_start:]) - len(line[value_start:].lstrip()))
    if _UNQUOTED_TIME.match(value):
        return t("tomlerr.time_unquoted", value=value), line.index(value) + 1
    return t("tomlerr.extra_text"), column


def _invalid_date(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    return _explain_date_time(line[column - 1:].strip()) or t("tomlerr.bad_date"), column


def _invalid_value(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    rest = line[column - 1:].strip()
    if not rest or rest.startswith("#"):
        return t("tomlerr.missing_value"), max(1, column - 1)
    if rest.lower() in ("true", "false", "đúng", "sai", "có", "không"):
        return t("tomlerr.bool_value"), column
    return t("tomlerr.text_unquoted"), column


def _overwrite(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    match = _KEY_BEFORE_EQUALS.match(line)
    if match:
        return t("tomlerr.duplicate_key", key=match.group(1).strip()), match.start(1) + 1
    return t("tomlerr.duplicate_table", name=line.strip().strip("[]")), 1


def _declared_twice(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    return t("tomlerr.duplicate_table", name=_dotted(message) or line.strip().strip("[]")), 1


def _inline_duplicate(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    key = message.rsplit(" ", 1)[-1].strip("'\"")
    return t("tomlerr.duplicate_key", key=key), column


def _namespace(message: str, line: str, column: int, text: str) -> tuple[str, int]:
    name = _dotted(message) or message.rsplit(" ", 1)[-1]
    return t("tomlerr.redefined", name=name), 1


def _opening(text: str, before: int, pattern: re.Pattern[str]) -> tuple[int, int] | None:
    """The first line up to ``before`` that ``pattern`` matches, and the column where its match starts."""
    for number, line in enumerate(text.splitlines()[:before], start=1):
        if found := pattern.search(line):
            return number, found.start() + 1
    return None


def _unbalanced(text: str, before: int, opening: str, closing: str) -> tuple[int, int] | None:
    """The last line up to ``before`` that opens more ``opening`` than it closes, and the column of the last one."""
    lines = text.splitlines()[:before]
    for number in range(len(lines), 0, -1):
        line = re.sub(r'"[^"]*"|\'[^\']*\'', lambda m: " " * len(m.group()), lines[number - 1])  # not in strings
        if line.count(opening) > line.count(closing):
            return number, line.rfind(opening) + 1
    return None


def _dotted(message: str) -> str:
    """``('posts', 'banner')`` in a message as ``posts.banner``."""
    found = re.search(r"\(.*\)", message)
    if not found:
        return ""
    try:
        parts = ast.literal_eval(found.group(0))
    except (ValueError, SyntaxError):
        return ""
    return ".".join(str(part) for part in (parts if isinstance(parts, tuple) else (parts,)))


def scan_multiline_strings(lines: list[str]) -> tuple[list[bool], tuple[int, int] | None]:
    """For each line, whether it starts outside a \"\"\" (or ''') string; and where the string left open at the
    end starts (line, column), if one is."""
    flags: list[bool] = []
    inside, opened_at = None, None
    for number, line in enumerate(lines, start=1):
        flags.append(inside is None)
        position = 0
        while True:
            if inside:
                end = line.find(inside, position)
                if end < 0:
                    break
                inside, position = None, end + 3
            else:
                found = [(at, quote) for quote in ('"""', "'''") if (at := line.find(quote, position)) >= 0]
                if not found:
                    break
                at, inside = min(found)
                opened_at, position = (number, at + 1), at + 3
    return flags, opened_at if inside else None


# tomllib's messages (Python 3.11-3.13), first match wins
_EXPLAINERS: list[tuple[re.Pattern[str], Explainer]] = [
    (re.compile(r"^Illegal character"), _illegal_character),
    (re.compile(r"^Found invalid character"), _fixed("tomlerr.control_character")),
    (re.compile(r"^Unterminated string"), _fixed("tomlerr.unclosed_multiline")),
    (re.compile(r"^Expected newline or end of document"), _after_statement),
    (re.compile(r"^Expected '=' after a key"), _fixed("tomlerr.expected_equals")),
    (re.compile(r"^Expected '\]' at the end of a table"), _fixed("tomlerr.unclosed_table")),
    (re.compile(r"^Expected '\]\]' at the end of an array"), _fixed("tomlerr.unclosed_array_table")),
    (re.compile(r"^Expected "), _expected),
    (re.compile(r"^Invalid date or datetime"), _invalid_date),
    (re.compile(r"^Invalid value"), _invalid_value),
    (re.compile(r"^Invalid (initial character for a key part|statement)"), _fixed("tomlerr.bad_key")),
    (re.compile(r"^Unclosed array"), _fixed("tomlerr.unclosed_list")),
    (re.compile(r"^Unclosed inline table"), _fixed("tomlerr.unclosed_inline_table")),
    (re.compile(r"^Unescaped '"), _fixed("tomlerr.backslash")),
    (re.compile(r"^(Invalid hex value|Escaped character is not a Unicode)"), _fixed("tomlerr.bad_escape")),
    (re.compile(r"^Cannot overwrite a value"), _overwrite),
    (re.compile(r"^Cannot declare .* twice"), _declared_twice),
    (re.compile(r"^Duplicate inline table key"), _inline_duplicate),
    (re.compile(r"^Cannot (mutate immutable|redefine) namespace"), _namespace),
]


def _explainer(message: str) -> Explainer:
    for pattern, explain in _EXPLAINERS:
        if pattern.match(message):
            return explain
    return _fixed("tomlerr.other")  # a newer Python's message: still a sentence of ours, never English


def _explain_date_time(value: str) -> str | None:
    """Why a date or time literal such as ``2026-09-31`` or ``2024-10-01T08:61`` is impossible, or None."""
    date = _DATE.match(value)
    if date:
        year, month, day = (int(part) for part in date.groups())
        problem = explain_impossible_date(year, month, day)
        if problem:
            return problem
        value = value[date.end():].lstrip("Tt ")
    time = _TIME.match(value)
    if time:
        hour, minute, second = (int(part) if part else 0 for part in time.groups())
        if hour > 23:
            return t("tomlerr.bad_hour", hour=hour)
        if minute > 59 or second > 59:
            return t("tomlerr.bad_minute", minute=minute if minute > 59 else second)
    return None


def explain_impossible_date(year: int, month: int, day: int) -> str | None:
    """"tháng 9 chỉ có 30 ngày" for 2026-09-31; None when the date exists."""
    if not 1 <= month <= 12:
        return t("tomlerr.bad_month", month=month)
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if day < 1:
        return t("tomlerr.day_zero")
    if day > days:
        if month == 2:
            return t("tomlerr.february_days", year=year, days=days)
        return t("tomlerr.month_days", month=month, month_name=calendar.month_name[month], days=days)
    return None
