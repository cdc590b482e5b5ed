"""read_plan: DOCX, PDF, TXT and Markdown plans read into numbered lines; what cannot be read, refused in one line.

The PDF tests need LibreOffice (soffice), installed by .ci/run: a missing one fails, never skips.
"""
from __future__ import annotations

import codecs
import errno
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter
from support.plan_files import HEADER_LEFT, HEADER_RIGHT, docx_to_pdf, scanned_pdf, write_docx

from loa.posts.errors import UserError
from loa.posts.i18n import set_language
from loa.posts.plan.reading import read_plan

BODY = [
    "KẾ HOẠCH",
    "Tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2024",
    "Căn cứ Công văn số 4043/UBND-KGVX ngày 19 tháng 9 năm 2024 của Ủy ban nhân dân thành phố về việc tổ chức Tuần "
    "lễ hưởng ứng học tập suốt đời năm 2024 và Kỷ niệm Ngày Khuyến học Việt Nam 02/10.",
    "1. Mục đích, yêu cầu",
    "a) Nâng cao nhận thức, tăng cường trách nhiệm, sự quan tâm và tham gia tích cực của chính quyền, đoàn thể, lực "
    "lượng xã hội đối với việc phát triển văn hóa đọc thúc đẩy học tập suốt đời - một trong những vấn đề mang ý "
    "nghĩa chiến lược quốc gia trong việc nâng cao dân trí, phát triển nguồn nhân lực;",
    "2. Chủ đề",
    "Chủ đề của Tuần lễ: “Phát triển văn hóa đọc thúc đẩy học tập suốt đời”.",
    "3. Thời gian",
    "Tổ chức hưởng ứng Tuần lễ từ ngày 01 tháng 10 năm 2024 đến ngày 07 tháng 10 năm 2024.",
    "4. Nội dung",
    "a) Đẩy mạnh và đổi mới các hoạt động thông tin, tuyên truyền trên các cổng thông tin điện tử của đơn vị, các "
    "trang mạng xã hội về tầm quan trọng và vai trò của việc phát triển văn hóa đọc thúc đẩy học tập suốt đời.",
    "b) Treo băng rôn, khẩu hiệu tại cơ quan, đơn vị.",
    "- Chủ trì, theo dõi các phòng, đơn vị triển khai thực hiện Kế hoạch;",
    "+ Phối hợp với các phòng, đơn vị, tổng hợp kết quả thực hiện Kế hoạch này và báo cáo Sở Giáo dục và Đào tạo "
    "trước ngày 15/10/2024.",
    "GIÁM ĐỐC",
    "Ngô Anh Tín",
]
CLEAN_BODY = [line.replace("“", '"').replace("”", '"') for line in BODY]


@pytest.fixture(autouse=True)
def vietnamese(monkeypatch):
    monkeypatch.delenv("LOA_LANG", raising=False)
    set_language(None)


