"""Reading and writing files so that a crash, a full disk or a special file never leaves half a file behind.

Writes go to a temp file beside the target (``.loa-tmp-*``) that is renamed over it when complete; a target that
exists and is not a regular file (a device, a FIFO, a socket, a folder) is refused, never replaced. Reads take
regular files only, up to a stated size: ``/dev/zero`` or a FIFO is refused at once instead of filling memory or
waiting forever.
"""
from __future__ import annotations

import errno
import functools
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from .errors import UserError
from .i18n import t
from .os_errors import os_error_text

TEMP_PREFIX = ".loa-tmp-"
# A temp file older than this belongs to a process that died: no write of loa's takes that long.
STALE_TEMP_SECONDS = 15 * 60
MiB = 1024 * 1024
P = ParamSpec("P")
R = TypeVar("R")


def _format_size(size: int) -> str:
    return f"{size / MiB:.0f} MiB" if size >= MiB else f"{size} B"


@contextmanager
def system_errors_in_words(*, writing: bool) -> Iterator[None]:
    """OSErrors leave with their ``strerror`` in the user's language, errno and file name kept: the callers that
    word "không ghi được {path}: {error}" from ``exc.strerror`` then show no English "No such file or directory"."""
    try:
        yield
    except OSError as exc:
        if exc.errno is None:
            raise
        names: tuple[object, ...] = ()
        if exc.filename is not None:  # OSError(errno, strerror, filename, winerror, filename2)
            names = (exc.filename, None, exc.filename2) if exc.filename2 is not None else (exc.filename,)
        try:
            worded = type(exc)(exc.errno, os_error_text(exc, writing=writing), *names)
        except TypeError:  # a subclass with its own constructor: keep it as it is
            raise exc from None
        raise worded from exc


def _worded(*, writing: bool) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator form of ``system_errors_in_words``."""
    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def worded(*args: P.args, **kwargs: P.kwargs) -> R:
            with system_errors_in_words(writing=writing):
                return function(*args, **kwargs)
        return worded
    return decorate


@_worded(writing=False)
def read_regular(path: Path, *, limit: int, where: str | None = None) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Anything else (a FIFO, a device, a socket) or a larger file is a one-line UserError naming ``where``; missing
    or unreadable files raise the usual OSError (the caller words it). O_NONBLOCK: opening a FIFO never waits for
    a writer.
    """
    where = where or str(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):
            raise UserError(t("files.not_regular_input", path=path), where=where)
        if info.st_size > limit:
            raise UserError(t("files.too_large", limit=_format_size(limit)), where=where)
        os.set_blocking(fd, True)
        chunks, total = [], 0
        while chunk := os.read(fd, min(MiB, limit + 1 - total)):  # the file may grow while it is read
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UserError(t("files.too_large", limit=_format_size(limit)), where=where)
        return b"".join(chunks)
    finally:
        os.close(fd)


def writable_target(path: Path, *, where: str | None = None) -> Path:
    """The path to replace for ``path``: refused when something other than a regular file is there.

    A symlink to a regular file is followed (the file it points to is replaced, the link stays), as ``cp`` does.
    """
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        info = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError:
        return real  # unreadable metadata: the write itself reports the error
    if not stat.S_ISREG(info.st_mode):
        key = "files.is_folder" if stat.S_ISDIR(info.st_mode) else "files.not_regular_output"
        raise UserError(t(key, path=path), where=where or str(path))
    return real


