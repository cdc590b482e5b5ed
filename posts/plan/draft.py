"""``draft_plan``: a plan document → a draft campaign (read → extract → week → file), and writing it safely."""
from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import os
import tomllib
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..files import writable_target, write_atomically, write_new_file
from ..i18n import t
from ..os_errors import os_error_text
from ..render.artefacts import DEFAULT_THEME
from ..render.items import dates_and_tags
from ..suggest import unknown_name
from ..times import zone
from . import draft_file
from .model import Found, Period, PlanDate, PlanDraft, PlanFacts, PlanText
from .week import DEFAULT_DAYS, DEFAULT_TIMES, propose_week
from .week_fit import TITLE_MOST, BannerRoom

FACT_NAMES = tuple(f.name for f in dataclasses.fields(PlanFacts))
# without these the file cannot be imported as it is: a placeholder marks each
NEEDED = ("title", "theme", "period")


# the label of each fact (keys written out: the locale test finds every key the code uses)
FACT_LABELS = {
    "number": "plan_draft.fact_number",
    "code": "plan_draft.fact_code",
    "place": "plan_draft.fact_place",
    "issued": "plan_draft.fact_issued",
    "parent_agency": "plan_draft.fact_parent_agency",
    "agency": "plan_draft.fact_agency",
    "title": "plan_draft.fact_title",
    "theme": "plan_draft.fact_theme",
    "period": "plan_draft.fact_period",
    "purposes": "plan_draft.fact_purposes",
    "activities": "plan_draft.fact_activities",
    "slogans": "plan_draft.fact_slogans",
    "quotes": "plan_draft.fact_quotes",
    "report_deadline": "plan_draft.fact_report_deadline",
    "reporter": "plan_draft.fact_reporter",
    "report_to": "plan_draft.fact_report_to",
    "signer_title": "plan_draft.fact_signer_title",
    "signer_name": "plan_draft.fact_signer_name",
}


def fact_label(name: str) -> str:
    return t(FACT_LABELS[name])


def shown_value(value: object) -> str:
    """A fact as the officer reads it: dates dd/mm/yyyy, a blank of the plan as "..."."""
    if isinstance(value, Period):
        return f"{value.start:%d/%m/%Y} – {value.end:%d/%m/%Y}"
    if isinstance(value, PlanDate):
        return t("plan_draft.issued_value", day=value.day or "...", month=value.month or "...",
                 year=value.year or "...")
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value) if str(value) != "" else "..."


def found_facts(facts: PlanFacts) -> list[tuple[str, Found[Any]]]:
    """Every fact found, in PlanFacts order; a list fact gives one entry per item."""
    found: list[tuple[str, Found[Any]]] = []
    for name in FACT_NAMES:
        value = getattr(facts, name)
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                found.append((name, item))
    return found


def missing_facts(facts: PlanFacts) -> list[str]:
    return [name for name in FACT_NAMES if getattr(facts, name) in (None, [])]


def looks_like_a_plan(facts: PlanFacts) -> bool:
    """A plan has at least a title after "KẾ HOẠCH", a theme or a period; a letter or a novel has none of them."""
    return any(getattr(facts, name) is not None for name in NEEDED)


def check_channels(channels: list[str], known: list[str], *, where: str) -> list[str]:
    if not channels or any(not name for name in channels):
        raise UserError(t("plan_draft.no_channels"), where=where)
    for name in channels:
        if name not in known:
            raise UserError(t("wording.unknown_channel", channel=name,
                              known=unknown_name(name, known, channels=True)), where=where)
    return list(dict.fromkeys(channels))


def _read(path: Path) -> tuple[PlanText, PlanFacts]:
    from .extract import extract_facts  # the steps of other modules, imported when a plan is drafted
    from .reading import read_plan

    plan = read_plan(path)
    return plan, extract_facts(plan)


def draft_plan(path: Path, *, channels: list[str], times: list[str] | tuple[str, ...] = DEFAULT_TIMES,
               per_day: int = 1, timezone: str = "Asia/Ho_Chi_Minh", known_channels: list[str] | None = None,
               channel_kinds: dict[str, str] | None = None, theme: str = DEFAULT_THEME,
               themes_dir: Path | None = None, now: dt.datetime | None = None) -> PlanDraft:
    """Read ``path``, find its facts and propose the week. Raises UserError (one line) for a file that is not a
    plan, cannot be read, or for channels/times that cannot be used. Writes nothing."""
    path = Path(path)
    channels = check_channels(list(channels), known_channels if known_channels is not None else list(channels),
                              where="--channels")
    if per_day < 1 or per_day > len(times):
        raise UserError(t("plan_draft.err_times", per_day=per_day, count=len(times)), where="[draft] times")
    plan, facts = _read(path)
    if not looks_like_a_plan(facts):
        raise UserError(t("plan_draft.not_a_plan"), where=str(path))
    return draft_from_facts(plan, facts, channels=channels, times=list(times), per_day=per_day, timezone=timezone,
                            channel_kinds=channel_kinds, theme=theme, themes_dir=themes_dir, now=now)


