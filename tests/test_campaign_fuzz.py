"""Generated campaign documents: broken ones are refused cleanly with nothing written; valid ones import whole."""
from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
START = dt.date.today() + dt.timedelta(days=60)

vietnamese = st.text(alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíị"
                                              "òỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ ĐƯƠ0123456789,.!?–:\"'\\\n"),
                     min_size=1, max_size=60).filter(lambda s: s.strip())


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML basic strings
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml_document(document: dict[str, Any]) -> str:
    lines = []
    for key, value in document.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                lines.append(f"\n[[{key}]]")
                lines += [f"{k} = {toml_value(v)}" for k, v in item.items()]
        else:
            lines.insert(0, f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.integers(1, 10))
    posts = []
    for _ in range(draw(st.integers(0, 6))):
        post: dict[str, Any] = {"day": draw(st.integers(1, days)),
                                "time": f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}",
                                "title": draw(vietnamese), "body": draw(vietnamese)}
        if draw(st.booleans()):
            post["channels"] = draw(st.lists(st.sampled_from(["portal", "facebook"]), min_size=1, unique=True))
        if draw(st.booleans()):
            post["banner"] = {"headline": draw(vietnamese), "subline": draw(vietnamese)}
        posts.append(post)
    campaign = {"slug": "fuzz", "name": draw(vietnamese), "theme": draw(vietnamese), "start": START,
                "end": START + dt.timedelta(days=days - 1), "channels": ["portal", "facebook"],
                "hashtags": ["#HocTapSuotDoi"]}
    return {"campaign": campaign, "posts": posts} if posts else {"campaign": campaign}


WRONG_VALUES = [42, 4.5, True, [1, 2], {"x": 1}, dt.date(2031, 1, 1), ""]
REQUIRED_CAMPAIGN = ["slug", "name", "start", "end", "channels"]


@st.composite
def broken_documents(draw: st.DrawFn) -> str:
    document = draw(valid_documents())
    campaign = document["campaign"]
    posts = document.get("posts", [])
    mutation = draw(st.sampled_from(["drop", "unknown", "wrong_type", "bad_slug", "bad_channel", "bad_day",
                                     "bad_time", "blank", "end_before_start", "bad_timezone", "syntax",
                                     "post_drop", "post_wrong_type", "post_unknown", "posts_not_tables"]))
    if mutation == "drop":
        del campaign[draw(st.sampled_from(REQUIRED_CAMPAIGN))]
    elif mutation == "unknown":
        campaign[draw(st.sampled_from(["themes", "titel", "channel", "organisation"]))] = "x"
    elif mutation == "wrong_type":
        key = draw(st.sampled_from(REQUIRED_CAMPAIGN + ["hashtags", "timezone", "theme"]))
        wrong = draw(st.sampled_from(WRONG_VALUES))
        if key in ("start", "end") and isinstance(wrong, dt.date):
            wrong = 42
        if key in ("hashtags",) and isinstance(wrong, list):
            wrong = "x"
        if key == "theme" and wrong == "":  # an empty theme is allowed (the campaign has none)
            wrong = 42
        campaign[key] = wrong
    elif mutation == "bad_slug":
        campaign["slug"] = draw(st.sampled_from(["Tuần lễ", "-x", "a b", "", "A"]))
    elif mutation == "bad_channel":
        campaign["channels"] = ["portal", draw(st.sampled_from(["zalo", "tv", "Portal", ""]))]
    elif mutation == "bad_timezone":
        campaign["timezone"] = draw(st.sampled_from(["Asia/Sai_Gon", "GMT+7", "", "Mars/Olympus"]))
    elif mutation == "end_before_start":
        campaign["end"] = campaign["start"] - dt.timedelta(days=draw(st.integers(1, 30)))
    elif mutation == "syntax":
        text = toml_document(document)
        cut = draw(st.integers(1, max(1, len(text) - 1)))
        return text[:cut] + draw(st.sampled_from(["[[posts", " = = 1\n", "\nday = \n", '"unclosed\n']))
    elif not posts or mutation == "posts_not_tables":
        document["posts"] = draw(st.sampled_from([[1, 2], "posts", 5]))
        return "posts = " + toml_value(document["posts"]) + "\n" + toml_document({"campaign": campaign})
    else:
        post = posts[draw(st.integers(0, len(posts) - 1))]
        if mutation == "post_drop":
            del post[draw(st.sampled_from(["title", "body", "day", "time"]))]
        elif mutation == "post_wrong_type":
            key = draw(st.sampled_from(["title", "body", "day", "channels", "banner"]))
            if key in ("title", "body"):  # any non-string, or an empty string
                post[key] = draw(st.sampled_from(WRONG_VALUES))
            else:  # day, channels, banner: a string or a scalar of the wrong kind
                post[key] = draw(st.sampled_from(["1", 4.5, True, dt.date(2031, 1, 1), ""]))
            if key == "banner" and isinstance(post[key], str):
                post[key] = {"subline": "x"}
        elif mutation == "post_unknown":
            post[draw(st.sampled_from(["titel", "date", "image"]))] = "x"
        elif mutation == "bad_day":
            post["day"] = draw(st.sampled_from([0, -1]))
        elif mutation == "bad_time":
            post["time"] = draw(st.sampled_from(["25:00", "8h", "", "08:60", "sáng"]))
        elif mutation == "blank":
            post[draw(st.sampled_from(["title", "body"]))] = draw(st.sampled_from(["", "   ", "\n"]))
    return toml_document(document)


@FUZZ
@given(text=broken_documents())
def test_broken_documents_exit_2_and_write_nothing(project, text):
    path = project.root / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    message = project.fails("campaign", "import", str(path))
    assert str(path) in message
    assert project.counts() == {"campaigns": 0, "posts": 0, "deliveries": 0, "outreach_entries": 0}


_slugs = itertools.count()


@FUZZ
@given(document=valid_documents())
def test_valid_documents_import_every_post(project, document):
    document["campaign"]["slug"] = f"fuzz-{next(_slugs)}"
    path = project.root / "valid.toml"
    path.write_text(toml_document(document), encoding="utf-8")
    posts_before = project.rows("posts")
    project.ok("campaign", "import", str(path))
    assert project.rows("posts") - posts_before == len(document.get("posts", []))
