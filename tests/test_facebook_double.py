"""The Graph API double itself, driven with urllib the way a publisher would drive the real API."""
from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from support.facebook import MAX_PHOTO_BYTES, GraphDouble

V = "/v21.0"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"\r\n--\r\n\n\r" + os.urandom(2048)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(4096)
ERROR_KEYS = {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg", "fbtrace_id"}


@pytest.fixture
def graph() -> Iterator[GraphDouble]:
    with GraphDouble() as double:
        yield double


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                      + value.encode("utf-8") + b"\r\n")
    for name, (filename, ctype, data) in files.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                      f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def call(graph: GraphDouble, method: str, path: str, *, form: dict[str, str] | None = None,
         files: dict[str, tuple[str, str, bytes]] | None = None, token: str | None = "body",
         secret: str | None = None, query: str = "") -> tuple[int, Any, Any]:
    """One request; ``token`` is where the access token goes: "body", "bearer", "query" or None."""
    secret = secret or graph.token
    form = dict(form or {})
    headers: dict[str, str] = {}
    if token == "bearer":
        headers["Authorization"] = f"Bearer {secret}"
    elif token == "query":
        query = f"{query}&access_token={secret}" if query else f"access_token={secret}"
    data = None
    if method == "POST":
        if token == "body":
            form["access_token"] = secret
        if files is not None:
            data, headers["Content-Type"] = multipart(form, files)
        else:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif token == "body":  # a GET has no body: fall back to the header
        headers["Authorization"] = f"Bearer {secret}"
    url = f"{graph.url}{path}" + (f"?{query}" if query else "")
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def photo(graph: GraphDouble, image: bytes = PNG, **form: str) -> tuple[int, Any, Any]:
    files = {"source": ("b.png", "image/png", image)}
    return call(graph, "POST", f"{V}/{graph.page_id}/photos", form=form, files=files)


def test_photo_post_round_trip_and_read_back(graph: GraphDouble) -> None:
    status, headers, body = photo(graph, caption="Học tập suốt đời — Cần Thơ 2026", published="true")
    assert status == 200 and set(body) == {"id", "post_id"}
    assert body["post_id"].startswith(f"{graph.page_id}_")
    [post] = graph.posts
    assert post.id == body["post_id"] and post.message == "Học tập suốt đời — Cần Thơ 2026"
    assert post.photo_sha256 == [hashlib.sha256(PNG).hexdigest()]
    sent = graph.requests[-1]
    assert sent.token_in == ["body"] and sent.form["caption"] == post.message and sent.version == "v21.0"
    source = next(p for p in sent.parts if p.name == "source")
    assert (source.filename, source.content_type, source.size) == ("b.png", "image/png", len(PNG))
    assert source.sha256 == hashlib.sha256(PNG).hexdigest()

    fields = ("permalink_url,created_time,message,shares,reactions.summary(true).limit(0),"
              "comments.summary(true).limit(0)")
    status, _, read = call(graph, "GET", f"{V}/{post.id}", query=f"fields={fields}")
    assert status == 200 and "shares" not in read  # omitted when zero
    assert read["message"] == post.message and read["permalink_url"] == post.permalink_url
    assert read["created_time"].endswith("+0000") and read["id"] == post.id
    assert read["reactions"]["summary"]["total_count"] == 0 and read["comments"]["summary"]["total_count"] == 0
    post.shares, post.reactions, post.comments = 3, 7, 2
    _, _, read = call(graph, "GET", f"{V}/{post.id}", query=f"fields={fields}")
    assert read["shares"] == {"count": 3}
    assert read["reactions"]["summary"]["total_count"] == 7 and read["comments"]["summary"]["total_count"] == 2


def test_feed_post_with_link_and_recent_posts(graph: GraphDouble) -> None:
    before = int(time.time()) - 1
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed",
                           form={"message": "Ngày hội STEM", "link": "https://dost.cantho.gov.vn/stem"})
    assert status == 200 and set(body) == {"id"} and body["id"].startswith(f"{graph.page_id}_")
    assert graph.posts[0].link == "https://dost.cantho.gov.vn/stem"
    status, _, listing = call(graph, "GET", f"{V}/{graph.page_id}/posts",
                              query=f"fields=id,message,created_time,permalink_url&since={before}")
    assert status == 200 and [p["id"] for p in listing["data"]] == [body["id"]]
    assert set(listing["data"][0]) == {"id", "message", "created_time", "permalink_url"}
    _, _, later = call(graph, "GET", f"{V}/{graph.page_id}/posts", query=f"fields=id&since={int(time.time()) + 60}")
    assert later == {"data": []}


