"""extract_facts: a plan's lines → the facts of a campaign, each with the plan line it came from (issue 15, point 2)."""
from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loa.posts.plan.clean import clean_text
from loa.posts.plan.extract import extract_facts
from loa.posts.plan.model import Found, Period, PlanDate, PlanFacts, PlanLine, PlanText

SAMPLE = Path(__file__).parent / "plans" / "ke-hoach-tuan-le-hoc-tap-suot-doi-2024.txt"


def plan_of(text: str) -> PlanText:
    """A plan as the reading step gives it: cleaned lines, numbered as in the source, blank lines left out."""
    lines = []
    for number, raw in enumerate(textwrap.dedent(text).splitlines(), 1):
        cleaned = clean_text(raw)
        if cleaned:
            lines.append(PlanLine(number, cleaned))
    return PlanText(Path("ke-hoach.txt"), "txt", tuple(lines))


def facts_of(text: str) -> PlanFacts:
    return extract_facts(plan_of(text))


def at(found: Found[object] | None) -> tuple[object, int] | None:
    return None if found is None else (found.value, found.line)


def values(found: list[Found[str]]) -> list[str]:
    return [item.value for item in found]


def test_the_sample_plan_every_fact_with_its_line() -> None:
    plan = plan_of(SAMPLE.read_text(encoding="utf-8"))
    facts = extract_facts(plan)
    assert at(facts.number) == ("", 3)
    assert at(facts.code) == ("KH-SKHCN", 3)
    assert at(facts.place) == ("Cần Thơ", 5)
    assert at(facts.issued) == (PlanDate(None, 9, 2024), 5)
    # the header block is missing (pasted from the portal): agency from the body, parent from the grounds + place
    assert at(facts.agency) == ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 13)
    assert at(facts.parent_agency) == ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", 11)
    assert at(facts.title) == ("Tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2024 và Kỷ niệm Ngày Khuyến học Việt Nam "
                               "02/10", 8)
    assert at(facts.theme) == ("Phát triển văn hóa đọc thúc đẩy học tập suốt đời", 23)
    assert at(facts.period) == (Period(dt.date(2024, 10, 1), dt.date(2024, 10, 7)), 27)
    assert [found.line for found in facts.purposes] == [17, 19]
    assert facts.purposes[0].value.startswith("Nâng cao nhận thức, tăng cường trách nhiệm")
    assert [found.line for found in facts.activities] == [31, 33, 35]
    assert facts.activities[1].value == ("Treo băng rôn, khẩu hiệu tại cơ quan, đơn vị; tổ chức tuyên truyền bằng nhiều "
                                         "hình thức về chủ đề và các hoạt động của Tuần lễ để công chức, viên chức, người "
                                         "lao động và người dân biết, tham gia")
    assert facts.slogans == [] and facts.quotes == []
    # "báo cáo theo quy định": who reports, but no deadline and no addressee
    assert facts.report_deadline is None and facts.report_to is None
    assert at(facts.reporter) == ("Văn phòng Sở", 43)
    assert at(facts.signer_title) == ("GIÁM ĐỐC", 58)
    assert at(facts.signer_name) == ("Ngô Anh Tín", 60)
    for found in (facts.code, facts.theme, facts.period, facts.signer_name):
        assert found is not None and found.quote == next(line.text for line in plan.lines if line.number == found.line)


@pytest.mark.parametrize(("line", "number", "code"), [
    ("Số: 15/KH-SKHCN", "15", "KH-SKHCN"),
    ("Số: /KH-SKHCN", "", "KH-SKHCN"),
    ("Số:     /KH-UBND", "", "KH-UBND"),
    ("Số 120/KH-UBND", "120", "KH-UBND"),
    ("Số: .../KH-UBND", "", "KH-UBND"),
    ("Số: 45-KH/HĐTN", "45", "KH/HĐTN"),
    ("Số: 1268/BVHTTDL-TV", "1268", "BVHTTDL-TV"),
])
def test_number_and_code(line: str, number: str, code: str) -> None:
    facts = facts_of(f"SỞ Y TẾ\n{line}\n\nKẾ HOẠCH\nTuyên truyền an toàn thực phẩm\n")
    assert at(facts.number) == (number, 2) and at(facts.code) == (code, 2)


