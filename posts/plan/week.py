"""The proposed week: a plan's facts become posts, one a day per channel by default.

Order, as the plan runs: day 1 the launch (theme and purposes in the plan's own words), then one post per activity
of "Nội dung", the slogans and quoted messages as banner headlines, a reminder half-way, the last day's closing post,
and a reminder to units before the reporting deadline. Bodies quote the plan's sentences; loa's own words only
connect them ("Chủ đề:", "Hoạt động 2 theo Kế hoạch:"), they state no fact. Titles and banners are shortened until
they fit (week_fit.py). Each post has a stable key (``khai-mac-portal``, ``hoat-dong-1-facebook``) so that a
re-draft imported over the campaign updates its posts instead of adding new ones.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..i18n import t
from .model import Found, PlanFacts, ProposedPost
from .week_fit import BannerRoom, short_title, words_within

DEFAULT_TIMES = ("07:30", "19:30")
DEFAULT_DAYS = 7  # when the plan gives no period: the officer fills the dates, the week keeps its shape
ITEM_MARK = re.compile(r"^\s*(?:[a-zđ]\)|[0-9]{1,2}[.)]|[IVX]{1,4}\.|[-+•–*])\s+", re.IGNORECASE)


@dataclass
class Topic:
    """What one slot of the week is about; each channel gets it as a post of its own."""

    key: str
    title: str
    body: str
    headline: str
    subline: str | None
    lines: tuple[int, ...]


def item_text(text: str) -> str:
    """A plan item without its mark ("a) ", "2. ", "- ") and with a full stop instead of the list's ";"."""
    text = ITEM_MARK.sub("", " ".join(text.split()), count=1).strip()
    return text[:-1].rstrip() + "." if text.endswith(";") else text


def _quoted(text: str) -> str:
    return f'"{text}"'


def _date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _lines(*found: Found[object] | None) -> tuple[int, ...]:
    return tuple(sorted({f.line for f in found if f is not None}))


def _paragraphs(*parts: str | None) -> str:
    return "\n\n".join(part for part in parts if part)


class _Writer:
    """Topics from facts; ``name`` and ``theme`` may be the draft's placeholders (then they read as such)."""

    def __init__(self, facts: PlanFacts, *, name: str, theme: str | None) -> None:
        self.facts, self.name, self.theme = facts, name, theme
        self.theme_line = t("plan_draft.body_theme", theme=theme) if theme else None

    def launch(self) -> Topic:
        f = self.facts
        purposes = [item_text(p.value) for p in f.purposes]
        period = item_text(f.period.quote) if f.period is not None else None  # a quote without its "2. "
        body = _paragraphs(period, self.theme_line,
                           (t("plan_draft.body_purposes") + "\n" + "\n".join(f"- {p}" for p in purposes))
                           if purposes else None)
        return Topic("khai-mac", t("plan_draft.title_launch", name=self.name),
                     body or self.name, self.name, self.theme, _lines(f.period, f.theme, *f.purposes))

    def activity(self, number: int, found: Found[str]) -> Topic:
        text = item_text(found.value)
        body = _paragraphs(t("plan_draft.body_activity", number=number) + "\n" + text, self.theme_line)
        return Topic(f"hoat-dong-{number}", short_title(text), body, short_title(text, 60),
                     self.theme or self.name, _lines(found, self.facts.theme))

    def slogan(self, number: int, found: Found[str], *, kind: str) -> Topic:
        text = item_text(found.value).rstrip(".!")
        intro = t("plan_draft.body_slogan" if kind == "khau-hieu" else "plan_draft.body_quote", name=self.name)
        return Topic(f"{kind}-{number}", short_title(text), _paragraphs(intro + "\n" + _quoted(text), self.theme_line),
                     text, self.name, _lines(found))

    def midway(self) -> Topic:
        f = self.facts
        activities = [short_title(item_text(a.value), 90) for a in f.activities]
        body = _paragraphs(t("plan_draft.body_midway", name=self.name), self.theme_line,
                           (t("plan_draft.body_activities") + "\n" + "\n".join(f"- {a}" for a in activities))
                           if activities else None)
        return Topic("giua-ky", t("plan_draft.title_midway", name=self.name), body,
                     self.theme or self.name, self.name if self.theme else None, _lines(f.theme, *f.activities))

    def closing(self) -> Topic:
        f = self.facts
        report = item_text(f.report_deadline.quote) if f.report_deadline is not None else (
            item_text(f.reporter.quote) if f.reporter is not None else None)
        body = _paragraphs(t("plan_draft.body_closing", name=self.name), self.theme_line, report)
        return Topic("be-mac", t("plan_draft.title_closing", name=self.name), body, self.name, self.theme,
                     _lines(f.theme, f.report_deadline or f.reporter))

    def report(self, deadline: Found[dt.date]) -> Topic:
        f = self.facts
        date = _date(deadline.value)
        who = t("plan_draft.body_report_who", reporter=f.reporter.value) if f.reporter is not None else None
        whom = t("plan_draft.body_report_to", report_to=f.report_to.value) if f.report_to is not None else None
        body = _paragraphs(t("plan_draft.body_report", date=date), item_text(deadline.quote),
                           " ".join(part for part in (who, whom) if part) or None)
        return Topic("nhac-bao-cao", t("plan_draft.title_report", date=date), body,
                     t("plan_draft.headline_report", date=date), self.name,
                     _lines(deadline, f.reporter, f.report_to))


