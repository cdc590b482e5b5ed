"""The organisation a campaign speaks for: config.toml's ``[organization]``, overridden key by key by a campaign
file's ``[campaign.organization]``.

The shipped config.toml carries placeholders ("TÊN CƠ QUAN") rather than a real agency, so an officer who forgets
to edit it never sends a report signed by somebody else. A placeholder is never printed: banners drop it, and the
report refuses to be made while one remains (scheduler/report/organization.py).
"""
from __future__ import annotations

import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict

# The keys, in the order a report prints them (header block, place and date, recipients, signature).
ORGANIZATION_KEYS = ("parent_agency", "agency", "document_code", "place", "recipients", "signer_title",
                     "signer_name")

# What the shipped config.toml says until the officer writes the real values.
PLACEHOLDERS = {
    "parent_agency": "TÊN CƠ QUAN CHỦ QUẢN",
    "agency": "TÊN CƠ QUAN",
    "document_code": "CHỮ VIẾT TẮT TÊN CƠ QUAN",
    "place": "ĐỊA DANH",
    "recipients": "TÊN NƠI NHẬN",
    "signer_title": "CHỨC VỤ NGƯỜI KÝ",
    "signer_name": "HỌ VÀ TÊN NGƯỜI KÝ",
}


def _folded(text: str) -> str:
    """Compared without case, spacing or Unicode form: "Tên cơ  quan" is the same placeholder."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_FOLDED_PLACEHOLDERS = {_folded(text) for text in PLACEHOLDERS.values()}


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is one of the template's placeholders (in any field: a copied line counts too)."""
    return _folded(value) in _FOLDED_PLACEHOLDERS


class CampaignOrganization(BaseModel):
    """``[campaign.organization]`` in a campaign file: the same keys as config.toml's, each optional."""

    model_config = ConfigDict(extra="forbid")

    parent_agency: str | None = None
    agency: str | None = None
    document_code: str | None = None
    place: str | None = None
    recipients: list[str] | None = None
    signer_title: str | None = None
    signer_name: str | None = None

    def stored(self) -> dict[str, Any] | None:
        """What the campaign row keeps: the keys the file sets, trimmed and in NFC; None for an empty table."""
        table: dict[str, Any] = {}
        for key in ORGANIZATION_KEYS:
            value = getattr(self, key)
            if isinstance(value, str):
                table[key] = unicodedata.normalize("NFC", value.strip())
            elif isinstance(value, list):
                table[key] = [unicodedata.normalize("NFC", entry.strip()) for entry in value if entry.strip()]
        return table or None


def effective_organization(configured: dict[str, Any], campaign: dict[str, Any] | None) -> dict[str, Any]:
    """config.toml's values, each overridden by the campaign's when the campaign sets it."""
    merged = {key: configured.get(key) for key in ORGANIZATION_KEYS}
    for key, value in (campaign or {}).items():
        if key in merged and value is not None:
            merged[key] = value
    return merged


def printable_organization(organization: dict[str, Any]) -> dict[str, Any]:
    """The organisation with placeholders blanked out: what a banner or a template may show ("" for unknown)."""
    shown: dict[str, Any] = {}
    for key, value in organization.items():
        if isinstance(value, list):
            shown[key] = [entry for entry in value if not is_placeholder(str(entry))]
        elif value is None:
            shown[key] = [] if key == "recipients" else ""
        else:
            shown[key] = "" if is_placeholder(str(value)) else value
    return shown
