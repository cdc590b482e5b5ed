"""User-facing strings. Each language is one TOML file in assets/locales; adding a language adds a file.

The language comes from ``set_language`` (the CLI's ``--lang``), else ``LOA_LANG``, else Vietnamese.
"""
from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from functools import cache
from importlib import resources

DEFAULT_LANGUAGE = "vi"
_language: str | None = None
# one web request's language (``loa web`` serves several people at once, each in their own language)
request_language: ContextVar[str | None] = ContextVar("request_language", default=None)


def available_languages() -> list[str]:
    return list(_languages())


@cache
def _languages() -> tuple[str, ...]:
    """Read once: every t() asks (listing the folder each time cost a web page with 300 strings ~40 ms)."""
    folder = resources.files("assets") / "locales"
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def catalogue(language: str) -> dict[str, str]:
    data = (resources.files("assets") / "locales" / f"{language}.toml").read_bytes()
    return dict(_flatten(tomllib.loads(data.decode("utf-8"))))


def _flatten(table: dict[str, object], prefix: str = "") -> list[tuple[str, str]]:
    """``[err] file_missing = "..."`` becomes ``err.file_missing``."""
    items: list[tuple[str, str]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", str(value)))
    return items


def set_language(language: str | None) -> None:
    global _language
    if language is not None and language not in available_languages():
        from .errors import UserError

        raise UserError(t("err.unknown_language", language=language, known=", ".join(available_languages())),
                        where="--lang")
    _language = language


def current_language() -> str:
    language = request_language.get() or _language or os.environ.get("LOA_LANG") or DEFAULT_LANGUAGE
    # An unknown LOA_LANG falls back instead of failing: the environment is not an argument the user just typed.
    return language if language in _languages() else DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The string ``key`` in the current language, formatted with ``values``; English, then the key, as fallback."""
    text = catalogue(current_language()).get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text
