"""config.toml: where the database is, the default timezone, the organisation, and the channels.

Found via ``--config PATH``, then ``LOA_CONFIG``, then ``./config.toml``. Unknown keys and wrong types are errors.
Secrets are never in this file: channels name the environment variable that holds them (``token_env``).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator

from loa.posts.errors import UserError
from loa.posts.files import write_new_file
from loa.posts.i18n import t
from loa.posts.plain_text import check_document
from loa.posts.times import zone
from loa.posts.suggest import unknown_name
from loa.posts.wording import field_label
from loa.posts.tomlfile import located_error, place_of, read_toml, validate

from .channel_settings import (  # noqa: F401 - re-exported: publishers and tests import them from here
    BUILTIN_SETTINGS, DEFAULT_KINDS, ENV_NAME, MAX_DISPLAY_NAME, ChannelKindName, ChannelSettings, DryRunChannel, EnvName,
    FacebookChannel, SiteUrl, StaticSiteChannel, WordPressChannel, check_display_name, known_adapters, settings_model)
from .channel_settings import Section as _Section
from .config_summary import find_config  # noqa: F401 - re-exported
from .config_summary import STATE_DIR_ENV, STATE_FOLDERS, data_folder, not_a_folder, resolved_database_url, state_folder

SECRET_KEYS = {"token", "password", "secret", "app_password", "access_token", "api_key", "key"}
CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,49}$")


class PathsSection(_Section):
    # where loa keeps what it writes (database, media, site, dry-run): relative paths of those resolve against it,
    # not against this file's folder (on a server: /var/lib/loa, writable, while /etc/loa is not)
    state: Annotated[str, Field(min_length=1)] | None = None


class DatabaseSection(_Section):
    url: str = "sqlite:///var/loa.db"
    # SQLite: how long a write waits for another process's lock before it gives up (and is tried again)
    busy_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 30

    @field_validator("url")
    @classmethod
    def no_password(cls, value: str) -> str:
        """No secret in the file: neither ``user:password@`` nor ``?password=`` (libpq reads both)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from loa.posts.db import secret_parts

        if re.match(r"^[a-z0-9+]+://[^/@]*:[^/@]*@", value):
            raise ValueError(t("err.password_in_url"))
        try:
            parsed = make_url(value)
        except (ArgumentError, ValueError):
            return value  # refused, without echoing it, when the database is opened
        if secret_parts(parsed):
            raise ValueError(t("err.password_in_url"))
        return value


class DefaultsSection(_Section):
    timezone: str = "Asia/Ho_Chi_Minh"

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            zone(value)
        except UserError:
            raise ValueError(t("err.unknown_timezone", timezone=value)) from None
        return value


class OrganizationSection(_Section):
    parent_agency: str = ""
    agency: str = ""
    place: str = ""
    signer_name: str = ""
    signer_title: str = ""
    document_code: str = ""  # e.g. "SKHCN", for "Số: .../BC-SKHCN"
    recipients: list[str] = []  # the report's "Nơi nhận:" lines, before "Lưu: VT, …."


class RenderSection(_Section):
    theme: str = "khuyen-hoc"  # banner theme of campaigns that name none
    themes: str | None = None  # a folder of your own themes (NAME/theme.toml), relative to this file
    templates: str | None = None  # a folder of your own text templates (KIND/NAME.txt.j2), relative to this file
    media: str = "var/media"  # where banner and photo files are kept, relative to [paths] state, else this file
    # a post's photo file as given (--image, images = [...]): larger ones are refused before anything is read
    max_image_mb: Annotated[float, Field(gt=0, le=200)] = 15