def _day_of(start: dt.date | None, day: dt.date, days: int) -> int:
    """The campaign day of ``day``, kept within the campaign (a deadline after the end is reminded on its last
    day, one before the start on day 1: loa imports posts outside the dates only with a warning)."""
    if start is None:
        return days
    return min(max((day - start).days + 1, 1), days)


def plan_topics(facts: PlanFacts, *, name: str, theme: str | None, days: int,
                per_day: int) -> list[tuple[int, int, Topic]]:
    """(day, slot of the day, topic) for the week, in time order. Empty slots stay empty: loa invents no post."""
    writer = _Writer(facts, name=name, theme=theme)
    taken: dict[tuple[int, int], Topic] = {}
    last = (days, per_day - 1)
    taken[(1, 0)] = writer.launch()
    if last != (1, 0):
        taken[last] = writer.closing()
    if days >= 3:
        taken.setdefault(((days + 1) // 2, 0), writer.midway())
    if facts.report_deadline is not None:
        start = facts.period.value.start if facts.period is not None else None
        wanted = _day_of(start, facts.report_deadline.value - dt.timedelta(days=1), days)
        slot = _free_slot(taken, wanted, per_day, backwards=True)
        taken[slot] = writer.report(facts.report_deadline)
    fillers = [writer.activity(n, a) for n, a in enumerate(facts.activities, start=1)]
    fillers += [writer.slogan(n, s, kind="khau-hieu") for n, s in enumerate(facts.slogans, start=1)]
    fillers += [writer.slogan(n, q, kind="thong-diep") for n, q in enumerate(facts.quotes, start=1)]
    free = [(d, i) for d in range(1, days + 1) for i in range(per_day) if (d, i) not in taken]
    for slot, topic in zip(free, fillers):
        taken[slot] = topic
    # more activities than slots: extra posts from day 2 on, one more a day, rather than an activity left out
    extra_index, day = per_day, 2 if days > 1 else 1
    for topic in fillers[len(free):]:
        while (day, extra_index) in taken:
            day += 1
            if day > days:
                day, extra_index = (2 if days > 1 else 1), extra_index + 1
        taken[(day, extra_index)] = topic
    return [(d, i, taken[(d, i)]) for d, i in sorted(taken)]


def _free_slot(taken: dict[tuple[int, int], Topic], day: int, per_day: int, *, backwards: bool) -> tuple[int, int]:
    days = range(day, 0, -1) if backwards else range(day, day + 1)
    for candidate in days:
        for index in range(per_day):
            if (candidate, index) not in taken:
                return candidate, index
    index = per_day
    while (day, index) in taken:
        index += 1
    return day, index


def post_time(times: list[str], *, channel_index: int, slot: int, per_day: int) -> str:
    """One post a day: the k-th channel at times[k mod len] (portal 07:30, Facebook 19:30); n a day: slot i at
    times[i] for every channel (extra slots, when activities overflow, go round the list)."""
    if per_day == 1 and slot == 0:
        return times[channel_index % len(times)]
    return times[slot % len(times)]


def propose_week(facts: PlanFacts, *, name: str, theme: str | None, channels: list[str], times: list[str],
                 per_day: int = 1, room: BannerRoom | None = None, title_most: int = 150) -> list[ProposedPost]:
    """The posts of the draft: every topic of ``plan_topics`` on every channel, titles and banners fitted."""
    if facts.period is not None:
        days = (facts.period.value.end - facts.period.value.start).days + 1
    else:
        days = DEFAULT_DAYS
    posts: list[ProposedPost] = []
    for day, slot, topic in plan_topics(facts, name=name, theme=theme, days=max(days, 1), per_day=per_day):
        headline, subline = topic.headline, topic.subline
        if room is not None:
            headline, subline = room.fit(headline, subline)
        else:
            headline, subline = words_within(headline, 60), (words_within(subline, 90) if subline else None)
        title = topic.title if len(topic.title) <= title_most else short_title(topic.title, title_most)
        for index, channel in enumerate(channels):
            posts.append(ProposedPost(
                day=day, time=post_time(times, channel_index=index, slot=slot, per_day=per_day), title=title,
                body=topic.body, channels=(channel,), headline=headline, subline=subline,
                key=f"{topic.key}-{channel}", source_lines=topic.lines))
    posts.sort(key=lambda p: (p.day, p.time, channels.index(p.channels[0])))
    return posts
