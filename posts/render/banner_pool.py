"""Drawing many banners at once: the render cache first, then a process pool sized to the machine's cores.

A banner is tens of milliseconds of pure CPU in Pillow, so threads would not help; worker processes do. They are
forked, so they inherit the loaded themes and fonts and start in milliseconds (unless the process runs other
threads: see ``obtain_all``). Each worker looks its banner up in the cache, draws it if needed and writes the
file itself: only a short note (sha256, path, length) travels back to the parent, never the image. Workers
never touch the parent's database connections (callers render before their write transaction), and the CLI's
progress bar draws without a thread.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from ..i18n import t
from .banner import render_banner
from .cache import BannerCache, BannerFile
from .themes import load_theme

if TYPE_CHECKING:
    from .artefacts import BannerJob

WORKERS_ENV = "LOA_RENDER_WORKERS"  # how many processes draw banners; 1 draws in the command's own process
PARALLEL_FROM = 6  # banners: below this, starting worker processes costs more than it saves
MAX_WORKERS = 64


@dataclass(frozen=True)
class Outcome:
    """One banner: its stored file, or the error that stopped it (as text: it crosses a process boundary)."""

    stored: BannerFile | None
    drawn: bool  # False: found in the cache
    error: str | None = None


def worker_count() -> int:
    """``$LOA_RENDER_WORKERS`` if set, else the cores this process may run on."""
    written = os.environ.get(WORKERS_ENV, "").strip()
    if written:
        if not written.isdigit() or not 1 <= int(written) <= MAX_WORKERS:
            raise UserError(t("render_pool.workers", most=MAX_WORKERS), where=WORKERS_ENV)
        return int(written)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def obtain(item: tuple[BannerJob, str], media_dir: Path) -> Outcome:
    """The banner of ``job`` (cache key ``key``): from the cache, else drawn and kept."""
    job, key = item
    cache = BannerCache(media_dir)
    found = cache.find(key)
    if found is not None:
        return Outcome(found, drawn=False)
    try:
        data = render_banner(job.text, load_theme(job.theme, job.themes_dir), job.size)
    except UserError as exc:
        return Outcome(None, drawn=False, error=str(exc))
    return Outcome(cache.keep(key, data, job.extension), drawn=True)


def obtain_all(items: Sequence[tuple[BannerJob, str]], media_dir: Path,
               on_progress: Callable[[int, int], None] | None = None) -> Iterator[Outcome]:
    """Outcomes in the order of ``items``. Close the iterator (``contextlib.closing``) when stopping early: the
    banners not started yet are then cancelled instead of drawn for nothing."""
    if not items:  # a post without banner: nothing to draw, no setting to check
        return
    workers = min(worker_count(), len(items))
    task = partial(obtain, media_dir=media_dir)
    if len(items) < PARALLEL_FROM or workers < 2:
        results: Iterator[Outcome] = map(task, items)
        pool = None
    else:
        # fork when this process runs no other thread (a CLI command): workers start at once with the themes and
        # fonts loaded. A thread alive at fork time (`loa web` serving requests) may hold a lock a worker would then
        # wait on forever: the workers come from a clean server process then, and load what they need themselves.
        method = "fork" if threading.active_count() == 1 else "forkserver"
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
        results = pool.map(task, items, chunksize=max(1, min(8, len(items) // (workers * 16))))
    try:
        for done, outcome in enumerate(results, start=1):
            if on_progress:
                on_progress(done, len(items))
            yield outcome
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
