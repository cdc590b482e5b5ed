"""clean_text: one plan line as the officer would type it; glued date words split, codes never."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from loa.posts.plan.clean import clean_text, is_syllable

CODES = ["KH-SKHCN", "4043/UBND-KGVX", "02/10", "COVID-19", "5G", "H5N1", "IPv6", "Số: 15/KH-UBND", "#NgàySách",
         "tuan-le-2024", "ngay@soyte.gov.vn", "https://hoctap.vn/nam2024"]

CASES = {
    # marks and invisible characters
    "curly quotes": ("Chủ đề: “Phát triển văn hóa đọc”, ‘Ngày sách’, «Đọc»", 'Chủ đề: "Phát triển văn hóa đọc", \'Ngày sách\', "Đọc"'),
    "emphasis inside quotes": ("Chủ đề: “*Phát triển văn hóa đọc*”.", 'Chủ đề: "Phát triển văn hóa đọc".'),
    "bold and underscore": ("**Thời gian** và __địa điểm__ _tổ chức_ ***chung***", "Thời gian và địa điểm tổ chức chung"),
    "emphasis cut by a line end": ("“*Phát triển văn hóa đọc", '"Phát triển văn hóa đọc'),
    "lone star kept": ("5 * 3 = 15; a*b", "5 * 3 = 15; a*b"),
    "snake case kept": ("tep_ke_hoach_2024.docx", "tep_ke_hoach_2024.docx"),
    "nbsp and narrow nbsp": ("ngày\u00a001\u202ftháng\u2009 10", "ngày 01 tháng 10"),
    "zero width and bom": ("\ufeffKẾ\u200b HOẠCH\u200d", "KẾ HOẠCH"),
    "soft hyphen": ("Khuyến\u00adhọc", "Khuyếnhọc"),
    "tabs and spaces": ("  Số:\t15/KH-SKHCN \t  Cần Thơ  ", "Số: 15/KH-SKHCN Cần Thơ"),
    "decomposed to NFC": (unicodedata.normalize("NFD", "Học tập suốt đời"), "Học tập suốt đời"),
    # glued by extraction
    "date word then year": ("năm2014", "năm 2014"),
    "date word then date": ("ngày01/10/2024", "ngày 01/10/2024"),
    "year then date word": ("01/10/2024đến ngày 07/10/2024", "01/10/2024 đến ngày 07/10/2024"),
    "both sides": ("từngày01/10/2024đến", "từ ngày 01/10/2024 đến"),
    "capitals": ("NĂM2024", "NĂM 2024"),
    "syllable then date word": ("Việt Nam nướctừ ngày 1", "Việt Nam nước từ ngày 1"),
    "date word then syllable": ("trướcngày 15/10/2024", "trước ngày 15/10/2024"),
    "not a date word": ("Tuầnlễ", "Tuầnlễ"),
    "foreign word": ("Facebook Zalo website online", "Facebook Zalo website online"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cleaning(name):
    text, expected = CASES[name]
    assert clean_text(text) == expected


@pytest.mark.parametrize("code", CODES)
def test_codes_are_never_split(code):
    assert clean_text(code) == code
    assert clean_text(f"theo văn bản {code} ngày 19") == f"theo văn bản {code} ngày 19"


def test_syllables():
    for word in ("nước", "từ", "nghiêng", "khuyến", "Trường", "QUỐC", "yêu", "hết"):
        assert is_syllable(word), word
    for word in ("nướctừ", "COVID", "Facebook", "xyz", "hàá"):
        assert not is_syllable(word), word


def _letters_and_digits(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFC", text) if char.isalnum())


VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậđeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
# pieces, not only characters: whole date words and codes glued to anything are where splitting could go wrong
plan_text = st.lists(st.sampled_from(
    list(VIETNAMESE + VIETNAMESE.upper() + "0123456789 /-.,:;()*_#@\"'\t")
    + ["“", "”", "‘", "’", "\u00a0", "\u202f", "\u00ad", "\u200b", "\ufeff", "ngày", "tháng", "năm", "từ", "đến",
       "trước", "hết", "nước", "KH-SKHCN", "COVID-19", "H5N1", "IPv6", "5G", "**", "\u0301"]), max_size=40).map("".join)


@given(plan_text)
@example("năm2014*x*")
@example("*năm*2014")
def test_cleaning_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@given(plan_text)
def test_cleaning_keeps_every_letter_and_digit(text):
    assert _letters_and_digits(clean_text(text)) == _letters_and_digits(text)


@given(st.sampled_from(CODES), plan_text, plan_text)
def test_codes_survive_any_surroundings(code, before, after):
    cleaned = clean_text(f"{before} {code} {after}")
    assert f" {code} " in f" {cleaned} "
