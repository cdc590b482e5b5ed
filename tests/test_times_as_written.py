"""Times and dates as Vietnamese plans write them (issue 13, point 3): one parser (posts/times.py) for campaign
files, every CLI option and the web editor; an impossible date says why."""
from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from conftest import campaign_toml
from hypothesis import given
from hypothesis import strategies as st

from loa.posts.errors import UserError
from loa.posts.i18n import set_language
from loa.posts.times import explain_bad_date, parse_clock, parse_date, parse_moment, parse_when

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def vietnamese():
    set_language("vi")
    yield
    set_language(None)


def spoken_clocks(hour: int, minute: int) -> list[str]:
    """Every way loa accepts to write hour:minute."""
    forms = [f"{hour:02d}:{minute:02d}", f"{hour}:{minute:02d}", f"{hour}h{minute:02d}", f"{hour}H{minute:02d}",
             f"{hour}g{minute:02d}", f"{hour} giờ {minute}", f"{hour} giờ {minute} phút", f"{hour} gio {minute} phut",
             f"{hour}h{minute}", f"{hour}:{minute:02d}:00", f" {hour}h{minute:02d} ", f"{hour}h{minute:02d}p",
             f"{hour} GIỜ {minute:02d} PHÚT"]
    if minute == 0:
        forms += [f"{hour}h", f"{hour} giờ", f"{hour}g", f"{hour}H"]
    return forms


def written_dates(day: dt.date) -> list[str]:
    d, m, y = day.day, day.month, day.year
    return [f"{d}/{m}/{y}", f"{d:02d}/{m:02d}/{y}", day.isoformat(), f"{d}-{m}-{y}", f"{d}.{m}.{y}",
            f"{y}/{m:02d}/{d:02d}", f"ngày {d}/{m}/{y}", f"ngày {d} tháng {m} năm {y}", f"{d} tháng {m}, năm {y}"]


@pytest.mark.parametrize("text", ["08:30", "8:30", "8h30", "8H30", "8g30", "8 giờ 30", "8 giờ 30 phút", "8:30:00",
                                  "8h30 sáng", "8 giờ 30 phút sáng"])
def test_every_form_of_half_past_eight(text):
    assert parse_clock(text) == dt.time(8, 30)


@pytest.mark.parametrize(("text", "expected"), [("8h", dt.time(8)), ("20h", dt.time(20)), ("8 giờ", dt.time(8)),
                                                ("2 giờ chiều", dt.time(14)), ("7h30 tối", dt.time(19, 30)),
                                                ("12h trưa", dt.time(12)), ("1 giờ trưa", dt.time(13)),
                                                ("11 giờ đêm", dt.time(23)), ("20h tối", dt.time(20)),
                                                ("0h", dt.time(0)), ("23:59", dt.time(23, 59))])
def test_hours_alone_and_parts_of_the_day(text, expected):
    assert parse_clock(text) == expected


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_valid_time_in_every_spoken_form_is_the_same_time(hour, minute):
    for text in spoken_clocks(hour, minute):
        assert parse_clock(text, where="time") == dt.time(hour, minute), text


@given(st.dates(dt.date(1970, 1, 1), dt.date(2999, 12, 31)))
def test_every_valid_date_in_every_form_is_the_same_date(day):
    for text in written_dates(day):
        assert parse_date(text, where="--from") == day, text


