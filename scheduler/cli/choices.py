"""Options that choose a code (``--status``, ``--kind``, ``--role``...): the code or the word for it, in Vietnamese
with or without diacritics. The command receives the English code; a word that names nothing is one line that
lists the choices in the user's language and suggests the closest."""
from __future__ import annotations

from typing import Any

import click

from loa.posts.vocabulary import code_for


class WordChoice(click.ParamType):
    """A click type for one of ``posts.vocabulary``'s vocabularies (its error is a posts.errors.UserError)."""

    name = "word"

    def __init__(self, vocabulary: str) -> None:
        self.vocabulary = vocabulary

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        where = param.opts[0] if param is not None and param.opts else None
        if param is not None and not param.opts and param.name:  # an argument: named by its metavar
            where = param.human_readable_name
        return code_for(self.vocabulary, str(value), where=where)
