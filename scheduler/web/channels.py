"""Channels (``/channels``): each channel's adapter and target, whether its secrets are set (never their values),
whether it is paused and why, and "check now" (the check of ``loa channels check``, which also resumes it)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template

from loa.posts.errors import UserError

from . import workspace
from .auth import require_role

blueprint = Blueprint("channels", __name__)


def _page(checked: Any = None, status: int = 200) -> Any:
    from loa.scheduler.channel_health import channel_rows
    from loa.scheduler.status import daemon_status

    ws = workspace()
    paused = {p["channel"]: p for p in daemon_status(ws.database, ws.config)["paused"]}
    rows = channel_rows(ws.config)
    for row in rows:
        row["paused"] = paused.get(row["name"])
    return render_template("channels.html", rows=rows, checked=checked), status


@blueprint.route("/channels")
def index() -> Any:
    return _page()


@blueprint.route("/channels/<name>/check", methods=["POST"])
@require_role("approver")
def check(name: str) -> Any:
    from loa.scheduler.channel_health import check_channel

    ws = workspace()
    if name not in ws.config.channels:
        abort(404)
    try:
        result = check_channel(ws.config, name, ws.database)
    except UserError as exc:  # a setting the adapter refuses: shown like a failed check
        from loa.scheduler.channel_health import CheckResult

        result = CheckResult(name, False, str(exc))
    return _page(checked=result, status=200 if result.ok else 422)
