"""A plan's lines → the facts a campaign needs (``PlanFacts``), each with the line it came from.

The rules live by topic: ``header`` (reference, place and date, agencies, title), ``content`` (theme, period,
purposes, activities, slogans, quotes), ``report`` (reporting deadline and parties, signer); ``sections`` knows the
plan's outline. Pure and fast: regular expressions over the lines, no network, nothing guessed.
"""
from __future__ import annotations

from loa.posts.plan import content, header, report
from loa.posts.plan.model import PlanFacts, PlanText
from loa.posts.plan.sections import Outline


def extract_facts(plan: PlanText) -> PlanFacts:
    lines = tuple(line for line in plan.lines if line.text.strip())
    facts = PlanFacts()
    title_at = header.title_index(lines)
    header_end = title_at if title_at is not None else min(len(lines), 40)
    facts.number, facts.code, number_at = header.reference(lines, header_end)
    facts.place, facts.issued = header.place_and_date(lines, header_end)
    facts.parent_agency, facts.agency = header.header_agencies(lines, number_at, title_at)
    body_start = title_at + 1 if title_at is not None else 0
    if facts.agency is None:
        # pasted from a portal without the header block: the body names the agency and the grounds its parent
        facts.agency = header.body_agency(lines, body_start)
        if facts.agency is not None and facts.parent_agency is None:
            facts.parent_agency = header.body_parent(lines, facts.place.value if facts.place else None)
    facts.title = header.title(lines, title_at, number_at)

    outline = Outline(lines)
    facts.theme = content.theme(outline)
    issued_year = facts.issued.value.year if facts.issued else None
    year = content.plan_year(outline, issued_year, facts.title.value if facts.title else None)
    facts.period = content.period(outline, year)
    facts.purposes = content.purposes(outline)
    facts.activities = content.activities(outline)
    facts.slogans = content.slogans(outline)
    known = {found.value for found in facts.slogans} | ({facts.theme.value} if facts.theme else set())
    if facts.title:
        known.add(facts.title.value)
    facts.quotes = content.quotes(outline, known)
    facts.report_deadline, facts.reporter, facts.report_to = report.report(outline, year)
    facts.signer_title, facts.signer_name = report.signer(lines)
    return facts
