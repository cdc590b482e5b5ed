"""The system's errors (file not found, permission denied, disk full...) in the user's language.

Python's ``strerror`` is the C library's English ("No such file or directory"); the officer reads one of these
instead. One table from errno to a locale key, used wherever loa reads an input or writes an output.
"""
from __future__ import annotations

import errno

from .i18n import t

# errno -> (key when reading, key when writing): the same errno reads differently for the two ("cannot read"
# vs "cannot write"); None means the same key for both.
_KEYS: dict[int, tuple[str, str | None]] = {
    errno.ENOENT: ("oserr.not_found", "oserr.folder_not_found"),
    errno.EISDIR: ("oserr.is_folder", None),
    errno.ENOTDIR: ("oserr.not_folder", None),
    errno.EACCES: ("oserr.no_read_permission", "oserr.no_write_permission"),
    errno.EPERM: ("oserr.no_read_permission", "oserr.no_write_permission"),
    errno.ENOSPC: ("oserr.disk_full", None),
    errno.EDQUOT: ("oserr.quota", None),
    errno.EROFS: ("oserr.read_only", None),
    errno.EIO: ("oserr.io", None),
    errno.EFBIG: ("oserr.too_big", None),
    errno.ENAMETOOLONG: ("oserr.name_too_long", None),
    errno.ELOOP: ("oserr.link_loop", None),
    errno.EEXIST: ("oserr.exists", None),
    errno.ETXTBSY: ("oserr.busy", None),
    errno.EBUSY: ("oserr.busy", None),
    errno.EMFILE: ("oserr.too_many_open", None),
    errno.ENFILE: ("oserr.too_many_open", None),
    errno.ENOMEM: ("oserr.no_memory", None),
    errno.EXDEV: ("oserr.other_disk", None),
    errno.ENXIO: ("oserr.no_device", None),
    errno.ENODEV: ("oserr.no_device", None),
    errno.ETIMEDOUT: ("oserr.timed_out", None),
    errno.ESTALE: ("oserr.stale", None),
}
# errors of the disk or its file system, not of the file named: `loa` exits 1 for them, not 2
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})


def os_error_text(exc: OSError, *, writing: bool = False) -> str:
    """What went wrong, without the file's name (the caller puts it in ``where``): "không tìm thấy tệp"."""
    keys = _KEYS.get(exc.errno or 0)
    if keys is None:
        # an errno without a sentence of ours: its code (ECONNRESET...) is the same in every language
        code = errno.errorcode.get(exc.errno or 0, str(exc.errno or type(exc).__name__))
        return t("oserr.other", code=code)
    read_key, write_key = keys
    return t(write_key if writing and write_key else read_key)


def os_error_where(exc: OSError, fallback: str | None = None) -> str | None:
    """The file the error is about: the one the system names, else ``fallback``."""
    return str(exc.filename) if exc.filename is not None else fallback