def test_no_reference_line_means_no_number_rather_than_a_guess() -> None:
    facts = facts_of("KẾ HOẠCH\nTuyên truyền Ngày Sách\n\nCăn cứ Kế hoạch số 12/KH-UBND ngày 1/3/2024 của UBND quận;\n")
    assert facts.number is None and facts.code is None


HEADER = """\
ỦY BAN NHÂN DÂN
THÀNH PHỐ CẦN THƠ
SỞ KHOA HỌC VÀ CÔNG NGHỆ
-------
Số: 15/KH-SKHCN
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
_______________
Cần Thơ, ngày 25 tháng 9 năm 2024

KẾ HOẠCH
Tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2024
"""


def test_header_block_parent_and_agency_without_the_motto_or_underlines() -> None:
    facts = facts_of(HEADER)
    assert at(facts.parent_agency) == ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", 1)
    assert at(facts.agency) == ("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 3)
    assert at(facts.place) == ("Cần Thơ", 9) and at(facts.issued) == (PlanDate(25, 9, 2024), 9)
    assert at(facts.title) == ("Tổ chức Tuần lễ hưởng ứng học tập suốt đời năm 2024", 12)


def test_header_with_the_motto_read_first_like_a_table_row() -> None:
    """A DOCX header table read row by row puts the motto between the agency and "Số:"."""
    facts = facts_of("UBND TỈNH VĨNH LONG\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                     "Độc lập - Tự do - Hạnh phúc\nSố: 412/KH-STTTT\nVĩnh Long, ngày 18 tháng 9 năm 2023\nKẾ HOẠCH\n"
                     "Tuyên truyền Ngày Chuyển đổi số quốc gia\n")
    assert at(facts.parent_agency) == ("UBND TỈNH VĨNH LONG", 1)
    assert at(facts.agency) == ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG", 2)


@pytest.mark.parametrize(("header", "parent", "agency"), [
    ("ỦY BAN NHÂN DÂN PHƯỜNG 5", None, "ỦY BAN NHÂN DÂN PHƯỜNG 5"),
    ("ỦY BAN NHÂN DÂN\nPHƯỜNG 5", None, "ỦY BAN NHÂN DÂN PHƯỜNG 5"),
    ("BỘ VĂN HÓA, THỂ THAO\nVÀ DU LỊCH", None, "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH"),
    ("SỞ GIÁO DỤC VÀ ĐÀO TẠO SÓC TRĂNG\nTRƯỜNG THPT LÊ QUÝ ĐÔN", "SỞ GIÁO DỤC VÀ ĐÀO TẠO SÓC TRĂNG",
     "TRƯỜNG THPT LÊ QUÝ ĐÔN"),
    ("TỈNH ĐOÀN BẠC LIÊU\nBCH ĐOÀN HUYỆN HÒA BÌNH\n***", "TỈNH ĐOÀN BẠC LIÊU", "BCH ĐOÀN HUYỆN HÒA BÌNH"),
])
def test_agency_lines(header: str, parent: str | None, agency: str) -> None:
    facts = facts_of(f"{header}\nSố: 7/KH-UBND\n\nKẾ HOẠCH\nHưởng ứng Ngày Sách\n")
    assert (facts.parent_agency and facts.parent_agency.value) == parent
    assert facts.agency is not None and facts.agency.value == agency


def test_agency_from_the_closing_sentence_when_the_header_is_missing() -> None:
    facts = facts_of("Số: /KH-PGDĐT\nKẾ HOẠCH\nTổ chức Ngày Sách\n\n1. Nội dung\na) Trưng bày sách.\n\n"
                     "Trên đây là Kế hoạch tổ chức Ngày Sách của Phòng Giáo dục và Đào tạo./.\n")
    assert at(facts.agency) == ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", 8)
    assert facts.parent_agency is None  # no grounds name a People's Committee: nothing to infer


def test_parent_from_grounds_keeps_a_named_place() -> None:
    facts = facts_of("Số: /KH-SYT\nKẾ HOẠCH\nTuyên truyền an toàn thực phẩm\n\nCăn cứ Kế hoạch số 3/KH-UBND ngày "
                     "2/4/2024 của UBND tỉnh An Giang về an toàn thực phẩm;\nSở Y tế xây dựng Kế hoạch như sau:\n")
    assert at(facts.agency) == ("SỞ Y TẾ", 6)
    assert at(facts.parent_agency) == ("ỦY BAN NHÂN DÂN TỈNH AN GIANG", 5)


@pytest.mark.parametrize(("text", "title"), [
    ("KẾ HOẠCH\nTriển khai Tháng hành động vì an toàn thực phẩm\nnăm 2024\n\nCăn cứ …",
     "Triển khai Tháng hành động vì an toàn thực phẩm năm 2024"),
    ("KẾ HOẠCH TUYÊN TRUYỀN\nNgày Chuyển đổi số quốc gia năm 2024\n", "Tuyên truyền Ngày Chuyển đổi số quốc gia năm 2024"),
    ("KẾ HOẠCH\nHưởng ứng Ngày Sách\nCăn cứ Kế hoạch số 1/KH-UBND;\n", "Hưởng ứng Ngày Sách"),
    ("HƯỚNG DẪN\nTổ chức Tuần lễ học tập suốt đời\n", "Tổ chức Tuần lễ học tập suốt đời"),
    ("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH\nSố: 1268/BVHTTDL-TV\nV/v hướng dẫn tổ chức Ngày Sách và Văn hóa đọc\n"
     "Việt Nam lần thứ 3 năm 2024\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n",
     "hướng dẫn tổ chức Ngày Sách và Văn hóa đọc Việt Nam lần thứ 3 năm 2024"),
])
def test_title(text: str, title: str) -> None:
    facts = facts_of(text)
    assert facts.title is not None and facts.title.value == title


@pytest.mark.parametrize(("text", "theme"), [
    ('Chủ đề: "Sách là ngọn đèn tri thức".', "Sách là ngọn đèn tri thức"),
    ("Chủ đề của Tuần lễ năm 2023 là : “Học tập suốt đời”.", "Học tập suốt đời"),
    ("Chủ đề năm 2025: Chuyển đổi số toàn diện.", "Chuyển đổi số toàn diện"),
    ("- Chủ đề: *An toàn thực phẩm vì sức khỏe cộng đồng*", "An toàn thực phẩm vì sức khỏe cộng đồng"),
    ('2. Chủ đề\n\n"Đọc sách - Chắp cánh ước mơ"\n\n3. Thời gian', "Đọc sách - Chắp cánh ước mơ"),
    ("II. CHỦ ĐỀ\nTăng cường trách nhiệm của người sản xuất\nđối với sức khỏe cộng đồng\nIII. THỜI GIAN",
     "Tăng cường trách nhiệm của người sản xuất đối với sức khỏe cộng đồng"),
    ('Chủ đề của Tuần lễ năm 2019 là : "Xây dựng xã hội học tập,\nhọc tập suốt đời".',
     "Xây dựng xã hội học tập, học tập suốt đời"),
    ("Hưởng ứng Tuần lễ với chủ đề “Học để thay đổi” tại đơn vị.", "Học để thay đổi"),
])
def test_theme(text: str, theme: str) -> None:
    facts = facts_of(f"KẾ HOẠCH\nHưởng ứng\n\n{text}\n")
    assert facts.theme is not None and facts.theme.value == theme


def test_theme_absent_is_none() -> None:
    assert facts_of("KẾ HOẠCH\nHưởng ứng\n\n1. Nội dung chủ đề của tháng được triển khai.\n").theme is None


def test_period_under_the_time_heading_wins_and_grounds_are_skipped() -> None:
    facts = facts_of("""\
        Cần Thơ, ngày 20 tháng 9 năm 2024
        KẾ HOẠCH
        Tuần lễ học tập suốt đời

        Căn cứ Kế hoạch tổ chức từ ngày 01/9/2024 đến ngày 30/9/2024 của UBND thành phố;
        1. Nội dung
        a) Tập huấn từ ngày 20/9/2024 đến ngày 22/9/2024.
        2. Thời gian
        Từ 27/9 đến 5/10.
        """)
    assert at(facts.period) == (Period(dt.date(2024, 9, 27), dt.date(2024, 10, 5)), 9)


def test_period_without_a_time_heading_is_the_first_of_the_body() -> None:
    facts = facts_of("KẾ HOẠCH\nTháng hành động năm 2025\n\nTổ chức từ ngày 15/4 đến ngày 15/5/2025 trên địa bàn.\n"
                     "Sơ kết từ ngày 20/5/2025 đến ngày 25/5/2025.\n")
    assert at(facts.period) == (Period(dt.date(2025, 4, 15), dt.date(2025, 5, 15)), 4)


def test_activities_with_numbered_items_and_nested_sub_items() -> None:
    facts = facts_of("""\
        KẾ HOẠCH
        Ngày Sách

        II. NỘI DUNG HOẠT ĐỘNG
        1. Tuyên truyền trên trang thông tin điện tử của đơn vị.
        - Đăng tin bài về Ngày Sách;
        - Chia sẻ video ngắn.
        2. Tổ chức Hội sách tại nhà văn hóa.
        III. TỔ CHỨC THỰC HIỆN
        1. Văn phòng theo dõi, đôn đốc.
        """)
    assert values(facts.activities) == [
        "Tuyên truyền trên trang thông tin điện tử của đơn vị. - Đăng tin bài về Ngày Sách; - Chia sẻ video ngắn",
        "Tổ chức Hội sách tại nhà văn hóa"]
    assert [found.line for found in facts.activities] == [5, 8]


def test_activities_as_dash_items_under_an_unnumbered_heading_and_purposes_as_a_paragraph() -> None:
    facts = facts_of("""\
        KẾ HOẠCH
        Ngày Sách

        I. MỤC ĐÍCH, YÊU CẦU
        Khơi dậy niềm đam mê đọc sách trong nhân dân.
        Nội dung tuyên truyền:
        - Treo băng rôn tại trụ sở;
        - Phát thanh trên loa phường.
        Khẩu hiệu tuyên truyền:
        - "Mỗi ngày đọc một trang sách";
        - Tủ sách gia đình - Nền tảng của xã hội học tập!
        """)
    assert values(facts.purposes) == ["Khơi dậy niềm đam mê đọc sách trong nhân dân"]
    assert values(facts.activities) == ["Treo băng rôn tại trụ sở", "Phát thanh trên loa phường"]
    assert values(facts.slogans) == ["Mỗi ngày đọc một trang sách", "Tủ sách gia đình - Nền tảng của xã hội học tập!"]
    assert [found.line for found in facts.slogans] == [10, 11]


def test_purposes_descend_to_the_purpose_subsection() -> None:
    facts = facts_of("KẾ HOẠCH\nNgày Sách\n\nI. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích\n- Lan tỏa văn hóa đọc.\n"
                     "- Khuyến khích đọc sách.\n2. Yêu cầu\n- Tiết kiệm, hiệu quả.\n")
    assert values(facts.purposes) == ["Lan tỏa văn hóa đọc", "Khuyến khích đọc sách"]


def test_slogans_quoted_in_a_sentence_and_other_quotes() -> None:
    facts = facts_of("""\
        KẾ HOẠCH
        Tháng hành động

        Chủ đề: "Thực phẩm an toàn cho mọi nhà".
        Căn cứ Quyết định số 1/QĐ-TTg phê duyệt Đề án "Xây dựng văn hóa đọc trong cộng đồng";
        - Treo băng rôn với khẩu hiệu "Nói không với thực phẩm bẩn", "Ăn chín, uống sôi".
        - Tổ chức tọa đàm "Bữa cơm gia đình an toàn" và đăng trên trang Facebook "Trung tâm Y tế huyện".
        - Thực hiện Quyết định "Về việc ban hành quy chế mới" của Sở.
        - Giới thiệu "Thực phẩm an toàn cho mọi nhà" và "Ăn chín, uống sôi" đến người dân, hội "Học".
        """)
    assert values(facts.slogans) == ["Nói không với thực phẩm bẩn", "Ăn chín, uống sôi"]
    assert values(facts.quotes) == ["Bữa cơm gia đình an toàn"]
    assert facts.quotes[0].line == 7


def test_slogans_under_a_dash_label_take_its_plus_items() -> None:
    facts = facts_of("KẾ HOẠCH\nNgày Sách\n\n1. Nội dung\n- Khẩu hiệu:\n+ Sách là ngọn đèn;\n+ Đọc sách mỗi ngày.\n"
                     "- Trưng bày sách.\n")
    assert values(facts.slogans) == ["Sách là ngọn đèn", "Đọc sách mỗi ngày"]


@pytest.mark.parametrize(("sentence", "deadline", "reporter", "report_to"), [
    ("Các trường gửi báo cáo kết quả về Sở Giáo dục và Đào tạo (qua Phòng Giáo dục thường xuyên) trước ngày "
     "15/10/2024.", dt.date(2024, 10, 15), "Các trường", "Sở Giáo dục và Đào tạo"),
    ("Đề nghị UBND các phường báo cáo kết quả thực hiện về UBND quận chậm nhất ngày 20/5/2024 để tổng hợp.",
     dt.date(2024, 5, 20), "UBND các phường", "UBND quận"),
    ("3. Phòng Giáo dục và Đào tạo là cơ quan thường trực, tổng hợp kết quả, báo cáo Ủy ban nhân dân huyện trước ngày "
     "15 tháng 10 năm 2024.", dt.date(2024, 10, 15), "Phòng Giáo dục và Đào tạo", "Ủy ban nhân dân huyện"),
    ("Sở Y tế - cơ quan thường trực chủ trì, gửi báo cáo cho Ban Chỉ đạo tỉnh trước 25/5.", dt.date(2024, 5, 25),
     "Sở Y tế", "Ban Chỉ đạo tỉnh"),
    ("Các đơn vị tổng hợp và báo cáo theo quy định.", None, "Các đơn vị", None),
])
def test_report(sentence: str, deadline: dt.date | None, reporter: str, report_to: str | None) -> None:
    facts = facts_of(f"Hà Nội, ngày 2 tháng 4 năm 2024\nKẾ HOẠCH\nNgày Sách\n\nIV. TỔ CHỨC THỰC HIỆN\n{sentence}\n")
    assert (facts.report_deadline and facts.report_deadline.value) == deadline
    assert facts.reporter is not None and facts.reporter.value == reporter
    assert facts.reporter.line == 6
    assert (facts.report_to and facts.report_to.value) == report_to


def test_reporter_of_a_sub_item_is_its_item_and_speakers_are_not_reports() -> None:
    facts = facts_of("KẾ HOẠCH\nNgày Sách\n\n5. Tổ chức thực hiện\na) Mời báo cáo viên nói chuyện chuyên đề.\n"
                     "b) Văn phòng Sở\n- Chủ trì theo dõi;\n- Tổng hợp và báo cáo kết quả trước ngày 15/10/2024.\n")
    assert at(facts.reporter) == ("Văn phòng Sở", 6)
    assert at(facts.report_deadline) == (dt.date(2024, 10, 15), 8)


def test_no_report_sentence_means_no_report_facts() -> None:
    facts = facts_of("KẾ HOẠCH\nNgày Sách\n\nNơi nhận:\n- UBND quận (để báo cáo);\n- Lưu: VT.\n")
    assert (facts.report_deadline, facts.reporter, facts.report_to) == (None, None, None)


@pytest.mark.parametrize(("closing", "title", "name"), [
    ("GIÁM ĐỐC\n\nNgô Anh Tín", "GIÁM ĐỐC", "Ngô Anh Tín"),
    ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n(Đã ký)\nTrần Văn Bình", "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH", "Trần Văn Bình"),
    ("TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n\nThạch Thị Sa Rươne", "TM. ỦY BAN NHÂN DÂN – CHỦ TỊCH", "Thạch Thị Sa Rươne"),
    ("HIỆU TRƯỞNG\n(ký tên, đóng dấu)", "HIỆU TRƯỞNG", None),
])
def test_signer(closing: str, title: str, name: str | None) -> None:
    facts = facts_of(f"KẾ HOẠCH\nNgày Sách\n\nTrên đây là Kế hoạch./.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\n\n{closing}\n")
    assert facts.signer_title is not None and facts.signer_title.value == title
    assert (facts.signer_name and facts.signer_name.value) == name


def test_an_empty_or_unrelated_text_has_no_facts() -> None:
    assert facts_of("") == PlanFacts()
    facts = facts_of("Hôm nay trời đẹp.\nChúng tôi đi chơi công viên.\n")
    assert facts == PlanFacts()


# --- properties -----------------------------------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from([
    "Số: 15/KH-UBND", "Số: /KH-", "KẾ HOẠCH", "KẾ HOẠCH TUYÊN TRUYỀN", "V/v ", "Chủ đề:", "Chủ đề", '"', "“", "”",
    "Thời gian", "từ ngày 1-7/10/2024", "từ 27/9 đến 5/10", "Nội dung", "Mục đích", "a) ", "1. ", "II. ", "- ", "+ ",
    "Khẩu hiệu:", "báo cáo", "trước ngày 15/10/2024", "chậm nhất ngày", "về Sở Y tế", "Nơi nhận:", "GIÁM ĐỐC",
    "KT. CHỦ TỊCH", "Nguyễn Văn An", "(Đã ký)", "Căn cứ", "của Ủy ban nhân dân tỉnh", "xây dựng Kế hoạch", "./.",
    "ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ", "Cần Thơ, ngày 25 tháng 9 năm 2024", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    " ", ":", ".", ";", "(", ")", "*"])
