"""Errors a user can cause. The CLI prints them on one line and exits with status 2."""
from __future__ import annotations


class UserError(Exception):
    """Bad input: a file, field or argument the user can fix. The message names it."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
