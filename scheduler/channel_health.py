"""What ``loa channels list|check`` and the workspace's channels page share: each channel's settings as a person may
see them (whether its secrets are set, never their values), and the check that also resumes a paused channel."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from loa.posts.db import Database

from .config import Config


def channel_rows(config: Config) -> list[dict[str, Any]]:
    """One dict per channel: name, adapter, kind, target, and ``secrets`` {variable: set?} (values never read out)."""
    rows = []
    for name, settings in config.channels.items():
        envs = settings.secret_variables()
        target = next((str(getattr(settings, key)) for key in ("url", "page_id", "path")
                       if getattr(settings, key, None)), None)
        rows.append({"name": name, "adapter": settings.adapter, "kind": settings.channel_kind(), "target": target,
                     "secrets": {env: bool(os.environ.get(env)) for env in envs}})
    return rows


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