_LINE = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=12)), max_size=6).map("".join)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W_]+", text.casefold()))


def _check_points_at_its_line(name: str, found: Found[object], plan: PlanText) -> None:
    line = next((line for line in plan.lines if line.number == found.line), None)
    assert line is not None and found.quote == line.text, name
    if isinstance(found.value, str) and found.value:
        value_words = _words(found.value)
        if name in ("agency", "parent_agency"):
            # inferred from the body: its words are on the line (a parent named by level only gets the plan's place)
            assert value_words & _words(line.text), name
        else:
            # the value's first word is on the line, maybe glued to the text before it: a PDF's text layer joins
            # "…VIỆT NAM" and "Cần Thơ, ngày …" when the motto and the place share a baseline
            first = sorted(value_words & _words(found.value.split()[0]))
            assert all(word in line.text.casefold() for word in first), name


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=25))
def test_random_text_never_raises_and_every_fact_points_at_its_line(raw_lines: list[str]) -> None:
    plan = plan_of("\n".join(raw_lines))
    facts = extract_facts(plan)
    for name, value in vars(facts).items():
        for found in value if isinstance(value, list) else [value]:
            if found is not None:
                _check_points_at_its_line(name, found, plan)
    if facts.period:
        assert facts.period.value.start <= facts.period.value.end
