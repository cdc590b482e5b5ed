"""Who runs a command against the service's state: root working in the ``loa`` user's folders would leave files
only root can write (issue 19: root's ``campaign import`` made root-owned media folders, and the service user's
next ``post add`` failed). So root is refused there, in one line telling how to run the command as that user.

The rule: when the effective user is root, the SQLite database and the media folder — each the file or folder
itself when it exists, else the nearest folder above it that does (where it would be made) — must belong to root.
Any other owner means the state is that user's: root gets "run it as USER: sudo -u USER loa …". A user other than
root gets no such check: the system refuses what they may not write, and they cannot make files for anyone else.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from loa.posts.errors import UserError
from loa.posts.i18n import t

# the arguments of this invocation (after --config/--lang were moved first), set by the command line: the
# suggested command is the one that was typed
invocation_args: list[str] | None = None


class OtherUsersState(UserError):
    """root in a state that belongs to another user."""


def check_state_owner(paths: Iterable[Path | None], config_path: Path) -> None:
    """Refuse root in a state that belongs to another user (see the module's rule); nothing for other users."""
    if os.geteuid() != 0:
        return
    for path in paths:
        if path is None:
            continue
        found = existing(path)
        if found is None:
            continue
        owner = found.stat().st_uid
        if owner != 0:
            user = user_name(owner)
            raise OtherUsersState(t("secrets.run_as", path=found, user=user, command=command_as(user, config_path)))


def existing(path: Path) -> Path | None:
    """``path`` if it exists, else the nearest folder above it that does."""
    for candidate in (path, *path.parents):
        try:
            candidate.stat()
        except OSError:
            continue
        return candidate
    return None


def user_name(uid: int) -> str:
    """The login name of ``uid``, else ``#UID`` (how sudo takes a user with no entry in /etc/passwd)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"#{uid}"


def command_as(user: str, config_path: Path) -> str:
    """``sudo -u USER loa --config FILE …``: the typed command as ``user``; the config named outright, since sudo
    drops LOA_CONFIG from the environment and may start in another folder."""
    import shlex  # only when a command is refused: `loa --help` does not import it

    args = invocation_args
    if args is None:
        return f"sudo -u {shlex.quote(user)} loa …"
    named = any(arg == "--config" or arg.startswith("--config=") for arg in args)
    config = [] if named else ["--config", str(config_path.resolve())]
    return shlex.join(["sudo", "-u", user, "loa", *config, *args])
