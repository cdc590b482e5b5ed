"""Vietnamese words wherever a code is (issue 13, point 4): ``--status nháp``, ``--kind "trực tiếp"``, with or
without diacritics; exports show the words with a code column beside; booleans are Có/Không."""
from __future__ import annotations

import csv
import datetime as dt
import unicodedata

import pytest
from click.testing import CliRunner
from conftest import campaign_toml
from hypothesis import given
from hypothesis import strategies as st

from loa.posts.errors import UserError
from loa.posts.i18n import available_languages, catalogue, set_language
from loa.posts.vocabulary import VOCABULARIES, _words, code_for, codes, fold, yes_no
from loa.scheduler.cli import cli


@pytest.fixture
def vietnamese():
    set_language("vi")
    yield
    set_language(None)


def test_fold_drops_diacritics_case_and_keyboard_forms():
    assert fold("Đã Duyệt") == "da duyet"
    assert fold(unicodedata.normalize("NFD", "hủy")) == fold("huỷ") == "huy"  # NFD, and the old tone placement


@pytest.mark.parametrize("vocabulary", sorted(VOCABULARIES))
def test_no_word_means_two_codes(vocabulary):
    """A label shared by two codes would make one of them unreachable: every word names one code."""
    shared = {word: sorted(found) for word, found in _words(vocabulary).items() if len(found) > 1}
    assert shared == {}


@pytest.mark.parametrize(("vocabulary", "code"), [(v, c) for v in sorted(VOCABULARIES) for c in codes(v)])
def test_every_code_is_reached_by_itself_and_by_its_words(vocabulary, code):
    assert code_for(vocabulary, code) == code
    for language in available_languages():
        for pattern in VOCABULARIES[vocabulary][1]:
            word = catalogue(language).get(pattern.format(code))
            if word is None:
                continue
            for spelling in (word, word.upper(), fold(word), f"  {word} ", unicodedata.normalize("NFD", word)):
                assert code_for(vocabulary, spelling) == code, (spelling, language)


@pytest.mark.parametrize(("vocabulary", "text", "code"), [
    ("status", "nháp", "draft"), ("status", "da duyet", "approved"), ("status", "Đã đăng", "published"),
    ("status", "lỗi", "failed"), ("status", "chờ đăng", "pending"), ("status", "đang gửi", "sending"),
    ("status", "không rõ", "unknown"), ("status", "lỡ giờ", "missed"), ("status", "đã huỷ", "cancelled"),
    ("status", "xong", "done"), ("status", "retry-wait", "retry_wait"),
    ("manual_kind", "trực tiếp", "offline"), ("manual_kind", "ghi chu", "note"),
    ("manual_kind", "Hoạt động trực tiếp", "offline"),
    ("kind", "xếp lịch", "queued"), ("kind", "trực tiếp", "offline"), ("kind", "đã gỡ bài", "taken_down"),
    ("role", "duyệt bài", "approver"), ("role", "bien tap", "editor"), ("role", "quản trị", "admin"),
    ("prefer", "tệp", "file"), ("prefer", "lịch", "queue"), ("report_format", "Excel", "xlsx"),
    ("report_format", "word", "docx"), ("log_format", "XLSX", "xlsx"),
])
def test_the_words_people_use(vocabulary, text, code):
    assert code_for(vocabulary, text) == code


def test_an_unknown_word_lists_the_choices_in_vietnamese_and_suggests_the_closest(vietnamese):
    with pytest.raises(UserError) as caught:
        code_for("status", "da duyetj", where="--status")
    message = str(caught.value)
    assert message.startswith("--status: không có 'da duyetj'; chọn một trong: nháp (draft), đã duyệt (approved)")
    assert message.endswith('có phải ý anh/chị là "đã duyệt"?')


@given(st.text(max_size=30))
def test_any_text_is_a_code_or_a_user_error(text):
    for vocabulary in VOCABULARIES:
        try:
            assert code_for(vocabulary, text) in codes(vocabulary)
        except UserError:
            pass


def test_yes_and_no_in_each_language(vietnamese):
    assert (yes_no(True), yes_no(False), yes_no(None)) == ("Có", "Không", None)
    set_language("en")
    assert (yes_no(True), yes_no(False)) == ("Yes", "No")


# ------------------------------------------------------------------------------------------------ the command line

@pytest.fixture
def queued(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1), posts=3))))
    project.ok("post", "approve", "1")
    return project


@pytest.mark.parametrize(("word", "code"), [("đã duyệt", "approved"), ("DA DUYET", "approved"), ("nháp", "draft"),
                                            ("chờ đăng", "pending")])
def test_queue_status_takes_the_vietnamese_word(queued, word, code):
    by_word = queued.json("queue", "--status", word)["posts"]
    assert by_word == queued.json("queue", "--status", code)["posts"] and by_word


def test_a_status_that_is_no_word_is_one_line_in_vietnamese(queued):
    message = queued.fails("--lang", "vi", "queue", "--status", "nhap ban")
    assert message.startswith("lỗi: --status: không có 'nhap ban'; chọn một trong: nháp (draft)")
    assert "ready" not in message and "draft, approved" not in message


def test_log_kinds_by_their_words(queued):
    queued.ok("log", "add", "--campaign", "tuan-le", "--kind", "trực tiếp", "--title", "Treo băng rôn",
              "--count", "4", "--date", "1/10/2031")
    queued.ok("log", "add", "--campaign", "tuan-le", "--kind", "ghi chu", "--title", "Họp giao ban")
    assert queued.sql("SELECT kind, count FROM outreach_entries WHERE kind IN ('offline', 'note') ORDER BY id") == [
        ("offline", 4), ("note", None)]
    shown = queued.run("--lang", "vi", "log", "add", "--campaign", "tuan-le", "--kind", "note", "--title", "x").stdout
    assert "(ghi chú)" in shown
    assert [e["title"] for e in queued.json("log", "--kind", "hoạt động trực tiếp")["entries"]] == ["Treo băng rôn"]
    assert [e["kind"] for e in queued.json("log", "--kind", "xep lich")["entries"]] == ["queued"] * 3
    assert "--kind" in queued.fails("log", "add", "--campaign", "tuan-le", "--kind", "đã đăng", "--title", "t")


def test_exports_show_words_and_keep_codes_for_machines(queued):
    queued.ok("log", "add", "--campaign", "tuan-le", "--kind", "trực tiếp", "--title", "Hội sách", "--count", "1")
    target = queued.root / "nhat-ky.csv"
    queued.ok("--lang", "vi", "log", "export", "--format", "csv", "-o", str(target))
    with target.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    pairs = {(row["Loại"], row["Mã loại"]) for row in rows}
    assert ("hoạt động trực tiếp", "offline") in pairs and ("xếp lịch", "queued") in pairs
    assert not any(row["Loại"] in ("queued", "offline", "rendered", "imported") for row in rows)


def test_users_role_by_its_word(project):
    result = CliRunner().invoke(cli, ["--config", str(project.config), "--lang", "vi", "users", "add",
                                      "truong-phong", "--role", "duyệt bài", "--password-stdin"],
                                input="mat-khau-dai-du\n")
    assert result.exit_code == 0, result.output
    assert "duyệt bài" in result.stdout
    assert project.sql("SELECT role FROM users") == [("approver",)]
