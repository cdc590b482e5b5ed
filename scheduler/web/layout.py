"""What every page's layout needs: ``t()``, the signed-in user, the CSRF token, the language, and the "needs
attention" panel, built from ``scheduler.status`` (the same list as ``loa status``)."""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, Response, current_app, g, request, url_for

from loa.posts.i18n import available_languages, current_language, t

from . import workspace
from .auth import csrf_token, current_user

# the words on an item's button, by its status (the action itself is on the post's page)
ACTIONS = {"draft": "web.action_approve", "failed": "web.action_retry", "missed": "web.action_reschedule",
           "unknown": "web.action_check", "waiting": "web.action_open", "stuck": "web.action_open"}


ATTENTION_SECONDS = 10.0  # how long the panel's list is reused; a change made through the workspace clears it


class AttentionCache:
    """``daemon_status`` takes a few milliseconds on a queue of 10,000 posts (bench/web.py), but every page shows
    its list, so it is computed at most every ATTENTION_SECONDS per language (its reasons are translated), and again
    at once after a change made in the browser. A change made with the CLI shows within ATTENTION_SECONDS."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reports: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, language: str) -> dict[str, Any]:
        from loa.scheduler.status import daemon_status

        with self.lock:
            found = self.reports.get(language)
            if found is not None and time.monotonic() - found[0] < ATTENTION_SECONDS:
                return found[1]
        ws = workspace()
        report = daemon_status(ws.database, ws.config)
        with self.lock:
            self.reports[language] = (time.monotonic(), report)
        return report

    def clear(self) -> None:
        with self.lock:
            self.reports.clear()


def attention_cache() -> AttentionCache:
    return current_app.extensions["loa_attention"]


def attention() -> dict[str, Any]:
    """The ``loa status`` attention list for the panel (computed only when a page shows it)."""
    if "attention" not in g:
        report = attention_cache().get(current_language())
        items = []
        for item in report["attention"]["items"]:
            if item["post"] is not None:
                link = f"/posts/{item['post']}"
                action = t(ACTIONS.get(item["status"], "web.action_open"))
            elif item["status"] == "paused":
                link, action = "/channels", t("web.action_channels")
            else:  # no daemon running: nothing a browser can start
                link, action = None, None
            items.append({**item, "link": link, "action": action, "status_text": t(f"status.{item['status']}")})
        g.attention = {"total": report["attention"]["total"], "items": items, "daemon": report["daemon"]}
    return g.attention


def language_link(language: str) -> str:
    args = {**request.args, "lang": language}
    return url_for(request.endpoint or "home.week", **(request.view_args or {}), **args)


def channel_name(key: str | None) -> str | None:
    """``{{ d['channel']|channel_name }}``: the name people read; form values and links keep the key."""
    if not key:
        return key
    if "loa_channel_names" not in g:  # once per request: the names follow the request's language
        from loa.scheduler.channel_names import display_names

        g.loa_channel_names = display_names(workspace().config)
    return g.loa_channel_names.get(key, key)


def init_app(app: Flask) -> None:
    app.extensions["loa_attention"] = AttentionCache()

    @app.after_request
    def changed(response: Response) -> Response:
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and response.status_code < 400:
            attention_cache().clear()
        return response

    app.jinja_env.globals.update(t=t, attention=attention, csrf_token=csrf_token, language_link=language_link,
                                 available_languages=available_languages)
    app.jinja_env.filters["channel_name"] = channel_name
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def common() -> dict[str, Any]:
        return {"current_user": current_user(), "lang": current_language()}
