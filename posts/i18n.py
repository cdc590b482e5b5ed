"""User-facing strings. Each language is one TOML file in assets/locales; adding a language adds a file.

The language comes from ``set_language`` (the CLI's ``--lang``), else ``LOA_LANG``, else Vietnamese.
"""
from __future__ import annotations

import json
import os
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DEFAULT_LANGUAGE = "vi"
KEPT_COPIES = 4  # parsed copies of one language's file kept in the cache folder
_language: str | None = None
# one web request's language (``loa web`` serves several people at once, each in their own language)
request_language: ContextVar[str | None] = ContextVar("request_language", default=None)


def available_languages() -> list[str]:
    return list(_languages())


@cache
def _languages() -> tuple[str, ...]:
    """Read once: every t() asks (listing the folder each time cost a web page with 300 strings ~40 ms)."""
    return tuple(sorted(p.name.removesuffix(".toml") for p in _locales().iterdir() if p.name.endswith(".toml")))


def _locales() -> Path:
    """assets/locales, next to this package (installed or not), without importlib.resources (~5 ms at start-up)."""
    folder = Path(__file__).resolve().parent.parent / "assets" / "locales"
    if folder.is_dir():
        return folder
    from importlib import resources

    return Path(str(resources.files("loa.assets") / "locales"))


@cache
def catalogue(language: str) -> dict[str, str]:
    source = _locales() / f"{language}.toml"
    # Parsing a locale file takes ~25 ms (every command, `loa --help` too); its JSON copy, named after the file's
    # size and modification time, loads in under 1 ms. A cache that cannot be read or written is skipped.
    stat = source.stat()
    name = f"catalogue-{language}-{stat.st_size}.{stat.st_mtime_ns}.json"
    try:
        found = json.loads((_cache_dir() / name).read_bytes())
        if isinstance(found, dict) and all(isinstance(value, str) for value in found.values()):
            return found
    except (OSError, ValueError, RuntimeError):  # RuntimeError: no home folder (Path.home)
        pass
    import tomllib

    parsed = dict(_flatten(tomllib.loads(source.read_bytes().decode("utf-8"))))
    _write_cache(name, parsed)
    return parsed


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "loa"


def _write_cache(name: str, catalogue: dict[str, str]) -> None:
    """Written whole (a temporary file renamed into place); the same language's oldest copies are removed."""
    import tempfile

    try:
        folder = _cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except (OSError, RuntimeError):  # a read-only or missing home: parsed each time, as before
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(catalogue, out, ensure_ascii=False)
        os.replace(temporary, folder / name)
        # a few copies per language (two installed versions of loa need not take turns); the oldest go
        copies = sorted(folder.glob(name.rsplit("-", 1)[0] + "-*.json"), key=lambda copy: copy.stat().st_mtime)
        for old in copies[:-KEPT_COPIES]:
            old.unlink(missing_ok=True)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


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
