"""The report's charts, as PNG bytes: publications per day (week, month) stacked by channel, and — only when some
channel reported figures — interactions and reach per day.

Each chart shows exactly what its caption says (wording.py writes the captions from what was drawn).
matplotlib is imported here only (Agg backend, no display), so commands other than ``loa report`` never load it.
The same figures give the same bytes: no timestamp or version in the PNG metadata, a fixed size and dpi.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from loa.posts.i18n import t

if TYPE_CHECKING:  # the chart worker (chart_worker.py) draws from plain attributes, without figures.py's SQLAlchemy
    from .figures import Period

WIDTH_IN, HEIGHT_IN, DPI = 6.3, 2.6, 150
CHANNEL_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#843c0c", "#595959")
INTERACTIONS_COLOUR, REACH_COLOUR = "#c00000", "#2e75b6"
# the posts chart, then the engagement chart with which of interactions and reach it draws (None: no figures)
ChartImages = tuple[bytes, "tuple[bytes, bool, bool] | None"]


def load_library() -> Any:
    """matplotlib's Figure on the Agg backend (the chart worker imports it while the report reads the database)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends import backend_agg  # noqa: F401 - what savefig draws with: loaded now, not then
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state between calls
    from matplotlib.ticker import MaxNLocator  # noqa: F401 - the axes' integer ticks

    return Figure


def _figure() -> tuple[Any, Any]:
    Figure = load_library()  # noqa: N806 - a class
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot()
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    return figure, axes


def _axis(axes: Any, periods: list[Period], grain: str) -> None:
    from matplotlib.ticker import MaxNLocator

    # "01/10" of "01/10/2024"; a week's label is long, so its number and span go on two lines
    labels = [p.label[:5] if grain == "day" else p.label.replace(" (", "\n(") for p in periods]
    positions = list(range(len(periods)))
    step = max(1, len(positions) // (15 if grain == "day" else 8))  # labels never overlap
    axes.set_xticks(positions[::step], labels[::step], rotation=45 if grain == "day" and len(positions) > 8 else 0,
                    fontsize=7 if grain == "week" else 8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    from .document import period_column

    axes.set_xlabel(period_column(grain))


def _png(figure: Any, axes: Any, *, legend: bool = True) -> bytes:
    if legend:  # above the plot, where it can never cover a bar
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4, fontsize=8, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def posts_chart_png(periods: list[Period], channels: list[str], *, grain: str,
                    names: dict[str, str] | None = None) -> bytes:
    """Publications per period, one stacked bar segment per channel (the legend names the channels, by their
    display ``names`` when given)."""
    figure, axes = _figure()
    positions = list(range(len(periods)))
    bottom = [0] * len(periods)
    for n, channel in enumerate(channels):
        heights = [p.per_channel.get(channel, 0) for p in periods]
        axes.bar(positions, heights, bottom=bottom, color=CHANNEL_COLOURS[n % len(CHANNEL_COLOURS)],
                   label=(names or {}).get(channel, channel))
        bottom = [b + h for b, h in zip(bottom, heights)]
    axes.set_ylabel(t("report14.chart_posts_axis"))
    _axis(axes, periods, grain)
    return _png(figure, axes)


def engagement_lines(periods: list[Period]) -> tuple[bool, bool]:
    """Whether the engagement chart draws interactions, reach: a line for each that some period has figures for."""
    return (any(p.interactions is not None for p in periods), any(p.reach is not None for p in periods))


def engagement_chart_png(periods: list[Period], *, grain: str) -> tuple[bytes, bool, bool] | None:
    """Interactions and reach per period as lines; None when no channel reported either. Also says which of the
    two were drawn, so the caption names exactly those."""
    with_interactions, with_reach = engagement_lines(periods)
    if not with_interactions and not with_reach:
        return None
    figure, axes = _figure()
    positions = list(range(len(periods)))

    def line(on: Any, attribute: str, colour: str, label: str) -> None:
        # a period without figures is a gap in the line, never a 0
        values = [getattr(p, attribute) if getattr(p, attribute) is not None else float("nan") for p in periods]
        on.plot(positions, values, color=colour, marker="o", linewidth=1.5, label=label)

    if with_interactions:
        line(axes, "interactions", INTERACTIONS_COLOUR, t("report.chart_interactions"))
        axes.set_ylabel(t("report.chart_interactions"))
    reach_axes = axes
    if with_reach:
        if with_interactions:  # reach is often a hundred times the interactions: its own scale on the right
            from matplotlib.ticker import MaxNLocator

            reach_axes = axes.twinx()
            reach_axes.spines["top"].set_visible(False)
            reach_axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        line(reach_axes, "reach", REACH_COLOUR, t("report14.chart_reach"))
        reach_axes.set_ylim(bottom=0)  # after the line: before it, the top would be fixed at 1 too
        reach_axes.set_ylabel(t("report14.chart_reach"))
    _axis(axes, periods, grain)
    if reach_axes is not axes:  # one legend for both lines
        handles, labels = axes.get_legend_handles_labels()
        more = reach_axes.get_legend_handles_labels()
        axes.legend(handles + more[0], labels + more[1], loc="lower left", bbox_to_anchor=(0, 1.0), ncol=4,
                    fontsize=8, frameon=False)
        return _png(figure, axes, legend=False), with_interactions, with_reach
    return _png(figure, axes), with_interactions, with_reach


def draw_charts(periods: list[Period], channels: list[str], *, grain: str,
                names: dict[str, str] | None = None) -> ChartImages:
    """Both charts of the report, as the chart worker (chart_worker.py) and the in-process fallback draw them."""
    return (posts_chart_png(periods, channels, grain=grain, names=names),
            engagement_chart_png(periods, grain=grain))
