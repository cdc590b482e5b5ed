"""The report's content as plain blocks (headings, paragraphs, tables, the chart), written once for DOCX and HTML.

The blocks carry no layout: docx.py sets Decree 30's fonts, sizes and indents, html.py its own styles.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from loa.posts.i18n import current_language, t
from loa.posts.render.text import ngay

from .document import (Block, Chart, Closing, Header, Paragraph, ReportDocument, Segment, Table,
                       period_column)
from .figures import METRICS, MetricTotal, ReportFigures

if TYPE_CHECKING:
    from .chart import ChartImages

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def number(value: int) -> str:
    """1234 -> "1.234" in Vietnamese, "1,234" in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if current_language() == "vi" else text


def percent(part: int, whole: int) -> str:
    text = f"{100 * part / whole:.1f}%" if whole else "–"
    return text.replace(".", ",") if current_language() == "vi" else text


def date_text(day: dt.date) -> str:
    """Decree 30's "ngày 08 tháng 10 năm 2024" (zero padding by the shared ``ngay`` filter)."""
    if current_language() == "vi":
        return ngay(day)
    return f"{day.day:02d} {MONTHS_EN[day.month - 1]} {day.year}"


def metric_value(total: MetricTotal) -> str:
    """A figure with how many deliveries reported it; a metric no one reported is "no data", never 0."""
    if not total.available:
        return t("report.no_data")
    if total.known == total.of:
        return number(total.total)
    return t("report.known_of", total=number(total.total), known=number(total.known), of=number(total.of))


def cell_value(value: int | None) -> str | int:
    return t("report.no_data") if value is None else value


def _para(text: str, *, heading: bool = False, indent: bool = True) -> Paragraph:
    return Paragraph([Segment(text)], heading=heading, indent=indent)


def _placeholder(text: str) -> Paragraph:
    return Paragraph([Segment(text, placeholder=True)])


def build_document(figures: ReportFigures, organization: dict[str, object], report_date: dt.date, *,
                   media_dir: Path | None = None, charts: bool = True,
                   draw_charts: Callable[[], ChartImages] | None = None) -> ReportDocument:
    """The report's blocks; ``charts`` False skips drawing them, ``draw_charts`` gives them (the chart worker's
    images) instead of drawing them here; ``media_dir`` is where the log's photos are."""
    code = str(organization.get("document_code") or "")
    header = Header(
        parent_agency=str(organization.get("parent_agency") or "").upper(),
        agency=str(organization.get("agency") or "").upper(),
        number=t("report.number", code=f"-{code}" if code else ""),
        motto=t("report.motto"), slogan=t("report.slogan"),
        date_line=t("report.date_line", place=organization.get("place") or "…", date=date_text(report_date)),
        title=t("report.title"), summary=t("report.summary", name=figures.name))
    document = ReportDocument(header=header)
    blocks = document.blocks
    basis = figures.plan_ref or t("report.basis_default", name=figures.name)
    blocks.append(_para(t("report.basis", plan=basis)))
    blocks.append(_para(t("report.intro", start=f"{figures.start:%d/%m/%Y}", end=f"{figures.end:%d/%m/%Y}")))

    blocks.append(_para(t("report.section_results"), heading=True))
    blocks.append(_para(t("report.sub_online"), heading=True))
    if figures.published == 0:
        blocks.append(_para(t("report.nothing_published")))
    else:
        per_channel = "; ".join(f"{figures.channel_name(channel)}: {number(count)}"
                                for channel, count in sorted(figures.published_per_channel.items()))
        blocks.append(_para(t("report.online_summary", published=number(figures.published),
                              posts=number(figures.posts_published),
                              channels=number(len(figures.published_per_channel)), per_channel=per_channel)))
        blocks += _period_table(figures)
        if charts:
            blocks += _charts(figures, draw_charts)
        blocks += _links_table(figures)
    blocks += _changes(figures)

    blocks.append(_para(t("report.sub_engagement"), heading=True))
    if figures.published == 0:
        blocks.append(_para(t("report.no_engagement")))
    elif not _has_metrics(figures):
        blocks.append(_para(t("report.no_metrics")))
    else:
        blocks.append(_para(t("report.engagement_intro")))
        blocks.append(_para(f"- {t('report.metric_interactions')}: {metric_value(figures.interactions)};"))
        for name in METRICS:
            blocks.append(_para(f"- {t(f'report.metric_{name}')}: {metric_value(figures.metric_totals[name])};"))

    blocks.append(_para(t("report.sub_offline"), heading=True))
    blocks += _offline(figures)

    blocks.append(_para(t("report.section_assessment"), heading=True))
    blocks += _assessment(figures)
    blocks += _remarks(figures)
    blocks.append(_placeholder(t("report.placeholder_assessment")))
    blocks.append(_para(t("report.section_proposals"), heading=True))
    blocks.append(_placeholder(t("report.placeholder_proposals")))
    blocks.append(_para(t("report.closing_line")))

    recipients = [str(r) for r in organization.get("recipients") or []] or [t("report.default_recipient")]
    document.closing = Closing(
        recipients=[f"- {entry};" for entry in recipients] + [f"- {t('report.filing')}"],
        signer_title=str(organization.get("signer_title") or t("report.signer_title_missing")).upper(),
        signer_name=str(organization.get("signer_name") or t("report.signer_name_missing")))
    from .photos import build_appendix  # here: photos.py builds on this module's types

    document.appendix = build_appendix(figures, media_dir)
    return document


