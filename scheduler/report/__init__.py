"""``loa report``: the campaign's official report from the outreach log, as DOCX (Decree 30), XLSX or HTML.

Everything is checked (format, campaign, organisation, output path) before anything is computed, and the file is written
atomically (a temp file in the same folder, then a rename), so a failure never leaves half a report behind.
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from loa.posts.errors import UserError
from loa.posts.files import writable_target, write_atomically
from loa.posts.i18n import t
from loa.posts.os_errors import os_error_text

if TYPE_CHECKING:  # imported where used: the chart worker (chart_worker.py) starts from this package, without them
    from loa.posts.db import Database
    from loa.scheduler.config import Config

    from .chart_worker import ChartWorker
    from .figures import ReportFigures

FORMATS = ("docx", "xlsx", "html")
CHART_FORMATS = ("docx", "html")  # the XLSX has no chart
DEFAULT_FOLDER = "var/reports"  # relative to the config file, like the database and the media folder


def default_output(config_dir: Path, slug: str, fmt: str) -> Path:
    """``var/reports/<slug>-bao-cao.<ext>`` next to config.toml."""
    return config_dir / DEFAULT_FOLDER / f"{slug}-bao-cao.{fmt}"


def check_output(path: Path, *, create_parent: bool) -> None:
    """Refuse an output the report could not be written to, before the report is computed."""
    if path.is_dir():
        raise UserError(t("report.err_output_is_dir", path=path), where="-o")
    writable_target(path, where="-o")  # a device or a FIFO is refused, never replaced by a regular file
    parent = path.parent
    if create_parent:
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(t("report.err_output_dir", path=parent, error=os_error_text(exc, writing=True)),
                            where="-o") from None
    if not parent.is_dir():
        raise UserError(t("report.err_output_dir", path=parent, error=t("report.no_such_folder")), where="-o")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(t("report.err_output_write", path=path, error=t("report.not_writable")), where="-o")


def report_bytes(db: Database, slug: str, fmt: str, organization: dict[str, object],
                 report_date: dt.date | None, channel_names: dict[str, str] | None = None,
                 media_dir: Path | None = None, charts: ChartWorker | None = None) -> bytes:
    """The report of campaign ``slug`` in ``fmt``; the date defaults to today in the campaign's timezone.
    ``channel_names``: channel key -> the name the report gives it (scheduler/channel_names.py); the photos of the
    log's entries are read from ``media_dir`` for the appendix; ``charts``, a started chart worker, draws the charts
    while the document is built (without one they are drawn here)."""
    from loa.posts.lookup import get_campaign
    from loa.posts.times import zone

    from .figures import compute_figures
    from .published import published_rows

    names = dict(channel_names or {})

    def draw_early(figures: ReportFigures) -> None:  # build_document draws the charts when anything was published
        if charts is not None and figures.published:
            from .wording import grain

            charts.request(figures.periods, figures.channels, grain=grain(figures), names=names)

    with db.session() as session:
        figures = compute_figures(session, slug, periods_known=draw_early)
        figures.channel_names = names
        day = report_date or dt.datetime.now(zone(figures.timezone)).date()
        if fmt == "xlsx":
            from .xlsx import xlsx_bytes

            campaign_id = get_campaign(session, slug).id
            return xlsx_bytes(figures, published_rows(session, campaign_id, figures.timezone))
    from .wording import build_document

    draw = charts.images if charts is not None and charts.requested else None
    if fmt == "docx":
        from .docx import docx_bytes  # python-docx and lxml load while the worker draws

        return docx_bytes(build_document(figures, organization, day, media_dir=media_dir, draw_charts=draw))
    from .html import html_bytes

    return html_bytes(build_document(figures, organization, day, media_dir=media_dir, draw_charts=draw))


def chart_worker_for(fmt: str) -> AbstractContextManager[ChartWorker | None]:
    """A chart worker (chart_worker.py) for a report in ``fmt`` that has charts, else None; stopped and reaped when
    the ``with`` block ends, whatever happens in it. The sooner it starts, the more of matplotlib's import overlaps."""
    from contextlib import nullcontext

    if fmt not in CHART_FORMATS:
        return nullcontext()
    from .chart_worker import ChartWorker

    return ChartWorker.start()


def write_report(db: Database, slug: str, fmt: str, output: Path, config: Config,
                 report_date: dt.date | None = None, *, create_parent: bool = False,
                 charts: ChartWorker | None = None) -> Path:
    """Write the report; an unknown campaign or an organisation still holding the template's placeholders
    ("TÊN CƠ QUAN") is refused before any folder is created or anything computed. ``charts``: a worker the caller
    started earlier (chart_worker_for), else one is started here."""
    if fmt not in FORMATS:
        raise UserError(t("report.err_format", value=fmt, known=", ".join(FORMATS)), where="--format")
    from contextlib import nullcontext

    from loa.posts.lookup import get_campaign

    from .organization import report_organization

    with chart_worker_for(fmt) if charts is None else nullcontext(charts) as charts:
        with db.session() as session:
            campaign = get_campaign(session, slug)
            organization = report_organization(config.document.organization.model_dump(), config.path, campaign)
        check_output(output, create_parent=create_parent)
        from loa.scheduler.channel_names import display_names

        media_dir = config.path_of(config.document.render.media)
        data = report_bytes(db, slug, fmt, organization, report_date, display_names(config), media_dir, charts)
    try:
        write_atomically(output, data, where="-o")
    except OSError as exc:
        raise UserError(t("report.err_output_write", path=output, error=os_error_text(exc, writing=True)),
                        where="-o") from None
    return output
