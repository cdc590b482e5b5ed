"""Error pages in the officer's language: 400/422 (bad input, the ``UserError`` text), 403, 404, 405, 413."""
from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from loa.posts.errors import UserError
from loa.posts.i18n import t

TITLES = {400: "web.error_400", 401: "web.error_401", 403: "web.error_403", 404: "web.error_404",
          405: "web.error_405", 413: "web.error_413", 422: "web.error_400"}


def error_page(status: int, message: str | None = None) -> tuple[str, int]:
    title = t(TITLES.get(status, "web.error_other"))
    if request.headers.get("HX-Request"):  # a fragment for htmx to show where it swaps
        return render_template("error_fragment.html", title=title, message=message), status
    return render_template("error.html", title=title, message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code)

    @app.errorhandler(UserError)
    def user_error(error: UserError) -> Any:
        # a page that shows the message beside its field catches UserError itself; this is the fallback
        return error_page(422, str(error))