@contextmanager
def replaced_when_done(path: Path, *, where: str | None = None) -> Iterator[Path]:
    """A temp file beside ``path`` to write into; it becomes ``path`` only if the block finishes.

    For writers that want a file name of their own (openpyxl, the csv module): a failure halfway leaves the old
    file (or none) in place, never half of the new one.
    """
    import tempfile  # here, not at the top: `loa queue` reads config.toml through this module (start-up time)

    with system_errors_in_words(writing=True):
        path = writable_target(path, where=where)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=path.suffix)
        os.close(handle)
        try:
            yield Path(temporary)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            path = writable_target(path, where=where)  # checked again: something may have appeared meanwhile
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@_worded(writing=True)
def write_atomically(path: Path, data: bytes, *, make_parents: bool = False, where: str | None = None) -> None:
    """Temp file in the same folder + rename; the file gets the usual permissions (umask), not mkstemp's 0600."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_when_done(path, where=where) as temporary:
        temporary.write_bytes(data)


@_worded(writing=True)
def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` whole, or raise FileExistsError when something is there already."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        try:
            os.link(temporary, path)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise
            with open(path, "xb") as stream:  # a file system without hard links: at least never over a file
                stream.write(data)
    finally:
        Path(temporary).unlink(missing_ok=True)


@_worded(writing=True)
def copy_atomically(source: Path, target: Path, *, make_parents: bool = False, where: str | None = None) -> None:
    """``source`` copied to ``target`` through a temp file and a rename (never a truncated copy)."""
    import shutil

    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    with replaced_when_done(target, where=where) as temporary:
        shutil.copyfile(source, temporary)


def holds(path: Path, sha256: str) -> bool:
    """Whether ``path`` is a regular file with exactly the content ``sha256``.

    Content-addressed files (banners, photos) are trusted only on this: a file cut short by a full disk or a
    crash (before loa wrote atomically) has the right name and the wrong bytes, and is written again.
    """
    import hashlib

    try:
        if not path.is_file():
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(MiB), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == sha256


def write_content_addressed(path: Path, data: bytes, sha256: str | None = None) -> bool:
    """Write ``data`` at ``path`` unless the file there already holds exactly it. True when written."""
    import hashlib

    if holds(path, sha256 or hashlib.sha256(data).hexdigest()):
        return False
    write_atomically(path, data, make_parents=True)
    return True


def clean_stale_temporaries(folder: Path, *, older_than: float = STALE_TEMP_SECONDS) -> int:
    """Remove the ``.loa-tmp-*`` files a killed process left under ``folder``; returns how many.

    Only files untouched for ``older_than`` seconds: a live process writing one now keeps it. Best effort: a
    folder that cannot be read is left for the write that needs it to report.
    """
    removed = 0
    cutoff = time.time() - older_than
    try:
        if not folder.is_dir():
            return 0
        candidates = list(folder.rglob(f"{TEMP_PREFIX}*"))
    except OSError:
        return 0
    for candidate in candidates:
        try:
            info = candidate.lstat()
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                candidate.unlink()
                removed += 1
        except OSError:
            continue
    return removed


MAX_TEXT_BYTES = 1 * MiB  # a post's body: far beyond any article, small enough to refuse a wrong file at once


def read_text(path: str, *, where: str, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file (``-``: standard input), for ``--body-file``: its text, or a one-line UserError naming
    ``where`` (missing, a folder, unreadable, too large, not UTF-8)."""
    import sys

    try:
        if path == "-":
            raw = sys.stdin.buffer.read(limit + 1)
            if len(raw) > limit:
                raise UserError(t("files.too_large", limit=_format_size(limit)), where=where)
        else:
            raw = read_regular(Path(path), limit=limit, where=f"{where} {path}")
    except OSError as exc:  # not found, a folder, no permission...: in the user's language
        raise UserError(os_error_text(exc), where=f"{where} {path}") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UserError(t("err.not_utf8"), where=f"{where} {path}:{line}") from None


def check_writable_folder(folder: Path, *, where: str | None = None) -> None:
    """Make sure loa can create files in ``folder`` (made, with its parents, when missing), before anything is
    written: one line naming the folder otherwise (a read-only /etc/loa, a state folder owned by another user)."""
    blocked: OSError | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where the folder should be
        blocked = OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    except OSError as exc:
        blocked = exc
    else:
        if not os.access(folder, os.W_OK | os.X_OK):
            read_only = os.statvfs(folder).f_flag & os.ST_RDONLY
            code = errno.EROFS if read_only else errno.EACCES
            blocked = OSError(code, os.strerror(code), str(folder))
    if blocked is not None:
        path = blocked.filename if blocked.filename is not None else folder
        raise UserError(t("paths.cannot_write", path=path, error=os_error_text(blocked, writing=True)), where=where)


def check_writable_file(path: Path, *, where: str | None = None) -> None:
    """``check_writable_folder`` of the file's folder, and the file itself writable when it exists."""
    check_writable_folder(path.parent, where=where)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        blocked = OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        raise UserError(t("paths.cannot_write", path=path, error=os_error_text(blocked, writing=True)), where=where)
