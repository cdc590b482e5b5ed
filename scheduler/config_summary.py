"""What everyday read-only commands (``loa queue``) need of config.toml, without pydantic (~0.15 s to import and
build the models, more than the command itself).

Validating config.toml needs pydantic; a file already found valid does not: after a full load (scheduler/config.py)
succeeds, its summary is kept in the cache folder ($XDG_CACHE_HOME/loa, else ~/.cache/loa) with the file's whole
text and a stamp of the validating code. A later command whose config.toml reads exactly the same takes the summary;
any other text, another loa, a channel adapter from a plugin, a cache that cannot be read: a full load, with its
errors as always. The checks of the disk (render folders) are made again each time.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config

CONFIG_ENV = "LOA_CONFIG"
DATABASE_URL_ENV = "LOA_DATABASE_URL"  # overrides [database] url, so a PostgreSQL password stays out of the file
STATE_DIR_ENV = "LOA_STATE_DIR"  # overrides [paths] state: where loa keeps what it writes (a server's /var/lib/loa)
MAX_CONFIG_BYTES = 1024 * 1024  # a larger config.toml is not summarised (the full load judges it)
KEPT_SUMMARIES = 50  # one per project folder; the oldest go first
RENDER_FOLDERS = ("media", "themes", "templates")
STATE_FOLDERS = ("media",)  # of RENDER_FOLDERS, what loa writes: under the state folder when there is one
# the code that decides what a valid config.toml is (with loa's own publishers' settings, scheduler/publishers):
# another version of any of them validates again
RULES = ("scheduler/config.py", "scheduler/channel_settings.py", "scheduler/config_summary.py", "posts/tomlfile.py",
         "posts/plain_text.py")


@dataclass(frozen=True)
class ConfigSummary:
    config_dir: str  # the config file's folder
    configured_state: str | None  # [paths] state as written
    configured_url: str  # [database] url as written
    busy_timeout_seconds: float
    timezone: str
    channel_names: list[str]
    render_folders: dict[str, str]  # [render] media/themes/templates as written, relative to the file

    @property
    def base_dir(self) -> Path:
        """Where loa's own files resolve: the state folder (``$LOA_STATE_DIR`` read now, not when kept)."""
        return data_folder(Path(self.config_dir), self.configured_state)

    @property
    def database_url(self) -> str:
        return resolved_database_url(self.base_dir, self.configured_url)

    def render_folder(self, key: str) -> Path:
        return (self.base_dir if key in STATE_FOLDERS else Path(self.config_dir)) / self.render_folders[key]


def find_config(explicit: str | None) -> Path:
    """``--config PATH``, then ``$LOA_CONFIG``, then ./config.toml."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return Path("config.toml")


def state_folder(config_dir: Path, configured: str | None) -> Path | None:
    """The state folder: ``$LOA_STATE_DIR`` (relative to the working folder), else ``[paths] state`` (relative to
    the config file), else None."""
    if os.environ.get(STATE_DIR_ENV):
        return Path(os.environ[STATE_DIR_ENV]).absolute()
    if configured is not None:
        return config_dir / configured
    return None


def data_folder(config_dir: Path, configured_state: str | None) -> Path:
    """Where relative paths of what loa writes (database, media, site, dry-run) resolve: the state folder when there
    is one (a server: /etc/loa is read-only, /var/lib/loa is not), else the config file's folder."""
    return state_folder(config_dir, configured_state) or config_dir


def resolved_database_url(base_dir: Path, configured: str) -> str:
    """``$LOA_DATABASE_URL`` or the configured URL; a relative SQLite path is taken relative to ``base_dir`` (the
    state folder, else the config file's), not the working folder."""
    url = os.environ.get(DATABASE_URL_ENV) or configured
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base_dir / url[len(prefix):]).resolve())
    return url


