"""Writing files so that a crash or a full disk never leaves half a file behind."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replaced_when_done(path: Path) -> Iterator[Path]:
    """A temp file beside ``path`` to write into; it becomes ``path`` only if the block finishes.

    For writers that want a file name of their own (openpyxl, the csv module): a failure halfway leaves the old
    file (or none) in place, never half of the new one.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".loa-tmp-", suffix=path.suffix)
    os.close(handle)
    try:
        yield Path(temporary)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes, *, make_parents: bool = False) -> None:
    """Temp file in the same folder + rename; the file gets the usual permissions (umask), not mkstemp's 0600."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_when_done(path) as temporary:
        temporary.write_bytes(data)
