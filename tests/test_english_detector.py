"""The detector behind tests/test_vietnamese_only.py: it finds the English the issue lists, and leaves alone the
Vietnamese loa prints with paths, URLs, slugs, commands and channel names in it."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loa.posts.i18n import catalogue
from support.documents import document_text
from support.english import ALLOWED_WORDS, blank_allowed, english_lines, english_vocabulary, english_words, is_english, is_english_cell

# What loa printed before issue 13, each reported there as a leak.
ENGLISH = [
    "No such option: --frm",
    "lỗi: loa queue: No such option '--frm'. Did you mean '--from'?",
    "Missing option '--title'.",
    "lỗi: loa post add: Missing option '--campaign'.",
    "  --channel TEXT  Kênh đăng.  [default: facebook]",
    "  --role ROLE   Vai trò.  [required]",
    "  ID   INTEGER RANGE [1<=x<=9223372036854775807]",
    "Cách dùng: loa [OPTIONS] COMMAND [ARGS]...",
    "overdue by more than 360 minutes (loa was not running)",
    "waiting for portal (missed)",
    "fix portal first: missed",
    "OK: dry run, nothing is sent",
    "the environment variable LOA_FACEBOOK_TOKEN is not set",
    "GET /wp-json/wp/v2/posts: ConnectionError",
    "2026-12-02T12:41:56+00:00 published  published post=18 channel=portal link=file:///tmp/site/a.html",
    "2026-12-02T12:41:57+00:00 idle       nothing left to send",
    "lỗi: loa post show: Invalid value for 'ID': 'abc' is not a valid integer range.",
    "lỗi: /tmp/c.toml:3:9: Illegal character '\\n'",
    "lỗi: /tmp/c.toml: Expected newline or end of document after a statement",
    "lỗi: /tmp/c.toml:5: Invalid date or datetime",
    "lỗi: /tmp/nope.toml: [Errno 2] No such file or directory",
    "Đã sửa bài 6 (title, body)",
    "  users     users.help",  # a message key printed as it is: never looked up
    "Traceback (most recent call last):",
]

# What loa prints in Vietnamese, with everything that may stay as it is.
VIETNAMESE = [
    "Đã tạo config.toml từ mẫu; hãy sửa tệp để khai báo kênh và thông tin cơ quan.",
    "Cơ sở dữ liệu sẵn sàng: sqlite:////tmp/pytest-of-root/pytest-1/demo0/var/loa.db (lược đồ 0006).",
    "Đã ghi báo cáo: /tmp/demo/var/reports/hoc-tap-suot-doi-2024-bao-cao.docx",
    "Không có tiến trình nền nào chạy: sẽ không có bài nào được đăng cho đến khi chạy `loa run` (xem README: systemd).",
    "Cách dùng: loa campaign import [TÙY CHỌN] TỆP",
    "  --config PATH   Tệp cấu hình (mặc định: $LOA_CONFIG, rồi ./config.toml).",
    "  --lang [en|vi]  Ngôn ngữ của thông báo và trợ giúp (mặc định: $LOA_LANG, rồi vi).",
    "  --prefer [file|queue]  Giải quyết mọi xung đột theo một phía.",
    "│ 19:41:47 │  1 │ Phát động Tuần lễ hưởng    │ xong       │ đã đăng │ đã đăng  │",
    "┃ Giờ      ┃ Số ┃ Tiêu đề                    ┃ Trạng thái ┃ portal  ┃ facebook ┃",
    "lỗi: /tmp/c.toml:12: bài số 6 (Tiêu đề…): thiếu tiêu đề; có phải ý anh/chị là `hashtags`?",
    "Kênh facebook (dry_run): thử, không gửi gì; kênh portal (static_site) ghi vào /tmp/site.",
    "Đăng lên https://portal.example.gov.vn/tin-tuc/bai-1 lúc 2026-10-01 08:30:00+07:00.",
    "Chiến dịch hoc-tap-suot-doi-2024: 19 bài, #HocTapSuotDoi #VanHoaDoc.",
    "Biến môi trường LOA_FACEBOOK_TOKEN chưa được đặt: khai báo token trong [channels.facebook].",
    "Thực hiện Công văn số 4043/UBND-KGVX ngày 19 tháng 9 năm 2024 của Ủy ban nhân dân thành phố Cần Thơ.",
    "II. ĐÁNH GIÁ CHUNG",
    "Banner, hashtag, email và website của Sở; tệp DOCX, XLSX, HTML, CSV, PNG, PDF.",
    "Tài khoản bien-tap (editor), lanh-dao (approver), quan-tri (admin).",
    "lỗi: loa post show: '999' không phải số bài hợp lệ",
]


@pytest.mark.parametrize("line", ENGLISH)
def test_flags_english(line):
    assert is_english(line), english_words(line)


@pytest.mark.parametrize("line", VIETNAMESE)
def test_leaves_vietnamese_alone(line):
    assert not is_english(line), english_words(line)


def test_leak_names_the_command_and_every_line():
    text = "Đã ghi báo cáo.\nNo such option: --frm\nXong.\nfix portal first: missed\n"
    leaks = english_lines(text, "loa queue --frm")
    assert [leak.line for leak in leaks] == ["No such option: --frm", "fix portal first: missed"]
    assert "loa queue --frm" in str(leaks[0]) and "such" in str(leaks[0])


def test_vocabulary_comes_from_the_english_catalogue():
    vocabulary = english_vocabulary()
    assert {"overdue", "missing", "queued", "rendered", "integer"} <= vocabulary
    # Vietnamese syllables without diacritics and loanwords are never English
    assert not {"theo", "sau", "trong", "xem", "banner", "hashtag", "loa", "portal", "facebook"} & vocabulary


ALLOWED_PIECES = st.sampled_from([
    "/tmp/x/var/loa.db", "https://loa.example.gov.vn/tin-tuc/a", "`loa status --json`", "--allow-past",
    "LOA_PORTAL_PASSWORD", "[channels.portal]", "hoc-tap-suot-doi-2024", "static_site", "dry_run", "#VanHoaDoc",
    "2026-10-01T08:30:00+07:00", "'--frm'", "portal", "facebook", "WordPress", "PostgreSQL", "DOCX", "config.toml",
    "loa campaign import", "12/10/2026", "08:30",
])
VIETNAMESE_WORDS = st.sampled_from(
    "bài đăng kênh chiến dịch lịch báo cáo tệp không có đã được chưa gửi lỗi dòng thiếu tiêu đề nội dung giờ ngày "
    "tháng năm anh chị hãy sửa xem theo sau trong cho tin".split())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(VIETNAMESE_WORDS, ALLOWED_PIECES), min_size=1, max_size=20))
def test_vietnamese_with_allowed_pieces_is_never_english(pieces):
    line = " ".join(pieces)
    assert not is_english(line), english_words(line)


ENGLISH_MESSAGES = [line for value in catalogue("en").values() for line in value.splitlines()[:1]
                    if len(english_words(line)) >= 2]


def test_loas_own_english_sentences_are_found():
    """Every English message of four words or more: a sentence, that a Vietnamese reader must never get."""
    sentences = [line for value in catalogue("en").values() for line in value.splitlines()[:1]
                 if not line.startswith("loa ")  # a command to type: loa post reschedule {post} WHEN
                 and len([word for word in re.findall(r"[A-Za-z]{2,}", blank_allowed(re.sub(r"\{[^}]*\}", "", line)))
                         if word.lower() not in ALLOWED_WORDS]) >= 4]
    missed = [line for line in sentences if not is_english(line)]
    assert len(sentences) > 300 and missed == []


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ENGLISH_MESSAGES), st.lists(VIETNAMESE_WORDS, max_size=3), st.lists(ALLOWED_PIECES, max_size=3))
def test_an_english_message_stays_english_among_allowed_pieces(message, before, after):
    """Any of loa's own English messages, framed by Vietnamese words and paths, is still found."""
    line = " ".join([*before, message, *after])
    assert is_english(line), english_words(line)


@pytest.mark.parametrize("cell, english", [("queued", True), ("TRUE", True), ("offline", True), ("Có", False),
                                           ("Banner", False), ("portal", False), ("hoc-tap-suot-doi-2024", False),
                                           ("đã xếp lịch", False), ("42", False)])
def test_a_cell_holding_one_code_is_english(cell, english):
    """In a report or export a code alone is what the issue names ("Loại" says queued, "Đúng giờ" TRUE)."""
    assert is_english_cell(cell) is english
    assert not is_english(cell) or english


def test_export_columns_for_machines_are_left_out(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("Thời điểm,Loại,Mã loại,Chi tiết (JSON)\n2026-10-01 08:30,đã đăng,published,"
                    '"{""post"": 1}"\n2026-10-01 09:00,queued,queued,{}\n', encoding="utf-8")
    cells = document_text(path)
    assert "đã đăng" in cells and "published" not in cells and '{"post": 1}' not in cells
    assert [leak.line for text in cells for leak in english_lines(text, "log.csv", cells=True)] == ["queued"]
