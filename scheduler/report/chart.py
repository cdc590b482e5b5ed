"""The chart of the report: posts per day (bars) and interactions per day (line), as PNG bytes.

matplotlib is imported here only (Agg backend, no display), so commands other than ``loa report`` never load it.
The same figures give the same bytes: no timestamp or version in the PNG metadata, a fixed size and dpi.
"""
from __future__ import annotations

import io

from posts.i18n import t

from .figures import Period

WIDTH_IN, HEIGHT_IN, DPI = 6.3, 2.6, 150


def chart_png(periods: list[Period], *, by_month: bool) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state between calls
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot()
    labels = [p.label[:5] if not by_month else p.label for p in periods]  # "01/10" of "01/10/2024"
    positions = list(range(len(periods)))
    axes.bar(positions, [p.posts for p in periods], color="#1f4e79", label=t("report.chart_posts"))
    axes.set_ylabel(t("report.chart_posts"))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, len(positions) // 15)  # at most ~15 labels, so they never overlap
    axes.set_xticks(positions[::step], labels[::step], rotation=45 if len(positions) > 8 else 0, fontsize=8)
    handles = axes.get_legend_handles_labels()
    if any(p.interactions is not None for p in periods):
        second = axes.twinx()
        second.plot(positions, [p.interactions if p.interactions is not None else float("nan") for p in periods],
                    color="#c00000", marker="o", linewidth=1.5, label=t("report.chart_interactions"))
        second.set_ylabel(t("report.chart_interactions"))
        second.yaxis.set_major_locator(MaxNLocator(integer=True))
        second.set_ylim(bottom=0)
        more = second.get_legend_handles_labels()
        handles = (handles[0] + more[0], handles[1] + more[1])
    # above the plot, where it can never cover a bar
    axes.legend(*handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, fontsize=8, frameon=False)
    axes.set_xlabel(t("report.col_month" if by_month else "report.col_day"))
    for side in ("top",):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
