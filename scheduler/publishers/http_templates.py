"""The request templates of the ``http`` adapter: Jinja2 in loa's bounded sandbox, a small JSON path, and redaction.

The templates come from config.toml (an administrator's file) but run with the posts' values, so they get the same
sandbox as the posts' own text templates (``posts.render.sandbox``): no attribute escapes, no ``{% include %}`` of a
file (there is no loader at all), no operation that builds a huge value. Undefined names are errors, so a typo in
``{{ post.titel }}`` is found when the config is read, not by a portal receiving an empty title.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, Template, Undefined, pass_eval_context
from jinja2.exceptions import SecurityError, TemplateError

from loa.posts.i18n import t
from loa.posts.render.sandbox import BoundedSandbox, stream_bounded

REDACTED = "***"
# A sample post for checking templates: quotes, a backslash, <, & and Vietnamese, so a JSON body that inserts a value
# without ``tojson`` fails the check before any real post goes out.
SAMPLE_POST = {"title": 'Thông báo "khẩn" <số 1> & hướng dẫn \\ mới', "text": "Nội dung\n\"thử\" <b>&</b>",
               "slug": "loa-kiem-tra-0", "publish_at": "2031-10-01T08:00:00+07:00", "timestamp": 1948928400, "id": 1}
SAMPLE_CAMPAIGN = {"slug": "kiem-tra", "name": "Chiến dịch kiểm tra"}


class RequestTemplateError(ValueError):
    """A template that cannot work: its syntax, an unknown name, a refused operation, a body that is not JSON."""


@cache
def environment() -> BoundedSandbox:
    """One sandbox for every request template, with the filters posts' templates have (ngay, gio...)."""
    from loa.posts.render.text import ddmmyyyy, gio, ngay, paragraphs, thu

    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(ngay=ngay, thu=thu, ddmmyyyy=ddmmyyyy, gio=gio, paragraphs=paragraphs)
    plain_tojson = env.filters["tojson"]

    @pass_eval_context
    def tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
        if isinstance(value, Undefined):  # name the unknown value, not "StrictUndefined is not JSON serializable"
            value._fail_with_undefined_error()
        return plain_tojson(eval_ctx, value, indent)

    env.filters["tojson"] = tojson
    # Vietnamese stays readable in the body; tojson still escapes <, >, & and ' (valid JSON either way)
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.wrap_filters()
    return env


@cache
def compiled(source: str) -> Template:
    try:
        return environment().from_string(source)
    except TemplateError as exc:
        raise RequestTemplateError(t("http_channel.template_syntax", error=getattr(exc, "message", None) or exc)) \
            from None


def render(source: str, context: dict[str, Any]) -> str:
    """``source`` rendered with ``context``; any failure of the template is a ``RequestTemplateError``."""
    template = compiled(source)
    try:
        return stream_bounded(template.generate(context))
    except SecurityError as exc:
        raise RequestTemplateError(t("http_channel.template_unsafe", error=exc)) from None
    except (MemoryError, RecursionError) as exc:
        raise RequestTemplateError(t("http_channel.template_failed", error=type(exc).__name__)) from None
    except TemplateError as exc:
        raise RequestTemplateError(t("http_channel.template_failed", error=getattr(exc, "message", None) or exc)) \
            from None
    except Exception as exc:  # noqa: BLE001 - {{ 1/0 }}, a filter given the wrong value: the template's fault
        raise RequestTemplateError(t("http_channel.template_failed", error=f"{type(exc).__name__}: {exc}")) \
            from None


def render_json(source: str, context: dict[str, Any]) -> Any:
    text = render(source, context)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise RequestTemplateError(t("http_channel.body_not_json", error=exc)) from None


def sample_context(secret_names: Iterable[str]) -> dict[str, Any]:
    """What a template sees when the config is checked: a sample post, and placeholders for the secrets."""
    return {"post": dict(SAMPLE_POST), "campaign": dict(SAMPLE_CAMPAIGN), "banner_url": "https://example.invalid/b.png",
            "secrets": {name: "sample-secret" for name in secret_names}, "remote_id": "12345",
            "permalink": "https://example.invalid/tin-tuc/12345"}


# -- a small JSON path: data.id, result[0].link, items[-1].url ---------------------------------------------------
_NAME = r"[A-Za-z0-9_$@:-]+"
_PATH = re.compile(rf"(?:{_NAME}|\[-?\d+\])(?:\.{_NAME}|\[-?\d+\])*")
_STEP = re.compile(rf"({_NAME})|\[(-?\d+)\]")


def parse_path(path: str) -> tuple[str | int, ...]:
    """``data.items[0].id`` as its steps; a path outside this small grammar is a ``ValueError``."""
    if not _PATH.fullmatch(path):
        raise ValueError(t("http_channel.bad_path", path=path))
    return tuple(name if name else int(index) for name, index in _STEP.findall(path))


MISSING = object()


def get_path(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``, or ``MISSING``. An empty path is the whole answer."""
    if not path:
        return data
    node = data
    for step in parse_path(path):
        if isinstance(step, int) and isinstance(node, list) and -len(node) <= step < len(node):
            node = node[step]
        elif isinstance(step, str) and isinstance(node, dict) and step in node:
            node = node[step]
        else:
            return MISSING
    return node


def as_text(value: Any) -> str | None:
    """An id or link from an answer as text: numbers and strings; nothing else (a table is no id)."""
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    if isinstance(value, (int, float, str)):
        text = str(value).strip()
        return text or None
    return None


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value (and its URL-encoded form) replaced by ***."""
    from urllib.parse import quote, quote_plus

    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, REDACTED)
    return text


def iso(value: dt.datetime) -> str:
    return value.isoformat()