def draft_from_facts(plan: PlanText, facts: PlanFacts, *, channels: list[str], times: list[str], per_day: int = 1,
                     timezone: str = "Asia/Ho_Chi_Minh", channel_kinds: dict[str, str] | None = None,
                     theme: str = DEFAULT_THEME, themes_dir: Path | None = None,
                     now: dt.datetime | None = None) -> PlanDraft:
    """The draft of already extracted facts (the web workspace and the tests start here)."""
    campaign = draft_file.campaign_table(facts, channels=channels, timezone=timezone, plan_text=plan.text())
    kinds = [(channel_kinds or {}).get(c, c) for c in channels]
    footer = _footer(campaign)
    agency = campaign.get("organization", {}).get("agency")
    room = BannerRoom.for_channels(kinds, theme=theme, themes_dir=themes_dir, kicker=agency, footer=footer)
    name, theme_text = str(campaign["name"]), facts.theme.value if facts.theme is not None else None
    posts = propose_week(facts, name=name, theme=theme_text, channels=channels, times=times, per_day=per_day,
                         room=room, title_most=TITLE_MOST)
    missing = missing_facts(facts)
    found_names = list(dict.fromkeys(fact_label(name) for name, _ in found_facts(facts)))
    drafted = now or dt.datetime.now(zone(timezone))
    head = draft_file.head_comment(plan.path.name, drafted, found_names,
                                   [fact_label(name) for name in missing if name in NEEDED])
    days = (facts.period.value.end - facts.period.value.start).days + 1 if facts.period else DEFAULT_DAYS
    text = draft_file.campaign_file_text(facts, campaign, posts, head=head, days=days)
    tomllib.loads(text)  # a draft loa cannot read back would be a bug of loa's, not of the plan: fail loudly here
    return PlanDraft(plan=plan, facts=facts, campaign=campaign, posts=posts, missing=missing, toml=text)


def _footer(campaign: dict[str, Any]) -> str | None:
    """The banner's footer as the renderer will draw it (posts/render/artefacts.campaign_footer)."""
    start, end = campaign["start"], campaign["end"]
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):  # still a placeholder
        return " ".join(campaign.get("hashtags") or []) or None
    return dates_and_tags(start, end, campaign.get("hashtags") or [])


def draft_as_json(draft: PlanDraft, file: Path | None) -> dict[str, Any]:
    """``--json``: the file written, the facts found (with line and quote), the missing ones, posts, campaign."""
    def plain(value: Any) -> Any:
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return {
        "file": None if file is None else str(file),
        "found": [{"field": name, "value": plain(found.value), "line": found.line, "quote": found.quote}
                  for name, found in found_facts(draft.facts)],
        "missing": list(draft.missing),
        "posts": [plain(post) for post in draft.posts],
        "campaign": plain(draft.campaign),
    }


def write_draft(path: Path, text: str, *, force: bool, where: str = "-o") -> None:
    """Whole or not at all; an existing file only with ``force`` (it may be the officer's edited draft)."""
    if path.is_dir():
        raise UserError(t("logcmd.err_output_is_folder", path=path), where=where)
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
        missing = OSError(errno.ENOENT if not path.parent.is_dir() else errno.EACCES, "")
        raise UserError(t("logcmd.err_output_unwritable", path=path, error=os_error_text(missing, writing=True)),
                        where=where)
    if not force:
        if path.exists() or path.is_symlink():
            raise UserError(t("plan_draft.exists", path=path), where=where)
        try:
            write_new_file(path, text.encode("utf-8"))
        except FileExistsError:  # someone wrote it in between
            raise UserError(t("plan_draft.exists", path=path), where=where) from None
        except OSError as exc:
            raise UserError(t("logcmd.err_output_unwritable", path=path, error=os_error_text(exc, writing=True)),
                            where=where) from None
        return
    writable_target(path, where=where)
    write_atomically(path, text.encode("utf-8"), where=where)