def not_a_folder(folder: Path) -> Path | None:
    """What stands where ``folder`` (or one of its parents) should be a folder: a file, a device (/dev/null),
    a FIFO. Missing folders are fine (they are made when needed)."""
    for candidate in (folder, *folder.parents):
        try:
            if candidate.exists():
                return None if candidate.is_dir() else candidate
            if candidate.is_symlink():  # a dangling link: nothing can be made through it
                return candidate
        except PermissionError:  # a folder above it this user cannot enter: said when loa writes there
            return None
    return None


def summary_of(config: Config) -> ConfigSummary:
    document = config.document
    return ConfigSummary(
        config_dir=str(config.config_dir), configured_state=document.paths.state,
        configured_url=document.database.url, busy_timeout_seconds=document.database.busy_timeout_seconds,
        timezone=document.defaults.timezone,
        channel_names=list(config.channels),
        render_folders={key: value for key in RENDER_FOLDERS if (value := getattr(document.render, key)) is not None})


def _rules_stamp() -> list[list[int]]:
    root = Path(__file__).resolve().parent.parent
    files = [root / name for name in RULES] + sorted((root / "scheduler" / "publishers").glob("*.py"))
    return [[(info := file.stat()).st_size, info.st_mtime_ns] for file in files]


def _cache_file(path: Path) -> Path:
    """One file per config.toml, named by a hash of its path (FNV-1a: no module to import; a clash only means the
    file holds another path's summary, which is then not used)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "loa"
    number = 0xCBF29CE484222325
    for byte in os.fsencode(path):
        number = ((number ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return folder / f"config-{number:016x}.json"


def read_config_text(path: Path) -> str | None:
    """The text of config.toml, or None when it cannot be read as such (the full load says why)."""
    from loa.posts.errors import UserError
    from loa.posts.files import read_regular

    try:
        return read_regular(path, limit=MAX_CONFIG_BYTES).decode("utf-8")
    except (OSError, UserError, UnicodeError):
        return None


def cached_summary(path: Path) -> ConfigSummary | None:
    """The summary of ``path`` kept when it last loaded whole, if its text is still the same; else None."""
    try:
        resolved = path.resolve()
        entry = json.loads(_cache_file(resolved).read_bytes())
        if entry.get("path") != str(resolved) or entry.get("rules") != _rules_stamp():
            return None
        text = read_config_text(resolved)
        if text is None or entry.get("text") != text:
            return None
        summary = ConfigSummary(**entry["summary"])
    except (OSError, RuntimeError, ValueError, TypeError, KeyError, AttributeError):
        return None
    state = state_folder(Path(summary.config_dir), summary.configured_state)
    if state is not None and not_a_folder(state) is not None:
        return None
    if any(not_a_folder(summary.render_folder(key)) is not None for key in summary.render_folders):
        return None  # the full load says which, and where in the file
    return summary


def remember(path: Path, text: str, config: Config) -> None:
    """Keep the summary of ``config``, loaded whole from ``path`` whose text was ``text`` (skipped quietly when
    the cache folder cannot be written, or a channel's settings come from a plugin)."""
    from .config import ChannelSettings

    if any(type(channel) is ChannelSettings or not type(channel).__module__.startswith("loa.scheduler.")
           for channel in config.channels.values()):
        return  # a plugin's channel: validated each time (the plugin may be upgraded or removed)
    try:
        resolved = path.resolve()
        target = _cache_file(resolved)
        entry: dict[str, Any] = {"path": str(resolved), "rules": _rules_stamp(), "text": text,
                                 "summary": asdict(summary_of(config))}
        try:
            if json.loads(target.read_bytes()) == entry:
                return
        except (OSError, ValueError):
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home, a read-only one: every command validates, as before
        return
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        # private to its owner, as config.toml may be (it holds no secret: those are refused)
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False))
        os.replace(temporary, target)  # whole or not at all
        kept = sorted(target.parent.glob("config-*.json"), key=lambda file: file.stat().st_mtime, reverse=True)
        for old in kept[KEPT_SUMMARIES:]:
            old.unlink(missing_ok=True)
    except OSError:
        temporary.unlink(missing_ok=True)