def refused(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        read_plan(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


# ---- text and Markdown ----------------------------------------------------------------------------------------------

def test_text_lines_keep_the_file_line_numbers(tmp_path):
    path = tmp_path / "ke-hoach.txt"
    path.write_bytes(codecs.BOM_UTF8 + "\r\n".join(["", "Số: /KH-SKHCN", "", "   ", "KẾ HOẠCH", "năm2024"]).encode())
    plan = read_plan(path)
    assert plan.kind == "txt"
    assert [(line.number, line.text, line.page) for line in plan.lines] == [
        (2, "Số: /KH-SKHCN", None), (5, "KẾ HOẠCH", None), (6, "năm 2024", None)]
    assert plan.text() == "Số: /KH-SKHCN\nKẾ HOẠCH\nnăm 2024"


def windows_1258(text: str) -> bytes:
    """As Windows-1258 writes Vietnamese: the letter (ư, ơ, ê... precomposed) then the tone as a combining mark."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        tone = "".join(mark for mark in decomposed if mark in tones)
        out.append(unicodedata.normalize("NFC", "".join(mark for mark in decomposed if mark not in tones)) + tone)
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
def test_text_encodings(tmp_path, encoding):
    path = tmp_path / "KE-HOACH.TXT"
    text = "Chủ đề: “Học tập suốt đời”\nCần Thơ, ngày 25 tháng 9 năm 2024\n"
    path.write_bytes(windows_1258(text) if encoding == "cp1258" else text.encode(encoding))
    assert [line.text for line in read_plan(path).lines] == ['Chủ đề: "Học tập suốt đời"',
                                                             "Cần Thơ, ngày 25 tháng 9 năm 2024"]


def test_unknown_encoding_is_refused(tmp_path):
    path = tmp_path / "ke-hoach.txt"
    path.write_bytes("Kế hoạch".encode("utf-16-le"))  # no BOM: NUL bytes everywhere
    assert "bảng mã" in refused(path)
    path.write_bytes(b"K\x81 ho\x90ch")  # neither UTF-8 nor Windows-1258
    assert "bảng mã" in refused(path)
    path.write_bytes("Kế hoạch tổ chức Tuần lễ học tập".encode() + b"\xff")  # UTF-8 with one broken byte
    assert "bảng mã" in refused(path)


def test_markdown_marks_are_removed_but_items_stay(tmp_path):
    path = tmp_path / "ke-hoach.md"
    path.write_text("# KẾ HOẠCH\n\n## 2. Chủ đề ##\n> Chủ đề: **“Phát triển văn hóa đọc”**\n* Treo _băng rôn_\n"
                    "a) Nội dung một;\n1. Mục đích\n- gạch đầu dòng\n---\nXem [cổng thông tin](https://so.gov.vn) \\*\n",
                    encoding="utf-8")
    assert [(line.number, line.text) for line in read_plan(path).lines] == [
        (1, "KẾ HOẠCH"), (3, "2. Chủ đề"), (4, 'Chủ đề: "Phát triển văn hóa đọc"'), (5, "Treo băng rôn"),
        (6, "a) Nội dung một;"), (7, "1. Mục đích"), (8, "- gạch đầu dòng"), (10, "Xem cổng thông tin *")]


# ---- DOCX -----------------------------------------------------------------------------------------------------------

def test_docx_header_table_then_body_in_order(tmp_path):
    plan = read_plan(write_docx(tmp_path / "ke-hoach.docx", BODY))
    assert plan.kind == "docx"
    assert [line.text for line in plan.lines] == [*HEADER_LEFT, *HEADER_RIGHT, *CLEAN_BODY]
    assert [line.number for line in plan.lines] == list(range(1, len(plan.lines) + 1))
    assert {line.page for line in plan.lines} == {None}


def test_docx_numbers_count_empty_paragraphs_and_soft_breaks_share_one(tmp_path):
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("")
    paragraph = document.add_paragraph("ỦY BAN NHÂN DÂN")
    paragraph.add_run().add_break()
    paragraph.add_run("THÀNH PHỐ CẦN THƠ")
    document.sections[0].header.paragraphs[0].text = "Đầu trang không đọc"
    document.sections[0].footer.paragraphs[0].text = "Chân trang không đọc"
    document.add_paragraph("Nội dung")
    path = tmp_path / "k.docx"
    document.save(str(path))
    assert [(line.number, line.text) for line in read_plan(path).lines] == [
        (1, "KẾ HOẠCH"), (3, "ỦY BAN NHÂN DÂN"), (3, "THÀNH PHỐ CẦN THƠ"), (4, "Nội dung")]


def test_docx_merged_and_nested_cells_are_read_once(tmp_path):
    document = Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Hoạt động"      # one cell across three columns
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Tuần 1"         # one cell down two rows
    table.cell(1, 1).text, table.cell(1, 2).text = "Treo băng rôn", "Sở"
    table.cell(2, 1).text = "Hội sách"
    inner = table.cell(2, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Phòng A", "Phòng B"
    document.add_paragraph("Sau bảng")
    path = tmp_path / "bang.docx"
    document.save(str(path))
    texts = [line.text for line in read_plan(path).lines]
    assert texts == ["Hoạt động", "Tuần 1", "Treo băng rôn", "Sở", "Hội sách", "Phòng A", "Phòng B", "Sau bảng"]


# ---- PDF ------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plan_pdf(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pdf")
    # long enough for two pages, so paragraphs continue across a page end
    return docx_to_pdf(write_docx(folder / "ke-hoach.docx", BODY + BODY[2:]))


def test_pdf_paragraphs_equal_the_docx_paragraphs(plan_pdf):
    plan = read_plan(plan_pdf)
    assert plan.kind == "pdf"
    texts = [line.text for line in plan.lines]
    start = texts.index("KẾ HOẠCH")
    assert texts[start:] == CLEAN_BODY + CLEAN_BODY[2:]
    assert "Số: 15/KH-SKHCN" in texts[:start] and "Độc lập - Tự do - Hạnh phúc" in texts[:start]
    assert [line.number for line in plan.lines] == list(range(1, len(texts) + 1))
    pages = [line.page for line in plan.lines]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] >= 2


def test_pdf_with_an_empty_password_is_read_and_a_real_one_refused(plan_pdf, tmp_path):
    def encrypted(name: str, password: str) -> Path:
        writer = PdfWriter(clone_from=PdfReader(plan_pdf))
        writer.encrypt(user_password=password, owner_password="chu-so-huu", algorithm="RC4-128")
        path = tmp_path / name
        writer.write(path)
        return path

    assert read_plan(encrypted("mo.pdf", "")).lines == read_plan(plan_pdf).lines
    assert "mật khẩu" in refused(encrypted("khoa.pdf", "bi-mat"))


def test_scanned_pdf_is_refused(tmp_path):
    message = refused(scanned_pdf(tmp_path / "ban-quet.pdf"))
    assert "không có chữ" in message and "OCR" in message and ".docx" in message


def test_page_numbers_alone_are_dropped(tmp_path):
    from loa.posts.plan.pdf_reading import _paragraphs, _without_page_numbers

    pages = [_without_page_numbers(["1", "Nội dung trang một."]), _without_page_numbers(["- 2 -", "Trang hai.", "2"])]
    assert [(line.text, line.page) for line in _paragraphs(pages)] == [("Nội dung trang một.", 1), ("Trang hai.", 2)]


# ---- what cannot be read ----------------------------------------------------------------------------------------------

def test_unreadable_files_are_refused_in_one_vietnamese_line(tmp_path):
    assert "không tìm thấy tệp" in refused(tmp_path / "khong-co.docx")
    folder = tmp_path / "thu-muc.pdf"
    folder.mkdir()
    assert "thư mục" in refused(folder)
    empty = tmp_path / "trong.txt"
    empty.write_bytes(b"")
    assert "tệp trống" in refused(empty)
    blank = tmp_path / "trang.md"
    blank.write_text("\n  \n# \n", encoding="utf-8")
    assert "không có chữ" in refused(blank)
    huge = tmp_path / "lon.pdf"
    with huge.open("wb") as file:
        file.truncate(21 * 1024 * 1024)
    assert "quá lớn" in refused(huge)


def test_file_without_read_permission(tmp_path, monkeypatch):
    path = tmp_path / "ke-hoach.txt"
    path.write_text("KẾ HOẠCH", encoding="utf-8")

    def denied(self, *args, **kwargs):  # chmod 0 does not stop root, who may run the tests
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    assert "không có quyền đọc" in refused(path)


@pytest.mark.parametrize(("name", "content", "words"), [
    ("ke-hoach.odt", b"x", ".docx"),
    ("ke-hoach", b"x", ".docx"),
    ("hong.docx", b"PK\x03\x04 not really a zip", "không phải văn bản Word"),
    ("chu.docx", "KẾ HOẠCH".encode(), "không phải văn bản Word"),
    ("cu.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word đời cũ (.doc)"),
    ("chu.pdf", "KẾ HOẠCH năm 2024".encode(), "không phải PDF"),
    ("hong.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%EOF", "không phải PDF"),
])
def test_wrong_or_damaged_files_are_refused(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    assert words in refused(path)


def test_a_spreadsheet_named_docx_is_refused(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "bang.docx"
    Workbook().save(path)
    assert "không phải văn bản Word" in refused(path)


def test_english_on_request(tmp_path):
    set_language("en")
    try:
        assert "holds only images" in refused(scanned_pdf(tmp_path / "scan.pdf"))
    finally:
        set_language(None)