def grain(figures: ReportFigures) -> str:
    """"day", "week" or "month": how the period table and the charts group the campaign."""
    return "month" if figures.by_month else "week" if figures.by_week else "day"


def _charts(figures: ReportFigures, drawn: Callable[[], ChartImages] | None) -> list[Block]:
    """Chart 1: publications per period and channel; chart 2, only when some channel reported figures: interactions
    and reach. Each caption names what is drawn. The images are asked for when the document places them."""
    from functools import cache

    from .chart import engagement_lines

    unit = grain(figures)
    if drawn is None:
        def draw_here() -> ChartImages:
            from .chart import draw_charts

            return draw_charts(figures.periods, figures.channels, grain=unit, names=figures.channel_names)

        drawn = draw_here
    images = cache(drawn)  # both charts come from one drawing
    words = {"day": t("report14.grain_day"), "week": t("report14.grain_week"),
             "month": t("report14.grain_month")}[unit]
    blocks: list[Block] = [Chart(lambda: images()[0], t("report14.chart_posts_caption", n=1, grain=words))]
    interactions, reach = engagement_lines(figures.periods)  # as engagement_chart_png decides what it draws
    if interactions or reach:
        if interactions and reach:
            caption = t("report14.chart_both_caption", n=2, grain=words)
        elif interactions:
            caption = t("report14.chart_interactions_caption", n=2, grain=words)
        else:
            caption = t("report14.chart_reach_caption", n=2, grain=words)
        blocks.append(Chart(lambda: _engagement_png(images()), caption))
    return blocks


def _engagement_png(images: ChartImages) -> bytes:
    engagement = images[1]
    if engagement is None:  # cannot happen: drawn from the same periods by the same rule (engagement_lines)
        raise RuntimeError("the engagement chart was not drawn")
    return engagement[0]


def _remarks(figures: ReportFigures) -> list[Block]:
    """The officer's notes (``loa log add --kind note``), as the remarks under "Đánh giá chung"."""
    if not figures.notes:
        return []
    blocks: list[Block] = [_para(t("report14.remarks"))]
    for note in figures.notes:
        day = f"{note.day:%d/%m/%Y}"
        line = (t("report14.remark_place", text=note.title, date=day, place=note.place) if note.place
                else t("report14.remark", text=note.title, date=day))
        blocks.append(_para(line))
    total = figures.kinds.get("note", 0)
    if total > len(figures.notes):
        blocks.append(_para(t("report14.remarks_capped", shown=number(len(figures.notes)), total=number(total))))
    return blocks


def _has_metrics(figures: ReportFigures) -> bool:
    return figures.interactions.available or any(total.available for total in figures.metric_totals.values())


def _period_table(figures: ReportFigures) -> list[Block]:
    """Publications per day (week, month) and channel; a day with nothing published is left out, and said so."""
    channels, with_interactions, unit = figures.channels, figures.interactions.available, grain(figures)
    first = period_column(unit)
    headers = [first, *map(figures.channel_name, channels), t("report.col_total")]
    if with_interactions:
        headers.append(t("report.col_interactions"))
    rows: list[list[str | int]] = []
    shown = [period for period in figures.periods if period.posts]
    for period in shown:
        row: list[str | int] = [period.label, *(period.per_channel.get(c, 0) for c in channels), period.posts]
        if with_interactions:
            row.append(cell_value(period.interactions))
        rows.append(row)
    total: list[str | int] = [t("report.col_total"), *(figures.published_per_channel[c] for c in channels),
                              figures.published]
    if with_interactions:
        total.append(figures.interactions.total)
    rows.append(total)
    label_cm = 4.2 if unit == "week" else 3.0
    fixed = label_cm + 2.6 + (3.0 if with_interactions else 0)
    widths = [label_cm, *([(16.0 - fixed) / len(channels)] * len(channels)), 2.6]
    widths += [3.0] if with_interactions else []
    note = None
    if len(shown) < len(figures.periods):
        note = {"day": t("report14.quiet_days_left_out"), "week": t("report14.quiet_weeks_left_out"),
                "month": t("report14.quiet_months_left_out")}[unit]
    intro = {"day": "report.per_day_intro", "week": "report14.per_week_intro", "month": "report.per_month_intro"}
    return [_para(t(intro[unit])), Table(headers, rows, widths, note=note)]


