"""The banner cache: a banner drawn once is never drawn again while nothing that shapes it changed.

A banner's key is the sha256 of everything its bytes depend on: loa's RENDER_VERSION and the source of the drawing
code (posts/render/*.py), the versions of the libraries that draw and compress it (Pillow, ISA-L, zlib, fpdf2,
qrcode), every file of its theme and the fonts the theme names, and its text and size. So a re-import, or a
``--replace`` that changes nothing a banner shows, draws nothing; editing a theme, a font or loa's drawing code
draws again.

An entry is a small note, ``media/.banners/<key>.json``, naming the content-addressed file it made
(``media/ab/ab12….png``). The file is trusted only on its sha256 (posts/files.py ``holds``): an entry whose file
is missing or cut short is drawn again, like an entry that cannot be read.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import holds, write_atomically, write_content_addressed
from .fonts import font_path
from .themes import load_theme

if TYPE_CHECKING:
    from .artefacts import BannerJob

# Raise when banners must be drawn again although no source file under posts/render changed (a font shipped in
# a new version under the same name is caught by its hash; a change of meaning elsewhere would not be).
RENDER_VERSION = 1
CACHE_FOLDER = ".banners"
_LIBRARIES = ("Pillow", "isal", "fpdf2", "qrcode", "fonttools")


@dataclass(frozen=True)
class BannerFile:
    """A banner as stored: its sha256, its path under the media folder, its length in bytes."""

    sha256: str
    media_path: str
    size: int


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def code_fingerprint() -> str:
    """loa's drawing code and the libraries under it, as one hash (computed once per process)."""
    digest = hashlib.sha256(f"loa-render-{RENDER_VERSION}|zlib-{zlib.ZLIB_RUNTIME_VERSION}".encode())
    for library in _LIBRARIES:
        try:
            digest.update(f"|{library}-{metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"|{library}-none".encode())
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(f"|{source.name}:{_file_digest(source)}".encode())
    return digest.hexdigest()


@cache
def theme_fingerprint(slug: str, themes_dir: Path | None) -> str:
    """Every file of the theme's folder (theme.toml, background, logo, its own fonts) and the fonts it names."""
    theme = load_theme(slug, themes_dir)
    digest = hashlib.sha256(slug.encode())
    for path in sorted(p for p in theme.folder.rglob("*") if p.is_file()):
        digest.update(f"|{path.relative_to(theme.folder).as_posix()}:{_file_digest(path)}".encode())
    for role, name in sorted(theme.spec.fonts.model_dump().items()):
        digest.update(f"|font {role}:{_file_digest(font_path(name, str(theme.folder)))}".encode())
    return digest.hexdigest()


def banner_key(job: BannerJob) -> str:
    """The cache key of one banner: a sha256 of everything its bytes depend on."""
    parts = {"code": code_fingerprint(), "theme": theme_fingerprint(job.theme, job.themes_dir),
             "text": asdict(job.text), "size": asdict(job.size), "format": job.extension}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class BannerCache:
    """Entries under ``media_dir/.banners``, one small JSON note per key."""

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir

    def _entry(self, key: str) -> Path:
        return self.media_dir / CACHE_FOLDER / key[:2] / f"{key}.json"

    def find(self, key: str) -> BannerFile | None:
        """The stored banner of ``key`` if its entry reads and its file still holds exactly those bytes."""
        try:
            found = BannerFile(**json.loads(self._entry(key).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
        if Path(found.media_path).is_absolute() or ".." in Path(found.media_path).parts:
            return None  # a note is data from disk: it may only name a file inside the media folder
        return found if holds(self.media_dir / found.media_path, found.sha256) else None

    def keep(self, key: str, data: bytes, extension: str) -> BannerFile:
        """Store ``data`` content-addressed (shared with every post that has the same banner) and note it."""
        digest = hashlib.sha256(data).hexdigest()
        stored = BannerFile(digest, f"{digest[:2]}/{digest}.{extension}", len(data))
        write_content_addressed(self.media_dir / stored.media_path, data, digest)
        write_atomically(self._entry(key), json.dumps(asdict(stored)).encode(), make_parents=True)
        return stored