def test_several_photos_via_unpublished_uploads_and_attached_media(graph: GraphDouble) -> None:
    ids = []
    for image in (PNG, JPEG):
        status, _, body = photo(graph, image, published="false")
        assert status == 200 and set(body) == {"id"}
        ids.append(body["id"])
    assert graph.posts == []
    form = {f"attached_media[{i}]": json.dumps({"media_fbid": fbid}) for i, fbid in enumerate(ids)}
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={**form, "message": "Hai ảnh"})
    assert status == 200 and set(body) == {"id"}
    [post] = graph.posts
    assert post.photo_sha256 == [hashlib.sha256(PNG).hexdigest(), hashlib.sha256(JPEG).hexdigest()]
    status, _, again = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={**form, "message": "Lại"})
    assert status == 400 and again["error"]["code"] == 100  # a photo is attached once


def test_token_places_are_recorded(graph: GraphDouble) -> None:
    assert call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "a"}, token="bearer")[0] == 200
    assert call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "b"}, token="body")[0] == 200
    assert call(graph, "GET", f"{V}/{graph.page_id}", token="query", query="fields=name,id")[0] == 200
    assert [r.token_in for r in graph.requests] == [["bearer"], ["body"], ["query"]]
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "c"}, secret="wrong")
    assert status == 400 and body["error"]["code"] == 190 and set(body["error"]) == ERROR_KEYS
    assert body["error"]["message"] == "Invalid OAuth access token - Cannot parse access token"
    status, _, body = call(graph, "GET", f"{V}/{graph.page_id}", token=None)
    assert status == 400 and body["error"]["code"] == 190
    assert len(graph.posts) == 2


def test_page_health_check(graph: GraphDouble) -> None:
    status, _, body = call(graph, "GET", f"{V}/{graph.page_id}", token="bearer", query="fields=name,id")
    assert status == 200 and body == {"name": "Sở KH&CN Cần Thơ", "id": graph.page_id}
    assert call(graph, "GET", f"/{graph.page_id}", token="bearer")[0] == 400  # versioned paths only
    assert call(graph, "GET", f"/v19.0/{graph.page_id}", token="bearer")[0] == 200


@pytest.mark.parametrize(("code", "subcode", "status"), [
    (190, 463, 400), (190, 460, 400), (200, None, 403), (10, None, 403), (4, None, 400), (17, None, 400),
    (32, None, 400), (613, None, 400), (368, None, 400), (100, 1366046, 400), (1, None, 500), (2, None, 500),
])
def test_injected_failures(graph: GraphDouble, code: int, subcode: int | None, status: int) -> None:
    graph.fail_next("POST", "/photos", code=code, subcode=subcode)
    got, headers, body = photo(graph, caption="x")
    assert got == status and set(body["error"]) == ERROR_KEYS
    error = body["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (code, subcode, "OAuthException")
    assert error["fbtrace_id"] and headers["x-fb-trace-id"] == error["fbtrace_id"]
    assert len(graph.posts) == (1 if code in (1, 2) else 0)
    assert photo(graph, caption="y")[0] == 200  # one failure, then back to normal


def test_failure_only_matches_its_method_and_path(graph: GraphDouble) -> None:
    graph.fail_next("POST", "/feed", code=32)
    assert photo(graph)[0] == 200
    assert call(graph, "GET", f"{V}/{graph.page_id}/posts")[0] == 200
    assert call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})[2]["error"]["code"] == 32


def test_page_rate_limit_80001_carries_regain_time(graph: GraphDouble) -> None:
    graph.fail_next("POST", "/feed", code=80001, regain_minutes=12)
    status, headers, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})
    assert status == 400 and body["error"]["code"] == 80001
    usage = json.loads(headers["X-Business-Use-Case-Usage"])[graph.page_id][0]
    assert usage["estimated_time_to_regain_access"] == 12 and usage["call_count"] >= 100
    _, headers, _ = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})
    assert json.loads(headers["X-Business-Use-Case-Usage"])[graph.page_id][0]["estimated_time_to_regain_access"] == 0


def test_500_after_create_leaves_the_post_listed(graph: GraphDouble) -> None:
    graph.fail_next("POST", "/feed", code=2)
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "Thông báo tuyển sinh"})
    assert status == 500 and body["error"]["code"] == 2
    _, _, listing = call(graph, "GET", f"{V}/{graph.page_id}/posts", query="fields=id,message,created_time")
    assert [p["message"] for p in listing["data"]] == ["Thông báo tuyển sinh"]
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "Thông báo tuyển sinh"})
    assert status == 400 and body["error"]["code"] == 506  # a blind retry is a duplicate
    assert len(graph.posts) == 1