def _links_table(figures: ReportFigures) -> list[Block]:
    """Time, channel, title and link of each publication; interactions and reach only when some were read; the
    approver when any publication has one recorded (posts approved before loa recorded it have none)."""
    with_metrics, with_approver = _has_metrics(figures), figures.approvers
    headers = [t("report.col_no"), t("report.col_time"), t("report.col_channel"), t("report.col_title"),
               t("report.col_link")]
    widths = [1.2, 2.4, 2.2, 5.8, 4.4]
    if with_metrics:
        headers += [t("report.col_interactions"), t("report.col_reach")]
        widths = [1.2, 2.4, 2.0, 4.2, 3.4, 1.8, 1.6]
    if with_approver:  # last, the title and the link narrowed to make room
        headers.append(t("review.col_approved_by"))
        widths = [*widths[:3], widths[3] - 1.2, widths[4] - 1.0, *widths[5:], 2.2]
    rows: list[list[str | int]] = []
    for n, item in enumerate(figures.links, start=1):
        row: list[str | int] = [n, f"{item.at:%H:%M %d/%m/%Y}", figures.channel_name(item.channel), item.title,
                                item.permalink or "–"]
        if with_metrics:
            row += [cell_value(item.interactions), cell_value(item.metrics.get("reach"))]
        if with_approver:
            row.append(item.approved_by or "–")
        rows.append(row)
    note = None
    if figures.published > len(figures.links):
        note = t("report.links_capped", shown=number(len(figures.links)), total=number(figures.published))
    return [_para(t("report.links_intro")), Table(headers, rows, widths, note=note)]


def _changes(figures: ReportFigures) -> list[Block]:
    """Corrections ("đính chính") and take-downs ("gỡ bài"): counted and listed; nothing when there were none."""
    if not figures.corrected and not figures.taken_down:
        return []
    headers = [t("report.col_no"), t("report.col_time"), t("report.col_channel"), t("report.col_title"),
               t("fix.report_col_action")]
    words = {"corrected": t("fix.action_update"), "taken_down": t("fix.action_delete")}
    rows: list[list[str | int]] = [[n, f"{item.at:%H:%M %d/%m/%Y}", figures.channel_name(item.channel), item.title,
                                    words[item.kind]]
                                   for n, item in enumerate(figures.changes, start=1)]
    total = figures.corrected + figures.taken_down
    note = None
    if total > len(figures.changes):
        note = t("report.links_capped", shown=number(len(figures.changes)), total=number(total))
    return [_para(t("fix.report_summary", corrected=number(figures.corrected),
                    taken_down=number(figures.taken_down))),
            Table(headers, rows, [1.2, 2.6, 2.4, 7.4, 2.4], note=note)]


def offline_totals(figures: ReportFigures) -> str:
    """"3 băng rôn, 500 tờ rơi": counts per unit, never one sum across units."""
    return ", ".join(f"{number(count)} {unit}" if unit else t("names.no_unit", count=number(count))
                     for unit, count in figures.offline_units)


def _offline(figures: ReportFigures) -> list[Block]:
    if not figures.offline_activities:
        return [_para(t("report.no_offline"))]
    headers = [t("report.col_no"), t("report.col_date"), t("report.col_activity"), t("report.col_place"),
               t("report.col_count")]
    rows: list[list[str | int]] = [
        [n, f"{item.day:%d/%m/%Y}", item.title, item.place or "–", item.amount]
        for n, item in enumerate(figures.offline, start=1)]
    note = None
    if figures.offline_activities > len(figures.offline):
        note = t("report.links_capped", shown=number(len(figures.offline)), total=number(figures.offline_activities))
    return [_para(t("names.offline_summary", activities=number(figures.offline_activities),
                    totals=offline_totals(figures))),
            Table(headers, rows, [1.2, 2.6, 6.8, 3.6, 1.8], note=note)]


def _assessment(figures: ReportFigures) -> list[Block]:
    blocks: list[Block] = []
    if figures.published:
        blocks.append(_para(t("report.on_time", on_time=number(figures.on_time), published=number(figures.published),
                              pct=percent(figures.on_time, figures.published), late=number(figures.late))))
        if figures.timing_unknown:
            blocks.append(_para(t("report.timing_unknown", count=number(figures.timing_unknown))))
    else:
        blocks.append(_para(t("report.nothing_published")))
    if figures.failed:
        per_channel = "; ".join(f"{figures.channel_name(c)}: {number(n)}"
                                for c, n in sorted(figures.failed_per_channel.items()))
        blocks.append(_para(t("report.failed", count=number(figures.failed), per_channel=per_channel)))
        blocks += [_para(f"- {reason}: {number(count)};") for reason, count in figures.failed_reasons]
    else:
        blocks.append(_para(t("report.no_failed")))
    if figures.missed:
        blocks.append(_para(t("report.missed", count=number(figures.missed))))
        blocks += [_para(f"- {reason}: {number(count)};") for reason, count in figures.missed_reasons]
    if figures.retries:
        blocks.append(_para(t("report.retries", count=number(figures.retries))))
    return blocks

