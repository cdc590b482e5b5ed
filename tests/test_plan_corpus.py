"""The plan corpus (tests/plans/): every plan, as TXT, as an agency's DOCX and as the PDF LibreOffice makes of it, yields
the facts a careful reader finds in it (NAME.json, conventions in tests/plans/README.md); every draft imports and renders.

Needs LibreOffice (soffice), installed by .ci/run: a missing one fails, never skips.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from support.plan_docs import docx_from_txt, pdfs_from_docx

from loa.posts.plan.model import Found, PlanFacts

PLANS = Path(__file__).parent / "plans"
NAMES = sorted(path.stem for path in PLANS.glob("*.txt"))
KINDS = ("txt", "docx", "pdf")
SINGLE = ("number", "code", "place", "parent_agency", "agency", "title", "theme", "reporter", "report_to",
          "signer_title", "signer_name")


def expected(name: str) -> dict[str, Any]:
    return json.loads((PLANS / f"{name}.json").read_text(encoding="utf-8"))


def test_the_corpus_is_what_the_issue_asks_for() -> None:
    """At least ten plans and the sample, each with its facts; the sample copied unchanged."""
    assert len(NAMES) >= 11
    assert "ke-hoach-tuan-le-hoc-tap-suot-doi-2024" in NAMES
    fields = set(SINGLE) | {"issued", "start", "end", "activities", "slogans", "report_deadline"}
    for name in NAMES:
        facts = expected(name)
        assert set(facts) == fields, name
        assert dt.date.fromisoformat(facts["start"]) <= dt.date.fromisoformat(facts["end"]), name
        assert facts["activities"], f"{name}: every plan has a Nội dung section"
        text = (PLANS / f"{name}.txt").read_text(encoding="utf-8")
        for slogan in facts["slogans"]:
            assert slogan in text, f"{name}: slogan not in the plan: {slogan}"


@pytest.fixture(scope="session")
def corpus_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every plan as TXT, DOCX and PDF; the PDFs made by one LibreOffice run for the whole session (it is slow to start)."""
    folder = tmp_path_factory.mktemp("plans")
    docx = {name: docx_from_txt(PLANS / f"{name}.txt", folder / f"{name}.docx") for name in NAMES}
    pdfs = dict(zip(NAMES, pdfs_from_docx(*docx.values())))
    files: dict[tuple[str, str], Path] = {}
    for name in NAMES:
        files[(name, "txt")] = PLANS / f"{name}.txt"
        files[(name, "docx")] = docx[name]
        files[(name, "pdf")] = pdfs[name]
    return files


def _same(text: str) -> str:
    """Compare as a reader does: NFC, one space, one kind of dash and quote."""
    text = unicodedata.normalize("NFC", text).replace("–", "-").replace("—", "-")
    text = text.replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def _value(found: Found[Any] | None) -> Any:
    return None if found is None else found.value


def observed(facts: PlanFacts) -> dict[str, Any]:
    """The extracted facts in the JSON's shape, each text compared the way a reader compares."""
    result: dict[str, Any] = {}
    for key in SINGLE:
        value = _value(getattr(facts, key))
        result[key] = None if value is None else _same(value)
    issued = _value(facts.issued)
    result["issued"] = None if issued is None else {"day": issued.day, "month": issued.month, "year": issued.year}
    period = _value(facts.period)
    result["start"] = None if period is None else period.start.isoformat()
    result["end"] = None if period is None else period.end.isoformat()
    deadline = _value(facts.report_deadline)
    result["report_deadline"] = None if deadline is None else deadline.isoformat()
    result["slogans"] = [_same(found.value) for found in facts.slogans]
    result["activities"] = [_same(found.value) for found in facts.activities]
    return result


def _want(name: str) -> dict[str, Any]:
    want = expected(name)
    for key in SINGLE:
        if want[key] is not None:
            want[key] = _same(want[key])
    want["slogans"] = [_same(slogan) for slogan in want["slogans"]]
    want["activities"] = [_same(start) for start in want["activities"]]
    return want


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_plan_facts(name: str, kind: str, corpus_files: dict[tuple[str, str], Path]) -> None:
    """Every fact of every plan, in every format; one failure message lists every fact that differs."""
    from loa.posts.plan.extract import extract_facts
    from loa.posts.plan.reading import read_plan

    plan = read_plan(corpus_files[(name, kind)])
    got = observed(extract_facts(plan))
    want = _want(name)
    differences = []
    for key, value in want.items():
        if key == "activities":
            starts = got["activities"]
            if len(starts) != len(value) or not all(item.startswith(start) for item, start in zip(starts, value)):
                differences.append(f"activities: want {value!r}\n    got {starts!r}")
        elif got[key] != value:
            differences.append(f"{key}: want {value!r}\n    got {got[key]!r}")
    assert not differences, f"{name}.{kind}:\n  " + "\n  ".join(differences)


@pytest.mark.parametrize("name", NAMES)
def test_found_facts_quote_their_line(name: str, corpus_files: dict[tuple[str, str], Path]) -> None:
    """"dòng N: …" must be true: each fact's quote is the text of the line it names."""
    from loa.posts.plan.extract import extract_facts
    from loa.posts.plan.reading import read_plan

    plan = read_plan(corpus_files[(name, "docx")])
    lines = {line.number: line.text for line in plan.lines}
    facts = extract_facts(plan)
    found: list[Found[Any]] = [value for value in vars(facts).values() if isinstance(value, Found)]
    found += [item for value in vars(facts).values() if isinstance(value, list) for item in value]
    assert found
    for fact in found:
        assert lines.get(fact.line) == fact.quote, f"{name}: line {fact.line} is not {fact.quote!r}"


@pytest.mark.parametrize("name", NAMES)
def test_every_draft_of_the_corpus_imports_and_renders(project, name: str) -> None:
    """``loa campaign draft`` on each plan writes a file ``loa campaign import`` takes as it is (every post a draft)
    and every post renders. Corpus plans state all a campaign needs, so no «…» placeholder is left to fill."""
    plan = project.root / f"{name}.txt"
    plan.write_bytes((PLANS / f"{name}.txt").read_bytes())
    project.ok("campaign", "draft", str(plan), "-o", "draft.toml")
    text = (project.root / "draft.toml").read_text(encoding="utf-8")
    assert "«" not in re.sub(r"(?m)^\s*#.*$", "", text), f"{name}: a placeholder outside a comment"
    slug = tomllib.loads(text)["campaign"]["slug"]
    project.ok("campaign", "import", "draft.toml", "--allow-past")
    posts = project.json("queue", "--campaign", slug)["posts"]
    assert len(posts) >= 3 and {post["status"] for post in posts} == {"draft"}, name
    project.ok("render", "--campaign", slug)


@pytest.mark.parametrize("name", NAMES)
def test_a_plan_drafts_the_same_campaign_from_txt_docx_and_pdf(corpus_files, name: str) -> None:
    from loa.posts.plan.draft import draft_plan

    drafts = {kind: draft_plan(corpus_files[(name, kind)], channels=["portal", "facebook"]) for kind in KINDS}
    tables = {kind: tomllib.loads(draft.toml)["campaign"] for kind, draft in drafts.items()}
    assert tables["docx"] == tables["txt"] and tables["pdf"] == tables["txt"], name
    assert len(drafts["docx"].posts) == len(drafts["pdf"].posts) == len(drafts["txt"].posts), name
