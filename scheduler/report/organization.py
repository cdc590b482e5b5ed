"""The organisation a report is signed by, checked before anything is computed or written.

config.toml's ``[organization]`` under the campaign's own ``[campaign.organization]``. The shipped config.toml holds
placeholders ("TÊN CƠ QUAN"): a report that would carry one — or an empty agency, place or signer — is refused,
naming the key, the file (and line) where it is set, and where else it can be set.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.models import Campaign
from loa.posts.organization import ORGANIZATION_KEYS, effective_organization, is_placeholder
from loa.posts.tomlfile import line_of

# Printed as they are; an empty one would leave a hole in the header or the signature. Recipients may be empty:
# the report then names the agency's leadership (wording.py).
REQUIRED = tuple(key for key in ORGANIZATION_KEYS if key != "recipients")


def _problem(key: str, value: Any) -> tuple[str, str] | None:
    """(kind, offending text) when ``value`` cannot go into a report: "placeholder" or "empty"."""
    if isinstance(value, list):
        left = next((str(entry) for entry in value if is_placeholder(str(entry))), None)
        return ("placeholder", left) if left is not None else None
    text = "" if value is None else str(value)
    if is_placeholder(text):
        return "placeholder", text.strip()
    if key in REQUIRED and not text.strip():
        return "empty", ""
    return None


def _what(key: str) -> str:
    """What the officer writes for ``key``, in words ("tên cơ quan")."""
    return {"parent_agency": t("org.what_parent_agency"), "agency": t("org.what_agency"),
            "document_code": t("org.what_document_code"), "place": t("org.what_place"),
            "recipients": t("org.what_recipients"), "signer_title": t("org.what_signer_title"),
            "signer_name": t("org.what_signer_name")}[key]


def _where(path: Path | str | None, loc: tuple[str, ...]) -> str | None:
    """``FILE:LINE`` of ``loc`` in a TOML file, best effort: the file alone when it cannot be read any more."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return str(path)
    line = line_of(text, loc)
    return f"{path}:{line}" if line else str(path)


def report_organization(configured: dict[str, Any], config_path: Path, campaign: Campaign) -> dict[str, Any]:
    """The effective organisation of ``campaign``'s report; a UserError for the first placeholder or gap."""
    own = campaign.organization or {}
    organization = effective_organization(configured, own)
    problems = [(key, found) for key in ORGANIZATION_KEYS if (found := _problem(key, organization[key]))]
    if not problems:
        return organization
    (key, (kind, value)), others = problems[0], [name for name, _ in problems[1:]]
    if key in own:  # the campaign file set it: that is where it must be fixed
        table, where, elsewhere = "[campaign.organization]", _where(campaign.source_file,
                                                                     ("campaign", "organization", key)), ""
    else:
        table, where = "[organization]", _where(config_path, ("organization", key))
        elsewhere = t("org.elsewhere")
    if kind == "placeholder":
        message = t("org.placeholder", table=table, key=key, value=value, what=_what(key), elsewhere=elsewhere)
    else:
        message = t("org.empty", table=table, key=key, what=_what(key), elsewhere=elsewhere)
    if others:
        message += t("org.others", keys=", ".join(others))
    raise UserError(message, where=where)