def test_injected_duplicate_means_the_earlier_post_exists(graph: GraphDouble) -> None:
    graph.fail_next("POST", "/feed", code=506)
    status, _, body = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "Trùng"})
    assert status == 400 and body["error"]["code"] == 506
    assert [p.message for p in graph.posts] == ["Trùng"]


@pytest.mark.parametrize("image", [b"%PDF-1.7 not an image", b"", b"\xff\xd8\xff" + b"\0" * MAX_PHOTO_BYTES])
def test_unreadable_or_oversized_images_fail_with_1366046(graph: GraphDouble, image: bytes) -> None:
    status, _, body = photo(graph, image, caption="x")
    assert status == 400 and (body["error"]["code"], body["error"]["error_subcode"]) == (100, 1366046)
    assert body["error"]["error_user_msg"] and graph.posts == []


def test_scheduled_publish_time_window(graph: GraphDouble) -> None:
    now = int(time.time())
    status, _, body = photo(graph, published="false", scheduled_publish_time=str(now + 3600))
    assert status == 200 and set(body) == {"id"}
    assert graph.posts[0].scheduled_publish_time == now + 3600 and not graph.posts[0].published
    assert call(graph, "GET", f"{V}/{graph.page_id}/posts")[2] == {"data": []}
    for when in (now + 300, now + 76 * 86400, "soon"):
        status, _, body = photo(graph, published="false", scheduled_publish_time=str(when))
        assert status == 400 and body["error"]["code"] == 100
        assert body["error"]["message"] == "(#100) The specified scheduled publish time is invalid."


def test_unknown_objects_and_fields(graph: GraphDouble) -> None:
    status, _, body = call(graph, "GET", f"{V}/{graph.page_id}_999")
    assert status == 400 and (body["error"]["code"], body["error"]["error_subcode"]) == (100, 33)
    post_id = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})[2]["id"]
    status, _, body = call(graph, "GET", f"{V}/{post_id}", query="fields=message,impressions")
    assert status == 400 and body["error"]["code"] == 100


def test_insights_valid_and_invalid(graph: GraphDouble) -> None:
    post_id = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})[2]["id"]
    graph.posts[0].insights.update(post_media_view=6, post_reactions_by_type_total={"like": 2})
    metrics = "post_total_media_view_unique,post_media_view,post_clicks,post_reactions_by_type_total"
    status, _, body = call(graph, "GET", f"{V}/{post_id}/insights", query=f"metric={metrics}&period=lifetime")
    assert status == 200
    values = {row["name"]: row["values"][0]["value"] for row in body["data"]}
    assert values == {"post_total_media_view_unique": 0, "post_media_view": 6, "post_clicks": 0,
                      "post_reactions_by_type_total": {"like": 2}}
    assert all(row["period"] == "lifetime" for row in body["data"])
    status, _, body = call(graph, "GET", f"{V}/{post_id}/insights",
                           query="metric=post_media_view,post_impressions&period=lifetime")
    assert status == 400 and body["error"]["code"] == 100
    assert body["error"]["message"] == "(#100) The value must be a valid insights metric"



def test_engagement_reads_need_pages_read_engagement(graph: GraphDouble) -> None:
    post_id = call(graph, "POST", f"{V}/{graph.page_id}/feed", form={"message": "m"})[2]["id"]
    graph.permissions.discard("pages_read_engagement")
    assert call(graph, "GET", f"{V}/{post_id}", query="fields=permalink_url,message")[0] == 200
    for path, query in ((post_id, "fields=message,reactions.summary(true).limit(0)"),
                        (f"{post_id}/insights", "metric=post_media_view&period=lifetime")):
        status, _, body = call(graph, "GET", f"{V}/{path}", query=query)
        assert status == 403 and body["error"]["code"] == 10 and "pages_read_engagement" in body["error"]["message"]
        assert set(body["error"]) == ERROR_KEYS

def test_usage_headers_on_every_response(graph: GraphDouble) -> None:
    graph.app_usage["call_count"] = 91
    graph.page_usage["call_count"] = 97
    for status, headers, _ in (call(graph, "GET", f"{V}/{graph.page_id}"),
                               call(graph, "GET", f"{V}/{graph.page_id}", secret="bad")):
        assert json.loads(headers["X-App-Usage"]) == {"call_count": 91, "total_time": 0, "total_cputime": 0}
        page = json.loads(headers["X-Business-Use-Case-Usage"])[graph.page_id][0]
        assert page["type"] == "pages" and page["call_count"] == 97
        assert set(page) == {"type", "call_count", "total_cputime", "total_time", "estimated_time_to_regain_access"}
