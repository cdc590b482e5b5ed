"""``dry-run``: sends nothing; records what would have gone out and returns a synthetic id.

The shipped config's ``facebook`` channel uses it until a Page token is configured, so a demo shows exactly what
would be posted: the text, and each image's name, size and sha256 (never the bytes, never a secret).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loa.posts.errors import UserError
from loa.posts.files import clean_stale_temporaries, write_atomically
from loa.posts.i18n import t

from . import LOCAL_CHANNEL, ChannelHealth, Metrics, Outgoing, PermanentError, Published, Publisher, folder_problem, \
    target_unavailable


class DryRunPublisher(Publisher):
    adapter = "dry-run"
    supports = frozenset({"update", "delete"})

    def __init__(self, channel: str, settings: Any, *, base_dir: Path) -> None:
        super().__init__(channel, settings, base_dir=base_dir)
        if self.folder is not None:
            clean_stale_temporaries(self.folder)  # what a killed process was writing

    @property
    def folder(self) -> Path | None:
        path = getattr(self.settings, "path", None)
        return (self.base_dir / path).resolve() if path else None

    def request(self, outgoing: Outgoing) -> dict[str, Any]:
        """The request, as data: what a real adapter would send for this delivery."""
        return {
            "channel": self.channel, "delivery": outgoing.delivery_id, "post": outgoing.post_id,
            "slug": outgoing.slug, "title": outgoing.title, "text": outgoing.text,
            "publish_at": outgoing.publish_at.isoformat(),
            "images": [{"name": b.name, "size": b.path.stat().st_size, "sha256": b.sha256} for b in outgoing.banners],
            "photos": [{"name": p.name, "size": p.path.stat().st_size, "sha256": p.sha256} for p in outgoing.photos],
        }

    def _record(self, outgoing: Outgoing) -> Path | None:
        return self.folder / f"{outgoing.slug}.json" if self.folder else None

    def publish(self, outgoing: Outgoing) -> Published:
        return self._write(outgoing, self.request(outgoing))

    def update(self, outgoing: Outgoing, remote_id: str) -> Published:
        """Recorded like a publication (its own record), naming the post it would change."""
        return self._write(outgoing, {**self.request(outgoing), "action": "update", "remote_id": remote_id})

    def delete(self, outgoing: Outgoing, remote_id: str) -> None:
        """Recorded: which post it would take down; no text."""
        self._write(outgoing, {"channel": self.channel, "delivery": outgoing.delivery_id, "post": outgoing.post_id,
                               "slug": outgoing.slug, "action": "delete", "remote_id": remote_id})

    def _write(self, outgoing: Outgoing, request: dict[str, Any]) -> Published:
        record = self._record(outgoing)
        if record is not None:
            data = json.dumps(request, ensure_ascii=False, indent=2).encode()
            try:
                write_atomically(record, data, make_parents=True)
            except OSError as exc:  # a full or read-only folder pauses the channel
                unavailable = target_unavailable(exc, record.parent)
                if unavailable is None:
                    raise
                raise unavailable from None
            except UserError as exc:  # not a regular file where the record goes
                raise PermanentError(str(exc)) from None
        return Published(remote_id=f"dry-run:{outgoing.slug}", permalink=record.as_uri() if record else None,
                         detail={"request": request})

    def find_existing(self, outgoing: Outgoing) -> Published | None:
        record = self._record(outgoing)
        if record is not None and record.exists():
            return Published(remote_id=f"dry-run:{outgoing.slug}", permalink=record.as_uri())
        return None

    def metrics(self, remote_id: str) -> Metrics:
        return Metrics.none(LOCAL_CHANNEL)  # nobody reacts to a local file: unavailable, never zero

    def check(self) -> ChannelHealth:
        where = str(self.folder) if self.folder else "-"
        problem = folder_problem(self.folder) if self.folder else None
        if problem:
            return ChannelHealth(False, problem)
        return ChannelHealth(True, t("check.dry_run_ok", path=where), account="dry-run")