# from 2 January 1970: before 08:00 on the 1st (UTC+8 then), the zone's moment is still 1969 in UTC, which
# parse_when refuses (tested below)
@given(st.dates(dt.date(1970, 1, 2), dt.date(2999, 12, 28)), st.integers(0, 23), st.integers(0, 59))
def test_a_date_and_a_time_in_either_order_are_one_moment(day, hour, minute):
    expected = dt.datetime.combine(day, dt.time(hour, minute))
    date_text, clock_text = f"{day.day}/{day.month}/{day.year}", f"{hour}h{minute:02d}"
    for text in (f"{date_text} {clock_text}", f"{clock_text} {date_text}", f"{clock_text} ngày {date_text}",
                 f"{date_text}, {hour} giờ {minute} phút", f"{date_text} lúc {hour}:{minute:02d}",
                 f"{day.isoformat()} {hour:02d}:{minute:02d}", f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"):
        assert parse_moment(text) == expected, text
        assert parse_when(text, HANOI) == expected.replace(tzinfo=HANOI), text


def test_a_moment_that_is_1969_in_utc_is_refused_in_one_line():
    with pytest.raises(UserError, match="1970"):
        parse_when("1/1/1970 0h00", HANOI)
    # 9h, not 7h: Saigon time was UTC+8 in 1970
    assert parse_when("1/1/1970 9h00", HANOI) == dt.datetime(1970, 1, 1, 9, tzinfo=HANOI)


def test_iso_with_an_offset_keeps_its_offset():
    assert parse_when("2024-10-01T08:30+07:00", ZoneInfo("UTC")) == dt.datetime(2024, 10, 1, 1, 30,
                                                                                 tzinfo=dt.timezone.utc)
    assert parse_when("2024-10-01T01:30Z", HANOI).astimezone(HANOI).hour == 8


@pytest.mark.parametrize(("text", "reason"), [
    ("31/9/2024", "tháng 9 chỉ có 30 ngày"),
    ("29/2/2023", "năm 2023 không nhuận: tháng 2 chỉ có 28 ngày"),
    ("30/2/2024", "tháng 2 chỉ có 29 ngày"),
    ("1/13/2024", "không có tháng 13"),
    ("2024-04-31", "tháng 4 chỉ có 30 ngày"),
    ("0/10/2024", "không có ngày 0"),
])
def test_an_impossible_date_says_why(vietnamese, text, reason):
    with pytest.raises(UserError) as caught:
        parse_date(text, where="--from")
    assert str(caught.value) == f"--from: '{text}' không phải ngày có thật: {reason}"
    assert explain_bad_date(f"Invalid date {text}") == reason  # for the TOML reader's own refusals
    with pytest.raises(UserError, match=reason):
        parse_when(f"{text} 8h30", HANOI, where="--at")


@pytest.mark.parametrize(("text", "reason"), [("25h", "giờ chỉ từ 0 đến 23"), ("8h75", "phút chỉ từ 0 đến 59"),
                                              ("24:00", "giờ chỉ từ 0 đến 23"), ("8:30:61", "giây chỉ từ 0 đến 59")])
def test_an_impossible_time_says_why(vietnamese, text, reason):
    with pytest.raises(UserError) as caught:
        parse_clock(text, where="time")
    assert str(caught.value) == f"time: '{text}' không phải giờ có thật: {reason}"


@pytest.mark.parametrize(("text", "words"), [
    ("1/10/2024", "thiếu giờ"), ("8h30", "thiếu ngày"), ("1/10/24 8h", "4 chữ số"), ("hôm qua", "không phải ngày giờ"),
    ("15h sáng 1/10/2024", "sáng"), ("3000-01-01 08:00", "1970 đến 2999"),
])
def test_moments_that_are_not_one(vietnamese, text, words):
    with pytest.raises(UserError, match=words):
        parse_when(text, HANOI, where="--at")


def test_real_dates_have_no_explanation():
    assert explain_bad_date("2024-02-29") is None and explain_bad_date("no date here") is None
    assert explain_bad_date("31/12/2024") is None


@given(st.text(max_size=40))
def test_garbage_is_refused_with_a_user_error_and_nothing_else(text):
    for parse in (parse_clock, parse_date, parse_moment):
        try:
            parse(text, where="x")
        except UserError:
            pass
    try:
        parse_when(text, HANOI, where="x")
    except UserError:
        pass
    explain_bad_date(text)


@given(st.integers(1970, 2999), st.integers(1, 12), st.integers(29, 40))
def test_days_past_the_end_of_a_month_are_always_explained(year, month, day):
    days = calendar.monthrange(year, month)[1]
    text = f"{day}/{month}/{year}"
    if day <= days:
        assert parse_date(text) == dt.date(year, month, day)
    else:
        assert explain_bad_date(text) is not None
        with pytest.raises(UserError):
            parse_date(text)


# ------------------------------------------------------------------------------------------------ entry points

def test_a_campaign_file_takes_times_and_dates_as_written(project):
    text = campaign_toml(posts=3).replace('time = "08:01"', 'time = "7:30"').replace(
        'time = "08:02"', 'time = "8 giờ 30 phút"').replace('time = "08:03"', 'time = "20h"')
    start = dt.date.fromisoformat(text.split("start = ")[1].split("\n")[0])
    end = dt.date.fromisoformat(text.split("end = ")[1].split("\n")[0])
    text = text.replace(f"start = {start.isoformat()}", f'start = "{start.day}/{start.month}/{start.year}"')
    text = text.replace(f"end = {end.isoformat()}", f'end = "{end:%d/%m/%Y}"')
    text += (f'\n[[posts]]\nat = "9h15 ngày {start.day}/{start.month}/{start.year}"\n'
             f'title = "Bài có giờ riêng"\nbody = "Nội dung."\n')
    project.ok("campaign", "import", str(project.write("c.toml", text)))
    posts = project.json("queue")["posts"]
    times = {p["title"]: p["publish_at"][11:16] for p in posts}
    assert times == {"Bài số 1": "07:30", "Bài số 2": "08:30", "Bài số 3": "20:00", "Bài có giờ riêng": "09:15"}
    shown = project.json("campaign", "show", "tuan-le")
    assert (shown["start"], shown["end"]) == (start.isoformat(), end.isoformat())


def test_a_campaign_file_with_an_impossible_date_names_the_line_and_says_why(project):
    text = campaign_toml(posts=1)
    start_line = text.split("start = ")[1].split("\n")[0]
    text = text.replace(f"start = {start_line}", 'start = "31/9/2031"')
    path = project.write("c.toml", text)
    message = project.fails("--lang", "vi", "campaign", "import", str(path))
    assert message == f"lỗi: {path}:5: campaign.start: '31/9/2031' không phải ngày có thật: tháng 9 chỉ có 30 ngày" \
        or (f"{path}:5" in message and "tháng 9 chỉ có 30 ngày" in message)  # another part may reword the key
    assert project.rows("campaigns") == 0


def test_toml_native_dates_and_times_still_work(project):
    text = campaign_toml(posts=1).replace('time = "08:01"', "time = 07:45:00")
    project.ok("campaign", "import", str(project.write("c.toml", text)))
    assert project.json("queue")["posts"][0]["publish_at"][11:16] == "07:45"


def test_command_line_options_take_the_same_forms(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(posts=2))))
    first = project.json("queue")["posts"][0]
    day = dt.date.fromisoformat(first["publish_at"][:10])
    project.ok("post", "edit", str(first["id"]), "--at", f"{day.day}/{day.month}/{day.year} 9 giờ 05")
    assert project.json("queue")["posts"][0]["publish_at"][11:16] == "09:05"
    project.ok("post", "add", "--campaign", "tuan-le", "--at", f"16h ngày {day:%d.%m.%Y}", "--title", "Thêm",
               "--body", "Nội dung.")
    listed = project.json("queue", "--from", f"{day.day}-{day.month}-{day.year}", "--to", f"ngày {day:%d/%m/%Y}")
    assert {p["title"]: p["publish_at"][11:16] for p in listed["posts"]} == {"Bài số 1": "09:05", "Thêm": "16:00"}
    message = project.fails("--lang", "vi", "post", "edit", str(first["id"]), "--at", "31/9/2031 8h")
    assert message == "lỗi: --at: '31/9/2031' không phải ngày có thật: tháng 9 chỉ có 30 ngày"
    assert "--from" in project.fails("queue", "--from", "29/2/2031")
