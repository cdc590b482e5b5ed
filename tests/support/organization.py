"""A real organisation for tests that make reports: the shipped config.toml holds placeholders ("TÊN CƠ QUAN"), and
``loa report`` refuses to sign a report with them."""
from __future__ import annotations

import re
from pathlib import Path

CAN_THO = {
    "parent_agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
    "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
    "document_code": "SKHCN",
    "place": "Cần Thơ",
    "signer_title": "GIÁM ĐỐC",
    "signer_name": "Ngô Anh Tín",
    "recipients": ["UBND thành phố Cần Thơ (để báo cáo)", "Ban Giám đốc Sở", "Các phòng, đơn vị thuộc Sở"],
}


def _value(value: str | list[str]) -> str:
    return "[" + ", ".join(f'"{entry}"' for entry in value) + "]" if isinstance(value, list) else f'"{value}"'


def fill_organization(config: Path, values: dict[str, str | list[str]] | None = None) -> None:
    """Write real values over the placeholders of ``config``'s [organization] (each key's own line)."""
    text = config.read_text(encoding="utf-8")
    for key, value in (values or CAN_THO).items():
        text, found = re.subn(rf"^{key} = .*$", lambda _: f"{key} = {_value(value)}", text, count=1, flags=re.M)
        assert found, key
    config.write_text(text, encoding="utf-8")


def inline_organization(values: dict[str, str | list[str]] | None = None) -> str:
    """``organization = { ... }``, a line for the [campaign] table of a campaign file."""
    return "organization = { " + ", ".join(f"{k} = {_value(v)}" for k, v in (values or CAN_THO).items()) + " }"
