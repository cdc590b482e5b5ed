"""The workspace under Flask's test client: a fresh project with one account per role, and sign-in helpers."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

# one account per role, with known passwords (tests/conftest.py makes them once per test session)
ACCOUNTS = {"bien-tap": "editor", "lanh-dao": "approver", "quan-tri": "admin"}
PASSWORDS = {"bien-tap": "mat-khau-bien-tap", "lanh-dao": "mat-khau-lanh-dao", "quan-tri": "mat-khau-quan-tri"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HEADER_TOKEN = re.compile(r'"X-CSRF-Token": "([^"]+)"')


def csrf(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the client's session (as the page at ``path`` carries it)."""
    page = client.get(path).get_data(as_text=True)
    found = HEADER_TOKEN.search(page) or TOKEN.search(page)
    assert found, f"no CSRF token on {path}:\n{page[:500]}"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str | None = None) -> str:
    """Sign ``name`` in through the login form; returns the session's CSRF token."""
    token = csrf(client, "/login")
    response = client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                           "csrf_token": token})
    assert response.status_code == 302, f"login of {name} failed: {response.status_code}"
    return csrf(client)


@dataclass
class Web:
    """``project`` (the loa project, as in tests/conftest.py), its ``app`` and a ``client``."""

    project: Any
    app: Flask
    client: FlaskClient

    def login(self, name: str) -> str:
        return login(self.client, name)

    def new_client(self) -> FlaskClient:
        return self.app.test_client()

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """A form POST with the session's CSRF token added."""
        return self.client.post(path, data={"csrf_token": csrf(self.client), **(data or {})}, **kwargs)


def campaign_today(project: Any, *, title: str, slug: str = "tuan-nay", name: str = "Tuần này",
                   channels: str = '"portal"') -> None:
    """A campaign of today with one post at 23:59 titled ``title`` (quoted as a TOML literal string)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    # today where the campaign is (the config's time zone): between 17:00 and 24:00 UTC, UTC's date is yesterday there
    today = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    project.write("c.toml", f"""
        [campaign]
        slug = "{slug}"
        name = "{name}"
        start = {today.isoformat()}
        end = {today.isoformat()}
        channels = [{channels}]

        [[posts]]
        day = 1
        time = "23:59"
        title = '{title}'
        body = "Nội dung."
        """)
    project.ok("campaign", "import", "c.toml")
