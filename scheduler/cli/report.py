"""``loa report``: the campaign's official report (DOCX in the Decree 30 format, XLSX or HTML) from the log."""
from __future__ import annotations

from pathlib import Path

import click

from loa.posts.i18n import t
from loa.posts.times import parse_date

from . import cli, common
from .choices import WordChoice
from .common import App, pass_app

FORMATS = ("docx", "xlsx", "html")  # scheduler.report.FORMATS, repeated so `loa --help` imports no report code


@cli.command("report", help="help.report.command")
@click.option("--campaign", "slug", metavar="SLUG", required=True, help="help.report.campaign")
@click.option("--format", "fmt", metavar="|".join(FORMATS), type=WordChoice("report_format"), help="help.report.format")
@click.option("-o", "--output", metavar="FILE", help="help.report.output")
@click.option("--date", "report_date", metavar="DATE", help="help.report.date")
@pass_app
def report_command(app: App, slug: str, fmt: str | None, output: str | None, report_date: str | None) -> None:
    from loa.scheduler.report import chart_worker_for, default_output, write_report

    day = parse_date(report_date, where="--date") if report_date else None
    if fmt is None:  # from the file's extension, else the official document
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in FORMATS else "docx"
    # before the configuration and the database open: matplotlib loads in the worker meanwhile
    with chart_worker_for(fmt) as charts:
        config = app.config
        path = Path(output) if output else default_output(config.base_dir, slug, fmt)
        written = write_report(app.database(), slug, fmt, path, config, day, create_parent=output is None,
                               charts=charts)
    click.echo(t("report.written", path=written))
    common.skip_teardown = True  # the file is written and the chart worker reaped: nothing left to close
