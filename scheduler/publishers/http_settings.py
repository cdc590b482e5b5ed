"""Settings of the ``http`` adapter: a portal's own HTTP API described in config.toml, no code.

Every template is compiled and rendered with a sample post when the config is read, so a syntax error, an unknown
name, a refused operation or a JSON body that is not JSON is a one-line config error naming the channel and the
setting, before anything is sent.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from loa.posts.i18n import t
from loa.scheduler.channel_settings import ChannelSettings, EnvName, Section

from . import http_templates as templates

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
Status = Annotated[int, Field(ge=100, le=599)]
DEFAULT_TRANSIENT = [408, 425, 429, 500, 502, 503, 504]
# a header by one of these names carries a credential: its value must come from ``secrets.*``, never the file
SECRET_HEADER = re.compile(r"authorization|token|key|secret|password|cookie|session", re.I)
SECRET_USE = re.compile(r"\bsecrets\s*(\.|\[)")


def _check_path(value: str | None) -> str | None:
    if value is not None:
        templates.parse_path(value)
    return value


def _check_headers(headers: dict[str, str]) -> dict[str, str]:
    for name, value in headers.items():
        if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name):
            raise ValueError(t("http_channel.bad_header_name", name=name))
        if SECRET_HEADER.search(name) and not SECRET_USE.search(value):
            raise ValueError(t("http_channel.secret_in_header", name=name))
        templates.compiled(value)
    return headers


class RequestSettings(Section):
    """One request: method, URL, headers and body, each a template."""

    method: Method = "POST"
    url: Annotated[str, Field(min_length=1)]
    headers: dict[str, str] = {}
    body_format: Literal["json", "form"] = "json"
    body: str | dict[str, str] | None = None

    @field_validator("headers")
    @classmethod
    def header_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)

    @field_validator("url")
    @classmethod
    def url_template(cls, value: str) -> str:
        templates.compiled(value)
        return value

    @field_validator("body")
    @classmethod
    def body_templates(cls, value: str | dict[str, str] | None, info: ValidationInfo) -> str | dict[str, str] | None:
        if isinstance(value, str) and info.data.get("body_format") == "form":
            raise ValueError(t("http_channel.form_needs_table"))
        for source in ([value] if isinstance(value, str) else (value or {}).values()):
            templates.compiled(source)
        return value

    def template_sources(self) -> dict[str, str]:
        """Each template by the setting it is: ``url``, ``headers.X-Token``, ``body`` or ``body.title``."""
        found = {"url": self.url, **{f"headers.{name}": value for name, value in self.headers.items()}}
        if isinstance(self.body, str):
            found["body"] = self.body
        else:
            found.update({f"body.{name}": value for name, value in (self.body or {}).items()})
        return found


class LookupSettings(RequestSettings):
    """How to find the post an earlier attempt made, by ``post.slug``: the item at ``found_path`` (absent, null or
    empty: there is none), its id and link read inside it."""

    method: Method = "GET"
    found_path: str = ""
    id_path: str = "id"
    link_path: str | None = None
    missing_status: Status | None = None  # the status the API answers for "no such post" (say 404); else an error

    @field_validator("found_path", "id_path", "link_path")
    @classmethod
    def json_paths(cls, value: str | None) -> str | None:
        return _check_path(value)


class UploadSettings(Section):
    """The banner (or first photo) sent first as a multipart upload; its URL becomes ``banner_url``."""

    url: Annotated[str, Field(min_length=1)]
    headers: dict[str, str] = {}
    field: Annotated[str, Field(min_length=1)] = "file"
    fields: dict[str, str] = {}  # more form fields, templates
    url_path: str

    @field_validator("headers")
    @classmethod
    def header_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)
    @field_validator("url_path")
    @classmethod
    def json_paths(cls, value: str | None) -> str | None:
        return _check_path(value)

    def template_sources(self) -> dict[str, str]:
        return {"url": self.url, **{f"headers.{k}": v for k, v in self.headers.items()},
                **{f"fields.{k}": v for k, v in self.fields.items()}}


class HttpChannel(ChannelSettings):
    adapter: Literal["http"]
    secrets: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvName] = {}
    method: Method = "POST"
    url: Annotated[str, Field(min_length=1)]
    headers: dict[str, str] = {}
    body_format: Literal["json", "form"] = "json"
    body: str | dict[str, str] | None = None
    id_path: str
    link_path: str | None = None
    lookup: LookupSettings | None = None
    update: RequestSettings | None = None
    delete: RequestSettings | None = None
    upload: UploadSettings | None = None
    transient_statuses: list[Status] = Field(default_factory=lambda: list(DEFAULT_TRANSIENT))
    timeout: Annotated[float, Field(gt=0, le=600)] = 30  # seconds to wait for an answer (read timeout)

    @field_validator("id_path", "link_path")
    @classmethod
    def json_paths(cls, value: str | None) -> str | None:
        return _check_path(value)
    @field_validator("headers")
    @classmethod
    def header_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_headers(value)

    def create_request(self) -> RequestSettings:
        return RequestSettings(method=self.method, url=self.url, headers=self.headers, body_format=self.body_format,
                               body=self.body)

    def secret_variables(self) -> list[str]:
        return [*super().secret_variables(), *self.secrets.values()]

    @model_validator(mode="after")
    def renders_with_a_sample_post(self) -> HttpChannel:
        """Every template rendered once with a sample post (quotes, <, &, Vietnamese): found now, not when sending."""
        context = templates.sample_context(self.secrets)
        requests: dict[str, Any] = {"": self.create_request(), "lookup.": self.lookup, "update.": self.update,
                                    "delete.": self.delete, "upload.": self.upload}
        for prefix, request in requests.items():
            if request is None:
                continue
            for name, source in request.template_sources().items():
                try:
                    templates.render(source, context)
                except templates.RequestTemplateError as exc:
                    raise ValueError(f"{prefix}{name}: {exc}") from None
            if isinstance(request, RequestSettings) and isinstance(request.body, str) \
                    and request.body_format == "json":
                try:
                    templates.render_json(request.body, context)
                except templates.RequestTemplateError as exc:
                    raise ValueError(f"{prefix}body: {exc}") from None
        return self
