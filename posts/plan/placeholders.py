"""The «…» placeholders a drafted campaign file holds where the plan said nothing, recognised in both languages.

A placeholder sits where a text is expected (a theme, a name), so the model would accept it as the text: the
campaign loader refuses any value that still holds one, so a fact the plan never stated cannot be imported and
published. Only loa's own placeholder is meant («CHƯA CÓ TRONG KẾ HOẠCH: …» / «NOT IN THE PLAN: …»), not every «…»:
guillemets are ordinary quotation marks in a Vietnamese text.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from ..i18n import available_languages, catalogue


@cache
def placeholder_pattern() -> re.Pattern[str]:
    """Every language's ``plan_draft.placeholder`` with its ``{what}`` as a wildcard."""
    forms = []
    for language in available_languages():
        template = catalogue(language).get("plan_draft.placeholder")
        if template:
            forms.append(re.escape(template).replace(re.escape("{what}"), r"[^»\n]{0,200}"))
    return re.compile("|".join(forms))


def first_unfilled(data: Any, path: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], str] | None:
    """The key path and text of the first value still holding a placeholder, in document order; None when filled."""
    for key_path, value in _strings(data, path):
        found = placeholder_pattern().search(value)
        if found:
            return key_path, found.group()
    return None


def _strings(data: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))
