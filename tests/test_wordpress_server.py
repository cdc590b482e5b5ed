"""The throw-away WordPress (tests/support/wordpress.py) the portal publisher's tests run against: its REST API
takes the application password, publishes posts, takes media uploads and refuses a wrong password."""
from __future__ import annotations

import itertools
import json
import os
import struct
import urllib.error
import urllib.request
import zlib

import pytest

from support.wordpress import WordPressServer

_slugs = itertools.count()


def call(url: str, *, method: str = "GET", authorization: str | None = None, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, object]:
    """One HTTP request; the status and the decoded JSON answer, errors included."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if authorization:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def call_json(server: WordPressServer, path: str, payload: dict, method: str = "POST") -> tuple[int, object]:
    return call(server.rest(path), method=method, authorization=server.authorization(),
                body=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})


def png(width: int = 4, height: int = 2) -> bytes:
    """A small valid RGB PNG (WordPress checks that an upload really is an image)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_rest_builds_plain_permalink_urls(wordpress):
    assert wordpress.url.startswith("http://127.0.0.1:")
    assert wordpress.rest("/wp/v2/posts") == f"{wordpress.url}/?rest_route=/wp/v2/posts"
    assert wordpress.rest("/wp/v2/posts?slug=a", status="any") == (
        f"{wordpress.url}/?rest_route=/wp/v2/posts&slug=a&status=any")


def test_the_app_password_authenticates_a_user_who_can_publish(wordpress):
    status, me = call(wordpress.rest("/wp/v2/users/me", context="edit"), authorization=wordpress.authorization())
    assert status == 200, me
    assert me["username"] == wordpress.username
    assert me["capabilities"]["publish_posts"] is True
    assert me["capabilities"]["upload_files"] is True


def test_a_published_post_can_be_read_back(wordpress):
    slug = f"tuan-le-hoc-tap-{next(_slugs)}"
    status, post = call_json(wordpress, "/wp/v2/posts", {
        "title": "Tuần lễ học tập suốt đời", "content": "<p>Khai mạc lúc 8 giờ.</p>", "status": "publish",
        "slug": slug})
    assert status == 201, post
    assert post["status"] == "publish"
    assert post["slug"] == slug

    status, found = call(wordpress.rest("/wp/v2/posts", slug=slug, status="any", context="edit"),
                         authorization=wordpress.authorization())
    assert status == 200, found
    assert [item["id"] for item in found] == [post["id"]]
    assert found[0]["title"]["raw"] == "Tuần lễ học tập suốt đời"
    assert "Khai mạc lúc 8 giờ." in found[0]["content"]["raw"]
    assert found[0]["link"].startswith(wordpress.url)


def test_a_png_upload_becomes_media_with_a_source_url(wordpress):
    image = png()
    status, media = call(wordpress.rest("/wp/v2/media"), method="POST", authorization=wordpress.authorization(),
                         body=image, headers={"Content-Type": "image/png",
                                              "Content-Disposition": 'attachment; filename="banner.png"'})
    assert status == 201, media
    assert media["media_type"] == "image"
    assert media["mime_type"] == "image/png"
    assert media["source_url"].startswith(f"{wordpress.url}/wp-content/uploads/")
    assert media["source_url"].endswith(".png")
    with urllib.request.urlopen(media["source_url"], timeout=30) as response:
        assert response.headers["Content-Type"] == "image/png"
        assert response.read() == image


# Stock WordPress 6.1 without plugins decides who the caller is only after the REST API has looked for
# authentication errors, so a refused application password comes back as rest_not_logged_in (GET) or
# rest_cannot_create (POST); sites whose plugins look up the user earlier answer incorrect_password or
# invalid_username. The publisher must take any 401 as "credentials refused".
REFUSED = {"incorrect_password", "invalid_username", "rest_not_logged_in"}


@pytest.mark.parametrize("username", ["right user", "nobody"])
def test_a_wrong_password_is_refused(wordpress, username):
    username = wordpress.username if username == "right user" else username
    wrong = wordpress.authorization("abcd efgh ijkl mnop qrst uvwx", username)
    status, answer = call(wordpress.rest("/wp/v2/users/me"), authorization=wrong)
    assert status == 401, answer
    assert answer["code"] in REFUSED

    slug = f"khong-duoc-dang-{next(_slugs)}"
    status, answer = call(wordpress.rest("/wp/v2/posts"), method="POST", authorization=wrong,
                          body=json.dumps({"title": "x", "status": "publish", "slug": slug}).encode(),
                          headers={"Content-Type": "application/json"})
    assert status == 401, answer
    assert answer["code"] in REFUSED | {"rest_cannot_create"}
    status, found = call(wordpress.rest("/wp/v2/posts", slug=slug, status="any", context="edit"),
                         authorization=wordpress.authorization())
    assert (status, found) == (200, [])


def test_a_second_server_runs_alongside_and_leaves_nothing_behind(wordpress):
    other = WordPressServer().start()
    try:
        assert other.url != wordpress.url
        status, me = call(other.rest("/wp/v2/users/me"), authorization=other.authorization())
        assert status == 200, me
        # each server has its own database: the other's password is no good here
        status, _ = call(wordpress.rest("/wp/v2/users/me"), authorization=other.authorization())
        assert status == 401
        processes = [other._php.pid, other._mariadbd.pid]
    finally:
        other.stop()
    assert not other.root.exists()
    assert not other.config_file.exists()
    for group in processes:
        with pytest.raises(ProcessLookupError):
            os.killpg(group, 0)
    status, _ = call(wordpress.rest("/wp/v2/users/me"), authorization=wordpress.authorization())
    assert status == 200
