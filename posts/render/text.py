"""Texts per channel from Jinja2 templates, in a sandbox: campaign files and templates come from users.

HTML templates (``*.html.j2``, the portal) autoescape: a title like ``<script>`` arrives as text. Plain-text
templates (``*.txt.j2``, social channels) are neither escaped nor HTML. Undefined variables are errors, so a typo
in a template is caught when the post is queued, not when it is sent.
"""
from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import (ChoiceLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError,
                    UndefinedError, pass_eval_context, select_autoescape)
from jinja2.sandbox import SecurityError
from markupsafe import Markup, escape

from ..errors import UserError
from ..i18n import t
from .links import measured_length
from .sandbox import BoundedSandbox, RootedLoader, TemplateLimitError, TemplateOutsideError, stream_bounded

BUILTIN_TEMPLATES = resources.files("loa.assets") / "templates"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@dataclass(frozen=True)
class ChannelKind:
    name: str
    format: str  # "html" or "text"
    default_template: str
    banner_size: str
    limits: dict[str, int]
    photo: dict[str, int] = field(default_factory=dict)  # a post's photos: long_side (pixels), max_bytes

    @property
    def extension(self) -> str:
        return "html" if self.format == "html" else "txt"


@cache
def channel_kinds() -> dict[str, ChannelKind]:
    data = tomllib.loads((resources.files("loa.assets") / "channel_kinds.toml").read_text(encoding="utf-8"))
    return {name: ChannelKind(name=name, **spec) for name, spec in data.items()}


def ngay(value: dt.date | dt.datetime) -> str:
    """``ngày 01 tháng 10 năm 2024``: days below 10 and months 1–2 zero-padded (Decree 30/2020)."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def thu(value: dt.date | dt.datetime) -> str:
    return WEEKDAYS[value.weekday()]


def ddmmyyyy(value: dt.date | dt.datetime) -> str:
    return f"{value:%d/%m/%Y}"


def gio(value: dt.datetime) -> str:
    return f"{value:%H:%M}"


@pass_eval_context
def paragraphs(eval_ctx: Any, value: str) -> str:
    """Blank-line separated paragraphs as ``<p>``; line breaks inside as ``<br>``. Plain text stays as it is."""
    if not eval_ctx.autoescape:
        return value
    return text_as_html(str(value))


def text_as_html(value: str) -> Markup:
    """Plain text as escaped HTML paragraphs: whatever it contains (``<img onerror=…>``) arrives as text."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", value.strip()) if p.strip()]
    return Markup("\n".join(f"<p>{escape(part).replace(chr(10), Markup('<br>'))}</p>" for part in parts))


class TextRenderer:
    def __init__(self, user_folder: Path | None = None) -> None:
        folders = [Path(user_folder)] if user_folder else []
        folders.append(Path(str(BUILTIN_TEMPLATES)))
        # Immutable: a template cannot append to the campaign's hashtags or change the organisation for the next
        # post either. Bounded: no operation builds a huge number or string (see sandbox.py).
        self.env = BoundedSandbox(
            loader=ChoiceLoader([RootedLoader(folder) for folder in folders]),
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            auto_reload=False,  # templates do not change while loa runs: no stat() per render
        )
        self.env.filters.update(ngay=ngay, thu=thu, ddmmyyyy=ddmmyyyy, gio=gio, paragraphs=paragraphs)
        self.env.wrap_filters()

    def template_name(self, kind: ChannelKind, name: str | None) -> str:
        return f"{kind.name}/{name or kind.default_template}.{kind.extension}.j2"

    def template_names(self, kind: ChannelKind) -> list[str]:
        """The names a post may give as ``template`` for this kind of channel (``ngan`` for facebook/ngan.txt.j2)."""
        suffix = f".{kind.extension}.j2"
        try:
            found = self.env.list_templates()
        except (OSError, TemplateError):  # an unreadable folder: no list, the error still names the template
            return []
        return sorted({name[len(kind.name) + 1:-len(suffix)] for name in found
                       if name.startswith(f"{kind.name}/") and name.endswith(suffix) and "/" not in
                       name[len(kind.name) + 1:]})

    def has_template(self, kind: ChannelKind, name: str) -> bool:
        try:
            self.env.get_template(self.template_name(kind, name))
            return True
        except TemplateNotFound:
            return False
        except TemplateOutsideError as exc:
            raise _outside_error(exc, self.template_name(kind, name)) from None
        except TemplateError as exc:
            raise _template_error(exc, self.template_name(kind, name)) from None

    def render(self, kind: ChannelKind, name: str | None, context: dict[str, Any]) -> str:
        template_name = self.template_name(kind, name)
        try:
            # streamed, so output that grows past the limit stops there instead of filling the memory
            text = stream_bounded(self.env.get_template(template_name).generate(context))
        except TemplateNotFound as exc:  # the template itself, or one it includes
            where = template_name if exc.name != template_name else None
            raise UserError(t("err.unknown_template", template=exc.name), where=where) from None
        except TemplateOutsideError as exc:
            raise _outside_error(exc, template_name) from None
        except (MemoryError, RecursionError) as exc:  # whatever the bounds did not foresee: still the template's
            raise _template_error(TemplateLimitError(type(exc).__name__), template_name) from None
        except (TemplateError, SecurityError) as exc:
            raise _template_error(exc, template_name) from None
        except Exception as exc:  # noqa: BLE001 - {{ 1/0 }}, a filter given the wrong value: the template's fault
            raise _template_error(exc, template_name) from None
        return unicodedata.normalize("NFC", text.strip()) + "\n"


def _outside_error(exc: TemplateOutsideError, template_name: str) -> UserError:
    where = template_name if exc.name != template_name else None
    return UserError(t("template_limits.outside", template=exc.name), where=where)


def _template_error(exc: Exception, template_name: str) -> UserError:
    line = getattr(exc, "lineno", None) or _template_line(template_name)
    where = f"{template_name}:{line}" if line else template_name
    if isinstance(exc, TemplateLimitError):
        return UserError(t("template_limits.refused", message=exc), where=where)
    if isinstance(exc, SecurityError) or "unsafe" in str(exc):
        return UserError(t("err.template_unsafe", message=exc), where=where)
    if isinstance(exc, TemplateSyntaxError):
        return UserError(t("err.template_syntax", message=exc.message), where=where)
    if isinstance(exc, UndefinedError):
        return UserError(t("err.template_undefined", message=exc), where=where)
    return UserError(t("err.template_failed", message=f"{type(exc).__name__}: {exc}"), where=where)


def _template_line(template_name: str) -> int | None:
    """The template line of a runtime error: Jinja puts template frames into the traceback."""
    tb = sys.exc_info()[2]
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(template_name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def check_limits(kind: ChannelKind, *, title: str, text: str, with_banner: bool, where: str) -> None:
    """Per-channel length limits, checked when the post is queued: the message names channel, limit, length."""
    # a link still to come (see links.py) counts as the room a link takes, not as its placeholder
    measured = {"title": len(title),
                ("caption" if with_banner and "caption" in kind.limits else "text"): measured_length(text)}
    for field, length in measured.items():
        limit = kind.limits.get(field)
        if limit is not None and length > limit:
            raise UserError(t("err.too_long", channel=kind.name, field=field, limit=f"{limit:,}",
                              length=f"{length:,}"), where=where)