DAY, WEEK = 86_400, 7 * 86_400  # in seconds
Seconds = Annotated[float, Field(gt=0, le=DAY)]  # sane ranges: larger values are typos, and overflow timers
Minutes = Annotated[float, Field(gt=0, le=WEEK // 60)]


class DaemonSection(_Section):
    """How ``loa run`` paces, retries and recovers. Defaults suit a real office; tests shorten them."""

    grace_minutes: Annotated[float, Field(ge=0, le=WEEK // 60)] = 360  # overdue by more than this after downtime
    spacing_seconds: Annotated[float, Field(ge=0, le=DAY)] = 120  # minimum gap between overdue sends on a channel
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 6  # transient failures before a delivery fails
    retry_base_seconds: Seconds = 30  # first retry after about this; doubled each attempt, with jitter
    retry_max_seconds: Annotated[float, Field(gt=0, le=WEEK)] = 3600
    lease_seconds: Seconds = 600  # longer than any send: an expired lease means its owner died mid-send
    # on SIGTERM, the least time in-flight sends get to finish: each gets its channel's timeout + 5 s if longer
    shutdown_seconds: Seconds = 30
    sweep_seconds: Annotated[float, Field(gt=0, le=3600)] = 1  # how often the queue is looked at
    heartbeat_seconds: Annotated[float, Field(gt=0, le=3600)] = 10
    health_minutes: Minutes = 15  # channel checks; a paused channel resumes when its check passes
    metrics_minutes: Minutes = 5  # how often engagement figures that fell due (+1 h, +24 h, +7 days) are read
    # a draft due within this many hours (or overdue) is in `loa status` and the daemon's log: it would not go out
    approval_warning_hours: Annotated[float, Field(ge=0, le=WEEK // 3600 * 4)] = 24


class WebSection(_Section):
    """``loa web``: the browser workspace."""

    host: str = "127.0.0.1"  # only this machine by default; a department server puts a reverse proxy in front
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    base_url: SiteUrl | None = None  # the address people use (https://… makes the session cookie Secure)
    secret_key_file: str = "var/web-secret.key"  # created 0600 on first start, relative to this file
    approver_must_differ: bool = False  # true: nobody approves a post they wrote or last changed
    # the environment variable holding the bearer token a Prometheus scraper sends to /metrics (else: signed in only)
    metrics_token_env: EnvName | None = None


class DraftSection(_Section):
    """``loa campaign draft``: when the proposed week's posts go out, how many a day, on which channels."""

    times: Annotated[list[str], Field(min_length=1, max_length=24)] = ["07:30", "19:30"]
    per_day: Annotated[int, Field(ge=1, le=24)] = 1  # posts a day on each channel, at times[0..per_day-1]
    channels: list[str] | None = None  # None: every channel of this file

    @field_validator("times")
    @classmethod
    def clock_times(cls, value: list[str]) -> list[str]:
        """Written as people write them ("8h30"); kept as "08:30", the form a campaign file's ``time`` takes."""
        from loa.posts.times import parse_clock

        try:
            return [f"{parse_clock(text):%H:%M}" for text in value]
        except UserError as exc:
            raise ValueError(str(exc)) from None


class SecretsSection(_Section):
    """The service's environment file (KEY=VALUE lines), read by commands that need a secret: scheduler/secrets_file.py."""

    file: Annotated[str, Field(min_length=1)] | None = None  # relative to this file; e.g. "/etc/loa/secrets.env"


class ConfigDocument(_Section):
    paths: PathsSection = PathsSection()
    database: DatabaseSection = DatabaseSection()
    secrets: SecretsSection = SecretsSection()
    web: WebSection = WebSection()
    daemon: DaemonSection = DaemonSection()
    render: RenderSection = RenderSection()
    defaults: DefaultsSection = DefaultsSection()
    organization: OrganizationSection = OrganizationSection()
    draft: DraftSection = DraftSection()
    channels: dict[str, dict[str, Any]] = {}  # each validated by its adapter's settings (see load_config)


@dataclass
class Config:
    path: Path
    document: ConfigDocument

    @property
    def config_dir(self) -> Path:
        """The config file's folder: its own inputs (themes, templates, a recipient list) are relative to it."""
        return self.path.parent

    @property
    def state_dir(self) -> Path | None:
        """``$LOA_STATE_DIR``, else ``[paths] state``, else None."""
        return state_folder(self.config_dir, self.document.paths.state)

    @property
    def base_dir(self) -> Path:
        """Where relative paths of what loa writes resolve (database, media, site, dry-run, reports): the state
        folder when there is one, else the config file's folder."""
        return data_folder(self.config_dir, self.document.paths.state)

    @property
    def timezone(self) -> str:
        return self.document.defaults.timezone

    channels: dict[str, ChannelSettings] = field(default_factory=dict)
    secrets_read: bool = field(default=False, repr=False, compare=False)  # the secrets file was read (once)

    @property
    def secrets_file(self) -> Path | None:
        """``[secrets] file``, relative to this file's folder (never the state folder); None when none is named."""
        return self.input_path_of(self.document.secrets.file)

    @property
    def channel_names(self) -> list[str]:
        return list(self.channels)

    @property
    def after(self) -> dict[str, str]:
        """Channel order from config.toml: channel -> the channel of the same post it waits for."""
        return {name: settings.after for name, settings in self.channels.items() if settings.after}

    def where_of(self, loc: tuple[str, ...]) -> str:
        """``config.toml:31: [render]: giao diện``: how an error names a key of this file (its line, best effort)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            text = ""
        where, subject = place_of(self.path, text, loc)
        return f"{where}: {subject}" if subject else where

    def path_of(self, value: str | None) -> Path | None:
        """A path of something loa writes, from the config: relative to the state folder, else the config file."""
        return None if value is None else (self.base_dir / value).resolve()

    def input_path_of(self, value: str | None) -> Path | None:
        """A path of something loa only reads (themes, templates), from the config: relative to the config file."""
        return None if value is None else (self.config_dir / value).resolve()

    @property
    def database_url(self) -> str:
        """The database URL; a relative SQLite path is taken relative to the state folder, else the config file,
        never the working folder."""
        return resolved_database_url(self.base_dir, self.document.database.url)


def config_template() -> str:
    return (resources.files("loa.assets") / "config.toml").read_text(encoding="utf-8")


def write_default_config(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # written whole in a temp file, then linked into place: never half a config, never over one someone wrote
    # (os.link raises FileExistsError as open(..., "x") did)
    write_new_file(path, config_template().encode())


def load_config(path: Path) -> Config:
    if not path.exists():
        raise UserError(t("err.config_missing"), where=str(path))
    text, data = read_toml(path)
    check_document(data, path, text)
    channels = data.get("channels")
    if isinstance(channels, dict):
        for name, settings in channels.items():
            if not CHANNEL_NAME.match(name):
                raise located_error(path, text, ("channels", name), t("err.channel_name", name=name))
            if isinstance(settings, dict):
                for key in settings:
                    if key.lower() in SECRET_KEYS:
                        raise located_error(path, text, ("channels", name, key), t("err.secret_in_config"))
    document: ConfigDocument = validate(ConfigDocument, data, path, text)
    channels: dict[str, ChannelSettings] = {}
    for name, raw in document.channels.items():
        adapter = raw.get("adapter")
        if not isinstance(adapter, str):
            raise located_error(path, text, ("channels", name),
                                t("wording.missing", field=f"{field_label('adapter')} (adapter)"), names_field=True)
        model = settings_model(adapter)
        if model is None:
            raise located_error(path, text, ("channels", name, "adapter"),
                                t("wording.not_one_of", field=field_label("adapter"), value=f'"{adapter}"')
                                + unknown_name(adapter, known_adapters()), names_field=True)
        channels[name] = validate(model, raw, path, text, prefix=("channels", name))
    for name, channel in channels.items():
        if channel.after is not None and channel.after not in channels:
            raise located_error(path, text, ("channels", name, "after"),
                                t("wording.unknown_channel", channel=channel.after,
                                  known=unknown_name(channel.after, channels, channels=True)))
        chain, step = [name], channel.after
        while step is not None:  # portal -> facebook -> portal would wait forever
            if step in chain:
                raise located_error(path, text, ("channels", name, "after"),
                                    t("err.after_cycle", chain=" → ".join([*chain, step])))
            chain.append(step)
            step = channels[step].after
    _check_distinct_names(path, text, channels)
    _check_draft(path, text, document.draft, channels)
    # loa's own folders; a channel's target folder is the channel's problem (it fails or pauses when sending),
    # so one broken channel does not stop every command
    state = state_folder(path.parent, document.paths.state)
    if state is not None and (blocker := not_a_folder(state)) is not None:
        if os.environ.get(STATE_DIR_ENV):
            raise UserError(t("input.not_a_folder", path=blocker), where=STATE_DIR_ENV)
        raise located_error(path, text, ("paths", "state"), t("input.not_a_folder", path=blocker))
    for key in ("media", "themes", "templates"):
        value = getattr(document.render, key)
        base = (state or path.parent) if key in STATE_FOLDERS else path.parent
        if isinstance(value, str) and (blocker := not_a_folder(base / value)) is not None:
            raise located_error(path, text, ("render", key), t("input.not_a_folder", path=blocker))
    return Config(path=path.resolve(), document=document, channels=channels)


def _check_distinct_names(path: Path, text: str, channels: dict[str, ChannelSettings]) -> None:
    """Two channels read the same in a report would have their figures taken for one channel's."""
    seen: dict[str, str] = {}
    for name, channel in channels.items():
        if channel.display_name is None:
            continue
        other = seen.setdefault(channel.display_name.casefold(), name)
        if other != name:
            raise located_error(path, text, ("channels", name, "display_name"),
                                t("names.err_duplicate", name=channel.display_name, other=other))


def _check_draft(path: Path, text: str, draft: DraftSection, channels: dict[str, ChannelSettings]) -> None:
    """[draft]: n posts a day need n times; its channels must be this file's."""
    if draft.per_day > len(draft.times):
        raise located_error(path, text, ("draft", "times"),
                            t("plan_draft.err_times", per_day=draft.per_day, count=len(draft.times)))
    for name in draft.channels or []:
        if name not in channels:
            raise located_error(path, text, ("draft", "channels"),
                                t("wording.unknown_channel", channel=name,
                                  known=unknown_name(name, channels, channels=True)))
