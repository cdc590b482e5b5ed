"""``loa web``: the officer's workspace in the browser. A thin layer: every page calls the same functions in posts/
and scheduler/ as the CLI, and shows a ``UserError`` with the same words.

``create_app(config)`` builds the Flask app; blueprints per page group register in ``_register``; templates live in
assets/web/templates/, scripts and styles (htmx vendored, no CDN) in assets/web/static/.
"""
from __future__ import annotations

import os
import secrets
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from loa.posts.db import Database
from loa.scheduler.config import Config
from loa.scheduler.project import build_renderer, open_project_database

if TYPE_CHECKING:
    from loa.posts.render.artefacts import Renderer

WEB_ASSETS = resources.files("loa.assets") / "web"


class Workspace:
    """What every request shares: the config, the database and the renderer, as the CLI builds them."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @cached_property
    def database(self) -> Database:
        return open_project_database(self.config)

    @cached_property
    def renderer(self) -> Renderer:
        return build_renderer(self.config)

    @property
    def secure_cookies(self) -> bool:
        base_url = self.config.document.web.base_url
        return base_url is not None and str(base_url).startswith("https://")


def workspace() -> Workspace:
    """The workspace of the app serving the current request."""
    return current_app.extensions["loa"]


def secret_key(config: Config) -> bytes:
    """The key signing the workspace's cookies, from ``[web] secret_key_file``; made (mode 0600) on first start."""
    path = config.path_of(config.document.web.secret_key_file)
    assert path is not None
    try:
        key = path.read_bytes().strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first (or it was too short: then it is replaced)
        existing = path.read_bytes().strip()
        if len(existing) >= 32:
            return existing
        path.unlink()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    return key


def create_app(config: Config, *, testing: bool = False) -> Flask:
    templates = Path(str(WEB_ASSETS / "templates"))
    static = Path(str(WEB_ASSETS / "static"))
    # paths given, not found: Flask cannot locate a namespace package's root (loa.scheduler.web under `loa`); loa
    # keeps nothing in an instance folder, and Flask never creates one
    here = Path(__file__).resolve().parent
    app = Flask("loa", template_folder=str(templates), static_folder=str(static), static_url_path="/static",
                root_path=str(here), instance_path=str(here / "instance"))
    ws = Workspace(config)
    ws.database  # noqa: B018 - opened now, not by two threads at once on the first requests
    app.extensions["loa"] = ws
    app.config.update(
        SECRET_KEY=secret_key(config), TESTING=testing,
        SESSION_COOKIE_NAME="loa_flask", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=ws.secure_cookies,
        MAX_CONTENT_LENGTH=round(config.document.render.max_image_mb * 1024 * 1024) * 10 + 1024 * 1024,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    _register(app)
    return app


def _register(app: Flask) -> None:
    """Hooks first, then every module of this package with a ``blueprint`` (a page group adds a file, nothing
    else: no shared list to edit)."""
    import importlib
    import pkgutil

    from . import auth, errors, layout

    auth.init_app(app)
    layout.init_app(app)
    errors.init_app(app)
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        blueprint = getattr(importlib.import_module(f"{__name__}.{module.name}"), "blueprint", None)
        if blueprint is not None:
            app.register_blueprint(blueprint)


def app_from_config_path(path: str | None) -> Flask:
    """For WSGI servers of one's own (gunicorn 'loa.scheduler.web:wsgi()'): the app of the config loa would find."""
    from loa.scheduler.config import find_config, load_config

    return create_app(load_config(find_config(path)))


def wsgi() -> Any:
    return app_from_config_path(os.environ.get("LOA_CONFIG"))
