"""The report's charts drawn in a second process: ``python -m loa.scheduler.report.chart_worker``.

Importing matplotlib and drawing the two charts cost about 0.6 s of CPU, a third of a big report. Started as the
report begins, the worker imports matplotlib on the other core while the report reads the database, then draws while
the report builds its document. A thread cannot do this: the import and the drawing are Python bytecode, which holds
the interpreter's lock.

Over the worker's stdin and stdout, each message is a 4-byte big-endian length and that many bytes. The report sends
one JSON request (language, grain, channels, names, periods); the worker answers a JSON header (``{"engagement":
null | [interactions, reach]}``), the posts chart's PNG, then the engagement chart's when one was drawn.
Whatever goes wrong with the worker (it cannot start, dies, answers garbage or nothing within TIMEOUT_S), the report
draws in-process instead and says nothing: both call chart.draw_charts, so the images are the same bytes.
``LOA_REPORT_CHART_WORKER=0`` always draws in-process. The worker is always waited for, never left a zombie.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from types import SimpleNamespace, TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chart import ChartImages
    from .figures import Period

SWITCH = "LOA_REPORT_CHART_WORKER"  # "0": no worker
TIMEOUT_S = 30.0  # from the request to the last image; a loaded machine's first matplotlib import takes seconds
# -P: the current folder is not put first on sys.path, so a user's own json.py or timeit.py there cannot stand in
# for the standard library's in the worker
COMMAND = (sys.executable, "-P", "-m", "loa.scheduler.report.chart_worker")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LENGTH = struct.Struct(">I")


class WorkerFailed(Exception):
    """Anything that makes the worker's answer unusable (the report then draws in-process)."""


def frame(payload: bytes) -> bytes:
    return _LENGTH.pack(len(payload)) + payload


def unframe(data: bytes) -> list[bytes]:
    """The messages of ``data``; a truncated or overlong message is WorkerFailed."""
    messages, offset = [], 0
    while offset < len(data):
        if offset + _LENGTH.size > len(data):
            raise WorkerFailed("truncated length")
        (length,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        if offset + length > len(data):
            raise WorkerFailed("truncated message")
        messages.append(data[offset:offset + length])
        offset += length
    return messages


def images_from_answer(data: bytes) -> ChartImages:
    """The worker's answer as chart.draw_charts returns it; WorkerFailed unless it is exactly a header and its PNGs."""
    messages = unframe(data)
    if not messages:
        raise WorkerFailed("no answer")
    try:
        header = json.loads(messages[0])
        engagement = header["engagement"]
    except (ValueError, TypeError, KeyError) as exc:
        raise WorkerFailed(f"bad header: {exc}") from None
    pngs = messages[1:]
    if len(pngs) != (1 if engagement is None else 2) or not all(png.startswith(PNG_SIGNATURE) for png in pngs):
        raise WorkerFailed("unexpected images")
    if engagement is None:
        return pngs[0], None
    if not (isinstance(engagement, list) and len(engagement) == 2 and all(type(v) is bool for v in engagement)):
        raise WorkerFailed("bad header")
    return pngs[0], (pngs[1], engagement[0], engagement[1])


class ChartWorker:
    """The report's side of one worker: ``start()`` as the report begins, ``request()`` once the figures are known,
    ``images()`` when the document needs them; used as a context manager, so the process is always reaped."""

    def __init__(self, process: subprocess.Popen[bytes] | None) -> None:
        self._process = process
        self._draw: Callable[[], ChartImages] | None = None  # the in-process drawing of the request
        self._sent = False

    @classmethod
    def start(cls) -> ChartWorker:
        """A running worker, or one that will draw in-process (switched off, or it could not start)."""
        if os.environ.get(SWITCH, "").strip() == "0":
            return cls(None)
        try:
            process = subprocess.Popen(COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, close_fds=True)
        except (OSError, ValueError, subprocess.SubprocessError):
            return cls(None)
        return cls(process)

    @property
    def requested(self) -> bool:
        return self._draw is not None

    def request(self, periods: list[Period], channels: list[str], *, grain: str,
                names: dict[str, str] | None = None) -> None:
        """Send the charts' inputs; the worker starts drawing (its answer is read by ``images``)."""
        from loa.posts.i18n import current_language

        from .chart import draw_charts

        self._draw = lambda: draw_charts(periods, channels, grain=grain, names=names)
        if self._process is None or self._process.stdin is None:
            return
        request = {"language": current_language(), "grain": grain, "channels": list(channels),
                   "names": dict(names) if names is not None else None,
                   "periods": [{"label": p.label, "per_channel": dict(p.per_channel), "interactions": p.interactions,
                                "reach": p.reach} for p in periods]}
        try:  # a few kilobytes: fits in the pipe's buffer, so this never waits for the worker
            self._process.stdin.write(frame(json.dumps(request, ensure_ascii=False).encode("utf-8")))
            self._process.stdin.flush()
            self._sent = True
        except (OSError, ValueError):  # the worker is already gone: drawn in-process
            pass

    def images(self) -> ChartImages:
        """The charts of the request: the worker's answer, or drawn here if the worker failed."""
        if self._draw is None:
            raise RuntimeError("images() before request()")
        if self._sent and self._process is not None:
            try:
                return self._answer(self._process)
            except (WorkerFailed, OSError, ValueError, subprocess.SubprocessError):
                self.close()
        return self._draw()

    def _answer(self, process: subprocess.Popen[bytes]) -> ChartImages:
        self._sent = False  # read once
        try:
            out, _ = process.communicate(timeout=TIMEOUT_S)  # closes stdin, reads to the end, reaps the worker
        except subprocess.TimeoutExpired:
            raise WorkerFailed("timed out") from None
        if process.returncode != 0:
            raise WorkerFailed(f"exit status {process.returncode}")
        return images_from_answer(out)

    def close(self) -> None:
        """Stop the worker if it still runs and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        for stream in (process.stdin, process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:  # a broken pipe while flushing what the dead worker never read
                pass
        process.wait()

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def _read_message(stream: IO[bytes]) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise SystemExit(1)  # the report went away without a request
    (length,) = _LENGTH.unpack(head)
    payload = stream.read(length)
    if len(payload) != length:
        raise SystemExit(1)
    return payload


def main() -> None:
    """Import matplotlib at once (the report is still reading its database), then draw the one request received."""
    from loa.posts.i18n import set_language

    from .chart import draw_charts, load_library

    load_library()
    request: dict[str, Any] = json.loads(_read_message(sys.stdin.buffer))
    set_language(request["language"])
    periods = [SimpleNamespace(**period) for period in request["periods"]]
    posts, engagement = draw_charts(periods, request["channels"], grain=request["grain"],  # type: ignore[arg-type]
                                    names=request["names"])
    header = {"engagement": None if engagement is None else [engagement[1], engagement[2]]}
    answer = frame(json.dumps(header).encode()) + frame(posts) + (frame(engagement[0]) if engagement else b"")
    sys.stdout.buffer.write(answer)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
    # the answer is flushed: skip the interpreter's teardown (matplotlib's took 0.15 s), which the report would wait
    # for, as it reads the answer to the end of the pipe and then reaps the worker
    os._exit(0)
