"""The outreach log and the report (``/log``): the log with filters (as ``loa log``), offline activities added with
a photo (``loa log add``), CSV/XLSX export (``loa log export``) and the campaign's report in DOCX/XLSX/HTML
(``loa report``) — each a download, made by the same code as on the command line."""
from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.listing import list_campaigns
from loa.posts.outreach_log import KNOWN_KINDS, MANUAL_KINDS, LogFilter, iter_entries, parse_filter

from . import workspace
from .stored_uploads import keep_upload

blueprint = Blueprint("log", __name__)
PAGE = 500  # entries shown; the export has them all
FILTERS = ("campaign", "channel", "from", "to", "kind")
REPORT_FORMATS = ("docx", "xlsx", "html")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "html": "text/html"}


def _filter() -> LogFilter:
    args = {key: (request.args.get(key) or None) for key in FILTERS}
    return parse_filter(campaign=args["campaign"], channel=args["channel"], date_from=args["from"],
                        date_to=args["to"], kind=args["kind"])


def _entries(session: Any, chosen: LogFilter) -> Any:
    config = workspace().config
    return iter_entries(session, chosen, default_timezone=config.timezone, known_channels=config.channel_names)


def _page(*, error: str | None = None, where: str | None = None, status: int = 200,
          form: dict[str, str] | None = None) -> Any:
    from loa.scheduler.views import kind_label

    entries: list[dict[str, Any]] = []
    more = False
    filter_error = None
    with workspace().database.session() as session:
        campaigns = list_campaigns(session, archived=True)
        try:
            with closing(_entries(session, _filter())) as stream:
                entries = list(itertools.islice(stream, PAGE + 1))
        except UserError as exc:
            filter_error, status = str(exc), 422
    more = len(entries) > PAGE
    for entry in entries[:PAGE]:
        entry["label"] = kind_label(entry["kind"])
        entry["when"] = dt.datetime.fromisoformat(entry["at"]).strftime("%d/%m/%Y %H:%M") if entry["at"] else "–"
    return render_template("log.html", entries=entries[:PAGE], more=more, campaigns=campaigns,
                           kinds=KNOWN_KINDS, manual_kinds=MANUAL_KINDS, args=request.args,
                           channels=workspace().config.channel_names, filter_error=filter_error,
                           error=error, where=where, form=form or {}, formats=REPORT_FORMATS), status


@blueprint.route("/log")
def index() -> Any:
    return _page()


@blueprint.route("/log/activity", methods=["POST"])
def activity() -> Any:
    from loa.posts.outreach_manual import MAX_PHOTO_BYTES, add_manual_entry

    form = {key: request.form.get(key, "") for key in ("campaign", "kind", "title", "count", "place", "date")}
    config = workspace().config
    media = config.path_of(config.document.render.media)
    assert media is not None
    try:
        photo = keep_upload(request.files.get("photo"), where="--photo", limit=MAX_PHOTO_BYTES, required=False)
        entry = add_manual_entry(workspace().database, campaign=form["campaign"], kind=form["kind"] or "offline",
                                 title=form["title"], count=form["count"] or None, place=form["place"] or None,
                                 day=form["date"] or None, photo=photo, media_dir=media)
    except UserError as exc:
        return _page(error=str(exc), where=exc.where, status=422, form=form)
    flash(t("logcmd.msg_added", id=entry["id"], kind=entry["kind"], campaign=entry["campaign"]))
    return redirect(url_for("log.index", campaign=entry["campaign"]))


def _download(path: Path, name: str, fmt: str) -> Any:
    response = send_file(path, mimetype=MIME[fmt], as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(lambda: shutil.rmtree(path.parent, ignore_errors=True))  # a temporary folder of its own
    return response


@blueprint.route("/log/export.<fmt>")
def export(fmt: str) -> Any:
    from loa.posts.outreach_export import export_log

    if fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        chosen = _filter()
    except UserError as exc:
        return _page(error=str(exc), where=exc.where, status=422)
    folder = Path(tempfile.mkdtemp(prefix="loa-export-"))
    target = folder / f"nhat-ky.{fmt}"
    with workspace().database.session() as session, closing(_entries(session, chosen)) as entries:
        export_log(entries, fmt, target)
    return _download(target, f"{chosen.campaign or 'loa'}-nhat-ky.{fmt}", fmt)


@blueprint.route("/reports/<slug>.<fmt>")
def report(slug: str, fmt: str) -> Any:
    from loa.scheduler.report import write_report

    if fmt not in REPORT_FORMATS:
        abort(404)
    config = workspace().config
    folder = Path(tempfile.mkdtemp(prefix="loa-report-"))
    try:
        written = write_report(workspace().database, slug, fmt, folder / f"{slug}-bao-cao.{fmt}", config, None)
    except UserError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(error=str(exc), where=exc.where, status=422)
    return _download(written, f"{slug}-bao-cao.{fmt}", fmt)
