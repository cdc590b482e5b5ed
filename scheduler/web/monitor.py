"""For monitors, not people: ``/healthz`` (no sign-in, no details) and ``/metrics`` (Prometheus's text format,
for a signed-in person or a scraper with the bearer token named by ``[web] metrics_token_env``).

Both are let through auth's ``before_request`` untouched (SELF_GUARDED): /healthz must answer 503, not fail, when
the database does not, and a scraper has no session. The token is read from the environment at each request and
compared in constant time; it is never logged nor echoed.
"""
from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError

from loa.posts.i18n import t
from loa.posts.models import utcnow
from loa.posts.web_sessions import session_of

from . import workspace
from .auth import COOKIE

blueprint = Blueprint("monitor", __name__)
NO_STORE = {"Cache-Control": "no-store"}


@blueprint.record_once
def _warn_of_a_missing_token(state: Any) -> None:
    """A token variable that is named but not set is said at start (once), not discovered at the first 401."""
    name = state.app.extensions["loa"].config.document.web.metrics_token_env
    if name and not os.environ.get(name):
        state.app.logger.warning(t("monitor.metrics_token_unset", name=name))


@blueprint.route("/healthz")
def healthz() -> Response:
    """200 "ok" when the database answers and a ``loa run`` process is alive (a fresh heartbeat), else 503: the
    workspace alone publishes nothing, and a post approved in it may fall due minutes later (README "Monitor")."""
    from loa.scheduler.status import running_daemons

    ws = workspace()
    try:
        with ws.database.session() as session:
            alive = any(d["alive"] for d in running_daemons(session, ws.config, now=utcnow()))
    except (SQLAlchemyError, OSError):  # unreachable, locked past the timeout, a disk error
        alive = False
    if alive:
        return Response("ok\n", 200, mimetype="text/plain", headers=NO_STORE)
    return Response("unavailable\n", 503, mimetype="text/plain", headers=NO_STORE)


def _bearer_allowed() -> bool:
    name = workspace().config.document.web.metrics_token_env
    expected = os.environ.get(name, "") if name else ""
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(sent.strip().encode("utf-8"), expected.encode("utf-8"))


@blueprint.route("/metrics")
def metrics() -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST

    from loa.scheduler.monitoring import metrics_text

    ws = workspace()
    if not _bearer_allowed() and session_of(ws.database, request.cookies.get(COOKIE)) is None:
        return Response(t("web.signed_out") + "\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="loa"', **NO_STORE})
    try:
        text = metrics_text(ws.database, ws.config)
    except (SQLAlchemyError, OSError):  # the scrape fails (Prometheus's `up` says so), without a traceback a scrape
        return Response("unavailable\n", 503, mimetype="text/plain", headers=NO_STORE)  # would log every 15 s
    return Response(text, 200, headers={"Content-Type": CONTENT_TYPE_LATEST, **NO_STORE})
