"""The HTTP session every platform adapter sends through: requests' own, reading its environment once per host.

requests looks at the environment on every call (the proxy variables, each entry of ``os.environ`` decoded, then
the CA-bundle variables): about a third of the client's cost of a call to a local server. A publisher lives as long
as the daemon and talks to one or two hosts, so the answer is kept per host (scheme, host, port) and per call
settings; what it means (proxies, ``no_proxy``, ``REQUESTS_CA_BUNDLE``) is exactly requests' own.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests


class PlatformSession(requests.Session):
    def __init__(self, user_agent: str | None = None) -> None:
        super().__init__()
        if user_agent:
            self.headers["User-Agent"] = user_agent
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict[str, Any]:
        if not self.trust_env or proxies:  # a call with proxies of its own: merged afresh, as requests does
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, stream, verify, tuple(cert) if isinstance(cert, list) else cert)
        settings = self._environment.get(key)
        if settings is None:
            settings = self._environment[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        return {**settings, "proxies": dict(settings["proxies"])}  # the caller's to change
