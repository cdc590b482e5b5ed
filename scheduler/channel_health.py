"""What ``loa channels list|check`` and the workspace's channels page share: each channel's settings as a person may
see them (where it sends, whether its secrets are set, never their values), the warnings its settings deserve, and
the check that also resumes a paused channel."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from loa.posts.db import Database
from loa.posts.i18n import t

from .config import ChannelSettings, Config
from .secrets_file import load_secrets



def channel_rows(config: Config) -> list[dict[str, Any]]:
    """One dict per channel: name, adapter, kind, target, and ``secrets`` {variable: set?} (values never read out;
    the secrets file counts, as it does when sending)."""
    load_secrets(config)
    rows = []
    for name, settings in config.channels.items():
        envs = settings.secret_variables()
        rows.append({"name": name, "adapter": settings.adapter, "kind": settings.channel_kind(),
                     "target": channel_target(config, settings),
                     "secrets": {env: bool(os.environ.get(env)) for env in envs}})
    return rows


def channel_target(config: Config, settings: ChannelSettings) -> str | None:
    """Where the channel sends, resolved as loa uses it: an absolute folder, a whole address (never ``var/site``,
    which reads differently from every working folder)."""
    values = vars(settings)
    if settings.adapter in ("static-site", "dry-run"):
        folder = config.path_of(values.get("path"))
        base_url = values.get("base_url")
        return f"{folder} → {base_url}" if folder and base_url else (str(folder) if folder else None)
    if settings.adapter == "facebook":
        return f"{str(values['graph_url']).rstrip('/')}/{values['api_version']}/{values['page_id']}"
    if settings.adapter == "telegram":
        return f"{str(values['api_url']).rstrip('/')} (chat {values['chat_id']})"  # the bot token is in the path
    if settings.adapter == "zalo":
        return f"{str(values['oa_url']).rstrip('/')} (app {values['app_id']})"
    if settings.adapter == "email":
        scheme = "smtps" if values.get("security") == "tls" else "smtp"
        return f"{scheme}://{values['smtp_host']}:{getattr(settings, 'effective_port', None) or values.get('port')}"
    for key in ("url", "page_id"):  # wordpress, http, and a plugin's channel
        if values.get(key):
            return str(values[key])
    path = values.get("path")
    return str(config.path_of(path)) if isinstance(path, str) and path else None


def channel_warnings(config: Config, names: list[str] | None = None) -> list[str]:
    """What a person should know about the settings of these channels (default: all), though they work: a
    WordPress password sent as Basic auth over plain http to another machine."""
    found = []
    for name in names if names is not None else list(config.channels):
        settings = config.channels.get(name)
        if settings is None or settings.adapter != "wordpress":
            continue
        url = str(vars(settings)["url"])
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_this_machine(parts.hostname or ""):
            found.append(t("secrets.plain_http", channel=name, url=url))
    return found


def is_this_machine(host: str) -> bool:
    """localhost or a loopback address (127.0.0.0/8, ::1): a plain http:// there never crosses a network."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class CheckResult:
    channel: str
    ok: bool
    message: str
    resumed: bool = False


def check_channel(config: Config, name: str, db: Database | None) -> CheckResult:
    """The channel's own health check; a channel that passes is resumed if it was paused (``db`` given)."""
    from .dispatch import publisher_for, resume_channel

    health = publisher_for(config, name, db=db).check()
    resumed = bool(health.ok and db is not None and resume_channel(db, name, message=health.message))
    return CheckResult(name, health.ok, health.message, resumed)
